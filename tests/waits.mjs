// Waiting for the page in the browser suites: one limit, one poll, and one definition of "the
// survey widget has mounted". No npm imports, so every suite can share it.
import assert from "node:assert/strict";

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

/** Waits until the survey widget has taken over the plain form on `page` (a playwright page):
 *  its root `.survey-widget` holds the widget's own form. */
export async function widgetMounted(page, timeout = WAIT_MS) {
  await page.waitForSelector("#survey .survey-widget form.survey", { timeout });
}
