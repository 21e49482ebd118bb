import { percentile } from "./measure.ts";

/**
 * The parts of a proxied call timed inside the Tollgate process, so the added latency can be
 * split: authentication, the hold (estimate and commit), the settlement, and the handler as a
 * whole. Each is a method of the app's own dependencies wrapped on its instance
 * (`timeMethod`), so the product's code is measured unchanged, whatever order its flow calls
 * them in.
 */
export const SEGMENTS = [
  /** `keys.verify`: the token's lookup (cached after the first call). */
  "auth",
  /** `meter.authorizeCall`: price lookup, token estimate, and the hold's commit. */
  "hold",
  /** The ledger's `authorize` operation inside it: the hold's database commit alone. */
  "hold_commit",
  /** `meter.recordUsage`: the settlement's quote, usage event and commit. */
  "settle",
  /** The ledger's `settle` (or `charge`) operation inside it: the settlement's database commit alone. */
  "settle_commit",
  /** The app's `fetch`, from the request to its `Response` (a stream's: to its head). */
  "handler",
] as const;

export type Segment = (typeof SEGMENTS)[number];

/** Per segment: how many calls were timed, and their p50 and p99 in ms. */
export type SegmentSummary = Record<Segment, { calls: number; p50Ms: number; p99Ms: number }>;

/** Durations per segment since the last `reset`. */
export class SegmentTimes {
  readonly #samples = new Map<Segment, number[]>(SEGMENTS.map((segment) => [segment, []]));

  record(segment: Segment, durationMs: number): void {
    this.#samples.get(segment)?.push(durationMs);
  }

  reset(): void {
    for (const samples of this.#samples.values()) samples.length = 0;
  }

  /** A segment never called (a flow that does without it) reads 0 calls and 0 ms. */
  summary(): SegmentSummary {
    const entries = SEGMENTS.map((segment) => {
      const samples = this.#samples.get(segment) ?? [];
      const calls = samples.length;
      const of = (rank: number) => (calls === 0 ? 0 : percentile(samples, rank));
      return [segment, { calls, p50Ms: of(50), p99Ms: of(99) }] as const;
    });
    return Object.fromEntries(entries) as SegmentSummary;
  }
}

/**
 * Replaces `target[method]` on that instance with a wrapper that times each call (to its
 * promise settling) into `segment`, or into the segment `segment(args)` names (null: not
 * timed), for a method that does several things.
 *
 * @example
 * timeMethod(meter, "authorizeCall", times, "hold");
 */
export function timeMethod<Target extends object, Method extends keyof Target & string>(
  target: Target,
  method: Method,
  times: SegmentTimes,
  segment: Segment | ((args: unknown[]) => Segment | null),
): void {
  const original = target[method] as unknown as (...args: unknown[]) => Promise<unknown>;
  if (typeof original !== "function") throw new TypeError(`${method} is not a method`);
  const timed = async (...args: unknown[]) => {
    const named = typeof segment === "function" ? segment(args) : segment;
    if (named === null) return original.apply(target, args);
    const began = performance.now();
    try {
      return await original.apply(target, args);
    } finally {
      times.record(named, performance.now() - began);
    }
  };
  Object.defineProperty(target, method, { value: timed, configurable: true, writable: true });
}
