import { parseDecimal } from "@tollgate/core";
import { assertFeatureName } from "./features.ts";

/** Largest metadata a usage event keeps, as JSON: a limit on everything. */
export const METADATA_BYTES_MAX = 16 * 1024;
const TEXT_LENGTH_MAX = 200;
const LATENCY_MS_MAX = 24 * 60 * 60 * 1000;

/**
 * Checks the fields a recorded call carries besides its usage, before anything is priced
 * or written. A bad field is a RangeError naming it (the API answers `invalid_request`).
 */
export function validateCallFields(input: {
  conversationId?: string;
  member?: string;
  success?: boolean;
  latencyMs?: number;
  metadata?: Record<string, unknown>;
  feature?: string;
  plan?: string;
  providerReportedCostUsd?: string;
}): void {
  for (const field of ["conversationId", "member", "plan"] as const) {
    const value = input[field];
    if (value !== undefined && (typeof value !== "string" || value.length === 0 || value.length > TEXT_LENGTH_MAX)) {
      throw new RangeError(`${field} must be a string of 1 to ${TEXT_LENGTH_MAX} characters`);
    }
  }
  if (input.feature !== undefined) assertFeatureName(input.feature);
  if (input.success !== undefined && typeof input.success !== "boolean")
    throw new RangeError("success must be a boolean");
  if (
    input.latencyMs !== undefined &&
    (!Number.isSafeInteger(input.latencyMs) || input.latencyMs < 0 || input.latencyMs > LATENCY_MS_MAX)
  ) {
    throw new RangeError(`latencyMs must be a whole number of milliseconds from 0 to ${LATENCY_MS_MAX}`);
  }
  if (input.metadata !== undefined) {
    if (input.metadata === null || typeof input.metadata !== "object" || Array.isArray(input.metadata)) {
      throw new RangeError("metadata must be a JSON object");
    }
    if (Buffer.byteLength(JSON.stringify(input.metadata)) > METADATA_BYTES_MAX) {
      throw new RangeError(`metadata must be at most ${METADATA_BYTES_MAX} bytes of JSON`);
    }
  }
  if (input.providerReportedCostUsd !== undefined) {
    const cost = typeof input.providerReportedCostUsd === "string" ? parseDecimal(input.providerReportedCostUsd) : null;
    if (!cost || cost.numerator < 0n) {
      throw new RangeError("providerReportedCostUsd must be a non-negative decimal string of USD");
    }
  }
}
