import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { formatMinor } from "@tollgate/core";
import { type Ledger, type ReconcileMismatch, reconcile } from "@tollgate/store";
import type { AppEnv } from "../../app-env.ts";
import { callerOf, requireAdmin } from "./auth.ts";
import { errorResponses, jsonContent } from "./schemas.ts";

const Mismatch = z
  .object({
    accountId: z.string().nullable(),
    unit: z.string().nullable(),
    transactionId: z.string().nullable(),
    lotId: z.string().nullable(),
    holdId: z.string().nullable(),
    memberAccountId: z.string().nullable(),
    idempotencyKey: z.string().nullable(),
    field: z.string(),
    measure: z.enum(["amount", "count", "id"]),
    expected: z.string().openapi({ description: "An amount in its unit's scale, a count or an id" }),
    actual: z.string(),
  })
  .openapi("ReconcileMismatch");

const Report = z
  .object({
    ok: z.boolean(),
    checkedAt: z.string(),
    summary: z.object({
      accounts: z.number(),
      units: z.number(),
      transactions: z.number(),
      entries: z.number(),
      lots: z.number(),
      activeHolds: z.number(),
      holdsDueToExpire: z.number(),
      lotsDueToExpire: z.number(),
    }),
    checks: z.array(
      z.object({
        name: z.string(),
        description: z.string(),
        mismatches: z.array(Mismatch),
        truncated: z.boolean(),
      }),
    ),
  })
  .openapi("ReconcileReport");

const getReconcile = createRoute({
  method: "get",
  path: "/reconcile",
  summary: "Recompute every balance from its entries and lots and check every invariant (admin keys only)",
  description:
    "Reads the whole ledger in one snapshot: on a large deployment this takes a while, so run it from an operator's job, not per request. `ok: false` lists each mismatch with where it is.",
  request: { query: z.strictObject({}) },
  responses: { 200: jsonContent(Report, "The report"), ...errorResponses([401, 403]) },
});

/** `/v1/reconcile`: `tollgate reconcile` over HTTP, for an admin key. */
export function reconcileRoutes(app: OpenAPIHono<AppEnv>, deps: { ledger: Ledger }): void {
  const { ledger } = deps;
  app.openapi(getReconcile, async (c) => {
    requireAdmin(callerOf(c));
    const report = await reconcile(ledger.sql);
    const format = (mismatch: ReconcileMismatch, value: string) => {
      if (mismatch.measure !== "amount" || mismatch.unit === null || !/^-?\d+$/.test(value)) return value;
      return formatMinor(BigInt(value), ledger.units.get(mismatch.unit)?.scale ?? 0);
    };
    return c.json(
      {
        ok: report.ok,
        checkedAt: report.checkedAt.toISOString(),
        summary: report.summary,
        checks: report.checks.map((check) => ({
          ...check,
          mismatches: check.mismatches.map((mismatch) => ({
            ...mismatch,
            expected: format(mismatch, mismatch.expected),
            actual: format(mismatch, mismatch.actual),
          })),
        })),
      },
      200,
    );
  });
}
