import { z } from "@hono/zod-openapi";
import { assertFeatureName, MAX_TOKENS_LIMIT, normalizeModel, validateCallFields } from "@tollgate/metering";
import { domainRule } from "./domain-input.ts";
import { ExternalId } from "./schemas.ts";

// The fields of a call (a charge, a hold, a check, a usage event), each checked by the
// metering's own rules in its schema, so the meter never meets input it would refuse.

/** An organization member, by the user's external id; as long as a usage event records one. */
export const MemberName = ExternalId.refine((text) => text.length <= 200, "must be 1 to 200 characters").openapi({
  description: "An organization member: the user's external id",
  example: "bob",
});

export const FeatureName = z
  .string()
  .superRefine(domainRule([], assertFeatureName))
  .openapi({ description: "A feature's name (lowercase letters, digits, _ . -; up to 64)", example: "generate_goal" });

export const ConversationId = z.string().min(1).max(200);

export const Metadata = z
  .record(z.string(), z.unknown())
  .superRefine(domainRule([], (metadata: Record<string, unknown>) => validateCallFields({ metadata })))
  .openapi({ description: "Free-form JSON kept with the usage event, at most 16 KiB" });

export const Provider = z
  .string()
  .min(1)
  .max(64)
  .superRefine(domainRule([], (provider: string) => normalizeModel({ provider, model: "any" })))
  .openapi({ example: "openai" });

export const Model = z.string().min(1).max(200).regex(/\S/, "must not be blank").openapi({ example: "gpt-4o-mini" });

/**
 * A model as a plan's `models` rule names it, `provider/model` ("openai/gpt-4o"), on a charge,
 * hold or deduction of an amount: refused with `model_not_in_plan` when the account's plan does
 * not allow it. Case is folded, as the rule folds it.
 */
export const PlanModelName = z
  .string()
  .min(3)
  .max(256)
  .regex(/^[^\s/]+\/\S+$/, "must be provider/model, such as openai/gpt-4o")
  .openapi({ description: "The model the amount pays for, as provider/model", example: "openai/gpt-4o" });

/** A chat request's `messages`; their shape is checked by the tokenizer that counts them. */
export const Messages = z
  .array(z.unknown())
  .min(1)
  .max(10_000)
  .openapi({ description: "The chat request's messages (OpenAI chat format)" });

export const MaxTokens = z.number().int().min(1).max(MAX_TOKENS_LIMIT);

/** An account in a body: `acct_…`, or `type:externalId` (created on first use by a write). */
export const AccountName = z
  .string()
  .min(1)
  .max(300)
  .openapi({ description: "acct_… or type:externalId", example: "user:alice" });

/** Why, kept with the transaction in the account's history. */
export const Reason = z.string().min(1).max(500).regex(/\S/, "must not be blank");
