import { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import type { AppEnv } from "../../app-env.ts";
import { LOCAL_KEY_ID } from "../../local-credential.ts";
import { ApiError } from "../api-error.ts";
import { type AuthenticateOptions, type Caller, callerOfToken } from "../v1/auth.ts";
import { callerOfSession, type SessionStore } from "./session-caller.ts";
import {
  assertSameOrigin,
  CSRF_HEADER,
  csrfMatches,
  csrfTokenFor,
  isHttps,
  SESSION_COOKIE,
  SESSION_MAX_AGE_SECONDS,
} from "./session-cookie.ts";

const SignIn = z.strictObject({ key: z.string().regex(/^[A-Za-z0-9_-]{1,200}$/, "a key: tg_sk_…") });

/** What the session routes need: how a key is verified, and where sessions are kept. */
export interface SessionRouteOptions extends AuthenticateOptions {
  sessions: SessionStore;
}

/**
 * The dashboard's sign-in: `POST /session {key}` verifies an admin key, starts a session and
 * sets its cookie (a random session token, never the key); `GET /session` says who is signed in
 * and gives the CSRF token; `DELETE /session` signs out, ending the session on every instance.
 * Only admin keys sign in: the dashboard shows every account and manages keys, which is what an
 * admin key may do through the API anyway. The local credential does not: a session outlives
 * no process, and the credential is this process's alone.
 */
export function sessionRoutes(options: SessionRouteOptions): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { sessions } = options;

  app.post("/session", async (c) => {
    // A page on another origin must not sign the browser in with its own key (login CSRF).
    assertSameOrigin(c.req);
    const parsed = SignIn.safeParse(await c.req.json().catch(() => null));
    if (!parsed.success) {
      throw new ApiError("invalid_request", 'Send {"key": "tg_sk_…"}: the admin key `tollgate serve` printed.', {
        fields: [{ field: "key", message: "required" }],
      });
    }
    const caller = await callerOfToken(options, parsed.data.key);
    if (!caller) throw new ApiError("unauthenticated", "That key is unknown, revoked or expired.");
    if (!caller.admin || caller.kind !== "secret" || caller.keyId === LOCAL_KEY_ID) {
      throw new ApiError(
        "forbidden",
        "The dashboard needs an admin key: create one with `tollgate keys create --kind secret --admin`.",
      );
    }
    const now = options.clock();
    const expiresAt = sessionEnd(now, caller.expiresAt);
    const token = await sessions.start({ keyId: caller.keyId, now, expiresAt });
    setCookie(c, SESSION_COOKIE, token, {
      httpOnly: true,
      secure: isHttps(c.req),
      sameSite: "Strict",
      path: "/",
      maxAge: Math.max(1, Math.floor((expiresAt.getTime() - now.getTime()) / 1000)),
    });
    return c.json(sessionJson(caller, token, expiresAt), 200);
  });

  app.get("/session", async (c) => {
    const token = getCookie(c, SESSION_COOKIE);
    const caller = await callerOfSession(options, token);
    const session = caller && token !== undefined ? await sessions.find(token, options.clock()) : null;
    if (!caller || !session || token === undefined) {
      throw new ApiError("unauthenticated", "Not signed in: POST /session {key}.");
    }
    c.header("Cache-Control", "no-store");
    return c.json(sessionJson(caller, token, session.expiresAt), 200);
  });

  app.delete("/session", async (c) => {
    const token = getCookie(c, SESSION_COOKIE);
    if (token !== undefined) {
      assertSameOrigin(c.req);
      if (!csrfMatches(token, c.req.header(CSRF_HEADER))) {
        throw new ApiError("forbidden", `Signing out needs the session's ${CSRF_HEADER} header.`);
      }
      await sessions.end(token);
    }
    deleteCookie(c, SESSION_COOKIE, { path: "/", secure: isHttps(c.req) });
    return c.body(null, 204);
  });

  return app;
}

/** A session ends after SESSION_MAX_AGE_SECONDS, or when its key expires if that is sooner. */
function sessionEnd(now: Date, keyExpiresAt: Date | null): Date {
  const end = now.getTime() + SESSION_MAX_AGE_SECONDS * 1000;
  return new Date(keyExpiresAt === null ? end : Math.min(end, keyExpiresAt.getTime()));
}

function sessionJson(caller: Caller, token: string, expiresAt: Date) {
  return {
    keyId: caller.keyId,
    admin: caller.admin,
    expiresAt: expiresAt.toISOString(),
    csrfToken: csrfTokenFor(token),
  };
}
