/** How large the reliability suite runs: bounded in CI and `npm test`, larger with TOLLGATE_RELIABILITY_SCALE=full. */
export type ReliabilityScale = "ci" | "full";

/** The scale this run uses, from TOLLGATE_RELIABILITY_SCALE ("full"; anything else is "ci"). */
export function reliabilityScale(): ReliabilityScale {
  return process.env.TOLLGATE_RELIABILITY_SCALE === "full" ? "full" : "ci";
}

/** Prints one measured figure as a JSON line, as `npm run bench` does, for docs/operating/reliability.md. */
export function reportFigure(figure: string, value: number, unit: string): void {
  process.stdout.write(`${JSON.stringify({ reliability: figure, value, unit })}\n`);
}
