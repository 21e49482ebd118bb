// The operator dashboard's browser, for test/dashboard.test.ts: Debian's Chromium driven by
// playwright-core. Without /usr/bin/chromium the browser tests skip and say why, unless
// TOLLGATE_REQUIRE_BROWSER=1 asks them to fail instead (a machine that must run them).
import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const CHROMIUM_PATH = process.env.TOLLGATE_CHROMIUM ?? "/usr/bin/chromium";

/** Where the tests save their screenshots (gitignored; docs/guides/dashboard.md shows small copies). */
export const ARTIFACTS_DIR = fileURLToPath(new URL("../test-artifacts/dashboard/", import.meta.url));

/** Why the browser tests cannot run here, or null when they can. Throws when they must run. */
export function browserSkipReason(): string | null {
  if (existsSync(CHROMIUM_PATH)) return null;
  const reason = `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set TOLLGATE_CHROMIUM): the dashboard's browser tests are skipped`;
  if (process.env.TOLLGATE_REQUIRE_BROWSER === "1") throw new Error(`${reason}, but TOLLGATE_REQUIRE_BROWSER=1`);
  return reason;
}

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return `${ARTIFACTS_DIR}${name}`;
}
