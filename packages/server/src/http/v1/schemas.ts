import { z } from "@hono/zod-openapi";
import { CANONICAL_AMOUNT, EXTERNAL_ID_LENGTH_MAX, externalIdProblem, PLAN_ID_PATTERN } from "@tollgate/core";

/** A JSON response of `schema`, for a route's `responses`. */
export const jsonContent = <T>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  description,
});

/** An amount in a unit's minor units, as a decimal string in that unit's scale ("12.50"). */
export const Amount = z
  .string()
  .regex(CANONICAL_AMOUNT, 'a non-negative decimal string, e.g. "12.50" (no leading zeros, "+" or spaces)')
  .openapi({ example: "100" });

export const AccountType = z.enum(["user", "organization", "guest"]).openapi({ example: "user" });

/**
 * The app's own id for an account (or a member): 1 to 256 characters, no control or
 * bidirectional control characters, no whitespace at either end (`externalIdProblem`).
 */
export const ExternalId = z
  .string()
  .superRefine((text, context) => {
    const problem = externalIdProblem(text);
    if (problem !== null) context.addIssue({ code: "custom", message: problem });
  })
  .openapi({ example: "user_2f9a", minLength: 1, maxLength: EXTERNAL_ID_LENGTH_MAX });

/** `acct_…`, or `{type}:{externalId}` to name an account by the app's own id. */
export const AccountParam = z.object({
  account: z
    .string()
    .min(1)
    .max(300)
    .openapi({ param: { name: "account", in: "path" }, example: "user:user_2f9a" }),
});

export const Account = z
  .object({
    id: z.string().openapi({ example: "acct_019a…" }),
    type: AccountType,
    externalId: ExternalId,
    createdAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Account");

export const Lot = z
  .object({
    id: z.string(),
    source: z.string(),
    priority: z.number().int().openapi({ description: "Lower spends first" }),
    remaining: Amount,
    held: Amount.openapi({ description: "The part of remaining that active holds reserve" }),
    expiresAt: z.string().nullable().openapi({ format: "date-time" }),
    createdAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Lot");

export const Balance = z
  .object({
    unit: z.string().openapi({ example: "credits" }),
    balance: Amount,
    held: Amount,
    available: z.string().openapi({ description: "balance − held; negative only within an overdraft", example: "88" }),
    debt: Amount,
    lots: z.array(Lot),
  })
  .openapi("Balance");

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "invalid_request" }),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
      requestId: z.string().nullable(),
    }),
  })
  .openapi("Error");

/**
 * The error responses a route may give, for the document: its own, plus what every route
 * may meet (429 rate_limited, 500 internal) and, for a POST (the routes that name 409
 * idempotency_in_progress), 413 request_too_large.
 */
export const errorResponses = (statuses: number[]) =>
  Object.fromEntries(
    [...statuses, ...(statuses.includes(409) ? [413] : []), 429, 500].map((status) => [
      status,
      { description: ERROR_DESCRIPTIONS[status] ?? "An error", content: { "application/json": { schema: ErrorBody } } },
    ]),
  );

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "invalid_request: a field is missing or malformed (details.fields names each)",
  401: "unauthenticated: no valid key",
  402: "insufficient_credits: with required and available",
  403: "forbidden: the key may not do this",
  404: "not_found: no such account (or not in the key's scope)",
  409: "idempotency_in_progress: the same key is still being processed (stripe_price_missing on the Stripe routes)",
  413: "request_too_large: the body is over the limit",
  422: "idempotency_conflict or unknown_model_price",
  429: "rate_limited: over the key's rate; Retry-After says when to try again",
  500: "internal: our fault; quote the requestId",
  501: "stripe_not_configured: the deployment has no Stripe key (STRIPE_SECRET_KEY) or webhook secret",
  502: "stripe_error: Stripe refused the request or could not be reached",
  503: "unavailable: this instance cannot take it now (full, or shutting down); Retry-After says when to try again",
};

/** Why an admin moved credits (a deduction, a refund, a reversal): kept on the transaction, shown in its history. */
export const Reason = z
  .string()
  .min(1, { abort: true })
  .max(500)
  .regex(/\S/, "must say why (not only spaces)")
  .openapi({ example: "duplicate signup credit" });

/**
 * A plan's or a pack's id in a request (lowercase letters, digits, `_` and `-`, as the
 * configuration's keys), `what` naming it in the refusal.
 *
 * @example
 * const PackId = catalogIdText("a pack id").openapi({ example: "starter" });
 */
export const catalogIdText = (what: string) =>
  z.string().regex(PLAN_ID_PATTERN, `${what}: lowercase letters, digits, _ and -`);

/** A list's `after`, for lists in account id order: the `nextCursor` of the previous page. */
export const AccountCursor = z
  .string()
  .regex(/^acct_[0-9a-f]{32}$/, "the nextCursor of the previous page (acct_…)")
  .optional();

/** A list's `limit`: 1 to `max` rows a page, 50 when absent. */
export const pageLimit = (max: number) =>
  z.coerce.number().int().min(1).max(max).optional().openapi({ description: "Default 50" });
