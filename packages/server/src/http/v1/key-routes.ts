import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { ApiKeyInfo, Ledger } from "@tollgate/store";
import { API_KEY_NAME_LENGTH_MAX, API_KEYS_PAGE_MAX } from "@tollgate/store";
import type { AppEnv } from "../../app-env.ts";
import { ApiError } from "../api-error.ts";
import { replayAnswer } from "../idempotency/idempotency.ts";
import { parseAccountParam } from "./account-ref.ts";
import { callerOf, type KeyStore, requireSecret } from "./auth.ts";
import { errorResponses, jsonContent } from "./schemas.ts";

/** A customer token minted over the API lives a day unless asked otherwise: it sits in a browser. */
export const CUSTOMER_TOKEN_TTL_SECONDS_DEFAULT = 86_400;
export const CUSTOMER_TOKEN_TTL_SECONDS_MAX = 90 * 86_400;

const Key = z
  .object({
    id: z.string().openapi({ example: "key_019a…" }),
    kind: z.enum(["secret", "customer"]),
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
  summary: "Mint a customer token for one account (its token is in this answer only)",
  description:
    "Customer tokens let a browser or mobile app read its own account's balance, usage and live events. Secret keys are created by an operator with `tollgate keys create`, never over the API. A replay of this request answers the key with `token: null`: tokens are never stored.",
  request: {
    query: z.strictObject({}),
    body: {
      content: {
        "application/json": {
          schema: z.strictObject({
            account: z.string().min(1).max(300).openapi({ example: "user:alice" }),
            name: KeyName.optional(),
            expiresInSeconds: z
              .number()
              .int()
              .min(60)
              .max(CUSTOMER_TOKEN_TTL_SECONDS_MAX)
              .default(CUSTOMER_TOKEN_TTL_SECONDS_DEFAULT),
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
  summary: "Keys in creation order, a page at a time (cursor: `after`); never a token",
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
    requireSecret(callerOf(c));
    const body = c.req.valid("json");
    const account = await ledger.accounts.find(parseAccountParam(body.account));
    if (!account) throw new ApiError("not_found", "No such account.");
    const now = deps.clock();
    const { key, token } = await keys.create({
      kind: "customer",
      accountId: account.accountId,
      name: body.name ?? null,
      expiresAt: new Date(now.getTime() + body.expiresInSeconds * 1000),
      now,
    });
    replayAnswer(c, { ...keyJson(key), token: null });
    return c.json({ ...keyJson(key), token }, 200);
  });

  app.openapi(listKeys, async (c) => {
    requireSecret(callerOf(c));
    const query = c.req.valid("query");
    let accountId: string | undefined;
    if (query.account !== undefined) {
      const account = await ledger.accounts.find(parseAccountParam(query.account));
      if (!account) return c.json({ data: [], nextCursor: null }, 200);
      accountId = account.accountId;
    }
    const page = await keys.list({
      ...(query.kind ? { kind: query.kind } : {}),
      ...(accountId ? { accountId } : {}),
      includeRevoked: query.includeRevoked === "true",
      ...(query.limit ? { limit: query.limit } : {}),
      ...(query.after ? { after: query.after } : {}),
    });
    return c.json({ data: page.keys.map(keyJson), nextCursor: page.nextCursor }, 200);
  });

  app.openapi(getKey, async (c) => {
    requireSecret(callerOf(c));
    const key = await keys.get(c.req.valid("param").keyId);
    if (!key) throw new ApiError("not_found", "No such key.");
    return c.json(keyJson(key), 200);
  });

  app.openapi(revokeKey, async (c) => {
    requireSecret(callerOf(c));
    const result = await keys.revoke(c.req.valid("param").keyId, deps.clock());
    if (result.code === "not_found") throw new ApiError("not_found", "No such key.");
    return c.json(keyJson(result.key), 200);
  });
}

function keyJson(key: ApiKeyInfo): z.infer<typeof Key> {
  return {
    id: key.keyId,
    kind: key.kind,
    name: key.name,
    hint: key.hint,
    account: key.account && { id: key.account.accountId, type: key.account.type, externalId: key.account.externalId },
    expiresAt: key.expiresAt?.toISOString() ?? null,
    createdAt: key.createdAt.toISOString(),
    revokedAt: key.revokedAt?.toISOString() ?? null,
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
  };
}
