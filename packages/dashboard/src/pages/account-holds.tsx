import { useState } from "react";
import { catalogApi } from "../api/catalog-api.ts";
import { useLoaded } from "../use-loaded.ts";

/** The account's active holds, oldest first: what its held figure is made of. Read again when the balances change. */
export function AccountHolds(props: { account: string; changes: string }) {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1] ?? null;
  const holds = useLoaded(() => catalogApi.holds(props.account, after), `${props.account} ${after} ${props.changes}`);
  return (
    <section className="card" aria-label="Active holds">
      <h2>Active holds</h2>
      {holds.error && <p className="error">{holds.error}</p>}
      {holds.value?.data.length === 0 && cursors.length === 1 && <p className="status">No active hold.</p>}
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
      {(cursors.length > 1 || holds.value?.nextCursor) && (
        <div className="pager">
          <button type="button" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
            Previous
          </button>
          <button
            type="button"
            disabled={!holds.value?.nextCursor}
            onClick={() => holds.value?.nextCursor && setCursors([...cursors, holds.value.nextCursor])}
          >
            Next
          </button>
        </div>
      )}
    </section>
  );
}
