// Headless Debian chromium through playwright-core, with the flags the project requires and a
// fresh profile folder per context.
import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A browser context with its own fresh --user-data-dir; `close()` removes the folder. */
export async function openContext(options = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "yasno-chromium-"));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: FLAGS,
    viewport: { width: 360, height: 640 },
    // Playwright's default of 3 min to start is not always enough on a starved CI host.
    timeout: 600000,
    ...options,
  });
  // Every wait returns as soon as its condition holds; the limits are sized for a CI host under
  // heavy CPU steal, where a plain page load took over 30 s (playwright's default).
  context.setDefaultTimeout(120000);
  context.setDefaultNavigationTimeout(120000);
  const close = async () => {
    await context.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { context, close };
}

/** How long the suites wait for something to happen in the page (a poll that returns as soon as
 *  it holds; sized for a CI host where a plain page load took over 30 s). */
export const WAIT_MS = 60000;

/** Polls `check` (sync or async) every 50 ms until it is true; fails naming `what` after `ms`. */
export async function waitFor(what, check, ms = WAIT_MS) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail("timed out waiting for " + what);
}

/** Waits until the survey widget has taken over the plain form on `page`. */
export async function widgetMounted(page) {
  await page.waitForSelector("#survey .survey-widget form.survey", { timeout: WAIT_MS });
}
