// The example chat (examples/chat-app) in real Chromium, started as a user starts it, on PGlite
// and on PostgreSQL when it is reachable: open the page, send messages, see each reply stream in
// and the badge drop by exactly what the ledger charged (read over the API), and the chat's
// cost. How long the badge takes after the stream's end is measured in the page and logged,
// never asserted: the machine is shared. Every wait is for a condition on the page.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { FAKE_PIECES } from "@tollgate/server/testing";
import { openDatabase } from "@tollgate/store";
import { type TestDatabase, testDatabases, uniqueSchema } from "@tollgate/store/testing";
import type { Browser, Page } from "playwright-core";
import { STARTING_CREDITS } from "../examples/chat-app/open-session.ts";
import { browserSkipReason, launchChromium } from "./browser/chromium.ts";
import { type RunningChatExample, startChatExample } from "./example-chat-process.ts";

/** A bound for a hang, not a delivery time: a busy machine may take seconds. */
const WAIT_MS = 60_000;
const ARTIFACTS = "test-artifacts/example-chat";
/** The one user the example signs in (chat-app-server.ts). */
const ACCOUNT = "user:demo";
const skip = browserSkipReason();
if (skip) process.stderr.write(`${skip}\n`);

/** What the page's timing probe (below) saw, in the page's own clock (performance.now(), ms). */
interface PageTiming {
  streamEndedAt: number | null;
  amounts: Array<{ amount: string; at: number }>;
}

/**
 * Watches the page from inside it: when the newest reply's stream ended (its `data-state`
 * turned `done`) and each amount the badge showed, with when. A MutationObserver runs right
 * after each change is rendered, so no polling interval blurs the figure.
 */
const TIMING_PROBE = `(() => {
  const timing = { streamEndedAt: null, amounts: [] };
  const replies = () => document.querySelectorAll('.message[data-role="assistant"]');
  const amount = () => document.querySelector(".tollgate-badge__amount")?.textContent ?? "";
  const seen = replies().length;
  timing.amounts.push({ amount: amount(), at: performance.now() });
  new MutationObserver(() => {
    const now = performance.now();
    const reply = replies()[seen];
    if (timing.streamEndedAt === null && reply?.dataset.state === "done") timing.streamEndedAt = now;
    if (amount() !== timing.amounts.at(-1).amount) timing.amounts.push({ amount: amount(), at: now });
  }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  globalThis.chatTiming = timing;
})()`;

/** 1234 → "1,234", as the badge groups it. */
const grouped = (amount: bigint) => amount.toLocaleString("en-US");

async function badgeShows(page: Page, amount: bigint): Promise<void> {
  await page
    .locator(".tollgate-badge__amount")
    .filter({ hasText: new RegExp(`^${grouped(amount)}$`) })
    .waitFor({ timeout: WAIT_MS });
}

/** PGlite in the example's temporary directory, or PostgreSQL in a schema of the test's own. */
function exampleEnvironment(database: TestDatabase, schema: string): Record<string, string> {
  return database.databaseUrl ? { DATABASE_URL: database.databaseUrl, TOLLGATE_SCHEMA: schema } : { DATABASE_URL: "" };
}

describe("the example chat in Chromium", { skip: skip ?? false }, async () => {
  let browser: Browser;
  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
  });
  after(() => browser?.close());

  for (const database of skip ? [] : await testDatabases()) {
    describe(`on ${database.name}`, () => {
      const schema = uniqueSchema("example_chat");
      let example: RunningChatExample;
      before(async () => {
        example = await startChatExample(exampleEnvironment(database, schema));
      });
      after(async () => {
        const stopped = await example?.stop();
        assert.equal(stopped?.code, 0, `the example stops cleanly on SIGTERM:\n${stopped?.stdout}`);
        if (database.databaseUrl) {
          const sql = await openDatabase({ databaseUrl: database.databaseUrl, poolSize: 1 });
          await sql.query(`drop schema if exists "${schema}" cascade`);
          await sql.close();
        }
      });

      /** A read of the API as the operator (the admin key the example printed). */
      const read = async <T>(path: string): Promise<T> => {
        const response = await fetch(`${example.tollgateUrl}${path}`, {
          headers: { authorization: `Bearer ${example.adminKey}` },
        });
        assert.equal(response.status, 200, `GET ${path}`);
        return (await response.json()) as T;
      };
      /** A write to the API as the operator. */
      const write = async (path: string, body: unknown) => {
        const response = await fetch(`${example.tollgateUrl}${path}`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${example.adminKey}`,
            "content-type": "application/json",
            "idempotency-key": `example-chat-test-${path}`,
          },
          body: JSON.stringify(body),
        });
        assert.equal(response.status, 200, `POST ${path}: ${await response.clone().text()}`);
        return (await response.json()) as Record<string, unknown>;
      };

      /**
       * The account's newest transaction, from its ledger lines: after a message, that message's
       * settlement, whose lines (the part of the charge the hold covered, and the rest) add up to it.
       */
      const newestTransaction = async () => {
        type Line = { transactionId: string; kind: string; amount: string; balanceAfter: string };
        const { data } = await read<{ data: Line[] }>(`/v1/accounts/${ACCOUNT}/transactions?limit=10`);
        const lines = data.filter((line) => line.transactionId === data[0]?.transactionId);
        return {
          kinds: lines.map((line) => line.kind),
          amount: lines.reduce((sum, line) => sum + BigInt(line.amount), 0n),
          balanceAfter: BigInt(lines[0]?.balanceAfter ?? "0"),
        };
      };

      test("a message streams its reply; the badge drops by the charge, live; the chat cost shows it", async (t) => {
        const page = await browser.newPage({ viewport: { width: 900, height: 560 } });
        try {
          await page.goto(example.chatUrl);
          let shown = BigInt(STARTING_CREDITS);
          await badgeShows(page, shown);
          await page.getByText("no cost yet").waitFor({ timeout: WAIT_MS });
          let chatCost = 0n;
          for (const [index, text] of ["Hello, Tollgate!", "What does this message cost?"].entries()) {
            await page.evaluate(TIMING_PROBE);
            await page.getByLabel("Message").fill(text);
            await page.getByRole("button", { name: "Send" }).click();
            const reply = page.locator('.message[data-role="assistant"]').nth(index);
            await reply.and(page.locator('[data-state="done"]')).waitFor({ timeout: WAIT_MS });
            assert.equal(await reply.innerText(), FAKE_PIECES.join(""), "the fake upstream's reply, streamed whole");

            // The proxy settles before the stream's last event, so the ledger has the charge now.
            const settlement = await newestTransaction();
            assert.deepEqual(new Set(settlement.kinds), new Set(["settle"]), "the message's settlement");
            const charged = -settlement.amount;
            assert.equal(charged, 24n, "usage.cost 0.0012 USD x markup 2 x 10,000 credits/USD");
            await badgeShows(page, settlement.balanceAfter);
            assert.equal(shown - settlement.balanceAfter, charged, "the badge dropped by exactly the charge");
            shown = settlement.balanceAfter;
            chatCost += charged;
            await page
              .locator(`.tollgate-chat-cost[data-calls="${index + 1}"]`)
              .filter({ hasText: `${grouped(chatCost)} credits` })
              .waitFor({ timeout: WAIT_MS });

            const timing = (await page.evaluate("globalThis.chatTiming")) as PageTiming;
            const final = timing.amounts.find((seen) => seen.amount === grouped(shown));
            if (timing.streamEndedAt !== null && final) {
              const afterEndMs = (final.at - timing.streamEndedAt).toFixed(1);
              const steps = timing.amounts.map((seen) => seen.amount).join(" → ");
              // A negative figure: the balance event arrived before the stream's own end.
              t.diagnostic(
                `${database.name}: badge at the charged balance ${afterEndMs} ms after the stream's end (${steps})`,
              );
            }
          }
          // The usage panel re-reads after each balance change too: this period's credits used.
          await page
            .locator(".tollgate-panel__used")
            .filter({ hasText: `${grouped(chatCost)} credits used` })
            .waitFor({ timeout: WAIT_MS });
          await page.screenshot({ path: `${ARTIFACTS}/example-chat-${database.name}.png` });
        } finally {
          await page.close();
        }
      });

      test("out of credits: the badge goes depleted live, and a message is refused with Tollgate's reason", async () => {
        const page = await browser.newPage({ viewport: { width: 900, height: 560 } });
        try {
          await page.goto(example.chatUrl);
          await page.locator('.tollgate-badge[data-level="ok"]').waitFor({ timeout: WAIT_MS });
          // The operator takes the rest away (the dashboard's deduct form does the same call).
          const { data } = await read<{ data: Array<{ available: string }> }>(`/v1/accounts/${ACCOUNT}/balances`);
          const rest = data[0]?.available ?? "0";
          await write(`/v1/accounts/${ACCOUNT}/deductions`, { amount: rest, reason: "the example chat test" });
          await page.getByRole("status", { name: "Credits: 0, used up" }).waitFor({ timeout: WAIT_MS });

          await page.getByLabel("Message").fill("One more?");
          await page.getByRole("button", { name: "Send" }).click();
          await page.locator('.message[data-role="assistant"][data-state="failed"]').waitFor({ timeout: WAIT_MS });
          const alert = await page.getByRole("alert").innerText();
          assert.match(alert, /credit/i, "the refusal says why");
          assert.equal((await newestTransaction()).kinds[0], "deduction", "the refused call charged nothing");
          await page.screenshot({ path: `${ARTIFACTS}/example-chat-refused-${database.name}.png` });
        } finally {
          await page.close();
        }
      });
    });
  }
});
