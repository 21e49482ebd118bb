import { type CatalogModel, catalogModels, compareText } from "./catalog.ts";
import type { PriceBook, ResolvedPrice } from "./price-book.ts";

/** Most models one page of `listPrices` returns. */
export const PRICE_LIST_PAGE_MAX = 100;

/** One model in the price list: where it is known from, and its price in effect. */
export interface PriceListEntry {
  provider: string;
  model: string;
  /** The catalog's display name; null for a model only the deployment prices. */
  name: string | null;
  inCatalog: boolean;
  /** The deployment has override rows for it (the one in effect, if any, is `price.source`). */
  overridden: boolean;
  /** The price in effect at `at`; null when nothing prices it (a cleared override, no fallback). */
  price: ResolvedPrice | null;
}

export interface PriceListPage {
  entries: PriceListEntry[];
  /** Pass as `after` for the next page ("provider/model" of the last entry); null on the last page. */
  nextCursor: string | null;
}

/**
 * The catalog's models and the deployment's overridden ones, merged, in "provider/model" order,
 * a page at a time, with each one's price in effect at `at`. `search` matches, case-insensitively,
 * any part of "provider/model" or of the catalog's name ("4o" finds openai/gpt-4o). The catalog is
 * in memory (~1,700 models), so the search is a scan of it: no index could serve a substring, and
 * the scan costs less than one price lookup per shown row.
 *
 * @example
 * await listPrices(book, { search: "gpt-4o", limit: 20, at: new Date() }) // { entries: [{ provider: "openai", model: "gpt-4o", … }], … }
 */
export async function listPrices(
  book: PriceBook,
  options: { search?: string; after?: string | null; limit?: number; at: Date },
): Promise<PriceListPage> {
  const limit = options.limit ?? 25;
  if (!Number.isInteger(limit) || limit < 1 || limit > PRICE_LIST_PAGE_MAX) {
    throw new RangeError(`limit must be an integer from 1 to ${PRICE_LIST_PAGE_MAX}`);
  }
  const search = options.search?.trim().toLowerCase() || undefined;
  const matches = (entry: CatalogModel) =>
    search === undefined ||
    `${entry.provider}/${entry.model}`.toLowerCase().includes(search) ||
    entry.name.toLowerCase().includes(search);
  const keyOf = (entry: { provider: string; model: string }) => `${entry.provider}/${entry.model}`.toLowerCase();
  const overridden = new Set((await book.overriddenModels(search ? { search } : {})).map(keyOf));
  const named = new Map<string, string | null>();
  for (const entry of await catalogModels()) if (matches(entry)) named.set(keyOf(entry), entry.name);
  const keys = [...new Set([...named.keys(), ...overridden])]
    .filter((key) => options.after == null || compareText(key, options.after) > 0)
    .sort(compareText);
  const entries = await Promise.all(
    keys.slice(0, limit).map(async (key): Promise<PriceListEntry> => {
      const slash = key.indexOf("/");
      const [provider, model] = [key.slice(0, slash), key.slice(slash + 1)];
      return {
        provider,
        model,
        name: named.get(key) ?? null,
        inCatalog: named.has(key),
        overridden: overridden.has(key),
        price: await book.priceOf({ provider, model, at: options.at }),
      };
    }),
  );
  return {
    entries,
    nextCursor: keys.length > limit ? (entries.at(-1) ? keyOf(entries.at(-1) as PriceListEntry) : null) : null,
  };
}
