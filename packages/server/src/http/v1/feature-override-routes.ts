import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { type Account, formatMinor } from "@tollgate/core";
import { assertFeatureName, type FeatureCost, type Meter } from "@tollgate/metering";
import type { AppEnv } from "../../app-env.ts";
import { ApiError } from "../api-error.ts";
import { findAccountInScope } from "./account-ref.ts";
import { callerOf, requireSecret } from "./auth.ts";
import { AccountParam, Amount, errorResponses, jsonContent } from "./schemas.ts";
import { parseAmountField, unitScale } from "./unit-scale.ts";

const Override = z
  .object({
    feature: z.string(),
    unit: z.string(),
    cost: Amount.openapi({ description: "What this account pays per use" }),
    featureCost: Amount.openapi({ description: "What the feature costs every other account" }),
    updatedAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("FeatureOverride");

/** What one account pays for one feature now, after a change: the CLI's `features override`. */
const AccountFeatureCost = z
  .object({
    accountId: z.string(),
    feature: z.string(),
    unit: z.string(),
    cost: Amount.openapi({ description: "What this account pays per use now" }),
    featureCost: Amount,
    overridden: z.boolean().openapi({ description: "True when the account pays its own cost" }),
    changed: z.boolean().openapi({ description: "False when there was nothing to change (no override to remove)" }),
  })
  .openapi("AccountFeatureCost");

const FeatureParams = AccountParam.extend({
  feature: z
    .string()
    .min(1)
    .max(64)
    .superRefine((name, context) => {
      try {
        assertFeatureName(name);
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
        context.addIssue({ code: "custom", message: error.message });
      }
    })
    .openapi({ param: { name: "feature", in: "path" }, example: "generate_goal" }),
});

const listOverrides = createRoute({
  method: "get",
  path: "/accounts/{account}/feature-overrides",
  summary: "The features this account pays its own cost for, each beside the feature's cost",
  request: { params: AccountParam, query: z.strictObject({}) },
  responses: {
    200: jsonContent(z.object({ data: z.array(Override) }), "Every override of the account, by feature"),
    ...errorResponses([400, 401, 403, 404]),
  },
});

const setOverride = createRoute({
  method: "post",
  path: "/accounts/{account}/feature-overrides/{feature}",
  summary: "Set what this account pays for a feature (0: free), in the feature's unit",
  request: {
    params: FeatureParams,
    query: z.strictObject({}),
    body: { content: { "application/json": { schema: z.strictObject({ cost: Amount }) } }, required: true },
  },
  responses: {
    200: jsonContent(AccountFeatureCost, "What the account pays now"),
    ...errorResponses([400, 401, 403, 404, 409, 422]),
  },
});

const removeOverride = createRoute({
  method: "delete",
  path: "/accounts/{account}/feature-overrides/{feature}",
  summary: "Remove the account's own cost: it pays the feature's cost again",
  request: { params: FeatureParams, query: z.strictObject({}) },
  responses: {
    200: jsonContent(AccountFeatureCost, "What the account pays now; `changed: false` when it had no override"),
    ...errorResponses([400, 401, 403, 404]),
  },
});

/** Per-account feature costs (`tollgate features override`'s equal), under `/v1`, for secret keys only. */
export function featureOverrideRoutes(app: OpenAPIHono<AppEnv>, deps: { meter: Meter }): void {
  const { meter } = deps;
  const { ledger } = meter;
  const format = (unit: string, minor: bigint) => formatMinor(minor, unitScale(ledger, unit));

  /** The account and the feature's own cost, or 404 naming whichever does not exist. */
  const resolve = async (c: Parameters<typeof callerOf>[0], params: { account: string; feature: string }) => {
    requireSecret(callerOf(c));
    const account = await findAccountInScope(ledger, c, params.account);
    const feature = await meter.features.costFor(null, params.feature);
    if (!feature) {
      throw new ApiError(
        "not_found",
        `No feature "${params.feature}": define it with POST /v1/features/${params.feature} first.`,
        { reason: "feature_not_found" },
      );
    }
    return { account, feature };
  };

  /** What the account pays after a change, beside what the feature costs. */
  const answer = async (account: Account, feature: FeatureCost, changed: boolean) => {
    const now = await meter.features.costFor(account.accountId, feature.feature);
    if (!now) throw new ApiError("not_found", `No feature "${feature.feature}".`, { reason: "feature_not_found" });
    return {
      accountId: account.accountId,
      feature: feature.feature,
      unit: now.unit,
      cost: format(now.unit, now.costMinor),
      featureCost: format(now.unit, feature.costMinor),
      overridden: now.overridden,
      changed,
    };
  };

  app.openapi(listOverrides, async (c) => {
    requireSecret(callerOf(c));
    const account = await findAccountInScope(ledger, c, c.req.valid("param").account);
    const overrides = await meter.features.accountCosts(account.accountId);
    return c.json(
      {
        data: overrides.map((override) => ({
          feature: override.feature,
          unit: override.unit,
          cost: format(override.unit, override.costMinor),
          featureCost: format(override.unit, override.featureCostMinor),
          updatedAt: override.updatedAt.toISOString(),
        })),
      },
      200,
    );
  });

  app.openapi(setOverride, async (c) => {
    const { account, feature } = await resolve(c, c.req.valid("param"));
    const costMinor = parseAmountField(c.req.valid("json").cost, unitScale(ledger, feature.unit), "cost");
    const changed = await meter.features.setAccountCost(account.accountId, feature.feature, costMinor);
    // False only when the feature was deleted since it was read: answered as if it never was.
    if (!changed) throw new ApiError("not_found", `No feature "${feature.feature}".`, { reason: "feature_not_found" });
    return c.json(await answer(account, feature, changed), 200);
  });

  app.openapi(removeOverride, async (c) => {
    const { account, feature } = await resolve(c, c.req.valid("param"));
    const changed = await meter.features.setAccountCost(account.accountId, feature.feature, null);
    return c.json(await answer(account, feature, changed), 200);
  });
}
