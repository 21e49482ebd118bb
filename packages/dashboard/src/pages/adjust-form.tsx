import { type FormEvent, useState } from "react";
import { ApiFailure, api } from "../api/tollgate-api.ts";

/** Grant or deduct credits by hand; the API requires a reason for both, and the ledger keeps it. */
export function AdjustForm(props: { account: string; units: string[]; onDone: () => void }) {
  const [action, setAction] = useState<"grant" | "deduct">("grant");
  const [amount, setAmount] = useState("");
  const [unit, setUnit] = useState("");
  const [reason, setReason] = useState("");
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      const body = { amount: amount.trim(), reason: reason.trim(), ...(unit ? { unit } : {}) };
      const done = action === "grant" ? await api.grant(props.account, body) : await api.deduct(props.account, body);
      setMessage({
        text: `${action === "grant" ? "Granted" : "Deducted"}: balance now ${done.balance}.`,
        error: false,
      });
      setAmount("");
      setReason("");
      props.onDone();
    } catch (failure) {
      setMessage({ text: failure instanceof ApiFailure ? failure.message : String(failure), error: true });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card adjust" onSubmit={submit} aria-label="Grant or deduct">
      <h2>Grant or deduct</h2>
      <div className="fields">
        <label>
          Action
          <select
            name="action"
            value={action}
            onChange={(event) => setAction(event.target.value as "grant" | "deduct")}
          >
            <option value="grant">Grant</option>
            <option value="deduct">Deduct</option>
          </select>
        </label>
        <label>
          Amount
          <input
            name="amount"
            inputMode="decimal"
            pattern="[0-9]+(\.[0-9]+)?"
            required
            value={amount}
            onChange={(event) => setAmount(event.target.value)}
          />
        </label>
        <label>
          Unit
          <select name="unit" value={unit} onChange={(event) => setUnit(event.target.value)}>
            <option value="">default</option>
            {props.units.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label className="wide">
          Reason
          <input
            name="reason"
            required
            maxLength={500}
            value={reason}
            onChange={(event) => setReason(event.target.value)}
          />
        </label>
      </div>
      <button type="submit" disabled={busy}>
        {action === "grant" ? "Grant" : "Deduct"}
      </button>
      {message && (
        <p className={message.error ? "error" : "ok"} role="status">
          {message.text}
        </p>
      )}
    </form>
  );
}
