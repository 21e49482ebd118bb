import { operationsApi } from "../api/operations-api.ts";
import { Pager, useCursorPages } from "./cursor-pager.tsx";
import { ReplayButton } from "./replay-button.tsx";

/** Outgoing events, newest first; replaying one sends it to every enabled endpoint that takes its type. */
export function WebhookEventsTable() {
  const pages = useCursorPages((after) => operationsApi.webhookEvents({ after }), "events");
  return (
    <section className="card" aria-label="Outgoing events">
      <h2>Outgoing events</h2>
      {pages.error && <p className="error">{pages.error}</p>}
      <div className="table-scroll">
        <table className="stack">
          <thead>
            <tr>
              <th>Created</th>
              <th>Type</th>
              <th>Account</th>
              <th>Event</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {pages.value?.data.map((event) => (
              <tr key={event.id}>
                <td data-label="Created">{new Date(event.createdAt).toLocaleString()}</td>
                <td data-label="Type">{event.type}</td>
                <td data-label="Account" className="mono">
                  {event.accountId}
                </td>
                <td data-label="Event" className="mono">
                  {event.id}
                </td>
                <td>
                  <ReplayButton
                    label={`Replay ${event.id}`}
                    replay={() => operationsApi.replayEvent(event.id)}
                    onReplayed={pages.reload}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {pages.value?.data.length === 0 && <p className="status">No event yet.</p>}
      <Pager pages={pages} label="Events pages" />
    </section>
  );
}
