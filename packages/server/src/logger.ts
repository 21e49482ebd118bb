import { isSecretFieldName, REDACTED, redactText } from "./log-redaction.ts";

/**
 * One JSON object per line, so log shippers parse it without rules. Every line is redacted
 * on the way out (see `createJsonLogger`), but callers still pass only what they mean to log.
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

/**
 * A logger writing one JSON line per call. Redaction is the logger's job, not each caller's:
 * a field whose name looks secret (`authorization`, `cookie`, `token`, `secret`, `password`,
 * `apiKey`, …) is written as `[redacted]`, and every string, at any depth and inside Error
 * messages and stacks, has its tokens (`tg_sk_…`, `tg_ct_…`, `whsec_…`), bearer credentials
 * and URL passwords masked.
 *
 * @example
 * const logger = createJsonLogger({ write: (line) => lines.push(line) });
 * logger.warn("upstream refused", { authorization: "Bearer tg_sk_…" }); // "authorization":"[redacted]"
 */
export function createJsonLogger(
  stream: { write(line: string): unknown } = process.stdout,
  clock: () => Date = () => new Date(),
): Logger {
  const write = (level: string, message: string, fields: Record<string, unknown> = {}) => {
    const entry = { time: clock().toISOString(), level, message, ...fields };
    stream.write(`${serialize(entry)}\n`);
  };
  return {
    info: (message, fields) => write("info", message, fields),
    warn: (message, fields) => write("warn", message, fields),
    error: (message, fields) => write("error", message, fields),
  };
}

/** A logger that drops everything, for callers that want silence. */
export const SILENT_LOGGER: Logger = { info() {}, warn() {}, error() {} };

/** A line that cannot be serialized (a cycle) still says what happened, never throwing at the caller. */
function serialize(entry: Record<string, unknown>): string {
  try {
    return JSON.stringify(entry, replacer);
  } catch (error) {
    return JSON.stringify(
      {
        time: entry.time,
        level: entry.level,
        message: entry.message,
        logError: `the fields could not be written: ${String(error)}`,
      },
      replacer,
    );
  }
}

/**
 * Secret-looking fields are dropped, strings masked; errors keep their name, message, stack
 * and cause (in the log only); bigints become strings. JSON.stringify calls this for every
 * key at every depth, so redaction is recursive by construction.
 */
function replacer(key: string, value: unknown): unknown {
  if (key !== "" && value !== null && value !== undefined && isSecretFieldName(key)) return REDACTED;
  if (typeof value === "string") return redactText(value);
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) {
    return {
      name: value.name,
      message: value.message,
      stack: value.stack,
      ...(value.cause === undefined ? {} : { cause: value.cause }),
    };
  }
  return value;
}
