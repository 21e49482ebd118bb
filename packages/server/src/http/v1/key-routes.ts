import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { ApiKeyInfo, Ledger } from "@tollgate/store";
import { API_KEY_NAME_LENGTH_MAX, API_KEYS_PAGE_MAX } from "@tollgate/store";
import type { AppEnv } from "../../app-env.ts";
import { parseDuration } from "../../duration.ts";
import { ApiError } from "../api-error.ts";
import { replayAnswer } from "../idempotency/idempotency.ts";
import { accountNotFound } from "./account-not-found.ts";
import { parseAccountParam } from "./account-ref.ts";
import { type Caller, callerOf, type KeyStore, requireAdmin, requireSecret } from "./auth.ts";
import { domainRule } from "./domain-input.ts";
import { errorResponses, jsonContent } from "./schemas.ts";

/** A customer token minted over the API lives a day unless asked otherwise: it sits in a browser. */
export const CUSTOMER_TOKEN_TTL_SECONDS_DEFAULT = 86_400;
export const CUSTOMER_TOKEN_TTL_SECONDS_MAX = 90 * 86_400;
/** A secret key may be made to expire, at most ten years on. */
const KEY_TTL_SECONDS_MAX = 10 * 365 * 86_400;

const Key = z
  .object({
    id: z.string().openapi({ example: "key_019a…" }),
    kind: z.enum(["secret", "customer"]),
    admin: z.boolean().openapi({ description: "An admin key: may also manage secret keys and run reconcile" }),
    name: z.string().nullable(),
    hint: z.string().openapi({ description: "The typed prefix and last 4 characters", example: "tg_ct_...x7Qa" }),
    account: z.object({ id: z.string(), type: z.string(), externalId: z.string() }).nullable(),
    expiresAt: z.string().nullable(),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
  })
  .openapi("ApiKey");

/** A key's id, as the key store takes it (a malformed one is a 400 here, not a 404). */
const KeyId = z.string().regex(/^key_[0-9a-f]{32}$/, "a key id: key_ followed by 32 hex digits");

const KeyIdParam = z.object({
  keyId: KeyId.openapi({ param: { name: "keyId", in: "path" }, example: "key_019a6f0e4b7d7c3a9e1f2b8d5c6a7e90" }),
});

const KeyName = z
  .string()
  .min(1)
  .max(API_KEY_NAME_LENGTH_MAX)
  .refine((name) => !/\p{Cc}/u.test(name), "no control characters");

const createKey = createRoute({
  method: "post",
  path: "/keys",
  summary:
    "Mint a customer token for one account, or (with an admin key) a secret key; its token is in this answer only",
  description:
    'Customer tokens let a browser or mobile app read its own account\'s balance, usage and live events; any secret key may mint them, and they expire after a day unless asked otherwise. Secret keys (`kind: "secret"`, optionally `admin: true`) need an admin key and never expire unless asked. A replay of this request answers the key with `token: null`: tokens are never stored.',
  request: {
    query: z.strictObject({}),
    body: {
      content: {
        "application/json": {
          schema: z.strictObject({
            kind: z.enum(["customer", "secret"]).default("customer"),
            account: z.string().min(1).max(300).optional().openapi({
              description: "The account a customer token acts as (required for one)",
              example: "user:alice",
            }),
            admin: z.boolean().optional().openapi({ description: "A secret key that is also an admin key" }),
            name: KeyName.optional(),
            expiresInSeconds: z
              .number()
              .int()
              .min(60)
              .max(KEY_TTL_SECONDS_MAX)
              .optional()
              .openapi({
                description: `Default ${CUSTOMER_TOKEN_TTL_SECONDS_DEFAULT} for a customer token (at most ${CUSTOMER_TOKEN_TTL_SECONDS_MAX}); none for a secret key`,
              }),
            expiresIn: z.string().max(20).superRefine(domainRule([], parseDuration)).optional().openapi({
              description: "The same as a duration (`1h`, `30d`), as the CLI's --expires-in",
              example: "1h",
            }),
          }),
        },
      },
      required: true,
    },
  },
  responses: {
    200: jsonContent(Key.extend({ token: z.string().nullable() }), "The key, and its token (shown once)"),
    ...errorResponses([400, 401, 403, 404, 409, 422]),
  },
});

const listKeys = createRoute({
  method: "get",
  path: "/keys",
  summary:
    "Keys in creation order, a page at a time (cursor: `after`); never a token. A secret key sees customer tokens; an admin key sees every key",
  request: {
    query: z.strictObject({
      kind: z.enum(["secret", "customer"]).optional(),
      account: z.string().min(1).max(300).optional(),
      includeRevoked: z.enum(["true", "false"]).optional(),
      limit: z.coerce.number().int().min(1).max(API_KEYS_PAGE_MAX).optional(),
      after: KeyId.optional().openapi({ description: "The previous page's nextCursor" }),
    }),
  },
  responses: {
    200: jsonContent(z.object({ data: z.array(Key), nextCursor: z.string().nullable() }), "A page of keys"),
    ...errorResponses([400, 401, 403]),
  },
});

const getKey = createRoute({
  method: "get",
  path: "/keys/{keyId}",
  summary: "One key, revoked or not",
  request: { params: KeyIdParam, query: z.strictObject({}) },
  responses: { 200: jsonContent(Key, "The key"), ...errorResponses([400, 401, 403, 404]) },
});

const revokeKey = createRoute({
  method: "post",
  path: "/keys/{keyId}/revoke",
  summary: "Revoke a key for good; every instance stops accepting it at once. Revoking twice is harmless.",
  request: { params: KeyIdParam, query: z.strictObject({}) },
  responses: { 200: jsonContent(Key, "The revoked key"), ...errorResponses([400, 401, 403, 404, 409, 422]) },
});

/** `/v1/keys`: customer tokens minted by the app's backend, and every key listed or revoked. Secret keys only. */
export function keyRoutes(app: OpenAPIHono<AppEnv>, deps: { ledger: Ledger; keys: KeyStore; clock: () => Date }): void {
  const { ledger, keys } = deps;

  app.openapi(createKey, async (c) => {
    const caller = callerOf(c);
    requireSecret(caller);
    const body = c.req.valid("json");
    const fields = invalidKeyFields(body);
    if (fields.length > 0) {
      throw new ApiError("invalid_request", fields.map((field) => `${field.field}: ${field.message}`).join("; "), {
        fields,
      });
    }
    if (body.kind === "secret") requireAdmin(caller);
    const account = body.account === undefined ? null : await ledger.accounts.find(parseAccountParam(body.account));
    if (body.account !== undefined && !account) throw accountNotFound();
    const now = deps.clock();
    const ttlSeconds = lifeSecondsOf(body) ?? (body.kind === "customer" ? CUSTOMER_TOKEN_TTL_SECONDS_DEFAULT : null);
    const { key, token } = await keys.create({
      kind: body.kind,
      admin: body.admin ?? false,
      accountId: account?.accountId ?? null,
      name: body.name ?? null,
      expiresAt: ttlSeconds === null ? null : new Date(now.getTime() + ttlSeconds * 1000),
      now,
    });
    replayAnswer(c, { ...keyJson(key), token: null });
    return c.json({ ...keyJson(key), token }, 200);
  });

  app.openapi(listKeys, async (c) => {
    const caller = callerOf(c);
    requireSecret(caller);
    const query = c.req.valid("query");
    if (query.kind === "secret") requireAdmin(caller);
    let accountId: string | undefined;
    if (query.account !== undefined) {
      const account = await ledger.accounts.find(parseAccountParam(query.account));
      if (!account) return c.json({ data: [], nextCursor: null }, 200);
      accountId = account.accountId;
    }
    const page = await keys.list({
      // Without an admin key only customer tokens are listed: a leaked app key learns nothing of the others.
      ...(query.kind || !caller.admin ? { kind: query.kind ?? "customer" } : {}),
      ...(accountId ? { accountId } : {}),
      includeRevoked: query.includeRevoked === "true",
      ...(query.limit ? { limit: query.limit } : {}),
      ...(query.after ? { after: query.after } : {}),
    });
    return c.json({ data: page.keys.map(keyJson), nextCursor: page.nextCursor }, 200);
  });

  app.openapi(getKey, async (c) => {
    const caller = callerOf(c);
    requireSecret(caller);
    const key = await keys.get(c.req.valid("param").keyId);
    if (!key || !visibleTo(caller, key)) throw new ApiError("not_found", "No such key.", { reason: "key_not_found" });
    return c.json(keyJson(key), 200);
  });

  app.openapi(revokeKey, async (c) => {
    const caller = callerOf(c);
    requireSecret(caller);
    const { keyId } = c.req.valid("param");
    const found = await keys.get(keyId);
    if (!found || !visibleTo(caller, found))
      throw new ApiError("not_found", "No such key.", { reason: "key_not_found" });
    const result = await keys.revoke(keyId, deps.clock());
    if (result.code === "not_found") throw new ApiError("not_found", "No such key.", { reason: "key_not_found" });
    return c.json(keyJson(result.key), 200);
  });
}

/** A plain secret key sees customer tokens only; an admin key sees every key. */
function visibleTo(caller: Caller, key: ApiKeyInfo): boolean {
  return caller.admin || key.kind === "customer";
}

/** What the schema cannot say: a customer token needs its account; a secret key has none. */
interface KeyLife {
  expiresInSeconds?: number | undefined;
  expiresIn?: string | undefined;
}

/** The key's life in seconds as asked, by either field; undefined when neither is given. */
function lifeSecondsOf(body: KeyLife): number | undefined {
  if (body.expiresInSeconds !== undefined) return body.expiresInSeconds;
  return body.expiresIn === undefined ? undefined : parseDuration(body.expiresIn) / 1000;
}

function invalidKeyFields(
  body: KeyLife & { kind: "customer" | "secret"; account?: string | undefined; admin?: boolean | undefined },
) {
  const fields: Array<{ field: string; message: string }> = [];
  const lifeField = body.expiresIn === undefined ? "expiresInSeconds" : "expiresIn";
  const lifeSeconds = lifeSecondsOf(body);
  if (body.expiresIn !== undefined && body.expiresInSeconds !== undefined) {
    fields.push({ field: "expiresIn", message: "give expiresIn or expiresInSeconds, not both" });
  } else if (lifeSeconds !== undefined && (lifeSeconds < 60 || lifeSeconds > KEY_TTL_SECONDS_MAX)) {
    fields.push({ field: lifeField, message: `from a minute to ${KEY_TTL_SECONDS_MAX / 86_400} days` });
  } else if (body.kind === "customer" && (lifeSeconds ?? 0) > CUSTOMER_TOKEN_TTL_SECONDS_MAX) {
    fields.push({
      field: lifeField,
      message: `a customer token lives at most ${CUSTOMER_TOKEN_TTL_SECONDS_MAX} seconds (90 days): it sits in a browser`,
    });
  }
  if (body.kind === "customer" && body.account === undefined) {
    fields.push({ field: "account", message: "a customer token acts as one account: name it" });
  }
  if (body.kind === "secret" && body.account !== undefined) {
    fields.push({ field: "account", message: "a secret key acts for every account: leave account out" });
  }
  if (body.kind === "customer" && body.admin === true) {
    fields.push({ field: "admin", message: "only a secret key can be an admin key" });
  }
  return fields;
}

function keyJson(key: ApiKeyInfo): z.infer<typeof Key> {
  return {
    id: key.keyId,
    kind: key.kind,
    admin: key.admin,
    name: key.name,
    hint: key.hint,
    account: key.account && { id: key.account.accountId, type: key.account.type, externalId: key.account.externalId },
    expiresAt: key.expiresAt?.toISOString() ?? null,
    createdAt: key.createdAt.toISOString(),
    revokedAt: key.revokedAt?.toISOString() ?? null,
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
  };
}
