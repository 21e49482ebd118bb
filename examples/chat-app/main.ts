// The example chat, started by one command: a chat page whose replies stream through Tollgate's
// metering proxy and whose balance badge drops, live, by what each message cost.
//
//   npm run example:chat          (or: node --import tsx examples/chat-app/main.ts)
//
// It starts three servers on this machine: a fake OpenRouter (every reply "Hello there,
// friend. Anything else?", 0.0012 USD), Tollgate in front of it on embedded PGlite in a
// temporary directory (DATABASE_URL, and TOLLGATE_SCHEMA, put it on PostgreSQL instead), and
// the app (chat-app-server.ts) on PORT (3000 by default; 0 picks a free port). Ctrl-C stops all
// three and removes the temporary directory. Read docs/guides/example-chat.md beside it.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { definePricingConfig } from "@tollgate/metering";
import { createTollgateClient } from "@tollgate/sdk";
import { loadServerConfig, SILENT_LOGGER, startServer } from "@tollgate/server";
import { FakeOpenRouter } from "@tollgate/server/testing";
import { ApiKeys } from "@tollgate/store";
import { bundlePage } from "./bundle-page.ts";
import { startChatApp } from "./chat-app-server.ts";
import { shownToken } from "./open-session.ts";

const port = appPort(process.env.PORT);
const [openRouter, pageScript] = await Promise.all([FakeOpenRouter.start(), bundlePage()]);

// Tollgate as `tollgate serve` runs it. The upstream and its key are the deployment's (read from
// the environment), never the page's. Pricing: OpenRouter's usage.cost, a 2x markup, 10,000
// credits a dollar, so each reply costs 0.0012 x 2 x 10,000 = 24 credits.
process.env.TOLLGATE_UPSTREAM_OPENAI_KEY = "sk-or-example";
process.env.TOLLGATE_UPSTREAM_OPENAI_BASE_URL = openRouter.baseUrl;
const dataDir = await mkdtemp(join(tmpdir(), "tollgate-example-chat-"));
const env = {
  PORT: "0",
  TOLLGATE_DATA_DIR: dataDir,
  DATABASE_URL: process.env.DATABASE_URL,
  TOLLGATE_SCHEMA: process.env.TOLLGATE_SCHEMA,
};
const pricing = definePricingConfig({
  creditsPerUsd: "10000",
  markup: { default: "2" },
  costSource: "provider_reported",
});
// The temporary directory as the working directory: no tollgate.config.json of the caller's is read.
const tollgate = await startServer(
  { ...loadServerConfig(env, dataDir), pricing },
  { logger: SILENT_LOGGER, handleSignals: false },
);

// The operator's admin key, made in the store as `tollgate keys create --admin` would; with it,
// over the API, the app's own secret key (which cannot make keys of its kind).
const keys = await ApiKeys.open(tollgate.ledger.sql);
const { token: adminKey } = await keys.create({ kind: "secret", admin: true, name: "example operator" });
await keys.close();
const operator = createTollgateClient({ baseUrl: tollgate.url, secretKey: adminKey });
const secretKey = shownToken(await operator.keys.create({ kind: "secret", name: "example chat backend" }));

const app = await startChatApp({ tollgateUrl: tollgate.url, secretKey, pageScript, port }).catch(async (error) => {
  await closeServers();
  const taken = (error as NodeJS.ErrnoException).code === "EADDRINUSE";
  console.error(taken ? `port ${port} is taken: choose another, e.g. PORT=3001 npm run example:chat` : error);
  process.exit(1);
});
console.log(`Example chat:  ${app.url}`);
console.log(`Tollgate:      ${tollgate.url}/  (the operator dashboard; sign in with ${adminKey})`);
console.log("Ctrl-C stops it.");

/** Tollgate and the fake upstream, and the temporary directory with the data. */
async function closeServers() {
  await tollgate.close();
  await openRouter.close();
  await rm(dataDir, { recursive: true, force: true });
}

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await app.close();
  await closeServers();
  console.log("stopped");
}
process.once("SIGINT", stop);
process.once("SIGTERM", stop);

/** The app's port from PORT (3000 when unset); anything but a port number stops the start, saying so. */
function appPort(value: string | undefined): number {
  if (value === undefined || value.trim() === "") return 3000;
  if (!/^\d{1,5}$/.test(value.trim()) || Number(value) > 65_535) {
    console.error(`PORT must be a port number from 0 to 65535, not "${value}"`);
    process.exit(2);
  }
  return Number(value);
}
