import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { formatMinor } from "@tollgate/core";
import type { Meter } from "@tollgate/metering";
import type { Ledger } from "@tollgate/store";
import type { AppEnv } from "../../app-env.ts";
import { ledgerAnswer } from "../idempotency/ledger-answer.ts";
import { parseAccountParam } from "./account-ref.ts";
import { callerOf, requireSecret } from "./auth.ts";
import {
  AccountName,
  ConversationId,
  FeatureName,
  MemberName,
  Metadata,
  PlanModelName,
  Reason,
} from "./call-fields.ts";
import { idempotencyKeyOf } from "./idempotency-key.ts";
import { ledgerFailure } from "./ledger-failure.ts";
import { Amount, errorResponses, jsonContent } from "./schemas.ts";
import { parseAmountField, unitScale } from "./unit-scale.ts";

/** What a charge or a settlement answers: the transaction and the balance after it. */
export const Charged = z
  .object({
    transactionId: z.string().nullable(),
    usageEventId: z.string().nullable(),
    unit: z.string(),
    amount: Amount,
    balance: Amount,
    available: z.string(),
  })
  .openapi("Charge");

/** A charge's or settlement's outcome in its unit's decimals. */
export function chargedJson(
  ledger: Pick<Ledger, "units">,
  value: {
    transactionId?: string | null;
    usageEventId?: string;
    unit: string;
    amountMinor: bigint;
    balanceMinor: bigint;
    availableMinor: bigint;
  },
): z.infer<typeof Charged> {
  const scale = unitScale(ledger, value.unit);
  return {
    transactionId: value.transactionId || null,
    usageEventId: value.usageEventId ?? null,
    unit: value.unit,
    amount: formatMinor(value.amountMinor, scale),
    balance: formatMinor(value.balanceMinor, scale),
    available: formatMinor(value.availableMinor, scale),
  };
}

// Two forms, and each field belongs to one: a field the form does not use would be dropped,
// and a request half understood is refused instead (a feature's unit is the feature's; a
// conversation and metadata describe a usage event, which only a feature's charge records).
const AMOUNT_ONLY = ["unit", "reason", "model"] as const;
const FEATURE_ONLY = ["conversationId", "metadata"] as const;

const ChargeBody = z
  .strictObject({
    account: AccountName,
    amount: Amount.optional(),
    unit: z.string().max(64).optional().openapi({ description: "With amount: its unit (default: the default unit)" }),
    reason: Reason.optional().openapi({ description: "With amount: why, kept in the account's history" }),
    model: PlanModelName.optional().openapi({
      description: "With amount: the model it pays for (provider/model); the account's plan must allow it",
    }),
    feature: FeatureName.optional().openapi({ description: "Charge this feature's cost (its usage event recorded)" }),
    member: MemberName.optional(),
    conversationId: ConversationId.optional().openapi({ description: "With feature: kept with its usage event" }),
    metadata: Metadata.optional().openapi({ description: "With feature: kept with its usage event" }),
  })
  .superRefine((body, context) => {
    if ((body.amount === undefined) === (body.feature === undefined)) {
      context.addIssue({ code: "custom", path: ["amount"], message: "give exactly one of amount and feature" });
      return;
    }
    const [form, others] = body.amount === undefined ? ["feature", AMOUNT_ONLY] : ["amount", FEATURE_ONLY];
    for (const field of others) {
      if (body[field] !== undefined) {
        context.addIssue({ code: "custom", path: [field], message: `not taken with ${form}` });
      }
    }
  });

const createCharge = createRoute({
  method: "post",
  path: "/charges",
  summary: "Charge an account: a fixed amount (with a reason), or a feature's cost (its usage event recorded)",
  request: {
    query: z.strictObject({}),
    body: { content: { "application/json": { schema: ChargeBody } }, required: true },
  },
  responses: {
    200: jsonContent(Charged, "The charge and the balance after it"),
    ...errorResponses([400, 401, 402, 403, 404, 409, 422]),
  },
});

/** `POST /v1/charges`: the one-step charge of an app's backend (secret keys only). */
export function chargeRoutes(app: OpenAPIHono<AppEnv>, deps: { meter: Meter }): void {
  const { meter } = deps;
  const { ledger } = meter;

  app.openapi(createCharge, async (c) => {
    requireSecret(callerOf(c));
    const input = c.req.valid("json");
    const account = parseAccountParam(input.account);
    const idempotencyKey = idempotencyKeyOf(c);
    const member = input.member === undefined ? {} : { member: input.member };
    if (input.feature !== undefined) {
      const { feature } = input;
      return ledgerAnswer(c, {
        run: (options) =>
          meter.chargeFeature(
            {
              account,
              idempotencyKey,
              ...member,
              feature,
              ...(input.conversationId === undefined ? {} : { conversationId: input.conversationId }),
              ...(input.metadata === undefined ? {} : { metadata: input.metadata }),
            },
            options,
          ),
        // A refusal names the feature's unit, which takes a read: answered after the ledger call.
        renderLater: (result) => !result.ok,
        render: async (result) => {
          if (!result.ok) throw ledgerFailure(result, { ledger, unit: await featureUnit(meter, account, feature) });
          return chargedJson(ledger, result.value);
        },
      });
    }
    const unit = input.unit ?? ledger.config.defaultUnit;
    const amountMinor = parseAmountField(input.amount as string, unitScale(ledger, unit));
    return ledgerAnswer(c, {
      run: (options) =>
        ledger.charge(
          {
            account,
            unit,
            amountMinor,
            ...member,
            ...(input.reason === undefined ? {} : { reason: input.reason }),
            ...(input.model === undefined ? {} : { model: input.model }),
            idempotencyKey,
          },
          options,
        ),
      render: (result) => {
        if (!result.ok) throw ledgerFailure(result, { ledger, unit });
        return chargedJson(ledger, result.value);
      },
    });
  });
}

/** The unit a refused feature charge was in (the account's override may change it), read only on refusal. */
async function featureUnit(meter: Meter, account: ReturnType<typeof parseAccountParam>, feature: string) {
  const accountId = await meter.ledger.accounts.findId(account);
  const cost = accountId ? await meter.features.costFor(accountId, feature) : null;
  return cost?.unit ?? meter.ledger.config.defaultUnit;
}
