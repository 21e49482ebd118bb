import { catalogApi } from "../api/catalog-api.ts";
import { useLoaded } from "../use-loaded.ts";

/**
 * The account's usage grouped by conversation id (the `conversationId` its usage events carried),
 * the 20 costliest, from `GET …/usage?groupBy=conversation`. Read again when the balances change.
 */
export function AccountConversations(props: { account: string; changes: string }) {
  const rows = useLoaded(() => catalogApi.conversations(props.account), `${props.account} ${props.changes}`);
  return (
    <section className="card" aria-label="Conversations">
      <h2>Conversations</h2>
      {rows.error && <p className="error">{rows.error}</p>}
      {rows.value?.data.length === 0 && <p className="status">No usage named a conversation.</p>}
      {rows.value && rows.value.data.length > 0 && (
        <div className="table-scroll">
          <table className="conversations">
            <thead>
              <tr>
                <th>Conversation</th>
                <th>Calls</th>
                <th>Charged</th>
                <th>Provider cost (USD)</th>
              </tr>
            </thead>
            <tbody>
              {rows.value.data.map((row) => (
                <tr key={`${row.key}/${row.unit}`}>
                  <td className="mono">{row.key ?? "(none)"}</td>
                  <td>{row.calls}</td>
                  <td>
                    {row.charged} {row.unit}
                  </td>
                  <td>{row.providerCostUsd ?? "unknown"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
