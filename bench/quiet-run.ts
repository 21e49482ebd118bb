import type { Figure } from "./report.ts";

/**
 * Others' CPU (`cpu_others`, percent of one core) at or under which a figure's window counts
 * as quiet: a shell, an editor and the system's own daemons stay under it; another engineer's
 * test run or build does not. The figures this process measures use most of the two cores by
 * themselves, so a neighbour above this takes a share of what they measure.
 */
export const CPU_OTHERS_QUIET_PERCENT_MAX = 10;

const othersOf = (figure: Figure) => figure.cpu_others as number;

/**
 * The run's summary line, `run.cpu_others_max`: the most CPU others used during any figure's
 * window, and `quiet` true only when every window stayed at or under the limit. Null when no
 * figure carried `cpu_others` (off Linux: nothing was watched, nothing can be said).
 */
export function quietRunFigure(figures: readonly Figure[]): Figure | null {
  const watched = figures.filter((figure) => typeof figure.cpu_others === "number");
  const [first] = watched;
  if (first === undefined) return null;
  const worst = watched.reduce((most, figure) => (othersOf(figure) > othersOf(most) ? figure : most), first);
  const noisy = watched.filter((figure) => othersOf(figure) > CPU_OTHERS_QUIET_PERCENT_MAX);
  return {
    bench: "run.cpu_others_max",
    value: othersOf(worst),
    unit: "percent",
    quiet: noisy.length === 0,
    quiet_max: CPU_OTHERS_QUIET_PERCENT_MAX,
    figures: watched.length,
    figures_noisy: noisy.length,
    worst: worst.bench,
  };
}
