import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { listPrices, type Meter, PRICE_LIST_PAGE_MAX } from "@tollgate/metering";
import type { AppEnv } from "../../app-env.ts";
import { ApiError } from "../api-error.ts";
import { callerOf, requireSecret } from "./auth.ts";
import { refusedAs } from "./domain-input.ts";
import { ModelPriceSchema, type PriceJson, PriceParams } from "./price-schemas.ts";
import { errorResponses, jsonContent } from "./schemas.ts";

const ListedPrice = z
  .object({
    provider: z.string().openapi({ example: "openai" }),
    model: z.string().openapi({ example: "gpt-4o" }),
    name: z.string().nullable().openapi({ description: "The catalog's name; null: only the deployment prices it" }),
    inCatalog: z.boolean().openapi({ description: "The catalog lists this model id" }),
    overridden: z.boolean().openapi({ description: "The deployment has set (or cleared) a price for it" }),
    source: z
      .enum(["override", "catalog", "fallback"])
      .nullable()
      .openapi({ description: "Where the price in effect comes from; null: nothing prices it" }),
    effectiveFrom: z.string().nullable().openapi({ description: "When the override in effect took effect" }),
    price: ModelPriceSchema.nullable(),
  })
  .openapi("ListedPrice");

const listPriceRoute = createRoute({
  method: "get",
  path: "/prices",
  summary:
    "The price catalog and the deployment's overridden models, searched, a page at a time, each with its price now",
  description:
    "In `provider/model` order. `search` matches any part of `provider/model` or of the catalog's model name, case-insensitively (`4o` finds `openai/gpt-4o`). `after` is the previous page's `nextCursor`. Secret keys only, as reading one price.",
  request: {
    query: z.strictObject({
      search: z.string().min(1).max(200).optional(),
      limit: z.coerce.number().int().min(1).max(PRICE_LIST_PAGE_MAX).optional().openapi({ description: "Default 25" }),
      after: z
        .string()
        .regex(/^[a-z0-9][a-z0-9._-]{0,63}\/.{1,200}$/, "the nextCursor of the previous page (provider/model)")
        .optional(),
    }),
  },
  responses: {
    200: jsonContent(z.object({ data: z.array(ListedPrice), nextCursor: z.string().nullable() }), "A page of models"),
    ...errorResponses([400, 401, 403]),
  },
});

const clearPriceRoute = createRoute({
  method: "delete",
  path: "/prices/{provider}/{model}",
  summary: "Clear the deployment's override of a model from now on: the catalog (or the fallback) prices it again",
  description:
    "A row of its own, as every price change is: past usage keeps the price it was charged, the history stays in `GET /v1/prices/{provider}/{model}`, and overrides scheduled for later still take effect. 404 `no_price_override` when no override is in effect. Secret keys only, as setting one.",
  request: {
    params: PriceParams,
    query: z.strictObject({ reason: z.string().min(1).max(500).optional() }),
  },
  responses: {
    200: jsonContent(
      z.object({
        provider: z.string(),
        model: z.string(),
        clearedFrom: z.string(),
        reason: z.string().nullable(),
        source: z.enum(["catalog", "fallback"]).nullable().openapi({ description: "What prices it now" }),
        price: ModelPriceSchema.nullable().openapi({ description: "Its price now; null: nothing prices it" }),
      }),
      "The override is cleared",
    ),
    ...errorResponses([400, 401, 403, 404]),
  },
});

/** The price list and clearing an override, under `/v1` (secret keys, as the routes that read and set one price). */
export function priceListRoutes(app: OpenAPIHono<AppEnv>, deps: { meter: Meter }): void {
  const { meter } = deps;

  app.openapi(listPriceRoute, async (c) => {
    requireSecret(callerOf(c));
    const query = c.req.valid("query");
    const page = await listPrices(meter.prices, {
      at: meter.ledger.now(),
      ...(query.search === undefined ? {} : { search: query.search }),
      ...(query.limit === undefined ? {} : { limit: query.limit }),
      ...(query.after === undefined ? {} : { after: query.after }),
    });
    const data = page.entries.map((entry) => ({
      provider: entry.provider,
      model: entry.model,
      name: entry.name,
      inCatalog: entry.inCatalog,
      overridden: entry.overridden,
      source: entry.price?.source ?? null,
      effectiveFrom: entry.price?.effectiveFrom?.toISOString() ?? null,
      price: (entry.price?.price ?? null) as PriceJson | null,
    }));
    return c.json({ data, nextCursor: page.nextCursor }, 200);
  });

  app.openapi(clearPriceRoute, async (c) => {
    requireSecret(callerOf(c));
    const params = c.req.valid("param");
    const { reason } = c.req.valid("query");
    const now = meter.ledger.now();
    const inEffect = (await meter.prices.overrides(params)).find((row) => row.effectiveFrom <= now);
    if (!inEffect?.price) {
      throw new ApiError(
        "not_found",
        `${params.provider}/${params.model} has no override in effect to clear: it is priced by the catalog or the fallback already.`,
        { reason: "no_price_override" },
      );
    }
    // What is left to refuse is the instant: a price already set from this very millisecond.
    const cleared = await refusedAs("model", () =>
      meter.prices.clearPrice({ ...params, effectiveFrom: now, ...(reason === undefined ? {} : { reason }) }),
    );
    const price = await meter.prices.priceOf({ ...params, at: now });
    return c.json(
      {
        provider: cleared.provider,
        model: cleared.model,
        clearedFrom: cleared.effectiveFrom.toISOString(),
        reason: cleared.reason,
        source: price && price.source !== "override" ? price.source : null,
        price: (price?.price ?? null) as PriceJson | null,
      },
      200,
    );
  });
}
