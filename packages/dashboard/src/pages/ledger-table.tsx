import type { TransactionLine } from "../api/tollgate-api.ts";

/** The account's entries, newest first; "Balance" is the running balance after each (the entry's own). */
export function LedgerTable(props: { lines: TransactionLine[] }) {
  if (props.lines.length === 0) return <p className="status">No entries yet.</p>;
  return (
    <div className="table-scroll">
      <table className="ledger">
        <thead>
          <tr>
            <th>When</th>
            <th>Kind</th>
            <th>Amount</th>
            <th>Balance</th>
            <th>What for</th>
          </tr>
        </thead>
        <tbody>
          {props.lines.map((line) => (
            <tr key={line.entryId} data-kind={line.kind}>
              <td>{new Date(line.createdAt).toLocaleString()}</td>
              <td>{line.kind}</td>
              <td className={line.amount.startsWith("-") ? "amount debit" : "amount"}>
                {line.amount} {line.unit}
              </td>
              <td>{line.balanceAfter}</td>
              <td>{line.reason ?? ([line.feature, line.model].filter(Boolean).join(" · ") || "")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
