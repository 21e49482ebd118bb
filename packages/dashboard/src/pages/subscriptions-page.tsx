import { useState } from "react";
import { catalogApi } from "../api/catalog-api.ts";
import { hrefOf } from "../route.ts";
import { useLoaded } from "../use-loaded.ts";
import { Pager, useCursorPages } from "./cursor-pager.tsx";

const STATUSES = ["active", "past_due", "canceled"];

/** Subscriptions across accounts, by plan and status, a page at a time, each linking to its account. */
export function SubscriptionsPage(props: { plan?: string }) {
  const [plan, setPlan] = useState(props.plan ?? "");
  const [status, setStatus] = useState("");
  const plans = useLoaded(() => catalogApi.plans(), "plans");
  const page = useCursorPages(
    (after) => catalogApi.subscriptions({ plan, status, after }),
    JSON.stringify([plan, status]),
  );
  const filter = (set: (value: string) => void) => (value: string) => {
    set(value);
  };
  return (
    <section>
      <h1>Subscriptions</h1>
      <div className="filters">
        <label>
          Plan
          <select value={plan} onChange={(event) => filter(setPlan)(event.target.value)}>
            <option value="">All plans</option>
            {plans.value?.data.map((item) => (
              <option key={item.id} value={item.id}>
                {item.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select value={status} onChange={(event) => filter(setStatus)(event.target.value)}>
            <option value="">Any status</option>
            {STATUSES.map((item) => (
              <option key={item} value={item}>
                {item.replace("_", " ")}
              </option>
            ))}
          </select>
        </label>
      </div>
      {page.error && <p className="error">{page.error}</p>}
      <div className="table-scroll">
        <table className="subscriptions">
          <thead>
            <tr>
              <th>Account</th>
              <th>Plan</th>
              <th>Status</th>
              <th>Period</th>
            </tr>
          </thead>
          <tbody>
            {page.value?.data.map((subscription) => (
              <tr key={subscription.id}>
                <td>
                  <a href={hrefOf({ page: "account", account: subscription.accountId })}>
                    {subscription.account.externalId}
                  </a>{" "}
                  <span className="hint">{subscription.account.type}</span>
                </td>
                <td>
                  {subscription.plan} <span className="hint">v{subscription.planVersion}</span>
                  {subscription.pendingChange && <span className="hint"> → {subscription.pendingChange.plan}</span>}
                </td>
                <td>
                  {subscription.status.replace("_", " ")}
                  {subscription.cancelAtPeriodEnd && <span className="hint"> (ends with its period)</span>}
                </td>
                <td>
                  {new Date(subscription.periodStart).toLocaleDateString()} –{" "}
                  {new Date(subscription.periodEnd).toLocaleDateString()}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {page.value?.data.length === 0 && <p className="status">No subscription matches.</p>}
      <Pager pages={page} label="Subscriptions pages" />
    </section>
  );
}
