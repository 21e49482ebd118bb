import { z } from "@hono/zod-openapi";
import type { CallEstimate } from "@tollgate/metering";
import { MaxTokens, Messages, Model, Provider } from "./call-fields.ts";

/** A model call as `/v1/check` and `/v1/holds` take it: the chat request about to be sent. */
export const ModelCallFields = {
  provider: Provider.optional().openapi({ description: "With model: the provider the call goes to" }),
  model: Model.optional().openapi({ description: "Estimate this model call (with provider and messages)" }),
  messages: Messages.optional(),
  maxTokens: MaxTokens.optional().openapi({
    description: "The request's max_tokens; the model's default bound when absent",
  }),
};

type ModelCallInput = { provider?: string; model?: string; messages?: unknown[]; maxTokens?: number };

/**
 * For a body that is either a model call or `other` (a feature, an amount): exactly one of
 * `model` and `other`; with a model, its provider and messages; without one, none of its fields.
 */
export function refineModelCall<T extends ModelCallInput>(
  body: T,
  context: z.RefinementCtx<T>,
  other: { field: keyof T & string; present: boolean },
): void {
  const isModelCall = body.model !== undefined;
  if (isModelCall === other.present) {
    context.addIssue({
      code: "custom",
      path: [other.field],
      message: `give exactly one of ${other.field} and model (with provider and messages)`,
    });
    return;
  }
  if (isModelCall) {
    for (const field of ["provider", "messages"] as const) {
      if (body[field] === undefined)
        context.addIssue({ code: "custom", path: [field], message: "required with model" });
    }
    return;
  }
  for (const field of ["provider", "messages", "maxTokens"] as const) {
    if (body[field] !== undefined) {
      context.addIssue({ code: "custom", path: [field], message: `only with model, not with ${other.field}` });
    }
  }
}

/** The call as the meter estimates it (after `refineModelCall` said it is complete). */
export function modelCallOf(body: ModelCallInput) {
  return {
    provider: body.provider as string,
    model: body.model as string,
    messages: body.messages as unknown[],
    ...(body.maxTokens === undefined ? {} : { maxTokens: body.maxTokens }),
  };
}

/** The usage a call's estimate was priced at: its most, and where the output bound came from. */
export const EstimatedUsage = z
  .object({
    inputTokens: z.number(),
    outputTokens: z.number(),
    outputTokensSource: z.enum(["max_tokens", "context_window", "default", "none"]),
  })
  .openapi("EstimatedUsage");

export function estimatedUsageJson(estimate: CallEstimate): z.infer<typeof EstimatedUsage> {
  return {
    inputTokens: estimate.usage.inputTokens ?? 0,
    outputTokens: estimate.usage.outputTokens ?? 0,
    outputTokensSource: estimate.outputTokensSource,
  };
}
