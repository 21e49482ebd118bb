import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { formatMinor, planAccessRefusal, planInForce } from "@tollgate/core";
import { type Meter, planModelId } from "@tollgate/metering";
import type { AppEnv } from "../../app-env.ts";
import { accountNotFound } from "./account-not-found.ts";
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
  "feature_not_in_plan",
  "model_not_in_plan",
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
    plan: z.string().nullable().openapi({
      description: "With feature_not_in_plan or model_not_in_plan: the account's plan, which refuses the call",
    }),
    plans: z
      .array(z.string())
      .nullable()
      .openapi({ description: "With feature_not_in_plan or model_not_in_plan: the plans that would allow it" }),
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
    "Writes nothing and reserves nothing (use a hold for that), so it takes no `Idempotency-Key`. Answers what `POST /v1/charges` (a feature) or `POST /v1/holds` (a model call) would decide now: a feature or model the account's plan does not allow, a member over its cap or not a member is not allowed, with the reason the write would give (in the ledger's order: the plan, the member, its cap, the balance).",
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
    const call = await priceCall(meter, accountId, input);
    if (typeof call === "string") return c.json({ ...UNPRICED, reason: call }, 200);
    const { unit, drawMinor, floorMinor } = call;
    const requiredMinor = drawMinor > floorMinor ? drawMinor : floorMinor;
    const [balance] = (await ledger.getBalances({ accountId }, { unit })) ?? [];
    const availableMinor = balance?.availableMinor ?? 0n;
    const planRefusal = await planCheck(ledger, accountId, input);
    const member =
      input.member === undefined
        ? null
        : await memberCheck(ledger, { accountId, member: input.member, unit, drawMinor });
    // The plan's rule, then the member's, then the balance, as in the ledger's order of precedence.
    const reason: Refusal | null =
      planRefusal?.code ?? member?.refusal ?? (availableMinor >= requiredMinor ? null : "insufficient_credits");
    const amount = (minor: bigint | null) => (minor === null ? null : format(unit, minor));
    return c.json(
      {
        allowed: reason === null,
        reason,
        unit,
        estimate: amount(call.estimateMinor),
        required: amount(requiredMinor),
        available: amount(availableMinor),
        minimumAvailable: floorMinor > 0n ? amount(floorMinor) : null,
        estimatedUsage: call.estimatedUsage,
        plan: planRefusal?.details.plan ?? null,
        plans: planRefusal?.details.plans ?? null,
        member: member?.limit
          ? { cap: amount(member.limit.capMinor), available: amount(member.limit.headroomMinor) }
          : null,
      },
      200,
    );
  });

  app.openapi(stats, async (c) => {
    const { accountId } = await findAccountInScope(ledger, c, c.req.valid("param").account);
    const found = await meter.accountStats({ account: { accountId } });
    if (!found) throw accountNotFound();
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

const UNPRICED = {
  allowed: false,
  unit: null,
  estimate: null,
  required: null,
  available: null,
  minimumAvailable: null,
  estimatedUsage: null,
  plan: null,
  plans: null,
  member: null,
} as const;

/**
 * What the write would draw for this call, and the least that must be available: a feature's
 * cost (the account's override, if any); or a model call's estimate, as `Meter.authorizeCall`
 * holds it (never an empty hold) with the deployment's minimum. A string when nothing prices it.
 */
async function priceCall(meter: Meter, accountId: string, input: z.infer<typeof CheckBody>) {
  if (input.feature !== undefined) {
    const cost = await meter.features.costFor(accountId, input.feature);
    if (!cost) return "feature_not_found" as const;
    return {
      unit: cost.unit,
      estimateMinor: cost.costMinor,
      drawMinor: cost.costMinor,
      floorMinor: 0n,
      estimatedUsage: null,
    };
  }
  const estimate = await refusedAs("messages", () => meter.estimateCall(modelCallOf(input)));
  if (!estimate) return "unknown_model_price" as const;
  return {
    unit: estimate.unit,
    estimateMinor: estimate.amountMinor,
    drawMinor: estimate.amountMinor > 0n ? estimate.amountMinor : 1n,
    floorMinor: meter.config.minimumAvailableMinor,
    estimatedUsage: estimatedUsageJson(estimate),
  };
}

/**
 * The account's plan's rule, as a charge or hold applies it: on the subscription as stored (a
 * change due at a period end that has passed shows once the account is next swept), naming the
 * deployment's plans that would allow the call.
 */
async function planCheck(ledger: Meter["ledger"], accountId: string, input: z.infer<typeof CheckBody>) {
  const plan = planInForce(await ledger.getSubscription({ accountId }));
  if (!plan) return null;
  const model = input.model === undefined ? undefined : planModelId(modelCallOf(input));
  const refused = planAccessRefusal(plan, { feature: input.feature, model }, ledger.catalog);
  // planAccessRefusal returns only these two codes.
  return refused && { code: refused.code as "feature_not_in_plan" | "model_not_in_plan", details: refused.details };
}

/**
 * The ledger's member rule, as a charge or hold applies it: not the organization's member is
 * `member_not_found`; what it has spent and holds plus this draw over its cap is
 * `member_cap_exceeded`. With the member's cap and what it may still draw (null: no cap).
 */
async function memberCheck(
  ledger: Meter["ledger"],
  query: { accountId: string; member: string; unit: string; drawMinor: bigint },
) {
  const memberAccountId = await ledger.accounts.findId({ type: "user", externalId: query.member });
  const found = memberAccountId
    ? await ledger.findMember({ organizationAccountId: query.accountId, memberAccountId })
    : null;
  if (!found) return { refusal: "member_not_found" as const, limit: null };
  // A unit it has no cap in and has not drawn in has no row: no cap.
  const limit = found.limits.find((row) => row.unit === query.unit);
  if (!limit || limit.capMinor === null) return { refusal: null, limit: { capMinor: null, headroomMinor: null } };
  const left = limit.capMinor - limit.spentMinor - limit.heldMinor;
  return {
    refusal: query.drawMinor > left ? ("member_cap_exceeded" as const) : null,
    limit: { capMinor: limit.capMinor, headroomMinor: left > 0n ? left : 0n },
  };
}
