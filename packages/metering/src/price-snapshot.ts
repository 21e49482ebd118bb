import { contentHash, type PriceSnapshot } from "@tollgate/store";

/** Most snapshots remembered: a limit on everything (a deployment prices a few hundred models). */
const SNAPSHOTS_MAX = 10_000;
const snapshots = new Map<string, PriceSnapshot>();

/**
 * A snapshot with its id (the hash of its content), built once per distinct content: every
 * call of a model at one price shares it, so a charge neither rebuilds nor rehashes it.
 * `key` must determine the content (the caller builds it from what the content holds).
 */
export function priceSnapshot(key: string, build: () => Record<string, unknown>): PriceSnapshot {
  const cached = snapshots.get(key);
  if (cached) return cached;
  const snapshot = build();
  const made = { id: contentHash(snapshot), snapshot };
  if (snapshots.size >= SNAPSHOTS_MAX) snapshots.clear();
  snapshots.set(key, made);
  return made;
}
