/**
 * The globs plans name models and features with: `*` matches any run of characters, `/`
 * included (`openai/*` is every OpenAI model, `*` everything); every other character is itself.
 * Matched by hand, with no regular expression, so no text from a configuration file is ever
 * compiled, and the work is bounded by the lengths (both at most 256 characters).
 *
 * @example
 * globMatches("openai/gpt-4o*", "openai/gpt-4o-mini"); // true
 * globMatches("generate_*", "summarize"); // false
 */

/** Longest glob, and longest name matched: far above any model or feature id, a limit on the work. */
export const GLOB_LENGTH_MAX = 256;

/**
 * Characters that are special in other glob dialects (`?`, classes, alternatives, escapes). Refused
 * rather than taken literally, so `gpt-4?` or `{a,b}` in a config is an error, not a rule that
 * silently matches nothing.
 */
const FOREIGN_SYNTAX = /[?[\]{}\\]/;
/** Whitespace and control characters: no id has them, and in a config they are a typo. */
const INVISIBLE = /[\s\p{Cc}]/u;

/**
 * Throws a RangeError when `glob` is not a glob this module understands: empty, over 256
 * characters, with whitespace, or with syntax from other dialects (`?`, `[...]`, `{...}`, `\`, a
 * leading `!`). The message quotes the glob; the caller adds which field held it.
 *
 * @example
 * assertGlob("anthropic/*"); // returns
 * assertGlob("gpt-4?"); // RangeError: glob "gpt-4?" uses "?" ...
 */
export function assertGlob(glob: string): void {
  const quoted = JSON.stringify(glob);
  if (typeof glob !== "string" || glob.length === 0)
    throw new RangeError(`a glob must be a non-empty string, got ${quoted}`);
  if (glob.length > GLOB_LENGTH_MAX) {
    throw new RangeError(`glob ${quoted.slice(0, 40)}... is ${glob.length} characters, over ${GLOB_LENGTH_MAX}`);
  }
  if (INVISIBLE.test(glob)) throw new RangeError(`glob ${quoted} contains whitespace or a control character`);
  const foreign = FOREIGN_SYNTAX.exec(glob)?.[0] ?? (glob.startsWith("!") ? "!" : null);
  if (foreign !== null) {
    throw new RangeError(
      `glob ${quoted} uses ${JSON.stringify(foreign)}, which plans do not understand: only "*" is special (any run of characters, "/" included); to refuse names, list them in deny`,
    );
  }
}

/**
 * Whether `name` matches `glob`, exactly as written (callers fold case first if they mean to).
 * A glob is literal pieces between stars: the first must start the name, the last end it, and the
 * ones between appear in order; taking each at its leftmost place is enough, since a star
 * absorbs whatever lies between.
 *
 * @example
 * globMatches("*-mini", "openai/gpt-4o-mini"); // true
 */
export function globMatches(glob: string, name: string): boolean {
  const pieces = glob.split("*");
  const first = pieces[0] ?? "";
  if (pieces.length === 1) return first === name;
  const last = pieces[pieces.length - 1] ?? "";
  const middleEnd = name.length - last.length;
  if (middleEnd < first.length || !name.startsWith(first) || !name.endsWith(last)) return false;
  let position = first.length;
  for (const piece of pieces.slice(1, -1)) {
    const found = name.indexOf(piece, position);
    if (found === -1 || found + piece.length > middleEnd) return false;
    position = found + piece.length;
  }
  return true;
}
