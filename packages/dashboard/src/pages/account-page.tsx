import { BalanceBadge, TollgateProvider, UsagePanel } from "@tollgate/react";
import { sessionTollgateApi } from "../api/session-tollgate-api.ts";
import { api } from "../api/tollgate-api.ts";
import { useLiveBalances } from "../live/use-live-balances.ts";
import { useLoaded } from "../use-loaded.ts";
import { AccountConversations } from "./account-conversations.tsx";
import { AccountHolds } from "./account-holds.tsx";
import { AccountMembers } from "./account-members.tsx";
import { AdjustForm } from "./adjust-form.tsx";
import { BalancesPanel } from "./balances-panel.tsx";
import { LedgerTable } from "./ledger-table.tsx";
import { UsageCharts } from "./usage-charts.tsx";

/** One account: its live balances, lots and holds, a grant or deduct form, its usage and conversations, its members, and its ledger. */
export function AccountPage(props: { account: string }) {
  const account = useLoaded(() => api.account(props.account), props.account);
  const { balances, live } = useLiveBalances(props.account);
  // Every change the live balances show is a new ledger line: read the ledger again then.
  const figures = balances?.map((balance) => `${balance.unit}:${balance.balance}`).join(",") ?? "";
  const ledger = useLoaded(() => api.transactions(props.account), `${props.account} ${figures}`);
  if (account.error) return <p className="error">{account.error}</p>;
  return (
    <section>
      <h1>
        {account.value?.externalId ?? "…"} <small>{account.value?.type}</small>
      </h1>
      <p className="hint mono">{account.value?.id}</p>
      {/* What the account's own user sees in the app: the components an app embeds, on the session's cookie. */}
      <TollgateProvider baseUrl="" token="" account={props.account} api={sessionTollgateApi}>
        <section className="as-user" aria-label="What the user sees">
          <BalanceBadge label="Available" />
          <UsagePanel />
        </section>
      </TollgateProvider>
      <BalancesPanel balances={balances} live={live} />
      <AccountHolds account={props.account} changes={figures} />
      <AdjustForm
        account={props.account}
        units={balances?.map((balance) => balance.unit) ?? []}
        onDone={ledger.reload}
      />
      <UsageCharts account={props.account} changes={figures} />
      <AccountConversations account={props.account} changes={figures} />
      {account.value?.type === "organization" && <AccountMembers account={props.account} changes={figures} />}
      <h2>Ledger</h2>
      {ledger.error && <p className="error">{ledger.error}</p>}
      {ledger.value && <LedgerTable lines={ledger.value.data} />}
    </section>
  );
}
