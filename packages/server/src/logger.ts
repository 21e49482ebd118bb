/**
 * One JSON object per line, so log shippers parse it without rules. Callers pass what they
 * mean to log and nothing more: never a key, a token, a secret or a database password.
 *
 * @example
 * const logger = createJsonLogger();
 * logger.info("listening", { url: "http://127.0.0.1:8787" });
 */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export function createJsonLogger(
  stream: { write(line: string): unknown } = process.stdout,
  clock: () => Date = () => new Date(),
): Logger {
  const write = (level: string, message: string, fields: Record<string, unknown> = {}) => {
    stream.write(`${JSON.stringify({ time: clock().toISOString(), level, message, ...fields }, replacer)}\n`);
  };
  return {
    info: (message, fields) => write("info", message, fields),
    warn: (message, fields) => write("warn", message, fields),
    error: (message, fields) => write("error", message, fields),
  };
}

/** A logger that drops everything, for callers that want silence. */
export const SILENT_LOGGER: Logger = { info() {}, warn() {}, error() {} };

/** Errors keep their name, message and stack (in the log only); bigints become strings. */
function replacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}
