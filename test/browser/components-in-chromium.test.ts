// @tollgate/react and the widget in real Chromium against a real server (createApp on a port,
// a real ledger on PGlite, and on PostgreSQL when it is reachable): charges made through the API
// reach the badge over the live events stream. Every wait is for a condition on the page,
// bounded only against a hang; screenshots go to test-artifacts/ (the guide shows them).
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { testDatabases } from "@tollgate/store/testing";
import type { Browser, Page } from "playwright-core";
import { buildBrowserBundles } from "./browser-bundles.ts";
import { type BrowserTestServer, openBrowserTestServer } from "./browser-test-server.ts";
import { browserSkipReason, launchChromium } from "./chromium.ts";

/** The one browser global the test reads (the test is compiled without the DOM's types). */
type BrowserWindow = { getComputedStyle(element: unknown): { backgroundColor: string } };

/** A bound for a hang, not a delivery time: a busy machine may take seconds. */
const WAIT_MS = 30_000;
const ARTIFACTS = "test-artifacts/react";
const skip = browserSkipReason();
if (skip) process.stderr.write(`${skip}\n`);

/** Resolves once the badge shows `amount` at `level`; the badge's aria label says both. */
async function badgeShows(page: Page, amount: string, level: string): Promise<void> {
  await page
    .locator(`.tollgate-badge[data-level="${level}"]`)
    .filter({ hasText: amount })
    .waitFor({ timeout: WAIT_MS });
}

describe("components in Chromium", { skip: skip ?? false }, async () => {
  let browser: Browser;
  let bundles: Awaited<ReturnType<typeof buildBrowserBundles>>;
  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    [browser, bundles] = await Promise.all([launchChromium(), buildBrowserBundles()]);
  });
  after(() => browser?.close());

  for (const database of skip ? [] : await testDatabases()) {
    describe(`on ${database.name}`, () => {
      let server: BrowserTestServer;
      before(async () => {
        server = await openBrowserTestServer(database, { widgetScriptPath: bundles.widgetScriptPath });
      });
      after(() => server?.close());

      /** A page at the server's origin (the API is then same-origin) with this HTML. */
      const openPage = async (path: string, html: string) => {
        const page = await browser.newPage({ viewport: { width: 720, height: 320 } });
        await page.route(`${server.baseUrl}/demo/**`, (route) => {
          const url = new URL(route.request().url());
          if (url.pathname === "/demo/page.js")
            return route.fulfill({ contentType: "text/javascript", body: bundles.demoPageScript });
          if (url.pathname === path) return route.fulfill({ contentType: "text/html", body: html });
          return route.fulfill({ contentType: "text/html", body: "<title>checkout</title><h1>Stripe Checkout</h1>" });
        });
        await page.goto(`${server.baseUrl}${path}`);
        return page;
      };

      test("the React components: live badge, usage, chat cost and plans, updated by charges", async () => {
        const { account, token } = await server.customer("alice", { plan: "pro" });
        const config = {
          baseUrl: server.baseUrl,
          token,
          account,
          conversationId: "chat-1",
          lowBelow: "1000",
          checkoutUrl: `${server.baseUrl}/demo/checkout`,
        };
        const page = await openPage(
          "/demo/react.html",
          `<!doctype html><html lang="en"><title>Acme Chat</title><body style="font-family:sans-serif;margin:24px">
          <div id="app"></div><script>window.TOLLGATE_DEMO=${JSON.stringify(config)}</script>
          <script src="/demo/page.js"></script></body></html>`,
        );
        try {
          await badgeShows(page, "5,000", "ok");
          await page.locator(".tollgate-badge").screenshot({ path: `${ARTIFACTS}/badge-ok.png` });
          await page.getByRole("status", { name: "Credits: 5,000" }).waitFor({ timeout: WAIT_MS });
          await page.getByRole("button", { name: "Pro: your current plan" }).waitFor({ timeout: WAIT_MS });
          await page.getByText("no cost yet").waitFor({ timeout: WAIT_MS });

          // A model call in the conversation, recorded by the app's backend: the badge, the
          // conversation's cost and the usage panel all follow, with no reload and no polling.
          await server.call("POST", "/v1/usage-events", {
            account,
            provider: "openai",
            model: "gpt-4o",
            usage: { inputTokens: 200_000, outputTokens: 20_000 },
            conversationId: "chat-1",
          });
          const afterCall = await server.available(account);
          assert.notEqual(afterCall, "5000");
          await badgeShows(page, BigInt(afterCall).toLocaleString("en-US"), "ok");
          await page.locator('.tollgate-chat-cost[data-calls="1"]').waitFor({ timeout: WAIT_MS });
          assert.match(
            await page.locator(".tollgate-chat-cost").innerText(),
            new RegExp(`${(5000n - BigInt(afterCall)).toLocaleString("en-US")} credits`),
          );
          await page.getByRole("rowheader", { name: "gpt-4o" }).waitFor({ timeout: WAIT_MS });
          await page.getByRole("progressbar").waitFor({ timeout: WAIT_MS });
          await page.screenshot({ path: `${ARTIFACTS}/react-components.png`, fullPage: true });

          // Below the low mark (1,000), then nothing left: the badge's level changes colour.
          await server.call("POST", "/v1/charges", { account, amount: String(BigInt(afterCall) - 400n) });
          await badgeShows(page, "400", "low");
          await page.locator(".tollgate-badge").screenshot({ path: `${ARTIFACTS}/badge-low.png` });
          await server.call("POST", "/v1/charges", { account, amount: "400" });
          await badgeShows(page, "0", "depleted");
          await page.getByRole("status", { name: "Credits: 0, used up" }).waitFor({ timeout: WAIT_MS });
          await page.locator(".tollgate-badge").screenshot({ path: `${ARTIFACTS}/badge-depleted.png` });

          // Choosing another plan goes to the checkout page the app's backend answered with.
          await page.getByRole("button", { name: "Choose Free" }).click();
          await page.waitForURL(/\/demo\/checkout\?plan=free$/, { timeout: WAIT_MS });
        } finally {
          await page.close();
        }
      });

      test("the widget in a plain HTML page: badge and panel, live, themed by the page", async () => {
        const { account, token, keyId } = await server.customer("bob", { grant: "500" });
        const attributes = `base-url="${server.baseUrl}" token="${token}" account="${account}"`;
        const page = await openPage(
          "/demo/widget.html",
          `<!doctype html><html lang="en"><title>Plain page</title>
          <style>:root { --tollgate-ok: rgb(0, 90, 200); }</style>
          <body style="font-family:sans-serif;margin:24px"><p>Your balance:
          <tollgate-balance ${attributes} label="Credits" low-below="100"></tollgate-balance></p>
          <tollgate-usage ${attributes}></tollgate-usage>
          <script src="/widget.js"></script></body></html>`,
        );
        try {
          await badgeShows(page, "500", "ok");
          await page.getByRole("heading", { name: "Usage this period" }).waitFor({ timeout: WAIT_MS });
          // The page's custom property reaches inside the shadow root.
          const dotColour = await page
            .locator(".tollgate-badge__dot")
            .evaluate((dot) => (globalThis as unknown as BrowserWindow).getComputedStyle(dot).backgroundColor);
          assert.equal(dotColour, "rgb(0, 90, 200)");

          await server.call("POST", "/v1/charges", { account, amount: "420" });
          await badgeShows(page, "80", "low");
          await page.getByRole("status", { name: "Credits: 80, low" }).waitFor({ timeout: WAIT_MS });
          await page
            .locator(".tollgate-panel__used")
            .filter({ hasText: "420 credits used" })
            .waitFor({ timeout: WAIT_MS });
          await page.screenshot({ path: `${ARTIFACTS}/widget.png`, fullPage: true });

          // The connection drops (a restart, a proxy timing out): the badge reconnects by itself,
          // and the new stream's first event is the balance after what happened meanwhile.
          assert.equal(server.dropStreams(), 1, "one stream, shared by the badge and the panel");
          await server.call("POST", "/v1/charges", { account, amount: "30" });
          await badgeShows(page, "50", "low");

          // The token is revoked: the server ends its stream, the reconnect is refused 401, and
          // the badge says it is offline instead of retrying what cannot succeed.
          await server.call("POST", `/v1/keys/${keyId}/revoke`);
          await page
            .locator('.tollgate-badge[data-status="failed"]')
            .filter({ hasText: "offline" })
            .waitFor({ timeout: WAIT_MS });
        } finally {
          await page.close();
        }
      });
    });
  }
});
