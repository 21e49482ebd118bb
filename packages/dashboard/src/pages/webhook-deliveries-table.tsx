import { useState } from "react";
import { operationsApi, type WebhookDelivery } from "../api/operations-api.ts";
import { Pager, useCursorPages } from "./cursor-pager.tsx";
import { ReplayButton } from "./replay-button.tsx";

type StatusFilter = "" | WebhookDelivery["status"];

const FILTERS: [StatusFilter, string][] = [
  ["", "All"],
  ["failed", "Failed (no more retries)"],
  ["pending", "Pending or retrying"],
  ["succeeded", "Delivered"],
];

/** Outgoing deliveries, newest first, filtered by status; each can be sent again as a new delivery. */
export function WebhookDeliveriesTable() {
  const [status, setStatus] = useState<StatusFilter>("");
  const pages = useCursorPages(
    (after) => operationsApi.deliveries({ ...(status ? { status } : {}), after }),
    `deliveries-${status}`,
  );
  return (
    <section className="card" aria-label="Outgoing deliveries">
      <div className="list-head">
        <h2>Outgoing deliveries</h2>
        <label className="inline">
          Status
          <select name="status" value={status} onChange={(event) => setStatus(event.target.value as StatusFilter)}>
            {FILTERS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
      </div>
      {pages.error && <p className="error">{pages.error}</p>}
      <div className="table-scroll">
        <table className="deliveries stack">
          <thead>
            <tr>
              <th>Created</th>
              <th>Event</th>
              <th>Status</th>
              <th>Attempts</th>
              <th>Last answer</th>
              <th>Delivery</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {pages.value?.data.map((delivery) => (
              <tr key={delivery.id} data-delivery={delivery.id}>
                <td data-label="Created">{new Date(delivery.createdAt).toLocaleString()}</td>
                <td data-label="Event">{delivery.eventType}</td>
                <td data-label="Status">
                  <span className={`badge ${delivery.status}`}>{delivery.status}</span>
                </td>
                <td data-label="Attempts">{delivery.attempts}</td>
                <td data-label="Last answer">{lastAnswer(delivery)}</td>
                <td data-label="Delivery" className="mono">
                  {delivery.id}
                  {delivery.replayOf && <span className="hint"> replays {delivery.replayOf}</span>}
                </td>
                <td>
                  {delivery.status !== "pending" && (
                    <ReplayButton
                      label={`Replay ${delivery.id}`}
                      replay={() => operationsApi.replayDelivery(delivery.id)}
                      onReplayed={pages.reload}
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {pages.value?.data.length === 0 && <p className="status">No delivery{status ? " with this status" : ""}.</p>}
      <Pager pages={pages} label="Deliveries pages" />
    </section>
  );
}

function lastAnswer(delivery: WebhookDelivery): string {
  if (delivery.lastResponseStatus !== null) return `HTTP ${delivery.lastResponseStatus}`;
  if (delivery.lastError) return delivery.lastError;
  return delivery.nextAttemptAt ? `due ${new Date(delivery.nextAttemptAt).toLocaleTimeString()}` : "";
}
