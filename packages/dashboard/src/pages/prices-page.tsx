import { type FormEvent, useState } from "react";
import { catalogApi, type ListedPrice } from "../api/catalog-api.ts";
import { Pager, useCursorPages } from "./cursor-pager.tsx";
import { PriceDetail } from "./price-detail.tsx";
import { priceText } from "./price-text.ts";

/** The price catalog searched a page at a time; a model's prices and its override open below the list. */
export function PricesPage() {
  const [draft, setDraft] = useState("");
  const [search, setSearch] = useState("");
  const [selected, setSelected] = useState<{ provider: string; model: string } | null>(null);
  const page = useCursorPages((after) => catalogApi.prices({ search, after }), search);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSearch(draft.trim());
  };
  const isSelected = (entry: ListedPrice) => entry.provider === selected?.provider && entry.model === selected.model;
  return (
    <section>
      <h1>Prices</h1>
      <p className="hint">
        The catalog's prices (USD per million tokens) and the deployment's overrides. Search any part of the provider,
        the model id or its name.
      </p>
      <form className="search" onSubmit={submit}>
        <input
          aria-label="Search models"
          placeholder="gpt-4o, claude, openrouter/…"
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
        />
        <button type="submit">Search</button>
      </form>
      {page.error && <p className="error">{page.error}</p>}
      <div className="table-scroll">
        <table className="prices">
          <thead>
            <tr>
              <th>Model</th>
              <th>Source</th>
              <th>Input</th>
              <th>Output</th>
            </tr>
          </thead>
          <tbody>
            {page.value?.data.map((entry) => (
              <tr key={`${entry.provider}/${entry.model}`} aria-selected={isSelected(entry)}>
                <td>
                  <button
                    type="button"
                    className="link"
                    onClick={() => setSelected({ provider: entry.provider, model: entry.model })}
                  >
                    {entry.provider}/{entry.model}
                  </button>
                  {entry.name && entry.name !== entry.model && <span className="hint"> {entry.name}</span>}
                </td>
                <td>
                  <span className={`source ${entry.source ?? "none"}`}>{entry.source ?? "no price"}</span>
                </td>
                <td>{priceText(entry.price?.input_mtok)}</td>
                <td>{priceText(entry.price?.output_mtok)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {page.value?.data.length === 0 && <p className="status">No model matches.</p>}
      <Pager pages={page} label="Prices pages" />
      {selected && (
        <PriceDetail
          key={`${selected.provider}/${selected.model}`}
          provider={selected.provider}
          model={selected.model}
          onChanged={page.reload}
        />
      )}
    </section>
  );
}
