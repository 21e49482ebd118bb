import { catalogApi } from "../api/catalog-api.ts";
import { Pager, useCursorPages } from "./cursor-pager.tsx";

/** The account's active holds, oldest first: what its held figure is made of. Read again when the balances change. */
export function AccountHolds(props: { account: string; changes: string }) {
  const holds = useCursorPages((after) => catalogApi.holds(props.account, after), `${props.account} ${props.changes}`);
  return (
    <section className="card" aria-label="Active holds">
      <h2>Active holds</h2>
      {holds.error && <p className="error">{holds.error}</p>}
      {holds.value?.data.length === 0 && !holds.hasPrevious && <p className="status">No active hold.</p>}
      {holds.value && holds.value.data.length > 0 && (
        <div className="table-scroll">
          <table className="holds">
            <thead>
              <tr>
                <th>Hold</th>
                <th>Amount</th>
                <th>Member</th>
                <th>Expires</th>
              </tr>
            </thead>
            <tbody>
              {holds.value.data.map((hold) => (
                <tr key={hold.holdId}>
                  <td className="mono">{hold.holdId}</td>
                  <td>
                    {hold.amount} {hold.unit}
                  </td>
                  <td>{hold.member ?? ""}</td>
                  <td>{new Date(hold.expiresAt).toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {(holds.hasPrevious || holds.value?.nextCursor) && <Pager pages={holds} label="Holds pages" />}
    </section>
  );
}
