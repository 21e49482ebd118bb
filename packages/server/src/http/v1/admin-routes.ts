import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { formatMinor, type ModelPrice, PRICE_KEYS, parseDecimalToMinor } from "@tollgate/core";
import type { Meter } from "@tollgate/metering";
import type { AppEnv } from "../../app-env.ts";
import { ApiError } from "../api-error.ts";
import { callerOf, requireSecret } from "./auth.ts";
import { Amount, errorResponses, jsonContent } from "./schemas.ts";
import { unitScale } from "./unit-scale.ts";

const body = <T>(schema: T) => ({ body: { content: { "application/json": { schema } }, required: true } });

const Feature = z
  .object({ feature: z.string(), unit: z.string(), cost: Amount, description: z.string().nullable() })
  .openapi("Feature");

const FeatureParam = z.object({
  feature: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "feature", in: "path" } }),
});

const Price = z.union([
  z.string(),
  z.object({
    base: z.string(),
    tiers: z.array(z.object({ start: z.number().int().min(0), price: z.string() })).max(16),
  }),
]);
const ModelPriceSchema = z
  .partialRecord(z.enum(PRICE_KEYS as unknown as [string, ...string[]]), Price)
  .openapi("ModelPrice");

const PriceParams = z.object({
  provider: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "provider", in: "path" }, example: "openai" }),
  model: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: "model", in: "path" }, example: "gpt-4o" }),
});

const listFeatures = createRoute({
  method: "get",
  path: "/features",
  summary: "Features with a fixed cost in a unit",
  responses: { 200: jsonContent(z.object({ data: z.array(Feature) }), "Every feature"), ...errorResponses([401, 403]) },
});

const putFeature = createRoute({
  method: "post",
  path: "/features/{feature}",
  summary: "Create or change a feature's unit and cost",
  request: {
    params: FeatureParam,
    ...body(z.object({ unit: z.string().min(1).max(64), cost: Amount, description: z.string().max(500).optional() })),
  },
  responses: { 200: jsonContent(Feature, "The feature"), ...errorResponses([400, 401, 403, 409, 422]) },
});

const getPrice = createRoute({
  method: "get",
  path: "/prices/{provider}/{model}",
  summary: "The price of a model now: the deployment's override, else the catalog, else the fallback",
  request: { params: PriceParams },
  responses: {
    200: jsonContent(
      z
        .object({
          provider: z.string(),
          model: z.string(),
          source: z.string(),
          effectiveFrom: z.string().nullable(),
          prices: ModelPriceSchema,
        })
        .openapi("PriceInEffect"),
      "The price in effect",
    ),
    ...errorResponses([400, 401, 403, 404]),
  },
});

const setPrice = createRoute({
  method: "post",
  path: "/prices/{provider}/{model}",
  summary: "Set a model's price from a time on (default now); past usage keeps the price it was charged",
  request: {
    params: PriceParams,
    ...body(
      z.object({
        prices: ModelPriceSchema,
        effectiveFrom: z.string().datetime({ offset: true }).optional(),
        reason: z.string().max(500).optional(),
      }),
    ),
  },
  responses: {
    200: jsonContent(
      z.object({ provider: z.string(), model: z.string(), effectiveFrom: z.string(), prices: ModelPriceSchema }),
      "The new price",
    ),
    ...errorResponses([400, 401, 403, 409, 422]),
  },
});

/** Features and prices, under `/v1`: the deployment's configuration, for secret keys only. */
export function adminRoutes(app: OpenAPIHono<AppEnv>, deps: { meter: Meter }): void {
  const { meter } = deps;
  const { ledger } = meter;

  app.openapi(listFeatures, async (c) => {
    requireSecret(callerOf(c));
    const features = await meter.features.list();
    return c.json(
      {
        data: features.map((feature) => ({
          feature: feature.feature,
          unit: feature.unit,
          cost: formatMinor(feature.costMinor, unitScale(ledger, feature.unit)),
          description: feature.description ?? null,
        })),
      },
      200,
    );
  });

  app.openapi(putFeature, async (c) => {
    requireSecret(callerOf(c));
    const { feature } = c.req.valid("param");
    const input = c.req.valid("json");
    const scale = unitScale(ledger, input.unit);
    const defined = await meter.features.define(feature, {
      unit: input.unit,
      costMinor: parseDecimalToMinor(input.cost, scale),
      ...(input.description === undefined ? {} : { description: input.description }),
    });
    return c.json(
      {
        feature,
        unit: defined.unit,
        cost: formatMinor(defined.costMinor, scale),
        description: defined.description ?? null,
      },
      200,
    );
  });

  app.openapi(getPrice, async (c) => {
    requireSecret(callerOf(c));
    const params = c.req.valid("param");
    const price = await meter.prices.priceOf({ ...params, at: ledger.now() });
    if (!price)
      throw new ApiError("not_found", `No price for ${params.provider}/${params.model}.`, {
        reason: "unknown_model_price",
      });
    return c.json(
      {
        provider: price.provider,
        model: price.model,
        source: price.source,
        effectiveFrom: price.effectiveFrom?.toISOString() ?? null,
        prices: price.price as Record<string, z.infer<typeof Price>>,
      },
      200,
    );
  });

  app.openapi(setPrice, async (c) => {
    requireSecret(callerOf(c));
    const params = c.req.valid("param");
    const input = c.req.valid("json");
    const set = await meter.prices.setPrice({
      ...params,
      price: input.prices as ModelPrice,
      ...(input.effectiveFrom ? { effectiveFrom: new Date(input.effectiveFrom) } : {}),
      ...(input.reason ? { reason: input.reason } : {}),
    });
    return c.json(
      {
        provider: set.provider,
        model: set.model,
        effectiveFrom: set.effectiveFrom.toISOString(),
        prices: set.price as Record<string, z.infer<typeof Price>>,
      },
      200,
    );
  });
}
