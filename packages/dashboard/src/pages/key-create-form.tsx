import { type FormEvent, useState } from "react";
import { type NewKey, operationsApi } from "../api/operations-api.ts";
import { ApiFailure } from "../api/tollgate-api.ts";

/**
 * Makes a secret key or a customer token. The token is in the creation's answer only (the
 * server keeps a hash), so it is shown here once, with a Copy button, until the next one.
 */
export function KeyCreateForm(props: { onCreated: () => void }) {
  const [kind, setKind] = useState<NewKey["kind"]>("customer");
  const [admin, setAdmin] = useState(false);
  const [account, setAccount] = useState("");
  const [name, setName] = useState("");
  const [expiresIn, setExpiresIn] = useState("");
  const [created, setCreated] = useState<{ token: string; hint: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setCreated(null);
    try {
      const body: NewKey = {
        kind,
        ...(kind === "secret" && admin ? { admin: true } : {}),
        ...(kind === "customer" ? { account: account.trim() } : {}),
        ...(name.trim() ? { name: name.trim() } : {}),
        ...(expiresIn.trim() ? { expiresIn: expiresIn.trim() } : {}),
      };
      const key = await operationsApi.createKey(body);
      setCreated({ token: key.token ?? "", hint: key.hint });
      setName("");
      props.onCreated();
    } catch (failure) {
      setError(failure instanceof ApiFailure ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card key-form" onSubmit={submit} aria-label="Create a key">
      <h2>Create a key</h2>
      <div className="fields">
        <label>
          Kind
          <select name="kind" value={kind} onChange={(event) => setKind(event.target.value as NewKey["kind"])}>
            <option value="customer">Customer token</option>
            <option value="secret">Secret key</option>
          </select>
        </label>
        {kind === "customer" ? (
          <label>
            Account
            <input
              name="account"
              required
              placeholder="user:alice"
              value={account}
              onChange={(event) => setAccount(event.target.value)}
            />
          </label>
        ) : (
          <label className="check">
            <input type="checkbox" name="admin" checked={admin} onChange={(event) => setAdmin(event.target.checked)} />
            Admin key
          </label>
        )}
        <label>
          Name
          <input name="name" maxLength={100} value={name} onChange={(event) => setName(event.target.value)} />
        </label>
        <label>
          Expires in
          <input
            name="expiresIn"
            placeholder={kind === "customer" ? "1d (default)" : "never (default)"}
            value={expiresIn}
            onChange={(event) => setExpiresIn(event.target.value)}
          />
        </label>
      </div>
      <button type="submit" disabled={busy}>
        Create
      </button>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {created && <NewToken token={created.token} />}
    </form>
  );
}

function NewToken(props: { token: string }) {
  const [copied, setCopied] = useState<string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.token);
      setCopied("Copied.");
    } catch {
      setCopied("Copying is not allowed here: select the token and copy it.");
    }
  };
  return (
    <div className="token-box" role="status">
      <p>Shown only this once: store it now.</p>
      <code className="mono new-token">{props.token}</code>
      <button type="button" className="small" onClick={copy}>
        Copy
      </button>
      {copied && <span className="hint">{copied}</span>}
    </div>
  );
}
