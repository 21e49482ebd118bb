import { type FormEvent, useState } from "react";
import { catalogApi, type ModelPrice, type PriceInEffect } from "../api/catalog-api.ts";
import { ApiFailure } from "../api/tollgate-api.ts";
import { useLoaded } from "../use-loaded.ts";
import { PRICE_KEY_LABELS, priceText } from "./price-text.ts";

/** The keys the form always offers, beside those the model's price already has. */
const FORM_KEYS = ["input_mtok", "cache_read_mtok", "output_mtok"];

/** One model: its price in effect per usage type, where it comes from, its overrides, and the override form. */
export function PriceDetail(props: { provider: string; model: string; onChanged: () => void }) {
  const [generation, setGeneration] = useState(0);
  const price = useLoaded(
    () => catalogApi.price(props.provider, props.model),
    `${props.provider}/${props.model} ${generation}`,
  );
  const changed = () => {
    setGeneration((value) => value + 1);
    props.onChanged();
  };
  return (
    <section className="card price-detail" aria-label={`Price of ${props.provider}/${props.model}`}>
      <h2>
        {props.provider}/{props.model}
      </h2>
      {price.error && <p className="error">{price.error}</p>}
      {price.value && <PriceFigures shown={price.value} />}
      {price.value && <OverrideForm shown={price.value} onChanged={changed} />}
    </section>
  );
}

function PriceFigures(props: { shown: PriceInEffect }) {
  const { shown } = props;
  const source =
    shown.source === "override"
      ? `the deployment's override, in effect since ${new Date(shown.effectiveFrom ?? "").toLocaleString()}`
      : shown.source === "catalog"
        ? `the catalog${shown.catalogModel ? ` (${shown.catalogModel})` : ""}`
        : "the configuration's fallback price";
  return (
    <>
      <p className="hint">
        Priced by <strong data-testid="price-source">{source}</strong>
        {shown.contextWindow ? ` · context window ${shown.contextWindow.toLocaleString()} tokens` : ""}
      </p>
      <div className="table-scroll">
        <table className="price-figures">
          <tbody>
            {Object.entries(shown.price).map(([key, value]) => (
              <tr key={key}>
                <th>{PRICE_KEY_LABELS[key] ?? key}</th>
                <td className="mono">{priceText(value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {shown.overrides.length > 0 && (
        <div className="table-scroll">
          <table className="overrides">
            <thead>
              <tr>
                <th>Override from</th>
                <th>Status</th>
                <th>Price</th>
                <th>Reason</th>
              </tr>
            </thead>
            <tbody>
              {shown.overrides.map((row) => (
                <tr key={row.effectiveFrom}>
                  <td>{new Date(row.effectiveFrom).toLocaleString()}</td>
                  <td>{row.status.replace("_", " ")}</td>
                  <td>
                    {row.price === null
                      ? "cleared"
                      : Object.entries(row.price)
                          .map(([key, value]) => `${key} ${priceText(value)}`)
                          .join(" · ")}
                  </td>
                  <td>{row.reason ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

/**
 * Sets an override from now on (flat prices per key, the current ones filled in), or clears the
 * one in effect. A tiered price is kept as it is: its tiers are set through the API or the CLI.
 */
function OverrideForm(props: { shown: PriceInEffect; onChanged: () => void }) {
  const { shown } = props;
  const keys = [...new Set([...Object.keys(shown.price), ...FORM_KEYS])];
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(keys.map((key) => [key, typeof shown.price[key] === "string" ? shown.price[key] : ""])),
  );
  const [reason, setReason] = useState("");
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const run = async (action: () => Promise<unknown>, done: string) => {
    setMessage(null);
    try {
      await action();
      setMessage({ text: done, error: false });
      props.onChanged();
    } catch (failure) {
      setMessage({ text: failure instanceof ApiFailure ? failure.message : String(failure), error: true });
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const price: ModelPrice = {};
    for (const key of keys) {
      const tiered = shown.price[key];
      if (tiered !== undefined && typeof tiered !== "string") price[key] = tiered;
      else if (values[key]?.trim()) price[key] = values[key].trim();
    }
    const body = { price, ...(reason.trim() ? { reason: reason.trim() } : {}) };
    void run(() => catalogApi.setPrice(shown.provider, shown.model, body), "Override set.");
  };
  const inEffect = shown.overrides.find((row) => row.status === "in_effect");
  return (
    <form className="override-form" onSubmit={submit} aria-label="Override">
      <h2>Override</h2>
      <div className="fields">
        {keys.map((key) =>
          typeof shown.price[key] === "object" ? (
            <p key={key} className="hint">
              {PRICE_KEY_LABELS[key] ?? key}: tiered, kept as it is
            </p>
          ) : (
            <label key={key}>
              {PRICE_KEY_LABELS[key] ?? key}
              <input
                name={key}
                inputMode="decimal"
                pattern="[0-9]+(\.[0-9]+)?"
                value={values[key] ?? ""}
                onChange={(event) => setValues({ ...values, [key]: event.target.value })}
              />
            </label>
          ),
        )}
        <label>
          Reason
          <input name="reason" value={reason} onChange={(event) => setReason(event.target.value)} />
        </label>
      </div>
      <div className="pager">
        <button type="submit">Set override</button>
        {inEffect?.price && (
          <button
            type="button"
            className="secondary"
            onClick={() =>
              void run(
                () => catalogApi.clearPrice(shown.provider, shown.model, reason.trim() || undefined),
                "Override cleared.",
              )
            }
          >
            Clear override
          </button>
        )}
      </div>
      {message && (
        <p className={message.error ? "error" : "ok"} role={message.error ? "alert" : "status"}>
          {message.text}
        </p>
      )}
    </form>
  );
}
