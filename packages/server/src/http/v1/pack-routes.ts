import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { formatMinor, type PlanCatalog, packLotAmountMinor } from "@tollgate/core";
import type { Ledger } from "@tollgate/store";
import type { AppEnv } from "../../app-env.ts";
import { ApiError } from "../api-error.ts";
import { ledgerAnswer } from "../idempotency/ledger-answer.ts";
import { parseAccountParam } from "./account-ref.ts";
import { callerOf, requireSecret } from "./auth.ts";
import { idempotencyKeyOf } from "./idempotency-key.ts";
import { ledgerFailure } from "./ledger-failure.ts";
import { AccountParam, Amount, catalogIdText, errorResponses, jsonContent } from "./schemas.ts";
import { unitScale } from "./unit-scale.ts";

const PackId = catalogIdText("a pack id").openapi({ example: "starter" });

const grantPack = createRoute({
  method: "post",
  path: "/accounts/{account}/packs",
  summary: "Grant a pack bought outside Stripe: its lot (amount plus bonus, expiry counted from now)",
  description:
    "For an app that took the payment itself. The `Idempotency-Key` makes a retry grant once; a guest account is refused (`guest_cannot_purchase`). Sends `pack.purchased`.",
  request: {
    params: AccountParam,
    query: z.strictObject({}),
    body: { content: { "application/json": { schema: z.strictObject({ pack: PackId }) } }, required: true },
  },
  responses: {
    200: jsonContent(
      z
        .object({
          accountId: z.string(),
          packId: z.string(),
          transactionId: z.string(),
          lotId: z.string(),
          unit: z.string(),
          amount: Amount,
          expiresAt: z.string().nullable(),
          balance: Amount,
          available: z.string(),
        })
        .openapi("PackGrant"),
      "The pack's lot and the balance after it",
    ),
    ...errorResponses([400, 401, 403, 404, 409, 422]),
  },
});

/** `POST /v1/accounts/{account}/packs`: granting a pack whose payment the app took elsewhere (the list is plan-routes.ts). */
export function packRoutes(app: OpenAPIHono<AppEnv>, deps: { ledger: Ledger; catalog: PlanCatalog }): void {
  const { ledger, catalog } = deps;

  app.openapi(grantPack, async (c) => {
    requireSecret(callerOf(c));
    const { account } = c.req.valid("param");
    const body = c.req.valid("json");
    const pack = catalog.packs.find((candidate) => candidate.id === body.pack);
    if (!pack) {
      const known = catalog.packs.map((candidate) => candidate.id);
      throw new ApiError(
        "not_found",
        `No pack "${body.pack}" in the configuration${known.length > 0 ? ` (it has ${known.join(", ")})` : " (it has none)"}.`,
        { reason: "pack_not_found" },
      );
    }
    const scale = unitScale(ledger, pack.unit);
    const expiresAt = pack.expiresInMs === null ? null : new Date(ledger.now().getTime() + pack.expiresInMs);
    return ledgerAnswer(c, {
      run: (options) =>
        ledger.execute(
          {
            kind: "grant",
            account: parseAccountParam(account),
            unit: pack.unit,
            amountMinor: packLotAmountMinor(pack),
            source: "pack",
            pack: pack.id,
            expiresAt,
            idempotencyKey: idempotencyKeyOf(c),
          },
          // The key stands for the request as sent: the expiry moves with the clock, and a retry
          // after a lost answer must replay, not conflict.
          { request: { packGrant: 1, account, pack: body.pack }, ...options },
        ),
      render: (result) => {
        if (!result.ok) throw ledgerFailure(result, { ledger, unit: pack.unit });
        const grant = result.value;
        return {
          accountId: grant.accountId,
          packId: pack.id,
          transactionId: grant.transactionId,
          lotId: grant.lotId,
          unit: grant.unit,
          amount: formatMinor(grant.amountMinor, scale),
          expiresAt: expiresAt?.toISOString() ?? null,
          balance: formatMinor(grant.balanceMinor, scale),
          available: formatMinor(grant.availableMinor, scale),
        };
      },
    });
  });
}
