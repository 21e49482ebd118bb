import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { formatMinor } from "@tollgate/core";
import { type Meter, REPORT_GROUPS_MAX, USAGE_GROUPINGS, type UsageGrouping } from "@tollgate/metering";
import { HISTORY_CURSOR, HISTORY_LIMIT_MAX } from "@tollgate/store";
import type { AppEnv } from "../../app-env.ts";
import { findAccountInScope } from "./account-ref.ts";
import { callerOf, requireSecret } from "./auth.ts";
import { idempotencyKeyOf } from "./idempotency-key.ts";
import { ledgerFailure } from "./ledger-failure.ts";
import { AccountParam, Amount, errorResponses, jsonContent } from "./schemas.ts";
import { TransactionLine, transactionLineJson } from "./transaction-line.ts";
import { unitScale } from "./unit-scale.ts";
import { RecordedUsage, recordedUsageJson, toUsageInput, UsageBody } from "./usage-body.ts";

const recordUsage = createRoute({
  method: "post",
  path: "/usage-events",
  summary: "Record a model call's usage: priced, charged (or its hold settled) and recorded in one transaction",
  request: {
    query: z.strictObject({}),
    body: { content: { "application/json": { schema: UsageBody } }, required: true },
  },
  responses: {
    200: jsonContent(RecordedUsage, "The usage event and what it charged"),
    ...errorResponses([400, 401, 402, 403, 404, 409, 422]),
  },
});

const usageReport = createRoute({
  method: "get",
  path: "/accounts/{account}/usage",
  summary: "Usage grouped by model, provider, feature, conversation, member, day, week or month",
  request: {
    params: AccountParam,
    query: z.strictObject({
      groupBy: z.enum(USAGE_GROUPINGS as [UsageGrouping, ...UsageGrouping[]]).default("model"),
      from: z.string().datetime({ offset: true }).optional(),
      to: z.string().datetime({ offset: true }).optional(),
      unit: z.string().max(64).optional(),
      timeZone: z
        .string()
        .max(64)
        .refine(isTimeZone, "not a time zone (an IANA name such as Europe/Paris)")
        .optional()
        .openapi({ description: "For day, week and month groups (default UTC)", example: "Europe/Paris" }),
      limit: z.coerce.number().int().min(1).max(REPORT_GROUPS_MAX).optional(),
    }),
  },
  responses: {
    200: jsonContent(
      z.object({
        data: z.array(
          z.object({
            key: z.string().nullable(),
            unit: z.string(),
            calls: z.number(),
            failedCalls: z.number(),
            inputTokens: z.string(),
            outputTokens: z.string(),
            providerCostUsd: z.string(),
            charged: Amount,
            chargedUsd: z.string().nullable(),
            marginUsd: z.string().nullable(),
          }),
        ),
      }),
      "The groups, largest charge first (periods in time order)",
    ),
    ...errorResponses([400, 401, 404]),
  },
});

const transactions = createRoute({
  method: "get",
  path: "/accounts/{account}/transactions",
  summary: "The account's entries, newest first, a page at a time (cursor: `before`), each saying what it was for",
  request: {
    params: AccountParam,
    query: z.strictObject({
      unit: z.string().max(64).optional(),
      limit: z.coerce.number().int().min(1).max(HISTORY_LIMIT_MAX).optional(),
      before: z
        .string()
        .regex(HISTORY_CURSOR, "the nextCursor of a previous page")
        .optional()
        .openapi({ description: "The previous page's nextCursor" }),
    }),
  },
  responses: {
    200: jsonContent(
      z.object({
        accountId: z.string(),
        data: z.array(TransactionLine),
        nextCursor: z.string().nullable(),
      }),
      "A page of entries",
    ),
    ...errorResponses([400, 401, 404]),
  },
});

/** Usage events, usage reports and transaction history, under `/v1`. */
export function usageRoutes(app: OpenAPIHono<AppEnv>, deps: { meter: Meter }): void {
  const { meter } = deps;
  const { ledger } = meter;
  const format = (unit: string) => (minor: bigint) => formatMinor(minor, unitScale(ledger, unit));

  app.openapi(recordUsage, async (c) => {
    requireSecret(callerOf(c));
    const result = await meter.recordUsage(toUsageInput(c.req.valid("json"), idempotencyKeyOf(c)));
    if (!result.ok) throw ledgerFailure(result, { ledger, unit: meter.unit.unit });
    return c.json(recordedUsageJson(ledger, result.value), 200);
  });

  app.openapi(usageReport, async (c) => {
    const account = await findAccountInScope(ledger, c, c.req.valid("param").account);
    const query = c.req.valid("query");
    const rows = await meter.usageReport({
      account,
      groupBy: query.groupBy,
      ...(query.from ? { from: new Date(query.from) } : {}),
      ...(query.to ? { to: new Date(query.to) } : {}),
      ...(query.unit ? { unit: query.unit } : {}),
      ...(query.timeZone ? { timeZone: query.timeZone } : {}),
      ...(query.limit ? { limit: query.limit } : {}),
    });
    return c.json(
      {
        data: (rows ?? []).map((row) => ({
          key: row.key,
          unit: row.unit,
          calls: row.calls,
          failedCalls: row.failedCalls,
          inputTokens: row.inputTokens.toString(),
          outputTokens: row.outputTokens.toString(),
          providerCostUsd: row.providerCostUsd,
          charged: format(row.unit)(row.chargedMinor),
          chargedUsd: row.chargedUsd,
          marginUsd: row.marginUsd,
        })),
      },
      200,
    );
  });

  app.openapi(transactions, async (c) => {
    const account = await findAccountInScope(ledger, c, c.req.valid("param").account);
    const query = c.req.valid("query");
    if (query.unit !== undefined) unitScale(ledger, query.unit);
    const page = await ledger.history(account, {
      ...(query.unit ? { unit: query.unit } : {}),
      ...(query.limit ? { limit: query.limit } : {}),
      ...(query.before ? { before: query.before } : {}),
    });
    return c.json(
      {
        accountId: account.accountId,
        data: (page?.lines ?? []).map((line) => transactionLineJson(ledger, line)),
        nextCursor: page?.nextCursor ?? null,
      },
      200,
    );
  });
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
