/** Exit codes are public: scripts branch on them. Documented in docs/reference/cli.md. */
export const EXIT = {
  ok: 0,
  /** The ledger refused (a result code), an account was not found, or reconcile found mismatches. */
  failed: 1,
  /** The input or configuration is invalid; nothing was changed. */
  invalidInput: 2,
  /** Something unexpected: the database is unreachable or busy, or a bug. */
  unexpected: 3,
} as const;

/**
 * An error the CLI reports as `code: message` (or `{ "error": … }` with --json) before
 * exiting with `exitCode`. `reported` marks a failure whose output was already printed.
 *
 * @example
 * throw new CliError("invalid_input", "--amount must be positive", EXIT.invalidInput);
 */
export class CliError extends Error {
  override readonly name = "CliError";

  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: number,
    /** Public detail printed beside the message; amounts already formatted in their unit. */
    readonly details: Record<string, string> = {},
    readonly reported = false,
  ) {
    super(message);
  }
}

export function invalidInput(message: string): CliError {
  return new CliError("invalid_input", message, EXIT.invalidInput);
}
