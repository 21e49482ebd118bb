import { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import type { AppEnv } from "../../app-env.ts";
import { ApiError } from "../api-error.ts";
import { type AuthenticateOptions, type Caller, callerOfToken } from "../v1/auth.ts";
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

/**
 * The dashboard's sign-in: `POST /session {key}` verifies an admin key and sets the session
 * cookie; `GET /session` says who is signed in and gives the CSRF token; `DELETE /session`
 * signs out. Only admin keys sign in: the dashboard shows every account and manages keys, which
 * is what an admin key may do through the API anyway.
 */
export function sessionRoutes(options: AuthenticateOptions): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

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
    if (!caller.admin || caller.kind !== "secret") {
      throw new ApiError(
        "forbidden",
        "The dashboard needs an admin key: create one with `tollgate keys create --kind secret --admin`.",
      );
    }
    setCookie(c, SESSION_COOKIE, parsed.data.key, {
      httpOnly: true,
      secure: isHttps(c.req),
      sameSite: "Strict",
      path: "/",
      maxAge: SESSION_MAX_AGE_SECONDS,
    });
    return c.json(sessionJson(caller, parsed.data.key), 200);
  });

  app.get("/session", async (c) => {
    const token = getCookie(c, SESSION_COOKIE);
    const caller = await callerOfToken(options, token);
    if (!caller || token === undefined) throw new ApiError("unauthenticated", "Not signed in: POST /session {key}.");
    c.header("Cache-Control", "no-store");
    return c.json(sessionJson(caller, token), 200);
  });

  app.delete("/session", (c) => {
    const token = getCookie(c, SESSION_COOKIE);
    if (token !== undefined) {
      assertSameOrigin(c.req);
      if (!csrfMatches(token, c.req.header(CSRF_HEADER))) {
        throw new ApiError("forbidden", `Signing out needs the session's ${CSRF_HEADER} header.`);
      }
    }
    deleteCookie(c, SESSION_COOKIE, { path: "/", secure: isHttps(c.req) });
    return c.body(null, 204);
  });

  return app;
}

function sessionJson(caller: Caller, token: string) {
  return {
    keyId: caller.keyId,
    admin: caller.admin,
    expiresAt: caller.expiresAt?.toISOString() ?? null,
    csrfToken: csrfTokenFor(token),
  };
}
