import { randomFillSync } from "node:crypto";
import { ID_PREFIXES, type IdGenerator } from "@tollgate/core";
import { v7 as uuidv7 } from "uuid";

/**
 * Random bytes for ids, drawn from the system in blocks: `uuid` asks `getRandomValues` for
 * 16 bytes per id, and on a VM that system call was ~30 µs, the largest single cost of a
 * metered charge (two ids). One call per 256 ids instead.
 */
const POOL_BYTES = 4096;
const pool = new Uint8Array(POOL_BYTES);
let poolOffset = POOL_BYTES;

function randomBytes16(): Uint8Array {
  if (poolOffset + 16 > POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  poolOffset += 16;
  return pool.subarray(poolOffset - 16, poolOffset);
}

/** `acct_0193…`: a type prefix and a UUIDv7 without dashes, so ids sort by creation time. */
export const newId: IdGenerator = (kind) =>
  `${ID_PREFIXES[kind]}_${uuidv7({ random: randomBytes16() }).replaceAll("-", "")}`;

/**
 * An id whose embedded time is `at` (the ledger's clock) rather than the wall clock, so a
 * range of ids is a range of `created_at`: usage reports bound an account's events by id.
 */
export const newIdAt = (kind: Parameters<IdGenerator>[0], at: Date): string =>
  `${ID_PREFIXES[kind]}_${uuidv7({ msecs: at.getTime(), random: randomBytes16() }).replaceAll("-", "")}`;

/** The least id of `kind` created at or after `at`: the lower bound of a time range of ids. */
export const idFloorAt = (kind: Parameters<IdGenerator>[0], at: Date): string =>
  `${ID_PREFIXES[kind]}_${Math.max(0, at.getTime()).toString(16).padStart(12, "0")}${"0".repeat(20)}`;
