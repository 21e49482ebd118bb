import type { Balance } from "../api/tollgate-api.ts";

/** Balances per unit as the events stream sends them, each with its lots and their expiry. */
export function BalancesPanel(props: { balances: Balance[] | null; live: boolean }) {
  return (
    <div className="card">
      <h2>
        Balances{" "}
        <span className={props.live ? "live on" : "live"} title="Updated by the events stream">
          {props.live ? "live" : "connecting…"}
        </span>
      </h2>
      {props.balances?.length === 0 && <p className="status">No balance yet.</p>}
      {props.balances?.map((balance) => (
        <div key={balance.unit} className="balance">
          <div className="balance-figures" data-unit={balance.unit}>
            <span className="balance-value" data-testid={`balance-${balance.unit}`}>
              {balance.balance}
            </span>{" "}
            {balance.unit}
            <span className="hint">
              {" "}
              available {balance.available} · held {balance.held}
              {balance.debt !== "0" ? ` · debt ${balance.debt}` : ""}
            </span>
          </div>
          {balance.lots.length > 0 && (
            <div className="table-scroll">
              <table className="lots">
                <thead>
                  <tr>
                    <th>Lot source</th>
                    <th>Remaining</th>
                    <th>Held</th>
                    <th>Expires</th>
                  </tr>
                </thead>
                <tbody>
                  {balance.lots.map((lot) => (
                    <tr key={lot.id}>
                      <td>{lot.source}</td>
                      <td>{lot.remaining}</td>
                      <td>{lot.held}</td>
                      <td>{lot.expiresAt ? new Date(lot.expiresAt).toLocaleString() : "never"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      ))}
    </div>
  );
}
