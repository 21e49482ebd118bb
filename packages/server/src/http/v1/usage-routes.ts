import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { formatMinor } from "@tollgate/core";
import { type Meter, REPORT_GROUPS_MAX, USAGE_GROUPINGS, type UsageGrouping } from "@tollgate/metering";
import { HISTORY_CURSOR, HISTORY_LIMIT_MAX } from "@tollgate/store";
import type { AppEnv } from "../../app-env.ts";
import { ApiError } from "../api-error.ts";
import { ledgerAnswer } from "../idempotency/ledger-answer.ts";
import { findAccountInScope } from "./account-ref.ts";
import { callerOf, requireSecret } from "./auth.ts";
import { idempotencyKeyOf } from "./idempotency-key.ts";
import { ledgerFailure } from "./ledger-failure.ts";
import { AccountParam, errorResponses, jsonContent } from "./schemas.ts";
import { TransactionLine, transactionLineJson } from "./transaction-line.ts";
import { unitScale } from "./unit-scale.ts";
import { RecordedUsage, recordedUsageJson, toUsageInput, UsageBody } from "./usage-body.ts";
import { UsageRow, usageRowJson } from "./usage-row.ts";

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
    200: jsonContent(z.object({ data: z.array(UsageRow) }), "The groups, largest charge first (periods in time order)"),
    ...errorResponses([400, 401, 404]),
  },
});

const ConversationParams = AccountParam.extend({
  conversation: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: "conversation", in: "path" }, example: "chat-1" }),
});

const conversationUsage = createRoute({
  method: "get",
  path: "/accounts/{account}/conversations/{conversation}",
  summary: "One conversation's usage and cost: its calls, when, and per unit what it consumed and was charged",
  description:
    "What a chat app shows beside a conversation (its cost so far). The conversation is the `conversationId` its usage events carried; 404 `conversation_not_found` when none did.",
  request: { params: ConversationParams, query: z.strictObject({}) },
  responses: {
    200: jsonContent(
      z
        .object({
          accountId: z.string(),
          conversationId: z.string(),
          calls: z.number(),
          firstAt: z.string(),
          lastAt: z.string(),
          data: z.array(UsageRow),
        })
        .openapi("ConversationUsage"),
      "The conversation's usage, per unit",
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
  const _format = (unit: string) => (minor: bigint) => formatMinor(minor, unitScale(ledger, unit));

  app.openapi(recordUsage, async (c) => {
    requireSecret(callerOf(c));
    return ledgerAnswer(c, {
      run: (options) => meter.recordUsage(toUsageInput(c.req.valid("json"), idempotencyKeyOf(c)), options),
      render: (result) => {
        if (!result.ok) throw ledgerFailure(result, { ledger, unit: meter.unit.unit });
        return recordedUsageJson(ledger, result.value);
      },
    });
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
        data: (rows ?? []).map((row) => usageRowJson(ledger, row)),
      },
      200,
    );
  });

  app.openapi(conversationUsage, async (c) => {
    const params = c.req.valid("param");
    const account = await findAccountInScope(ledger, c, params.account);
    const usage = await meter.conversationUsage({ account, conversationId: params.conversation });
    if (!usage) {
      throw new ApiError("not_found", `No usage was recorded for conversation "${params.conversation}".`, {
        reason: "conversation_not_found",
      });
    }
    return c.json(
      {
        accountId: account.accountId,
        conversationId: usage.conversationId,
        calls: usage.calls,
        firstAt: usage.firstAt.toISOString(),
        lastAt: usage.lastAt.toISOString(),
        data: usage.rows.map((row) => usageRowJson(ledger, row)),
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
