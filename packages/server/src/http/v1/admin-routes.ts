import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { formatMinor, type ModelPrice, validateModelPrice } from "@tollgate/core";
import { assertFeatureName, catalogPrice, type Meter, type PriceOverride } from "@tollgate/metering";
import type { AppEnv } from "../../app-env.ts";
import { ApiError } from "../api-error.ts";
import { callerOf, requireSecret } from "./auth.ts";
import { domainRule, refusedAs } from "./domain-input.ts";
import { ModelPriceSchema, type PriceJson, PriceParams } from "./price-schemas.ts";
import { Amount, errorResponses, jsonContent } from "./schemas.ts";
import { parseAmountField, unitScale } from "./unit-scale.ts";

const body = <T>(schema: T) => ({ body: { content: { "application/json": { schema } }, required: true } });

const Feature = z
  .object({
    feature: z.string(),
    unit: z.string(),
    cost: Amount,
    description: z.string().nullable(),
    fromConfig: z.boolean().openapi({
      description: "Defined in the configuration file, which is written at every start: change it there",
    }),
    updatedAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Feature");

const FeatureParam = z.object({
  feature: z
    .string()
    .superRefine(domainRule([], assertFeatureName))
    .openapi({ param: { name: "feature", in: "path" }, example: "generate_goal" }),
});

const listFeatures = createRoute({
  method: "get",
  path: "/features",
  summary: "Features with a fixed cost in a unit",
  request: { query: z.strictObject({}) },
  responses: { 200: jsonContent(z.object({ data: z.array(Feature) }), "Every feature"), ...errorResponses([401, 403]) },
});

const putFeature = createRoute({
  method: "post",
  path: "/features/{feature}",
  summary: "Create or change a feature's unit and cost (one the configuration file defines is changed in the file)",
  request: {
    params: FeatureParam,
    query: z.strictObject({}),
    ...body(
      z.strictObject({ unit: z.string().min(1).max(64), cost: Amount, description: z.string().max(500).optional() }),
    ),
  },
  responses: { 200: jsonContent(Feature, "The feature"), ...errorResponses([400, 401, 403, 409, 422]) },
});

const Override = z.object({
  effectiveFrom: z.string(),
  status: z.enum(["scheduled", "in_effect", "superseded"]),
  price: ModelPriceSchema.nullable().openapi({
    description: "Null: the override was cleared from effectiveFrom on (the catalog, or the fallback, prices it again)",
  }),
  reason: z.string().nullable(),
  createdAt: z.string(),
});

const getPrice = createRoute({
  method: "get",
  path: "/prices/{provider}/{model}",
  summary: "The price of a model now (or `at`): the deployment's override, else the catalog, else the fallback",
  request: {
    params: PriceParams,
    query: z.strictObject({
      at: z
        .string()
        .datetime({ offset: true })
        .optional()
        .openapi({ description: "The price in effect then (default: now)" }),
    }),
  },
  responses: {
    200: jsonContent(
      z
        .object({
          provider: z.string(),
          model: z.string(),
          at: z.string(),
          source: z.string(),
          effectiveFrom: z.string().nullable(),
          catalogModel: z
            .string()
            .nullable()
            .openapi({ description: "The catalog's own id of the model, when it prices it" }),
          contextWindow: z.number().nullable(),
          price: ModelPriceSchema,
          overrides: z.array(Override).openapi({ description: "The deployment's overrides, newest first" }),
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
    query: z.strictObject({}),
    ...body(
      z.strictObject({
        price: ModelPriceSchema.superRefine(domainRule([], validateModelPrice)),
        effectiveFrom: z.string().datetime({ offset: true }).optional(),
        reason: z.string().min(1).max(500).optional(),
      }),
    ),
  },
  responses: {
    200: jsonContent(
      z.object({
        provider: z.string(),
        model: z.string(),
        effectiveFrom: z.string(),
        price: ModelPriceSchema,
        reason: z.string().nullable(),
        createdAt: z.string(),
      }),
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
          fromConfig: feature.feature in meter.config.features,
          updatedAt: feature.updatedAt.toISOString(),
        })),
      },
      200,
    );
  });

  app.openapi(putFeature, async (c) => {
    requireSecret(callerOf(c));
    const { feature } = c.req.valid("param");
    const input = c.req.valid("json");
    // Every start writes the file's features, so a change made here would be undone by the next.
    if (feature in meter.config.features) {
      throw new ApiError(
        "invalid_request",
        `${feature} is defined in the configuration file; change it there: the file's features are written each time the server starts`,
        {
          reason: "defined_in_configuration_file",
          fields: [{ field: "feature", message: "defined in the configuration file" }],
        },
      );
    }
    const scale = unitScale(ledger, input.unit);
    const defined = await meter.features.define(feature, {
      unit: input.unit,
      costMinor: parseAmountField(input.cost, scale, "cost"),
      ...(input.description === undefined ? {} : { description: input.description }),
    });
    return c.json(
      {
        feature,
        unit: defined.unit,
        cost: formatMinor(defined.costMinor, scale),
        description: defined.description ?? null,
        fromConfig: false,
        updatedAt: defined.updatedAt.toISOString(),
      },
      200,
    );
  });

  app.openapi(getPrice, async (c) => {
    requireSecret(callerOf(c));
    const params = c.req.valid("param");
    const query = c.req.valid("query");
    const at = query.at === undefined ? ledger.now() : new Date(query.at);
    const price = await meter.prices.priceOf({ ...params, at });
    const overrides = await meter.prices.overrides(params);
    if (!price) {
      const next = overrides.at(-1);
      throw new ApiError(
        "not_found",
        `No price for ${params.provider}/${params.model} at ${at.toISOString()}: neither an override nor the catalog prices it, and the configuration sets no fallbackPrice` +
          (next ? ` (its first override takes effect at ${next.effectiveFrom.toISOString()})` : "") +
          `; set one with POST /v1/prices/${params.provider}/${encodeURIComponent(params.model)} (tollgate pricing set).`,
        { reason: "unknown_model_price" },
      );
    }
    const inEffect = overrides.find((row) => row.effectiveFrom <= at);
    const status = (row: PriceOverride) =>
      row.effectiveFrom > at
        ? ("scheduled" as const)
        : row === inEffect
          ? ("in_effect" as const)
          : ("superseded" as const);
    return c.json(
      {
        provider: price.provider,
        model: price.model,
        at: at.toISOString(),
        source: price.source,
        effectiveFrom: price.effectiveFrom?.toISOString() ?? null,
        catalogModel:
          price.source === "catalog"
            ? ((await catalogPrice({ provider: price.provider, model: price.model, at }))?.model ?? null)
            : null,
        contextWindow: price.contextWindow,
        price: price.price as PriceJson,
        overrides: overrides.map((row) => ({
          effectiveFrom: row.effectiveFrom.toISOString(),
          status: status(row),
          price: row.price as PriceJson | null,
          reason: row.reason,
          createdAt: row.createdAt.toISOString(),
        })),
      },
      200,
    );
  });

  app.openapi(setPrice, async (c) => {
    requireSecret(callerOf(c));
    const params = c.req.valid("param");
    const input = c.req.valid("json");
    // The schema checked the provider, model and price as the price book does; what it can
    // still refuse is the time: in the past, or a price already set from that instant.
    const set = await refusedAs("effectiveFrom", () =>
      meter.prices.setPrice({
        ...params,
        price: input.price as ModelPrice,
        ...(input.effectiveFrom ? { effectiveFrom: new Date(input.effectiveFrom) } : {}),
        ...(input.reason ? { reason: input.reason } : {}),
      }),
    );
    return c.json(
      {
        provider: set.provider,
        model: set.model,
        effectiveFrom: set.effectiveFrom.toISOString(),
        price: set.price as PriceJson,
        reason: set.reason,
        createdAt: set.createdAt.toISOString(),
      },
      200,
    );
  });
}
