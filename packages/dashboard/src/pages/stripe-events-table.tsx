import { useState } from "react";
import { operationsApi, type StripeEvent } from "../api/operations-api.ts";
import { Pager, useCursorPages } from "./cursor-pager.tsx";

type OutcomeFilter = "" | StripeEvent["outcome"];

/**
 * Stripe's events as this deployment received them, newest first, filtered by outcome. They
 * are read-only here: Stripe resends an event itself (its dashboard, or `stripe events resend`),
 * and each applies at most once whatever the number of deliveries.
 */
export function StripeEventsTable() {
  const [outcome, setOutcome] = useState<OutcomeFilter>("");
  const pages = useCursorPages(
    (after) => operationsApi.stripeEvents({ ...(outcome ? { outcome } : {}), after }),
    `stripe-${outcome}`,
  );
  return (
    <section className="card" aria-label="Incoming Stripe events">
      <div className="list-head">
        <h2>Incoming Stripe events</h2>
        <label className="inline">
          Outcome
          <select name="outcome" value={outcome} onChange={(event) => setOutcome(event.target.value as OutcomeFilter)}>
            <option value="">All</option>
            <option value="failed">Failed</option>
            <option value="processed">Processed</option>
            <option value="ignored">Ignored</option>
            <option value="received">Received</option>
          </select>
        </label>
      </div>
      {pages.error && <p className="error">{pages.error}</p>}
      <div className="table-scroll">
        <table className="stack">
          <thead>
            <tr>
              <th>Received</th>
              <th>Type</th>
              <th>Outcome</th>
              <th>Deliveries</th>
              <th>Detail</th>
              <th>Event</th>
            </tr>
          </thead>
          <tbody>
            {pages.value?.data.map((event) => (
              <tr key={event.id}>
                <td data-label="Received">{new Date(event.receivedAt).toLocaleString()}</td>
                <td data-label="Type">
                  {event.type}
                  {event.livemode ? "" : <span className="hint"> test</span>}
                </td>
                <td data-label="Outcome">
                  <span className={`badge ${event.outcome}`}>{event.outcome}</span>
                </td>
                <td data-label="Deliveries">{event.deliveries}</td>
                <td data-label="Detail">{event.detail ?? ""}</td>
                <td data-label="Event" className="mono">
                  {event.id}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {pages.value?.data.length === 0 && (
        <p className="status">No Stripe event{outcome ? " with this outcome" : ""}.</p>
      )}
      <Pager pages={pages} label="Stripe events pages" />
    </section>
  );
}
