import type { HttpCpuUsage } from "./http-cpu.ts";

/** What one HTTP run saw in its measured window. */
export interface HttpOutcome {
  /** 2xx responses. */
  responses: number;
  /** Responses with any other status. */
  non2xx: number;
  /** Requests that got no response: connection errors and timeouts. */
  errors: number;
  windowMs: number;
  /** Latency of each 2xx response, in ms with sub-millisecond precision, from write to last byte. */
  latenciesMs: number[];
  cpu: HttpCpuUsage | null;
}

export function responsesPerSecond(outcome: HttpOutcome): number {
  return (outcome.responses * 1000) / outcome.windowMs;
}

/** Share of requests that did not get a 2xx (0–1). */
export function failureShare(outcome: HttpOutcome): number {
  const total = outcome.responses + outcome.non2xx + outcome.errors;
  return total === 0 ? 1 : (outcome.non2xx + outcome.errors) / total;
}
