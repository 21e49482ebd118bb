import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { type BalanceView, formatMinor, GRANT_SOURCES } from "@tollgate/core";
import type { Ledger } from "@tollgate/store";
import type { AppEnv } from "../../app-env.ts";
import { parseDuration } from "../../duration.ts";
import { ledgerAnswer } from "../idempotency/ledger-answer.ts";
import { accountJson } from "./account-json.ts";
import { accountNotFound } from "./account-not-found.ts";
import { accountIdInScope, findAccountInScope, parseAccountParam } from "./account-ref.ts";
import { callerOf, requireSecret } from "./auth.ts";
import { balanceWithLotsJson } from "./balance-json.ts";
import { Reason } from "./call-fields.ts";
import { domainRule } from "./domain-input.ts";
import { idempotencyKeyOf } from "./idempotency-key.ts";
import { type JsonText, jsonAnswer, jsonText } from "./json-text.ts";
import { ledgerFailure } from "./ledger-failure.ts";
import {
  Account,
  AccountParam,
  AccountType,
  Amount,
  Balance,
  ExternalId,
  errorResponses,
  jsonContent,
} from "./schemas.ts";
import { parseAmountField, unitScale } from "./unit-scale.ts";

const createAccount = createRoute({
  method: "post",
  path: "/accounts",
  summary: "Create an account, or return the existing one (upsert by type and externalId)",
  request: {
    query: z.strictObject({}),
    body: {
      content: { "application/json": { schema: z.strictObject({ type: AccountType, externalId: ExternalId }) } },
      required: true,
    },
  },
  responses: {
    200: jsonContent(
      Account.extend({ created: z.boolean().openapi({ description: "Whether this request created it" }) }),
      "The account, with its signup grant if it was just created",
    ),
    ...errorResponses([400, 401, 403]),
  },
});

const getAccount = createRoute({
  method: "get",
  path: "/accounts/{account}",
  summary: "An account",
  request: { params: AccountParam, query: z.strictObject({}) },
  responses: { 200: jsonContent(Account, "The account"), ...errorResponses([400, 401, 404]) },
});

/** `GET …/balances`'s answer. */
const BalancesAnswer = z.object({ data: z.array(Balance) });
type BalancesAnswer = z.infer<typeof BalancesAnswer>;

const getBalances = createRoute({
  method: "get",
  path: "/accounts/{account}/balances",
  summary: "Balances per unit: balance, held, available, debt and live lots with their expiry",
  request: { params: AccountParam, query: z.strictObject({ unit: z.string().max(64).optional() }) },
  responses: {
    200: jsonContent(BalancesAnswer, "The balances"),
    ...errorResponses([400, 401, 404]),
  },
});

const GrantBody = z
  .strictObject({
    amount: Amount,
    unit: z.string().max(64).optional(),
    source: z.enum(GRANT_SOURCES as unknown as [string, ...string[]]).openapi({ example: "promo" }),
    priority: z.number().int().min(0).max(1_000_000).optional(),
    expiresAt: z.string().datetime({ offset: true }).optional().openapi({ description: "When the lot expires" }),
    expiresIn: z.string().max(20).superRefine(domainRule([], parseDuration)).optional().openapi({
      description: "Or how long until it expires: 30d, 12h, 15m (as the CLI's --expires-in)",
      example: "30d",
    }),
    reason: Reason.optional().openapi({ description: "Why; required for an admin grant" }),
  })
  .superRefine((body, context) => {
    if (body.expiresAt !== undefined && body.expiresIn !== undefined) {
      context.addIssue({ code: "custom", path: ["expiresIn"], message: "give expiresAt or expiresIn, not both" });
    }
  });

const createGrant = createRoute({
  method: "post",
  path: "/accounts/{account}/grants",
  summary: "Grant credits: a lot with a source, priority and optional expiry",
  request: {
    params: AccountParam,
    query: z.strictObject({}),
    body: { content: { "application/json": { schema: GrantBody } }, required: true },
  },
  responses: {
    200: jsonContent(
      z
        .object({
          accountId: z.string(),
          transactionId: z.string(),
          lotId: z.string(),
          unit: z.string(),
          amount: Amount,
          expiresAt: z.string().nullable(),
          balance: Amount,
          available: z.string(),
        })
        .openapi("Grant"),
      "The grant and the balance after it",
    ),
    ...errorResponses([400, 401, 403, 404, 409, 422]),
  },
});

/** Accounts, their balances and grants, under `/v1`. */
export function accountRoutes(app: OpenAPIHono<AppEnv>, deps: { ledger: Ledger }): void {
  const { ledger } = deps;
  const scaleOf = (unit: string) => unitScale(ledger, unit);
  const findInScope = (c: Parameters<typeof findAccountInScope>[1], param: string) =>
    findAccountInScope(ledger, c, param);

  app.openapi(createAccount, async (c) => {
    requireSecret(callerOf(c));
    const body = c.req.valid("json");
    const { account, created } = await ledger.accounts.upsert(body);
    return c.json({ ...accountJson(account), created }, 200);
  });

  app.openapi(getAccount, async (c) => c.json(accountJson(await findInScope(c, c.req.valid("param").account)), 200));

  // The body of each balance answer, by the views it shows: the ledger hands out the same
  // frozen views until the account changes or an expiry passes, so a read between is one lookup.
  const balanceBodies = new WeakMap<readonly BalanceView[], JsonText<BalancesAnswer>>();
  app.openapi(getBalances, async (c) => {
    const accountId = await accountIdInScope(ledger, c, c.req.valid("param").account);
    const { unit } = c.req.valid("query");
    if (unit !== undefined) scaleOf(unit);
    const views = await ledger.getBalances({ accountId }, unit ? { unit } : {});
    if (!views) throw accountNotFound();
    let body = balanceBodies.get(views);
    if (body === undefined) {
      body = jsonText({ data: views.map((view) => balanceWithLotsJson(ledger, view)) });
      balanceBodies.set(views, body);
    }
    return jsonAnswer(c, body);
  });

  app.openapi(createGrant, async (c) => {
    requireSecret(callerOf(c));
    const { account } = c.req.valid("param");
    const body = c.req.valid("json");
    const unit = body.unit ?? ledger.config.defaultUnit;
    const scale = scaleOf(unit);
    const format = (minor: bigint) => formatMinor(minor, scale);
    const expiresAt =
      body.expiresIn !== undefined
        ? new Date(ledger.now().getTime() + parseDuration(body.expiresIn))
        : body.expiresAt === undefined
          ? null
          : new Date(body.expiresAt);
    return ledgerAnswer(c, {
      run: (options) =>
        ledger.execute(
          {
            kind: "grant",
            account: parseAccountParam(account),
            unit,
            amountMinor: parseAmountField(body.amount, scale),
            source: body.source as (typeof GRANT_SOURCES)[number],
            ...(body.priority === undefined ? {} : { priority: body.priority }),
            expiresAt,
            ...(body.reason === undefined ? {} : { reason: body.reason }),
            idempotencyKey: idempotencyKeyOf(c),
          },
          // The key stands for the request as sent: with expiresIn, the expiry it computes moves with
          // the clock, and a retry after a lost answer must replay, not conflict.
          { request: { grant: 1, account, ...body }, ...options },
        ),
      render: (result) => {
        if (!result.ok) throw ledgerFailure(result, { ledger, unit });
        const grant = result.value;
        return {
          accountId: grant.accountId,
          transactionId: grant.transactionId,
          lotId: grant.lotId,
          unit: grant.unit,
          amount: format(grant.amountMinor),
          expiresAt: expiresAt?.toISOString() ?? null,
          balance: format(grant.balanceMinor),
          available: format(grant.availableMinor),
        };
      },
    });
  });
}
