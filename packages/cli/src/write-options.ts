import { randomUUID } from "node:crypto";
import { parseDuration } from "@tollgate/server";
import { invalidInput } from "./cli-error.ts";

/** The key to write under: the caller's, or a fresh one that the command prints for a safe retry. */
export function idempotencyKeyOf(given: string | undefined, command: string): string {
  if (given === undefined) return `cli-${command}-${randomUUID()}`;
  if (given.length === 0 || given.length > 255) throw invalidInput("--idempotency-key must be 1 to 255 characters");
  return given;
}

export function requireReason(reason: string | undefined, what: string): string {
  if (!reason?.trim()) throw invalidInput(`--reason is required for ${what}: every balance must be explainable`);
  return reason.trim();
}

/** `--expires-at` (ISO 8601) or `--expires-in` (a duration); null for a grant that never expires. */
export function expiryOf(options: { expiresAt?: string; expiresIn?: string }, now: Date): Date | null {
  if (options.expiresAt !== undefined && options.expiresIn !== undefined) {
    throw invalidInput("give --expires-at or --expires-in, not both");
  }
  let expiresAt: Date | null = null;
  if (options.expiresAt !== undefined) {
    expiresAt = new Date(options.expiresAt);
    if (!/^\d{4}-\d{2}-\d{2}/.test(options.expiresAt) || Number.isNaN(expiresAt.getTime())) {
      throw invalidInput(
        `--expires-at must be an ISO 8601 time such as 2030-01-31T00:00:00Z; got "${options.expiresAt}"`,
      );
    }
  }
  if (options.expiresIn !== undefined) {
    try {
      expiresAt = new Date(now.getTime() + parseDuration(options.expiresIn));
    } catch (error) {
      throw invalidInput(`--expires-in: ${(error as Error).message}`);
    }
  }
  if (expiresAt && expiresAt.getTime() <= now.getTime()) throw invalidInput("--expires-at must be in the future");
  return expiresAt;
}

export function priorityOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^-?\d{1,7}$/.test(text))
    throw invalidInput(`--priority must be a whole number (lower spends first); got "${text}"`);
  return Number(text);
}
