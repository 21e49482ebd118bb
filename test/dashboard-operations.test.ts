// The dashboard's operations pages in real Chromium, against the real app listening on a port
// with a real ledger on each database: the overview's figures are the ones a known set of charges
// implies, a failed webhook delivery is replayed and seen delivered, and a key is made and
// revoked. Every wait is for a condition on the page, never for a length of time. The
// screenshots the guide shows (docs/guides/dashboard.md) are copied there from the PGlite run.
import assert from "node:assert/strict";
import { copyFileSync, existsSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { createAdaptorServer } from "@hono/node-server";
import { defineLedgerConfig } from "@tollgate/core";
import { definePricingConfig, Meter } from "@tollgate/metering";
import { createApp, dispatchDueWebhooks } from "@tollgate/server";
import { ApiKeys, BalanceEvents, Webhooks } from "@tollgate/store";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { type Browser, chromium, type Page } from "playwright-core";
import { artifactPath, browserSkipReason, CHROMIUM_PATH } from "./dashboard-browser.ts";

const DASHBOARD_DIR = fileURLToPath(new URL("../dist/dashboard/", import.meta.url));
const GUIDE_IMAGES_DIR = fileURLToPath(new URL("../docs/guides/images/", import.meta.url));
/** The most any one condition is waited for: generous, as the machine is slow; never a pass condition. */
const CONDITION_TIMEOUT_MS = Number(process.env.TOLLGATE_BROWSER_WAIT_MS ?? 120_000);
const quiet = { info() {}, warn() {}, error() {} };

const skipReason = browserSkipReason();
if (skipReason) console.log(`# ${skipReason}`);

/** A receiving app that answers the scripted statuses in turn, then 200. */
async function receiver(statuses: number[]) {
  const server = createServer((request, response) => {
    request.resume();
    request.on("end", () => response.writeHead(statuses.shift() ?? 200).end("ok"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Matches an element's whole text, so "66.00" does not match "166.00". */
const exactly = (text: string) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);

for (const database of await testDatabases()) {
  describe(`the dashboard's operations pages in Chromium on ${database.name}`, { skip: skipReason ?? false }, () => {
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    let meter: Meter;
    let keys: ApiKeys;
    let balanceEvents: BalanceEvents;
    let server: ReturnType<typeof createAdaptorServer>;
    let hooks: Awaited<ReturnType<typeof receiver>>;
    // The dispatcher's side, run by the test: one attempt, so the first failure is final.
    let dispatcher: Webhooks;
    let browser: Browser;
    let page: Page;
    let url = "";
    let admin = "";
    let secret = "";
    let sequence = 0;
    const screenshot = async (name: string, options: { guide?: string; fullPage?: boolean } = {}) => {
      if (database.name !== "pglite") return;
      const path = artifactPath(`operations-${name}.png`);
      await page.screenshot({ path, fullPage: options.fullPage ?? false });
      // The guide's copies change only when asked: an ordinary run leaves the tree as it was.
      if (options.guide && process.env.TOLLGATE_UPDATE_GUIDE_IMAGES === "1")
        copyFileSync(path, `${GUIDE_IMAGES_DIR}${options.guide}`);
    };

    const api = async (method: string, path: string, body?: unknown, token = secret) => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...(method === "POST" ? { "idempotency-key": `operations-test-${++sequence}` } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const write = async (path: string, body: unknown) => {
      const answer = await api("POST", path, body);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
    };

    before(async () => {
      assert.ok(existsSync(`${DASHBOARD_DIR}index.html`), "the dashboard is not built: run `npm run build` first");
      ledger = await openTestLedger(database, {
        config: defineLedgerConfig({
          units: [{ unit: "credits", scale: 2 }],
          defaultUnit: "credits",
          signupGrants: { user: [], organization: [], guest: [] },
        }),
      });
      // $10 per million input tokens, $30 per million output, ×2 markup, 100 credits a dollar.
      meter = await Meter.open({
        ledger,
        pricing: definePricingConfig({
          creditsPerUsd: "100",
          markup: { default: "2" },
          fallbackPrice: { input_mtok: "10", output_mtok: "30" },
        }),
      });
      keys = await ApiKeys.open(ledger.sql);
      balanceEvents = new BalanceEvents(ledger.sql);
      admin = (await keys.create({ kind: "secret", admin: true, name: "operator" })).token;
      secret = (await keys.create({ kind: "secret", name: "backend" })).token;
      const app = createApp({ ledger, meter, keys, balanceEvents, dashboard: { directory: DASHBOARD_DIR } });
      server = createAdaptorServer({ fetch: app.fetch });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      hooks = await receiver([500]);
      dispatcher = Webhooks.of(ledger, { retryPolicy: { maxAttempts: 1 } });
      await dispatcher.createEndpoint({ url: hooks.url, eventTypes: ["balance.depleted"] });
      for (const externalId of ["alice", "bob", "carol"]) {
        await write(`/v1/accounts/user:${externalId}/grants`, {
          amount: externalId === "carol" ? "1" : "100",
          source: "promo",
        });
      }
      const modelCall = (account: string, usage: Record<string, number>) =>
        write("/v1/usage-events", { account, provider: "test", model: "flat", usage });
      await modelCall("user:alice", { inputTokens: 10_000, outputTokens: 1_000 }); // $0.13 → 26.00 credits
      await modelCall("user:bob", { inputTokens: 20_000 }); // $0.20 → 40.00 credits
      await write("/v1/holds", { account: "user:bob", amount: "5" });
      await write("/v1/charges", { account: "user:carol", amount: "1", reason: "the last credit" }); // balance.depleted
      assert.deepEqual(await dispatchDueWebhooks(dispatcher, { logger: quiet }), { claimed: 1, succeeded: 0 });

      browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ["--no-sandbox"] });
      page = await browser.newPage({ viewport: { width: 1280, height: 860 }, timezoneId: "UTC" });
      page.setDefaultTimeout(CONDITION_TIMEOUT_MS);
      page.on("pageerror", (error) => console.log(`# page error: ${error.message}`));
      page.on("console", (message) => {
        if (message.type() === "error") console.log(`# page console: ${message.text()}`);
      });
      await page.goto(`${url}/`);
      await page.getByLabel("Admin key").fill(admin);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { name: "Overview" }).waitFor();
    });
    after(async () => {
      await browser?.close();
      (server as unknown as { closeAllConnections?: () => void })?.closeAllConnections?.();
      await new Promise((resolve) => server?.close(resolve));
      await hooks?.close();
      await balanceEvents?.close();
      await keys?.close();
      await meter?.close();
      await ledger?.dispose();
    });

    test("the overview shows what the charges imply", async () => {
      // alice 100 − 26, bob 100 − 40, carol 1 − 1; bob's hold of 5.
      const outstanding = page.getByRole("region", { name: "Credits outstanding (credits)" });
      await outstanding.locator(".tile-value", { hasText: exactly("134.00") }).waitFor();
      await outstanding.getByText("3 accounts · 5.00 held").waitFor();
      const holds = page.getByRole("region", { name: "Active holds (credits)" });
      await holds.locator(".tile-value", { hasText: exactly("5.00") }).waitFor();
      await holds.getByText(exactly("1 hold")).waitFor();
      await page
        .getByRole("link", { name: "Failing webhooks" })
        .locator(".tile-value", { hasText: exactly("1") })
        .waitFor();
      for (const window of ["Today", "Last 30 days"]) {
        const row = page.locator(`table.overview-usage tr[data-window="${window}"][data-unit="credits"]`);
        // $0.33 of provider cost, charged 66.00 credits = $0.66 at 100 a dollar: $0.33 of margin.
        assert.deepEqual(await row.locator("td").allTextContents(), [
          window,
          "credits",
          "2",
          "66.00",
          "0.33",
          "0.66",
          "0.33",
        ]);
      }
      const fromApi = await api("GET", "/v1/overview?timeZone=UTC", undefined, admin);
      assert.deepEqual((fromApi.body.today as { units: unknown[] }).units, [
        {
          unit: "credits",
          events: 2,
          failedEvents: 0,
          charged: "66.00",
          providerCostUsd: "0.33",
          chargedUsd: "0.66",
          marginUsd: "0.33",
        },
      ]);
      await page.locator(".tile-value", { hasText: exactly("yes") }).waitFor();
      await screenshot("overview", { guide: "dashboard-overview.png", fullPage: true });
    });

    test("a failed delivery is replayed and seen delivered", async () => {
      await page.getByRole("link", { name: "Webhooks", exact: true }).click();
      const deliveries = page.getByRole("region", { name: "Outgoing deliveries" });
      await deliveries.getByLabel("Status").selectOption("failed");
      const failed = deliveries.locator("tr[data-delivery]", { has: page.locator(".badge.failed") });
      await failed.getByText("HTTP 500").waitFor();
      assert.equal(await deliveries.locator("tr[data-delivery]").count(), 1);
      await failed.getByRole("button", { name: /^Replay wd_/ }).click();
      await deliveries.getByRole("status").filter({ hasText: "Replayed: 1 new delivery" }).waitFor();
      // The server's dispatcher would send it within a second; here the test is the dispatcher.
      assert.deepEqual(await dispatchDueWebhooks(dispatcher, { logger: quiet }), { claimed: 1, succeeded: 1 });
      await deliveries.getByLabel("Status").selectOption("");
      const delivered = deliveries.locator("tr[data-delivery]", { has: page.locator(".badge.succeeded") });
      await delivered.getByText("replays wd_").waitFor();
      await delivered.getByText("HTTP 200").waitFor();
      await screenshot("webhooks", { guide: "dashboard-webhooks.png" });
      await page.getByRole("tab", { name: "Incoming (Stripe)" }).click();
      await page.getByText("No Stripe event.").waitFor();
      await page.getByRole("link", { name: "Overview" }).click();
      await page
        .getByRole("link", { name: "Failing webhooks" })
        .locator(".tile-value", { hasText: exactly("0") })
        .waitFor();
    });

    test("a customer token is made, shown once, and revoked", async () => {
      await page.getByRole("link", { name: "API keys" }).click();
      const keyList = page.getByRole("region", { name: "Keys" });
      await keyList.getByText("operator").waitFor();
      const form = page.getByRole("form", { name: "Create a key" });
      await form.getByLabel("Kind").selectOption("customer");
      await form.getByLabel("Account").fill("user:alice");
      await form.getByLabel("Name").fill("mobile app");
      await form.getByRole("button", { name: "Create" }).click();
      const token = (await form.locator(".new-token").textContent()) ?? "";
      assert.match(token, /^tg_ct_/);
      await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: url });
      await form.getByRole("button", { name: "Copy" }).click();
      await form.getByText("Copied.").waitFor();
      assert.equal(await page.evaluate("navigator.clipboard.readText()"), token);
      assert.equal((await api("GET", "/v1/accounts/user:alice/balances", undefined, token)).status, 200);
      const row = keyList.locator("tr", { hasText: "mobile app" });
      await row.getByText("user:alice").waitFor();
      await screenshot("keys", { guide: "dashboard-keys.png" });
      await row.getByRole("button", { name: "Revoke" }).click();
      await row.getByRole("button", { name: "Confirm revoke" }).click();
      await row.waitFor({ state: "detached" });
      assert.equal((await api("GET", "/v1/accounts/user:alice/balances", undefined, token)).status, 401);
      await keyList.getByLabel("Show revoked").check();
      await keyList.locator("tr.revoked", { hasText: "mobile app" }).getByText("revoked").waitFor();
    });

    test("on a phone the operations pages fit the screen", async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      for (const [hash, name, ready] of [
        ["#/", "overview-phone", "table.overview-usage"],
        ["#/webhooks", "webhooks-phone", "tr[data-delivery]"],
        ["#/keys", "keys-phone", "table.keys tr[data-key]"],
      ] as const) {
        await page.goto(`${url}/${hash}`);
        await page.locator(ready).first().waitFor();
        const overflow = (await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")) as number;
        assert.ok(overflow <= 0, `${hash} is ${overflow}px wider than the phone's screen`);
        await screenshot(name, {
          fullPage: true,
          ...(name === "overview-phone" ? { guide: "dashboard-overview-phone.png" } : {}),
        });
      }
      await page.setViewportSize({ width: 1280, height: 860 });
    });
  });
}
