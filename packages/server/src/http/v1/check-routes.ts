import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { formatMinor } from "@tollgate/core";
import type { Meter } from "@tollgate/metering";
import type { AppEnv } from "../../app-env.ts";
import { ApiError } from "../api-error.ts";
import { findAccountInScope } from "./account-ref.ts";
import { AccountName, FeatureName, MemberName } from "./call-fields.ts";
import { refusedAs } from "./domain-input.ts";
import { EstimatedUsage, estimatedUsageJson, ModelCallFields, modelCallOf, refineModelCall } from "./model-call.ts";
import { AccountParam, Amount, errorResponses, jsonContent } from "./schemas.ts";
import { unitScale } from "./unit-scale.ts";

const CheckBody = z
  .strictObject({
    account: AccountName,
    feature: FeatureName.optional().openapi({ description: "Check this feature's cost (or give a model call)" }),
    ...ModelCallFields,
    member: MemberName.optional().openapi({
      description: "The organization's member who would make the call: its cap applies, as on a charge",
    }),
  })
  .superRefine((body, context) =>
    refineModelCall(body, context, { field: "feature", present: body.feature !== undefined }),
  );

const REFUSALS = [
  "insufficient_credits",
  "feature_not_found",
  "unknown_model_price",
  "member_not_found",
  "member_cap_exceeded",
] as const;
type Refusal = (typeof REFUSALS)[number];

const CheckAnswer = z
  .object({
    allowed: z.boolean(),
    reason: z.enum(REFUSALS).nullable().openapi({ description: "Why not: the code the charge or hold would answer" }),
    unit: z.string().nullable(),
    estimate: Amount.nullable().openapi({
      description: "What the call costs: the feature's cost, or the most the model call can",
    }),
    required: Amount.nullable().openapi({
      description: "What must be available for it to go ahead: the estimate, or the deployment's minimum if larger",
    }),
    available: z.string().nullable(),
    minimumAvailable: Amount.nullable().openapi({
      description: "The deployment's minimum available balance to start a model call, when it sets one",
    }),
    estimatedUsage: EstimatedUsage.nullable(),
    member: z
      .object({
        cap: Amount.nullable().openapi({ description: "The member's cap in this unit; null: none" }),
        available: Amount.nullable().openapi({
          description: "What the member may still draw under its cap; null: no cap",
        }),
      })
      .nullable(),
  })
  .openapi("Check");

const check = createRoute({
  method: "post",
  path: "/check",
  summary: "Can this account (or its member) afford this feature or this model call, and why not",
  description:
    "Writes nothing and reserves nothing (use a hold for that), so it takes no `Idempotency-Key`. Answers what `POST /v1/charges` (a feature) or `POST /v1/holds` (a model call) would decide now: a member over its cap or not a member is not allowed, with the reason the write would give.",
  request: {
    query: z.strictObject({}),
    body: { content: { "application/json": { schema: CheckBody } }, required: true },
  },
  responses: {
    200: jsonContent(CheckAnswer, "Whether the call may go ahead; a refusal says why"),
    ...errorResponses([400, 401, 404]),
  },
});

const Totals = {
  totalBalance: Amount.nullable(),
  totalUsed: z.string().nullable(),
  totalAllocated: Amount.nullable(),
};
const UnitStats = z.object({
  unit: z.string(),
  balance: Amount,
  available: z.string(),
  used: z.string(),
  allocated: Amount,
});

const stats = createRoute({
  method: "get",
  path: "/accounts/{account}/stats",
  summary: "Balance, used and allocated per unit and in total, and the next refresh date",
  description:
    "Totals add the units up only when they share one scale (a deployment of whole-number units, as an app's `getTokenStats()` expects); across scales a sum of minor units means nothing, and the totals are null: read `byUnit`. `byType` is `byUnit` under the name such a helper returns.",
  request: { params: AccountParam, query: z.strictObject({}) },
  responses: {
    200: jsonContent(
      z
        .object({
          accountId: z.string(),
          ...Totals,
          byUnit: z.array(UnitStats),
          byType: z.array(UnitStats),
          refreshDate: z.string().nullable(),
        })
        .openapi("AccountStats"),
      "The account's stats",
    ),
    ...errorResponses([400, 401, 404]),
  },
});

/** Checks before a call, and an account's stats, under `/v1`: a customer token may ask about its own account. */
export function checkRoutes(app: OpenAPIHono<AppEnv>, deps: { meter: Meter }): void {
  const { meter } = deps;
  const { ledger } = meter;
  const format = (unit: string, minor: bigint) => formatMinor(minor, unitScale(ledger, unit));

  app.openapi(check, async (c) => {
    const input = c.req.valid("json");
    const { accountId } = await findAccountInScope(ledger, c, input.account);
    const unpriced = (reason: "feature_not_found" | "unknown_model_price") =>
      c.json(
        {
          allowed: false,
          reason,
          unit: null,
          estimate: null,
          required: null,
          available: null,
          minimumAvailable: null,
          estimatedUsage: null,
          member: null,
        },
        200,
      );
    // What the write would draw (the member's cap counts this) and what must be available.
    let unit: string;
    let drawMinor: bigint;
    let estimateMinor: bigint;
    let floorMinor = 0n;
    let estimatedUsage: z.infer<typeof EstimatedUsage> | null = null;
    if (input.feature !== undefined) {
      const cost = await meter.features.costFor(accountId, input.feature);
      if (!cost) return unpriced("feature_not_found");
      unit = cost.unit;
      estimateMinor = cost.costMinor;
      drawMinor = cost.costMinor;
    } else {
      const estimate = await refusedAs("messages", () => meter.estimateCall(modelCallOf(input)));
      if (!estimate) return unpriced("unknown_model_price");
      unit = estimate.unit;
      estimateMinor = estimate.amountMinor;
      // As Meter.authorizeCall holds it: never an empty hold, and the deployment's floor.
      drawMinor = estimate.amountMinor > 0n ? estimate.amountMinor : 1n;
      floorMinor = meter.config.minimumAvailableMinor;
      estimatedUsage = estimatedUsageJson(estimate);
    }
    const requiredMinor = drawMinor > floorMinor ? drawMinor : floorMinor;
    const [balance] = (await ledger.getBalances({ accountId }, { unit })) ?? [];
    const availableMinor = balance?.availableMinor ?? 0n;
    const member = input.member === undefined ? null : await memberCheck(input.member);
    const reason: Refusal | null = member?.refusal ?? (availableMinor >= requiredMinor ? null : "insufficient_credits");
    return c.json(
      {
        allowed: reason === null,
        reason,
        unit,
        estimate: format(unit, estimateMinor),
        required: format(unit, requiredMinor),
        available: format(unit, availableMinor),
        minimumAvailable: floorMinor > 0n ? format(unit, floorMinor) : null,
        estimatedUsage,
        member: member?.limit
          ? {
              cap: member.limit.capMinor === null ? null : format(unit, member.limit.capMinor),
              available: member.limit.headroomMinor === null ? null : format(unit, member.limit.headroomMinor),
            }
          : null,
      },
      200,
    );

    // The ledger's member rule, as a charge or hold applies it before the balance: not a
    // member is member_not_found; what it has spent and holds plus this draw over its cap is
    // member_cap_exceeded.
    async function memberCheck(name: string) {
      const limit = await ledger.memberLimit({ organizationId: accountId, member: name, unit });
      if (!limit) return { refusal: "member_not_found" as const, limit: null };
      if (limit.capMinor === null) return { refusal: null, limit: { capMinor: null, headroomMinor: null } };
      const left = limit.capMinor - limit.spentMinor - limit.heldMinor;
      return {
        refusal: drawMinor > left ? ("member_cap_exceeded" as const) : null,
        limit: { capMinor: limit.capMinor, headroomMinor: left > 0n ? left : 0n },
      };
    }
  });

  app.openapi(stats, async (c) => {
    const { accountId } = await findAccountInScope(ledger, c, c.req.valid("param").account);
    const found = await meter.accountStats({ account: { accountId } });
    if (!found) throw new ApiError("not_found", "No such account.");
    const byUnit = found.byUnit.map((row) => ({
      unit: row.unit,
      balance: formatMinor(row.balanceMinor, row.scale),
      available: formatMinor(row.availableMinor, row.scale),
      used: formatMinor(row.usedMinor, row.scale),
      allocated: formatMinor(row.allocatedMinor, row.scale),
    }));
    // Totals only across units of one scale: a sum of cents and whole credits means nothing.
    const scales = new Set(found.byUnit.map((row) => row.scale));
    const scale = scales.size <= 1 ? ([...scales][0] ?? 0) : null;
    const total = (minor: bigint) => (scale === null ? null : formatMinor(minor, scale));
    return c.json(
      {
        accountId,
        totalBalance: total(found.totalBalanceMinor),
        totalUsed: total(found.totalUsedMinor),
        totalAllocated: total(found.totalAllocatedMinor),
        byUnit,
        byType: byUnit,
        refreshDate: found.refreshDate?.toISOString() ?? null,
      },
      200,
    );
  });
}
