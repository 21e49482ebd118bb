import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { api, type UsageRow } from "../api/tollgate-api.ts";
import { useLoaded } from "../use-loaded.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The account's usage over the last 30 days, charged per model, per feature and per day (recharts). The
 * bars' heights are numbers (a chart's geometry); every figure a reader sees stays the API's
 * exact decimal string, in the tooltip.
 */
export function UsageCharts(props: { account: string; changes: unknown }) {
  // A day boundary per load: a reload after a change asks again (`changes` is the live balances).
  const from = new Date(Date.now() - 30 * DAY_MS).toISOString();
  const key = `${props.account} ${JSON.stringify(props.changes)}`;
  const byModel = useLoaded(() => api.usage(props.account, { groupBy: "model", from }), key);
  const byFeature = useLoaded(() => api.usage(props.account, { groupBy: "feature", from }), key);
  const byDay = useLoaded(() => api.usage(props.account, { groupBy: "day", from }), key);
  const rows = byModel.value?.data ?? [];
  if (byModel.error) return <p className="error">{byModel.error}</p>;
  return (
    <div className="card">
      <h2>Usage, last 30 days</h2>
      {rows.length === 0 ? (
        <p className="status">No metered usage in the last 30 days.</p>
      ) : (
        <div className="charts">
          <UsageChart title="Charged by model" rows={rows} />
          <UsageChart title="Charged by feature" rows={byFeature.value?.data ?? []} other="no feature" />
          <UsageChart title="Charged by day" rows={byDay.value?.data ?? []} day />
        </div>
      )}
    </div>
  );
}

function UsageChart(props: { title: string; rows: UsageRow[]; day?: boolean; other?: string }) {
  const data = props.rows.map((row) => ({
    // A call with no model or feature named is grouped under a null key.
    name: props.day && row.key ? row.key.slice(0, 10) : (row.key ?? props.other ?? "other"),
    height: Number(row.charged),
    charged: `${row.charged} ${row.unit}`,
    calls: row.calls,
  }));
  return (
    <figure className="chart">
      <figcaption>{props.title}</figcaption>
      <ResponsiveContainer width="100%" height={220}>
        <BarChart data={data}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="name" tick={{ fontSize: 12 }} />
          <YAxis tick={{ fontSize: 12 }} width={48} />
          <Tooltip formatter={(_value, _name, item) => [item.payload.charged, `${item.payload.calls} calls`]} />
          <Bar dataKey="height" fill="var(--tg-accent)" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}
