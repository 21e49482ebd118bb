import { withCpuPerOperation } from "./cpu-per-operation.ts";
import { quietRunFigure } from "./quiet-run.ts";
import { goalFigures } from "./ratios.ts";
import { type Figure, type FigureSink, progress } from "./report.ts";

/** A sink that remembers a run's figures, and prints their goals when the run is over. */
export interface GoalSink {
  /** Passes each figure on, with its CPU per operation added to a rate. */
  sink: FigureSink;
  /** Prints the goal lines of the figures seen (ratios.ts), then whether the run was quiet. */
  finish(): void;
}

/**
 * Wraps `sink` so the suites need not know about the goals: the ratios are computed from the
 * figures as they were printed, all from this one run (figures from two runs do not compare
 * on a shared machine whose speed varies twofold).
 */
export function collectGoals(sink: FigureSink, log: (message: string) => void = progress): GoalSink {
  const byName = new Map<string, Figure>();
  const seen: Figure[] = [];
  return {
    sink(figure) {
      const withCpu = withCpuPerOperation(figure);
      byName.set(withCpu.bench, withCpu);
      seen.push(withCpu);
      sink(withCpu);
    },
    finish() {
      for (const line of goalFigures(byName)) sink(line);
      const quiet = quietRunFigure(seen);
      if (quiet === null) return;
      sink(quiet);
      if (!quiet.quiet) {
        log(
          `not a quiet run: others used up to ${quiet.value}% of a core (during ${quiet.worst}); ` +
            `${quiet.figures_noisy} of ${quiet.figures} figures were taken above ${quiet.quiet_max}%, distrust them`,
        );
      }
    },
  };
}
