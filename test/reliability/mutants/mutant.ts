/**
 * A deliberately broken build of tollgate: one source module with a few exact replacements,
 * made only in the bundle (mutant-build.ts), never in the sources. Each replacement must match
 * exactly once, so a mutant whose code moved fails loudly instead of testing nothing.
 */
export interface Mutant {
  name: string;
  /** What is broken, in a user's words: what the checks must catch. */
  defect: string;
  /** The module replaced, relative to the repository root. */
  module: string;
  replacements: Array<{ find: string; replace: string }>;
}
