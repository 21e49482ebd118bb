import { useState } from "react";
import { StripeEventsTable } from "./stripe-events-table.tsx";
import { WebhookDeliveriesTable } from "./webhook-deliveries-table.tsx";
import { WebhookEventsTable } from "./webhook-events-table.tsx";

const TABS = [
  ["deliveries", "Outgoing deliveries"],
  ["events", "Outgoing events"],
  ["stripe", "Incoming (Stripe)"],
] as const;

type Tab = (typeof TABS)[number][0];

/** Webhooks in and out: the deliveries to the app's endpoints with replay, their events, and Stripe's events. */
export function WebhooksPage() {
  const [tab, setTab] = useState<Tab>("deliveries");
  return (
    <section>
      <h1>Webhooks</h1>
      <div className="tabs" role="tablist">
        {TABS.map(([value, label]) => (
          <button
            key={value}
            type="button"
            role="tab"
            aria-selected={tab === value}
            className={tab === value ? "tab on" : "tab"}
            onClick={() => setTab(value)}
          >
            {label}
          </button>
        ))}
      </div>
      {tab === "deliveries" && <WebhookDeliveriesTable />}
      {tab === "events" && <WebhookEventsTable />}
      {tab === "stripe" && <StripeEventsTable />}
    </section>
  );
}
