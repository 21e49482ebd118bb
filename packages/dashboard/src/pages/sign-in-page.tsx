import { type FormEvent, useState } from "react";
import { ApiFailure, api, type Session } from "../api/tollgate-api.ts";

/** Sign-in with an admin key: the key goes to `POST /session` once; the HttpOnly cookie then holds a session token, never the key. */
export function SignInPage(props: { onSignedIn: (session: Session) => void }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      props.onSignedIn(await api.signIn(key.trim()));
    } catch (failure) {
      setError(failure instanceof ApiFailure ? failure.message : String(failure));
    }
  };
  return (
    <form className="sign-in card" onSubmit={submit}>
      <h1>Tollgate</h1>
      <label>
        Admin key
        <input
          name="key"
          type="password"
          autoComplete="off"
          placeholder="tg_sk_…"
          value={key}
          onChange={(event) => setKey(event.target.value)}
          required
        />
      </label>
      <p className="hint">The key `tollgate serve` printed the first time it started.</p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit">Sign in</button>
    </form>
  );
}
