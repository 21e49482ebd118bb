import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { PlanCatalog } from "@tollgate/core";
import { type Ledger, SUBSCRIPTIONS_PER_CALL_MAX } from "@tollgate/store";
import type { AppEnv } from "../../app-env.ts";
import { ApiError } from "../api-error.ts";
import { callerOf, requireAdmin } from "./auth.ts";
import { pageOf, planOfPath } from "./configured-plan.ts";
import { PackJson, PlanJson, PlanVersionJson, packJson, planJson, planVersionJson } from "./plan-json.ts";
import { catalogIdText, errorResponses, jsonContent } from "./schemas.ts";

/** A limit on everything: a page of plans or packs. */
export const CATALOG_PAGE_MAX = 100;

const PlanParam = z.object({
  plan: catalogIdText("a plan id").openapi({ param: { name: "plan", in: "path" }, example: "pro" }),
});

const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(CATALOG_PAGE_MAX).optional().openapi({ description: "Default 50" }),
  after: catalogIdText("the previous page's nextCursor")
    .optional()
    .openapi({ description: "The previous page's nextCursor" }),
});

const listPlans = createRoute({
  method: "get",
  path: "/plans",
  summary: "The configured plans, in configuration order, each with its current version",
  request: { query: PageQuery },
  responses: {
    200: jsonContent(z.object({ data: z.array(PlanJson), nextCursor: z.string().nullable() }), "A page of plans"),
    ...errorResponses([400, 401]),
  },
});

const getPlan = createRoute({
  method: "get",
  path: "/plans/{plan}",
  summary: "A configured plan, with its stored versions and how many subscribers each has",
  request: { params: PlanParam, query: z.strictObject({}) },
  responses: {
    200: jsonContent(PlanJson.extend({ versions: z.array(PlanVersionJson) }), "The plan"),
    ...errorResponses([400, 401, 404]),
  },
});

const listPacks = createRoute({
  method: "get",
  path: "/packs",
  summary: "The configured packs (one-time purchases), in configuration order",
  request: { query: PageQuery },
  responses: {
    200: jsonContent(z.object({ data: z.array(PackJson), nextCursor: z.string().nullable() }), "A page of packs"),
    ...errorResponses([400, 401]),
  },
});

const migratePlan = createRoute({
  method: "post",
  path: "/plans/{plan}/migrate",
  summary: "Move grandfathered subscribers of a plan to one version (the latest by default; admin keys)",
  description:
    "Each subscriber on another version is moved by a plan change: a version that lowers an allocation takes effect at the period's end when the plan's `downgrade` says so. At most `limit` (default 1000) per call; call again while `moved` is `limit`. Running it twice moves nobody twice.",
  request: {
    params: PlanParam,
    query: z.strictObject({}),
    body: {
      content: {
        "application/json": {
          schema: z.strictObject({
            toVersion: z.number().int().min(1).optional().openapi({ description: "Default: the latest version" }),
            limit: z.number().int().min(1).max(SUBSCRIPTIONS_PER_CALL_MAX).optional(),
          }),
        },
      },
      required: true,
    },
  },
  responses: {
    200: jsonContent(
      z.object({
        plan: z.string(),
        toVersion: z.number().int(),
        moved: z.number().int(),
        refused: z.array(z.object({ accountId: z.string(), reason: z.string() })),
      }),
      "Who moved, and who was refused with the ledger's code",
    ),
    ...errorResponses([400, 401, 403, 404, 409, 422]),
  },
});

/**
 * The configured plans and packs (any key may read them: a customer token's app shows its
 * price page), and the grandfathered subscribers' migration (admin keys), under `/v1`.
 */
export function planRoutes(app: OpenAPIHono<AppEnv>, deps: { ledger: Ledger; catalog: PlanCatalog }): void {
  const { ledger, catalog } = deps;

  app.openapi(listPlans, async (c) => {
    const query = c.req.valid("query");
    const page = pageOf(catalog.plans, { limit: query.limit ?? 50, after: query.after ?? null });
    const data = await Promise.all(
      page.items.map(async (plan) => planJson(ledger, plan, await ledger.planVersionOf(plan))),
    );
    return c.json({ data, nextCursor: page.nextCursor }, 200);
  });

  app.openapi(getPlan, async (c) => {
    const plan = planOfPath(catalog, c.req.valid("param").plan);
    const version = await ledger.planVersionOf(plan);
    const versions = await ledger.planVersions(plan.id);
    return c.json({ ...planJson(ledger, plan, version), versions: versions.map(planVersionJson) }, 200);
  });

  app.openapi(listPacks, (c) => {
    const query = c.req.valid("query");
    const page = pageOf(catalog.packs, { limit: query.limit ?? 50, after: query.after ?? null });
    return c.json({ data: page.items.map((pack) => packJson(ledger, pack)), nextCursor: page.nextCursor }, 200);
  });

  app.openapi(migratePlan, async (c) => {
    requireAdmin(callerOf(c));
    const planId = c.req.valid("param").plan;
    const body = c.req.valid("json");
    // Stored versions, not the configuration: a plan taken out of the file may still have subscribers.
    const versions = await ledger.planVersions(planId);
    if (versions.length === 0) {
      throw new ApiError("not_found", `Plan "${planId}" has no stored version: it was never configured here.`, {
        reason: "plan_not_found",
      });
    }
    if (body.toVersion !== undefined && !versions.some((stored) => stored.version === body.toVersion)) {
      const message = `plan "${planId}" has versions ${versions.map((stored) => stored.version).join(", ")}`;
      throw new ApiError("invalid_request", `toVersion: ${message}`, {
        fields: [{ field: "toVersion", message }],
      });
    }
    const outcome = await ledger.migrateSubscribers({
      planId,
      ...(body.toVersion === undefined ? {} : { toVersion: body.toVersion }),
      ...(body.limit === undefined ? {} : { limit: body.limit }),
    });
    return c.json(
      {
        plan: planId,
        toVersion: outcome.toVersion,
        moved: outcome.moved,
        refused: outcome.refused.map(({ accountId, code }) => ({ accountId, reason: code })),
      },
      200,
    );
  });
}
