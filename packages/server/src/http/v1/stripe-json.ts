import { z } from "@hono/zod-openapi";
import type { StripeEventRow } from "@tollgate/store";
import { describeStripeChange, type StripeChange } from "../../stripe/stripe-catalog-diff.ts";
import type { AppliedChange } from "../../stripe/stripe-push.ts";

export const StripeEventJson = z
  .object({
    id: z.string().openapi({ example: "evt_1Q…" }),
    type: z.string().openapi({ example: "checkout.session.completed" }),
    created: z.string().openapi({ description: "The event's `created`, Stripe's clock (ISO 8601)" }),
    livemode: z.boolean(),
    receivedAt: z.string().openapi({ description: "When this deployment first verified it" }),
    deliveries: z.number().int().openapi({ description: "Verified deliveries, the first included" }),
    outcome: z.enum(["received", "processed", "ignored", "failed"]),
    detail: z.string().nullable(),
    accountId: z.string().nullable(),
  })
  .openapi("StripeEvent");

/** @example stripeEventJson(row).outcome // "processed" */
export function stripeEventJson(row: StripeEventRow): z.infer<typeof StripeEventJson> {
  return {
    id: row.eventId,
    type: row.type,
    created: row.created.toISOString(),
    livemode: row.livemode,
    receivedAt: row.receivedAt.toISOString(),
    deliveries: row.deliveries,
    outcome: row.outcome,
    detail: row.detail,
    accountId: row.accountId,
  };
}

export const StripeChangeJson = z
  .object({
    kind: z.enum(["create_product", "rename_product", "create_price", "deactivate_price", "skip"]),
    item: z.string().openapi({ example: "plan:pro" }),
    description: z.string().openapi({ example: "create price 900 eur (minor units) per month for plan:pro …" }),
    objectId: z
      .string()
      .nullable()
      .openapi({ description: "The Product or Price made or changed (applied pushes only)" }),
  })
  .openapi("StripeChange");

/** @example stripeChangeJson({ change, objectId: "prod_1" }).description */
export function stripeChangeJson(applied: AppliedChange | StripeChange): z.infer<typeof StripeChangeJson> {
  const change = "change" in applied ? applied.change : applied;
  return {
    kind: change.kind,
    item: change.item,
    description: describeStripeChange(change),
    objectId: "change" in applied ? applied.objectId : null,
  };
}
