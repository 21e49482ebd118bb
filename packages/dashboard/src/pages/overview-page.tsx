import { api } from "../api/tollgate-api.ts";
import { useLoaded } from "../use-loaded.ts";

/** The deployment at a glance, from what the API reports today: the reconcile summary and failing webhooks. */
export function OverviewPage() {
  const report = useLoaded(() => api.reconcile(), "reconcile");
  const failed = useLoaded(() => api.failedDeliveries(), "failed");
  const summary = report.value?.summary;
  return (
    <section>
      <h1>Overview</h1>
      {report.error && <p className="error">{report.error}</p>}
      <div className="tiles">
        <Tile label="Accounts" value={summary?.accounts} />
        <Tile label="Transactions" value={summary?.transactions} />
        <Tile label="Active holds" value={summary?.activeHolds} />
        <Tile label="Lots due to expire" value={summary?.lotsDueToExpire} />
        <Tile
          label="Failing webhook deliveries"
          value={failed.value ? `${failed.value.data.length}${failed.value.nextCursor ? "+" : ""}` : undefined}
        />
        <Tile
          label="Ledger reconciles"
          value={report.value ? (report.value.ok ? "yes" : "NO: run tollgate reconcile") : undefined}
        />
      </div>
    </section>
  );
}

function Tile(props: { label: string; value: string | number | undefined }) {
  return (
    <div className="card tile">
      <span className="tile-label">{props.label}</span>
      <span className="tile-value">{props.value ?? "…"}</span>
    </div>
  );
}
