// The dashboard's prices, plans, subscriptions and account sections in real Chromium, against
// the real app listening on a port with a real ledger on each database: search a model's price
// and set an override (then the API shows it), see a plan and a subscription, see an account's
// hold and member. Every wait is for a condition on the page, never for a length of time.
import assert from "node:assert/strict";
import { copyFileSync, existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { createAdaptorServer } from "@hono/node-server";
import type { PlanCatalog } from "@tollgate/core";
import { allocation, testPlan } from "@tollgate/core/testing";
import { Meter } from "@tollgate/metering";
import { createApp } from "@tollgate/server";
import { ApiKeys, BalanceEvents } from "@tollgate/store";
import { openTestLedger, testDatabases } from "@tollgate/store/testing";
import { type Browser, chromium, type Page } from "playwright-core";
import { artifactPath, browserSkipReason, CHROMIUM_PATH } from "./dashboard-browser.ts";

const DASHBOARD_DIR = fileURLToPath(new URL("../dist/dashboard/", import.meta.url));
const GUIDE_IMAGES = fileURLToPath(new URL("../docs/guides/images/", import.meta.url));
/** The most any one condition is waited for: generous, as the machine is slow; never a pass condition. */
const CONDITION_TIMEOUT_MS = Number(process.env.TOLLGATE_BROWSER_WAIT_MS ?? 120_000);

const catalog: PlanCatalog = {
  plans: [
    testPlan({
      id: "pro",
      name: "Pro",
      price: { amountMinor: 2000n, currency: "usd" },
      allocations: [allocation({ amountMinor: 1000n })],
      models: { allow: ["openai/*"], deny: ["openai/o1*"] },
    }),
    testPlan({ id: "team", name: "Team", stripePriceId: "price_team_monthly" }),
  ],
  packs: [
    {
      id: "starter",
      name: "Starter",
      unit: "credits",
      amountMinor: 500n,
      bonusPercent: "10",
      expiresInMs: null,
      price: { amountMinor: 500n, currency: "usd" },
      stripePriceId: null,
    },
  ],
  defaultPlans: {},
};

const skipReason = browserSkipReason();
if (skipReason) console.log(`# ${skipReason}`);

for (const database of await testDatabases()) {
  describe(`the dashboard's catalog pages in Chromium on ${database.name}`, { skip: skipReason ?? false }, () => {
    let ledger: Awaited<ReturnType<typeof openTestLedger>>;
    let meter: Meter;
    let keys: ApiKeys;
    let balanceEvents: BalanceEvents;
    let server: ReturnType<typeof createAdaptorServer>;
    let browser: Browser;
    let page: Page;
    let url = "";
    let admin = "";
    let sequence = 0;
    /**
     * Screenshots on PGlite only (one set), into the artifacts; with TOLLGATE_UPDATE_GUIDE_IMAGES=1
     * also into docs/guides/images for the guide, so an ordinary run leaves the tree as it was.
     */
    const screenshot = async (name: string, options: { fullPage?: boolean } = {}) => {
      if (database.name !== "pglite") return;
      await page.screenshot({ path: artifactPath(`${name}.png`), ...options });
      if (process.env.TOLLGATE_UPDATE_GUIDE_IMAGES === "1") {
        copyFileSync(artifactPath(`${name}.png`), `${GUIDE_IMAGES}dashboard-${name}.png`);
      }
    };

    const api = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${admin}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...(method === "POST" ? { "idempotency-key": `dashboard-catalog-${++sequence}` } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const json = await response.json();
      assert.equal(response.status, 200, JSON.stringify(json));
      return json as Record<string, unknown>;
    };

    before(async () => {
      assert.ok(existsSync(`${DASHBOARD_DIR}index.html`), "the dashboard is not built: run `npm run build` first");
      ledger = await openTestLedger(database);
      await ledger.syncPlanCatalog(catalog);
      meter = await Meter.open({ ledger });
      keys = await ApiKeys.open(ledger.sql);
      balanceEvents = new BalanceEvents(ledger.sql);
      admin = (await keys.create({ kind: "secret", admin: true, name: "operator" })).token;
      const app = createApp({ ledger, meter, keys, balanceEvents, catalog, dashboard: { directory: DASHBOARD_DIR } });
      server = createAdaptorServer({ fetch: app.fetch });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      await api("POST", "/v1/accounts/organization:acme/subscription", { plan: "pro" });
      await api("POST", "/v1/accounts/organization:acme/members", { member: "ann", caps: { credits: "300" } });
      await api("POST", "/v1/holds", { account: "organization:acme", member: "ann", amount: "42", ttlSeconds: 3600 });
      await api("POST", "/v1/usage-events", {
        account: "organization:acme",
        provider: "openai",
        model: "gpt-4o-mini",
        conversationId: "chat-7",
        usage: { inputTokens: 120_000, outputTokens: 40_000 },
      });
      browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ["--no-sandbox"] });
      page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
      page.setDefaultTimeout(CONDITION_TIMEOUT_MS);
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

    test("sign in, search a model's price and set an override: the API shows it", async () => {
      await page.goto(`${url}/`);
      await page.getByLabel("Admin key").fill(admin);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { name: "Overview" }).waitFor();
      await page.getByRole("link", { name: "Prices" }).click();
      await page.getByLabel("Search models").fill("gpt-4o-mini");
      await page.getByRole("button", { name: "Search" }).click();
      await page.getByRole("button", { name: "openai/gpt-4o-mini", exact: true }).click();
      const detail = page.getByRole("region", { name: "Price of openai/gpt-4o-mini" });
      await detail.getByTestId("price-source").filter({ hasText: "the catalog" }).waitFor();
      await detail.getByText("0.075").waitFor();
      const form = detail.getByRole("form", { name: "Override" });
      await form.getByLabel("Input, per million tokens").fill("0.2");
      await form.getByLabel("Output, per million tokens").fill("0.8");
      await form.getByLabel("Reason").fill("negotiated rate");
      await form.getByRole("button", { name: "Set override" }).click();
      await detail.getByRole("status").filter({ hasText: "Override set." }).waitFor();
      await detail.getByTestId("price-source").filter({ hasText: "override" }).waitFor();
      await page.locator("table.prices tr", { hasText: "openai/gpt-4o-mini" }).getByText("override").first().waitFor();
      const shown = await api("GET", "/v1/prices/openai/gpt-4o-mini");
      assert.equal(shown.source, "override");
      assert.deepEqual(shown.price, { input_mtok: "0.2", cache_read_mtok: "0.075", output_mtok: "0.8" });
      await screenshot("prices", { fullPage: true });
    });

    test("clearing the override gives the model back to the catalog", async () => {
      const detail = page.getByRole("region", { name: "Price of openai/gpt-4o-mini" });
      await detail.getByRole("button", { name: "Clear override" }).click();
      await detail.getByRole("status").filter({ hasText: "Override cleared." }).waitFor();
      await detail.getByTestId("price-source").filter({ hasText: "the catalog" }).waitFor();
      assert.equal((await api("GET", "/v1/prices/openai/gpt-4o-mini")).source, "catalog");
    });

    test("a plan with its allocation, access and Stripe price; a pack", async () => {
      await page.getByRole("link", { name: "Plans" }).click();
      const pro = page.getByRole("article", { name: "Plan pro" });
      await pro.getByTestId("allocation-pro-credits").filter({ hasText: "1000 credits per month" }).waitFor();
      await pro.getByText("openai/* (not openai/o1*)").waitFor();
      await pro.getByText("lookup key tollgate_plan_pro").waitFor();
      await page.getByRole("article", { name: "Plan team" }).getByText("price_team_monthly").waitFor();
      await page.locator("table.packs tr", { hasText: "Starter" }).getByText("550 credits").waitFor();
      await screenshot("plans", { fullPage: true });
    });

    test("a subscription, filtered by plan, links to its account", async () => {
      await page.getByRole("article", { name: "Plan pro" }).getByRole("link", { name: "Its subscriptions" }).click();
      const row = page.locator("table.subscriptions tr", { hasText: "acme" });
      await row.getByText("active").waitFor();
      await screenshot("subscriptions");
      await row.getByRole("link", { name: "acme" }).click();
      await page.getByRole("heading", { name: /acme/ }).waitFor();
    });

    test("the account's hold, conversation and member with its cap", async () => {
      const holds = page.getByRole("region", { name: "Active holds" });
      await holds.locator("tr", { hasText: "ann" }).getByText("42 credits").waitFor();
      const conversations = page.getByRole("region", { name: "Conversations" });
      await conversations.locator("tr", { hasText: "chat-7" }).waitFor();
      const members = page.getByRole("region", { name: "Members" });
      await members.locator("tr", { hasText: "ann" }).getByText("held 42 of a 300 cap").waitFor();
      await screenshot("account-sections", { fullPage: true });
    });

    test("on a phone the pages fit the screen", async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      for (const [hash, ready] of [
        ["#/prices", "Search models"],
        ["#/plans", "Plan pro"],
        ["#/subscriptions", "Subscriptions"],
      ] as const) {
        await page.goto(`${url}/${hash}`);
        if (hash === "#/prices") await page.getByLabel(ready).waitFor();
        else if (hash === "#/plans") await page.getByRole("article", { name: ready }).waitFor();
        else await page.locator("table.subscriptions tr", { hasText: "acme" }).waitFor();
        const overflow = (await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")) as number;
        assert.ok(overflow <= 0, `${hash} is ${overflow}px wider than the phone's screen`);
      }
      await screenshot("subscriptions-phone", { fullPage: true });
      await page.setViewportSize({ width: 1280, height: 860 });
    });
  });
}
