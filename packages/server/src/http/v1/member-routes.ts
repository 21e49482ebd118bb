import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Ledger } from "@tollgate/store";
import type { AppEnv } from "../../app-env.ts";
import { ApiError } from "../api-error.ts";
import { parseAccountParam } from "./account-ref.ts";
import { callerOf, requireSecret } from "./auth.ts";
import { AccountParam, Amount, errorResponses } from "./schemas.ts";
import { parseAmountField, unitScale } from "./unit-scale.ts";

const addMember = createRoute({
  method: "post",
  path: "/accounts/{account}/members",
  summary: "Let a user draw from an organization's balance, with an optional cap per unit (null: no cap)",
  request: {
    params: AccountParam,
    query: z.strictObject({}),
    body: {
      content: {
        "application/json": {
          schema: z.strictObject({
            member: z.string().min(1).max(256).openapi({ description: "The user's external id", example: "bob" }),
            caps: z
              .record(z.string().max(64), Amount.nullable())
              .optional()
              .openapi({ example: { credits: "50" } }),
          }),
        },
      },
      required: true,
    },
  },
  responses: {
    200: {
      description: "The membership",
      content: {
        "application/json": {
          schema: z.object({ organizationId: z.string(), memberId: z.string() }).openapi("Membership"),
        },
      },
    },
    ...errorResponses([400, 401, 403, 404, 409, 422]),
  },
});

/** Organization members, under `/v1` (secret keys only). */
export function memberRoutes(app: OpenAPIHono<AppEnv>, deps: { ledger: Ledger }): void {
  const { ledger } = deps;
  app.openapi(addMember, async (c) => {
    requireSecret(callerOf(c));
    const organization = await ledger.accounts.find(parseAccountParam(c.req.valid("param").account));
    if (!organization) throw new ApiError("not_found", "No such account.");
    if (organization.type !== "organization") {
      throw new ApiError("invalid_request", "account: only an organization has members", {
        fields: [{ field: "account", message: "not an organization" }],
      });
    }
    const input = c.req.valid("json");
    const capsMinor: Record<string, bigint | null> = {};
    for (const [unit, cap] of Object.entries(input.caps ?? {})) {
      capsMinor[unit] = cap === null ? null : parseAmountField(cap, unitScale(ledger, unit), `caps.${unit}`);
    }
    const added = await ledger.addMember({ organization: organization.externalId, member: input.member, capsMinor });
    return c.json({ organizationId: added.organizationAccountId, memberId: added.memberAccountId }, 200);
  });
}
