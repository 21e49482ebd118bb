import { type Overview, operationsApi, type UsageWindow } from "../api/operations-api.ts";
import { api } from "../api/tollgate-api.ts";
import { hrefOf } from "../route.ts";
import { useLoaded } from "../use-loaded.ts";

/**
 * The deployment at a glance: credits outstanding, active holds, usage with provider cost and
 * margin today and over 30 days (`GET /v1/overview`), failing webhooks, and whether the ledger
 * reconciles. Every amount is the API's exact decimal string, per unit: units are never added.
 */
export function OverviewPage() {
  const overview = useLoaded(() => operationsApi.overview(), "overview");
  const report = useLoaded(() => api.reconcile(), "reconcile");
  const figures = overview.value;
  return (
    <section>
      <h1>Overview</h1>
      {overview.error && <p className="error">{overview.error}</p>}
      {report.error && <p className="error">{report.error}</p>}
      <div className="tiles">
        {figures?.outstanding.map((row) => (
          <Tile
            key={row.unit}
            label={`Credits outstanding (${row.unit})`}
            value={row.balance}
            note={`${row.accounts} accounts · ${row.held} held${/[1-9]/.test(row.debt) ? ` · ${row.debt} debt` : ""}`}
          />
        ))}
        {figures?.activeHolds.map((row) => (
          <Tile
            key={row.unit}
            label={`Active holds (${row.unit})`}
            value={row.amount}
            note={`${row.holds} ${row.holds === 1 ? "hold" : "holds"}`}
          />
        ))}
        {figures?.activeHolds.length === 0 && <Tile label="Active holds" value="none" />}
        <Tile
          label="Failing webhooks"
          value={figures ? String(figures.webhooks.failedDeliveries) : undefined}
          note={figures ? `failed for good · ${figures.webhooks.retryingDeliveries} retrying` : undefined}
          href={hrefOf({ page: "webhooks" })}
        />
        <Tile label="Accounts" value={report.value ? String(report.value.summary.accounts) : undefined} />
        <Tile
          label="Ledger reconciles"
          value={report.value ? (report.value.ok ? "yes" : "NO: run tollgate reconcile") : undefined}
          note={report.value ? `${report.value.summary.transactions} transactions` : undefined}
        />
      </div>
      {figures && <UsageTable figures={figures} />}
      {figures && figures.webhooks.endpoints.length > 0 && <FailingEndpoints figures={figures} />}
    </section>
  );
}

function UsageTable(props: { figures: Overview }) {
  const windows: [string, UsageWindow][] = [
    ["Today", props.figures.today],
    ["Last 30 days", props.figures.last30Days],
  ];
  return (
    <div className="card usage-overview">
      <h2>Usage, provider cost and margin</h2>
      <div className="table-scroll">
        <table className="overview-usage stack">
          <thead>
            <tr>
              <th>Window</th>
              <th>Unit</th>
              <th>Events</th>
              <th>Charged</th>
              <th>Provider cost (USD)</th>
              <th>Charged (USD)</th>
              <th>Margin (USD)</th>
            </tr>
          </thead>
          <tbody>
            {windows.flatMap(([label, window]) =>
              window.units.length === 0
                ? [
                    <tr key={label} data-window={label}>
                      <td data-label="Window">{label}</td>
                      <td data-label="Usage" colSpan={6}>
                        none
                      </td>
                    </tr>,
                  ]
                : window.units.map((row) => (
                    <tr key={`${label}-${row.unit}`} data-window={label} data-unit={row.unit}>
                      <td data-label="Window">{label}</td>
                      <td data-label="Unit">{row.unit}</td>
                      <td data-label="Events">
                        {row.events}
                        {row.failedEvents > 0 ? ` (${row.failedEvents} failed)` : ""}
                      </td>
                      <td data-label="Charged" className="figure">
                        {row.charged}
                      </td>
                      <td data-label="Provider cost (USD)" className="figure">
                        {row.providerCostUsd}
                      </td>
                      <td data-label="Charged (USD)" className="figure">
                        {row.chargedUsd ?? "–"}
                      </td>
                      <td data-label="Margin (USD)" className="figure">
                        {row.marginUsd ?? "–"}
                      </td>
                    </tr>
                  )),
            )}
          </tbody>
        </table>
      </div>
      <p className="hint">
        Today begins at midnight in {props.figures.timeZone}. Margin is the charges converted back to USD at each call's
        own rate, minus what the provider charged; a unit with no USD rate (a feature's) has none. Charges of a fixed
        amount record no usage event and are not counted here.
      </p>
    </div>
  );
}

function FailingEndpoints(props: { figures: Overview }) {
  return (
    <div className="card">
      <h2>Endpoints with failing deliveries</h2>
      <div className="table-scroll">
        <table className="stack">
          <thead>
            <tr>
              <th>Endpoint</th>
              <th>Failed</th>
              <th>Retrying</th>
              <th>Last error</th>
            </tr>
          </thead>
          <tbody>
            {props.figures.webhooks.endpoints.map((endpoint) => (
              <tr key={endpoint.id}>
                <td data-label="Endpoint" className="mono">
                  {endpoint.url}
                </td>
                <td data-label="Failed">{endpoint.failedDeliveries}</td>
                <td data-label="Retrying">{endpoint.retryingDeliveries}</td>
                <td data-label="Last error">{endpoint.lastError ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function Tile(props: { label: string; value: string | undefined; note?: string | undefined; href?: string }) {
  const body = (
    <>
      <span className="tile-label">{props.label}</span>
      <span className="tile-value">{props.value ?? "…"}</span>
      {props.note && <span className="tile-note">{props.note}</span>}
    </>
  );
  return props.href ? (
    <a className="card tile" href={props.href} aria-label={props.label}>
      {body}
    </a>
  ) : (
    <section className="card tile" aria-label={props.label}>
      {body}
    </section>
  );
}
