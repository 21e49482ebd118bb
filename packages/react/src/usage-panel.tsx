import { useId } from "react";
import { formatAmount, formatDate } from "./format-amount.ts";
import { type UnitStats, useUsage } from "./use-usage.ts";

export interface UsagePanelProps {
  /** The panel's heading (default "Usage this period"). */
  title?: string;
  className?: string;
}

/**
 * Usage this period: used of allocated per unit (a progress bar when there is an
 * allocation), when it next refreshes, and what each model cost. Follows the live balance.
 *
 * @example
 * <UsagePanel />
 */
export function UsagePanel(props: UsagePanelProps) {
  const headingId = useId();
  const { data, error, loading } = useUsage();
  return (
    <section
      className={["tollgate-panel", props.className].filter(Boolean).join(" ")}
      aria-labelledby={headingId}
      aria-busy={loading}
    >
      <h2 id={headingId} className="tollgate-panel__title">
        {props.title ?? "Usage this period"}
      </h2>
      {error && !data ? (
        <p role="alert" className="tollgate-panel__error">
          Usage is unavailable: {error.message}
        </p>
      ) : null}
      {data ? (
        <>
          {data.byUnit.map((row) => (
            <UnitUsage key={row.unit} row={row} />
          ))}
          <p className="tollgate-panel__refresh">
            {data.refreshDate ? (
              <>
                Refreshes on <time dateTime={data.refreshDate}>{formatDate(data.refreshDate)}</time>
                {data.subscription ? ` (${data.subscription.plan} plan)` : ""}
              </>
            ) : (
              <>
                Since <time dateTime={data.periodStart}>{formatDate(data.periodStart)}</time>; no plan refreshes it
              </>
            )}
          </p>
          {data.byModel.length > 0 ? (
            <table className="tollgate-panel__models">
              <caption>By model</caption>
              <thead>
                <tr>
                  <th scope="col">Model</th>
                  <th scope="col">Calls</th>
                  <th scope="col">Charged</th>
                </tr>
              </thead>
              <tbody>
                {data.byModel.map((group) => (
                  <tr key={`${group.unit}:${group.key}`}>
                    <th scope="row">{group.key ?? "other"}</th>
                    <td>{group.calls}</td>
                    <td>
                      {formatAmount(group.charged)} {group.unit}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="tollgate-panel__empty">No model calls this period.</p>
          )}
        </>
      ) : null}
    </section>
  );
}

function UnitUsage({ row }: { row: UnitStats }) {
  const percent = usedPercent(row.used, row.allocated);
  const labelId = useId();
  return (
    <div className="tollgate-panel__unit">
      <p id={labelId} className="tollgate-panel__used">
        <strong>{formatAmount(row.used)}</strong> {row.unit} used
        {percent === null ? "" : ` of ${formatAmount(row.allocated)}`}
        {" · "}
        {formatAmount(row.available)} available
      </p>
      {percent === null ? null : (
        <div
          className="tollgate-panel__meter"
          role="progressbar"
          aria-labelledby={labelId}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent}
        >
          <span style={{ width: `${percent}%` }} />
        </div>
      )}
    </div>
  );
}

/** Whole percent of the allocation used, capped at 100; null without an allocation. Exact: bigint. */
function usedPercent(used: string, allocated: string): number | null {
  const scale = Math.max(decimals(used), decimals(allocated));
  const minor = (text: string) =>
    BigInt(text.replace(".", "").replace(/^-?0+(?=\d)/, "") + "0".repeat(scale - decimals(text)));
  const allocatedMinor = minor(allocated);
  if (allocatedMinor <= 0n) return null;
  const percent = (minor(used) * 100n) / allocatedMinor;
  return Number(percent > 100n ? 100n : percent < 0n ? 0n : percent);
}

function decimals(text: string): number {
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : text.length - dot - 1;
}
