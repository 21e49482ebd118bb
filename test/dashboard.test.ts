// The operator dashboard in real Chromium, against the real app listening on a port with a
// real ledger on each database: sign in with an admin key, find an account, watch its balance
// change live after a charge made through the API, grant through the form and see the ledger
// row. Every wait is for a condition on the page, never for a length of time.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { createAdaptorServer } from "@hono/node-server";
import { Meter } from "@tollgate/metering";
import { createApp } from "@tollgate/server";
import { ApiKeys, BalanceEvents } from "@tollgate/store";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { type Browser, chromium, type Page } from "playwright-core";
import { artifactPath, browserSkipReason, CHROMIUM_PATH } from "./dashboard-browser.ts";

const DASHBOARD_DIR = fileURLToPath(new URL("../dist/dashboard/", import.meta.url));
/** The most any one condition is waited for: generous, as the machine is slow; never a pass condition. */
const CONDITION_TIMEOUT_MS = Number(process.env.TOLLGATE_BROWSER_WAIT_MS ?? 120_000);

const skipReason = browserSkipReason();
if (skipReason) console.log(`# ${skipReason}`);

for (const database of await testDatabases()) {
  describe(`the dashboard in Chromium on ${database.name}`, { skip: skipReason ?? false }, () => {
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    let meter: Meter;
    let keys: ApiKeys;
    let balanceEvents: BalanceEvents;
    let server: ReturnType<typeof createAdaptorServer>;
    let browser: Browser;
    let page: Page;
    let url = "";
    let admin = "";
    let secret = "";
    let sequence = 0;

    const api = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${secret}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...(method === "POST" ? { "idempotency-key": `dashboard-test-${++sequence}` } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const json = await response.json();
      assert.equal(response.status, 200, JSON.stringify(json));
      return json as Record<string, unknown>;
    };
    const balanceNow = async (account: string) => {
      const { data } = (await api("GET", `/v1/accounts/${account}/balances`)) as { data: { balance: string }[] };
      return data[0]?.balance ?? "";
    };

    before(async () => {
      assert.ok(existsSync(`${DASHBOARD_DIR}index.html`), "the dashboard is not built: run `npm run build` first");
      ledger = await openTestLedger(database);
      meter = await Meter.open({ ledger });
      keys = await ApiKeys.open(ledger.sql);
      balanceEvents = new BalanceEvents(ledger.sql);
      admin = (await keys.create({ kind: "secret", admin: true, name: "operator" })).token;
      secret = (await keys.create({ kind: "secret", name: "backend" })).token;
      const app = createApp({ ledger, meter, keys, balanceEvents, dashboard: { directory: DASHBOARD_DIR } });
      server = createAdaptorServer({ fetch: app.fetch });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      for (const externalId of ["alice", "bob", "carol"]) {
        await api("POST", "/v1/accounts", { type: "user", externalId });
        await api("POST", `/v1/accounts/user:${externalId}/grants`, { amount: "100", source: "promo" });
      }
      browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ["--no-sandbox"] });
      page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
      page.setDefaultTimeout(CONDITION_TIMEOUT_MS);
      // The page's own errors, in the test's output: a failed wait then says why.
      page.on("pageerror", (error) => console.log(`# page error: ${error.message}`));
      page.on("console", (message) => {
        if (message.type() === "error") console.log(`# page console: ${message.text()}`);
      });
    });
    after(async () => {
      await browser?.close();
      (server as unknown as { closeAllConnections?: () => void })?.closeAllConnections?.();
      await new Promise((resolve) => server?.close(resolve));
      await balanceEvents?.close();
      await keys?.close();
      await meter?.close();
      await ledger?.dispose();
    });

    test("a wrong key is refused, an admin key signs in", async () => {
      await page.goto(`${url}/`);
      await page.getByLabel("Admin key").fill("tg_sk_not_a_key");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("alert").filter({ hasText: "unknown, revoked or expired" }).waitFor();
      if (database.name === "pglite") await page.screenshot({ path: artifactPath("sign-in.png") });
      await page.getByLabel("Admin key").fill(admin);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { name: "Overview" }).waitFor();
      await page.locator(".tile-value", { hasText: /^3$/ }).first().waitFor();
      if (database.name === "pglite") await page.screenshot({ path: artifactPath("overview.png") });
      const cookies = await page.context().cookies();
      assert.equal(cookies.find((cookie) => cookie.name === "tollgate_session")?.httpOnly, true);
    });

    test("search finds the account and its page opens", async () => {
      await page.getByRole("link", { name: "Accounts" }).click();
      await page.getByRole("link", { name: "carol" }).waitFor();
      await page.getByLabel("Search by external id").fill("ali");
      await page.getByRole("button", { name: "Search" }).click();
      await page.getByRole("link", { name: "carol" }).waitFor({ state: "detached" });
      if (database.name === "pglite") await page.screenshot({ path: artifactPath("accounts.png") });
      await page.getByRole("link", { name: "alice" }).click();
      await page.getByRole("heading", { name: /alice/ }).waitFor();
    });

    test("the balance changes live after a charge made through the API", async () => {
      const balance = page.locator(".balance-value").first();
      const live = page.locator(".live.on");
      await live.waitFor();
      const shown = await balance.textContent();
      assert.equal(shown, await balanceNow("user:alice"));
      // The user's own view, with @tollgate/react's badge on the session's cookie.
      await page.locator(".tollgate-badge:not([data-level=loading])").waitFor();
      const badgeShown = await page.locator(".tollgate-badge__amount").textContent();
      await api("POST", "/v1/charges", { account: "user:alice", amount: "3", reason: "a chat reply" });
      const expected = await balanceNow("user:alice");
      assert.notEqual(expected, shown);
      // No reload and no poll: only the events stream can bring the new figure.
      await page.locator(".balance-value", { hasText: new RegExp(`^${expected.replace(".", "\\.")}$`) }).waitFor();
      await page.waitForFunction(
        `document.querySelector(".tollgate-badge__amount")?.textContent !== ${JSON.stringify(badgeShown)}`,
      );
    });

    test("a grant through the form shows in the ledger with its reason", async () => {
      const form = page.getByRole("form", { name: "Grant or deduct" });
      await form.getByLabel("Amount").fill("25");
      await form.getByLabel("Reason").fill("goodwill for the outage");
      await form.getByRole("button", { name: "Grant" }).click();
      await page.getByRole("status").filter({ hasText: "Granted" }).waitFor();
      const row = page.locator("table.ledger tr", { hasText: "goodwill for the outage" });
      await row.waitFor();
      const expected = await balanceNow("user:alice");
      assert.match((await row.textContent()) ?? "", new RegExp(expected.replace(".", "\\.")));
      await page.locator(".balance-value", { hasText: new RegExp(`^${expected.replace(".", "\\.")}$`) }).waitFor();
    });

    test("a metered model call shows in the usage charts", async () => {
      await api("POST", "/v1/usage-events", {
        account: "user:alice",
        provider: "openai",
        model: "gpt-4o-mini",
        feature: "summaries",
        usage: { inputTokens: 120_000, outputTokens: 40_000 },
      });
      // The live balance's change reloads the charts: a bar for the model, the feature and today.
      await page.locator(".chart .recharts-bar-rectangle").nth(2).waitFor();
      await page.locator(".chart").first().getByText("gpt-4o-mini").waitFor();
      await page.locator(".chart").nth(1).getByText("summaries").waitFor();
      await page.locator("table.ledger tr", { hasText: "gpt-4o-mini" }).waitFor();
      if (database.name === "pglite") await page.screenshot({ path: artifactPath("account.png"), fullPage: true });
    });

    test("on a phone the account page fits the screen", async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.reload();
      await page.locator(".live.on").waitFor();
      const overflow = (await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")) as number;
      assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone's screen`);
      if (database.name === "pglite")
        await page.screenshot({ path: artifactPath("account-phone.png"), fullPage: true });
      await page.setViewportSize({ width: 1280, height: 860 });
    });

    test("signing out ends the session", async () => {
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByLabel("Admin key").waitFor();
      const response = await page.request.get(`${url}/v1/accounts`);
      assert.equal(response.status(), 401);
    });
  });
}
