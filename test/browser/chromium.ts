import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/** Debian's Chromium, driven by playwright-core (no browser download); TOLLGATE_CHROMIUM_PATH for another. */
export const CHROMIUM_PATH = process.env.TOLLGATE_CHROMIUM_PATH || "/usr/bin/chromium";

/**
 * Why the browser tests are skipped here, or null when they run: Chromium missing is a skip
 * with this message, unless TOLLGATE_REQUIRE_BROWSER=1 (CI), where it is a failure.
 */
export function browserSkipReason(): string | null {
  if (existsSync(CHROMIUM_PATH)) return null;
  const reason = `${CHROMIUM_PATH} is missing (apt-get install chromium): browser tests skipped`;
  if (process.env.TOLLGATE_REQUIRE_BROWSER === "1") throw new Error(`TOLLGATE_REQUIRE_BROWSER=1 but ${reason}`);
  return reason;
}

/** Headless Chromium; sandboxing is off since tests often run as root in containers. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ["--no-sandbox"] });
}
