import { balanceLevel } from "./balance-level.ts";
import { formatAmount } from "./format-amount.ts";
import { accountPath, type TollgateApi } from "./tollgate-api.ts";
import { useTollgate } from "./tollgate-provider.tsx";
import { useApiRead } from "./use-api-read.ts";
import { useBalance } from "./use-balance.ts";

export interface BalanceBadgeProps {
  /** The unit shown (default: the account's first). */
  unit?: string;
  /** "Low" below this (a decimal string), when the account has no threshold of its own to read. */
  lowBelow?: string;
  /** What the amount is called, e.g. "Credits" (default: the unit). */
  label?: string;
  className?: string;
}

const LEVEL_TEXT = { ok: "", low: "low", depleted: "used up" } as const;

/**
 * The account's available balance, live, coloured ok, low or depleted (`data-level`). A
 * screen reader hears each change (`role="status"` is a polite live region).
 *
 * @example
 * <BalanceBadge unit="credits" label="Credits" lowBelow="100" />
 */
export function BalanceBadge(props: BalanceBadgeProps) {
  const { api, account } = useTollgate();
  const { balance, balances, status } = useBalance(props.unit);
  const unit = props.unit ?? balance?.unit ?? balances?.[0]?.unit ?? null;
  const threshold = useApiRead(api, (client, signal) => accountThreshold(client, account, unit, signal), [
    account,
    unit,
  ]);
  const lowBelow = threshold.data ?? props.lowBelow ?? null;
  const label = props.label ?? unit ?? "Balance";
  // Live with no balance in the unit: the account has never had any, which is none.
  const available = balance?.available ?? (status === "live" ? "0" : null);
  const level = available === null ? null : balanceLevel(available, lowBelow);
  const amount = available === null ? "…" : formatAmount(available);
  const spoken = level
    ? `${label}: ${amount}${LEVEL_TEXT[level] ? `, ${LEVEL_TEXT[level]}` : ""}`
    : `${label}: loading`;
  return (
    <span
      className={["tollgate-badge", props.className].filter(Boolean).join(" ")}
      role="status"
      aria-live="polite"
      aria-label={spoken}
      data-level={level ?? "loading"}
      data-status={status}
    >
      <span className="tollgate-badge__dot" aria-hidden="true" />
      <span className="tollgate-badge__label">{label}</span>
      <span className="tollgate-badge__amount">{amount}</span>
      {status === "reconnecting" || status === "failed" ? (
        <span className="tollgate-badge__offline">{status === "failed" ? "offline" : "reconnecting"}</span>
      ) : null}
    </span>
  );
}

/**
 * The account's own `balance.low` threshold in `unit`, or null. The route is for secret keys:
 * a customer token is refused (403) and the badge falls back to its `lowBelow` prop.
 */
async function accountThreshold(
  api: TollgateApi,
  account: string,
  unit: string | null,
  signal: AbortSignal,
): Promise<string | null> {
  if (unit === null) return null;
  try {
    const answer = await api.get<{ thresholds: Array<{ unit: string; effective: string | null; off: boolean }> }>(
      accountPath(account, "/low-balance-thresholds"),
      { signal },
    );
    const row = answer.thresholds.find((threshold) => threshold.unit === unit);
    return row && !row.off ? row.effective : null;
  } catch {
    return null;
  }
}
