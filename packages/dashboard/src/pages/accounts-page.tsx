import { type FormEvent, useState } from "react";
import { api } from "../api/tollgate-api.ts";
import { hrefOf } from "../route.ts";
import { Pager, useCursorPages } from "./cursor-pager.tsx";

/** Accounts a page at a time, searched by the start of their external id (as the API searches). */
export function AccountsPage() {
  const [draft, setDraft] = useState("");
  const [search, setSearch] = useState("");
  const page = useCursorPages((after) => api.accounts({ search, after }), search);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSearch(draft.trim());
  };
  return (
    <section>
      <h1>Accounts</h1>
      <form className="search" onSubmit={submit}>
        <input
          aria-label="Search by external id"
          placeholder="External id starts with…"
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
        />
        <button type="submit">Search</button>
      </form>
      {page.error && <p className="error">{page.error}</p>}
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th>External id</th>
              <th>Type</th>
              <th>Balances</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {page.value?.data.map((account) => (
              <tr key={account.id}>
                <td>
                  <a href={hrefOf({ page: "account", account: account.id })}>{account.externalId || account.id}</a>
                </td>
                <td>{account.type}</td>
                <td>{account.balances.map((balance) => `${balance.balance} ${balance.unit}`).join(", ") || "none"}</td>
                <td>{new Date(account.createdAt).toLocaleDateString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {page.value?.data.length === 0 && <p className="status">No account matches.</p>}
      <Pager pages={page} label="Accounts pages" />
    </section>
  );
}
