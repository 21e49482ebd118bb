import { useState } from "react";
import { type ApiKey, operationsApi } from "../api/operations-api.ts";
import { ApiFailure } from "../api/tollgate-api.ts";
import { Pager, useCursorPages } from "./cursor-pager.tsx";
import { KeyCreateForm } from "./key-create-form.tsx";

/** API keys: every key (an admin session sees them all), a form to make one, and revoking. */
export function KeysPage() {
  const [includeRevoked, setIncludeRevoked] = useState(false);
  const pages = useCursorPages((after) => operationsApi.keys({ includeRevoked, after }), `keys-${includeRevoked}`);
  return (
    <section>
      <h1>API keys</h1>
      <KeyCreateForm onCreated={pages.reload} />
      <section className="card" aria-label="Keys">
        <div className="list-head">
          <h2>Keys</h2>
          <label className="inline check">
            <input
              type="checkbox"
              checked={includeRevoked}
              onChange={(event) => setIncludeRevoked(event.target.checked)}
            />
            Show revoked
          </label>
        </div>
        {pages.error && <p className="error">{pages.error}</p>}
        <div className="table-scroll">
          <table className="keys stack">
            <thead>
              <tr>
                <th>Name</th>
                <th>Kind</th>
                <th>Key</th>
                <th>Account</th>
                <th>Expires</th>
                <th>Last used</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {pages.value?.data.map((key) => (
                <KeyRow key={key.id} apiKey={key} onRevoked={pages.reload} />
              ))}
            </tbody>
          </table>
        </div>
        <Pager pages={pages} label="Keys pages" />
      </section>
    </section>
  );
}

/** One key; revoking asks once more first, as it cannot be undone. */
function KeyRow(props: { apiKey: ApiKey; onRevoked: () => void }) {
  const key = props.apiKey;
  const [step, setStep] = useState<"idle" | "confirm" | "busy">("idle");
  const [error, setError] = useState<string | null>(null);
  const revoke = async () => {
    setStep("busy");
    try {
      await operationsApi.revokeKey(key.id);
      props.onRevoked();
    } catch (failure) {
      setError(failure instanceof ApiFailure ? failure.message : String(failure));
    } finally {
      setStep("idle");
    }
  };
  const date = (at: string | null) => (at ? new Date(at).toLocaleDateString() : "never");
  return (
    <tr data-key={key.id} className={key.revokedAt ? "revoked" : undefined}>
      <td data-label="Name">{key.name ?? ""}</td>
      <td data-label="Kind">{key.kind === "secret" ? (key.admin ? "secret (admin)" : "secret") : "customer token"}</td>
      <td data-label="Key" className="mono">
        {key.hint}
      </td>
      <td data-label="Account">{key.account ? `${key.account.type}:${key.account.externalId}` : ""}</td>
      <td data-label="Expires">{date(key.expiresAt)}</td>
      <td data-label="Last used">{date(key.lastUsedAt)}</td>
      <td>
        {key.revokedAt ? (
          <span className="badge failed">revoked</span>
        ) : step === "idle" ? (
          <button type="button" className="small danger" onClick={() => setStep("confirm")}>
            Revoke
          </button>
        ) : (
          <button type="button" className="small danger" disabled={step === "busy"} onClick={revoke}>
            Confirm revoke
          </button>
        )}
        {error && (
          <span className="error" role="alert">
            {error}
          </span>
        )}
      </td>
    </tr>
  );
}
