import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { type Account, formatMinor } from "@tollgate/core";
import { type Ledger, MEMBERS_PAGE_MAX, type MemberView } from "@tollgate/store";
import type { AppEnv } from "../../app-env.ts";
import { ApiError } from "../api-error.ts";
import { accountNotFound } from "./account-not-found.ts";
import { parseAccountParam } from "./account-ref.ts";
import { callerOf, requireSecret } from "./auth.ts";
import { AccountParam, Amount, ExternalId, errorResponses, jsonContent } from "./schemas.ts";
import { parseAmountField, unitScale } from "./unit-scale.ts";

const Caps = z
  .record(z.string().max(64), Amount.nullable())
  .openapi({ description: "A cap per unit on what the member may spend (null: no cap)", example: { credits: "50" } });

const MemberLimit = z
  .object({
    unit: z.string(),
    cap: Amount.nullable().openapi({ description: "null: no cap" }),
    spent: Amount.openapi({ description: "What the member has spent from the organization (lifetime)" }),
    held: Amount.openapi({ description: "What the member's active holds reserve" }),
    remaining: Amount.nullable().openapi({ description: "What it may still draw under the cap (null: no cap)" }),
  })
  .openapi("MemberLimit");

const Member = z
  .object({
    organizationId: z.string(),
    memberId: z.string().openapi({ description: "The member's user account id" }),
    member: z.string().openapi({ description: "The user's external id: what a charge names as `member`" }),
    addedAt: z.string().openapi({ format: "date-time" }),
    limits: z.array(MemberLimit).openapi({ description: "Each unit it has a cap in or has drawn in" }),
  })
  .openapi("Member");

const MemberParams = AccountParam.extend({
  member: ExternalId.openapi({
    param: { name: "member", in: "path" },
    description: "The user's external id",
    example: "bob",
  }),
});

const body = <T>(schema: T) => ({ body: { content: { "application/json": { schema } }, required: true } });

const addMember = createRoute({
  method: "post",
  path: "/accounts/{account}/members",
  summary: "Let a user draw from an organization's balance, with an optional cap per unit (null: no cap)",
  request: {
    params: AccountParam,
    query: z.strictObject({}),
    ...body(
      z.strictObject({
        member: ExternalId.openapi({ description: "The user's external id", example: "bob" }),
        caps: Caps.optional(),
      }),
    ),
  },
  responses: {
    200: jsonContent(Member, "The member"),
    ...errorResponses([400, 401, 403, 404, 409, 422]),
  },
});

const listMembers = createRoute({
  method: "get",
  path: "/accounts/{account}/members",
  summary: "An organization's members in the order they were first added, each with its caps and what it drew",
  request: {
    params: AccountParam,
    query: z.strictObject({
      limit: z.coerce.number().int().min(1).max(MEMBERS_PAGE_MAX).optional(),
      after: z.string().min(1).max(100).optional().openapi({ description: "The previous page's nextCursor" }),
    }),
  },
  responses: {
    200: jsonContent(z.object({ data: z.array(Member), nextCursor: z.string().nullable() }), "A page of members"),
    ...errorResponses([400, 401, 403, 404]),
  },
});

const updateMember = createRoute({
  method: "post",
  path: "/accounts/{account}/members/{member}",
  summary: "Change a member's caps: each unit named gets its new cap (null: none); others keep theirs",
  description:
    "The next charge or hold by the member is checked against the new cap, under the organization's lock, so concurrent charges never exceed it. What the member has spent stays: a cap lowered below it refuses every further draw in that unit.",
  request: { params: MemberParams, query: z.strictObject({}), ...body(z.strictObject({ caps: Caps })) },
  responses: {
    200: jsonContent(Member, "The member with its new caps"),
    ...errorResponses([400, 401, 403, 404, 409, 422]),
  },
});

const removeMember = createRoute({
  method: "delete",
  path: "/accounts/{account}/members/{member}",
  summary: "Take a user out of an organization: its later charges are refused (member_not_found)",
  description:
    "Its caps and what it spent against them go with it. Refused (400, `details.reason: member_has_active_holds`) while the member has an active hold: settle or release it, or let it expire, then remove again. A user who is not a member answers `removed: false`.",
  request: { params: MemberParams, query: z.strictObject({}) },
  responses: {
    200: jsonContent(
      z.object({ organizationId: z.string(), member: z.string(), removed: z.boolean() }),
      "Whether it was a member until now",
    ),
    ...errorResponses([400, 401, 403, 404]),
  },
});

/** An organization's members, under `/v1` (secret keys only). */
export function memberRoutes(app: OpenAPIHono<AppEnv>, deps: { ledger: Ledger }): void {
  const { ledger } = deps;

  /** The organization an `{account}` names: 404 when there is none, 400 for any other type. */
  const organizationOf = async (c: Parameters<typeof callerOf>[0], param: string): Promise<Account> => {
    requireSecret(callerOf(c));
    const organization = await ledger.accounts.find(parseAccountParam(param));
    if (!organization) throw accountNotFound();
    if (organization.type !== "organization") {
      throw new ApiError("invalid_request", "account: only an organization has members", {
        fields: [{ field: "account", message: "not an organization" }],
      });
    }
    return organization;
  };

  /** Every cap in minor units, each checked before anything is written. */
  const capsMinorOf = (caps: Record<string, string | null>) => {
    const capsMinor: Record<string, bigint | null> = {};
    for (const [unit, cap] of Object.entries(caps)) {
      const field = `caps.${unit}`;
      if (!ledger.units.has(unit)) {
        throw new ApiError("invalid_request", `${field}: no unit "${unit}"`, {
          fields: [{ field, message: "unknown unit" }],
        });
      }
      capsMinor[unit] = cap === null ? null : parseAmountField(cap, unitScale(ledger, unit), field);
    }
    return capsMinor;
  };

  const memberJson = (member: MemberView) => ({
    organizationId: member.organizationAccountId,
    memberId: member.memberAccountId,
    member: member.member,
    addedAt: member.addedAt.toISOString(),
    limits: member.limits.map((limit) => {
      const format = (minor: bigint) => formatMinor(minor, unitScale(ledger, limit.unit));
      const remaining = limit.capMinor === null ? null : limit.capMinor - limit.spentMinor - limit.heldMinor;
      return {
        unit: limit.unit,
        cap: limit.capMinor === null ? null : format(limit.capMinor),
        spent: format(limit.spentMinor),
        held: format(limit.heldMinor),
        remaining: remaining === null ? null : format(remaining > 0n ? remaining : 0n),
      };
    }),
  });

  app.openapi(addMember, async (c) => {
    const organization = await organizationOf(c, c.req.valid("param").account);
    const input = c.req.valid("json");
    const capsMinor = capsMinorOf(input.caps ?? {});
    const added = await ledger.addMember({ organization: organization.externalId, member: input.member, capsMinor });
    const member = await ledger.findMember(added);
    if (!member) throw new Error(`member ${added.memberAccountId} vanished right after it was added`);
    return c.json(memberJson(member), 200);
  });

  app.openapi(listMembers, async (c) => {
    const organization = await organizationOf(c, c.req.valid("param").account);
    const query = c.req.valid("query");
    const page = await ledger.listMembers({
      organizationAccountId: organization.accountId,
      limit: query.limit ?? 50,
      after: query.after ?? null,
    });
    return c.json({ data: page.members.map(memberJson), nextCursor: page.nextCursor }, 200);
  });

  app.openapi(updateMember, async (c) => {
    const params = c.req.valid("param");
    const organization = await organizationOf(c, params.account);
    const capsMinor = capsMinorOf(c.req.valid("json").caps);
    const member = await ledger.updateMember({
      organizationAccountId: organization.accountId,
      member: params.member,
      capsMinor,
    });
    if (!member) {
      throw new ApiError(
        "not_found",
        `"${params.member}" is not a member of this organization: add it with POST /v1/accounts/${params.account}/members.`,
        { reason: "member_not_found" },
      );
    }
    return c.json(memberJson(member), 200);
  });

  app.openapi(removeMember, async (c) => {
    const params = c.req.valid("param");
    const organization = await organizationOf(c, params.account);
    const outcome = await ledger.removeMember({ organizationAccountId: organization.accountId, member: params.member });
    if (!outcome.removed && outcome.reason === "member_has_active_holds") {
      throw new ApiError(
        "invalid_request",
        `"${params.member}" has ${outcome.activeHolds} active hold(s) on this organization: settle or release them (or let them expire), then remove it again.`,
        { reason: "member_has_active_holds", activeHolds: outcome.activeHolds },
      );
    }
    return c.json({ organizationId: organization.accountId, member: params.member, removed: outcome.removed }, 200);
  });
}
