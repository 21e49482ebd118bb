import { invalidInput } from "./cli-error.ts";

/** `--limit`: a whole number from 1 to `max`, `fallback` when absent. */
export function parseLimit(text: string | undefined, options: { fallback: number; max: number }): number {
  if (text === undefined) return options.fallback;
  const limit = Number(text);
  if (!/^\d+$/.test(text) || limit < 1 || limit > options.max) {
    throw invalidInput(`--limit must be a whole number from 1 to ${options.max}; got "${text}"`);
  }
  return limit;
}
