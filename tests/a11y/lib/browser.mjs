// Debian's chromium driven by playwright-core (never a downloaded browser).
import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import { CHROMIUM, CHROMIUM_FLAGS } from '../../chromium.mjs';
import { widgetMounted } from '../../waits.mjs';

const require = createRequire(import.meta.url);
/** axe-core's browser bundle, injected into pages. */
export const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Debian's chromium and the project's flags, shared by every browser suite. */
export { CHROMIUM, CHROMIUM_FLAGS };

/** Playwright's per-action and navigation limit in every context of the suite: its 30 s default
 *  was exceeded by plain page loads on a CI-like host under 50 % CPU steal. */
export const ACTION_TIMEOUT = 120_000;

/** Starts chromium; every context it opens has the suite's limits ({@link ACTION_TIMEOUT}). */
export async function launch() {
  // Playwright's default of 3 min to start is not always enough on a starved CI host.
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, timeout: 600_000 });
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const ctx = await newContext(options);
    ctx.setDefaultTimeout(ACTION_TIMEOUT);
    ctx.setDefaultNavigationTimeout(ACTION_TIMEOUT);
    return ctx;
  };
  return browser;
}

/** The WCAG tags the issue asks for. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/**
 * Runs axe on the page; returns the violations as plain objects. The array also carries
 * `incomplete`: the results axe could not decide and leaves for a human to review.
 */
export async function axe(page, options = { runOnly: { type: 'tag', values: AXE_TAGS } }) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.addScriptTag({ content: AXE_SOURCE });
  const r = await page.evaluate(async (opts) => {
    const r = await window.axe.run(document, opts);
    const plain = (list) => list.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary || n.any.map((c) => c.message).join('; ') })) }));
    return { violations: plain(r.violations), incomplete: plain(r.incomplete) };
  }, options);
  return Object.assign(r.violations, { incomplete: r.incomplete });
}

/** One line per violation node, for assertion messages. */
export function describe(violations) {
  return violations.flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target}: ${n.summary?.split('\n').join(' ')}`)).join('\n');
}

/** Sets the low-vision settings the way the panel saves them, before any page script runs. */
export async function presetA11y(context, settings) {
  await context.addInitScript((s) => { localStorage.setItem('yasno.a11y', JSON.stringify(s)); }, settings);
}

/** Fails the test with one readable list (no giant deep-equal diff) when there are failures. */
export function noFailures(failures) {
  if (failures.length) throw new Error(`${failures.length} problem(s):\n${failures.join('\n')}`);
}

/** If the page has the survey, scrolls it into view so /widgets/loader.js mounts the Yew widget,
 *  waits until the widget has replaced the no-JS form ({@link widgetMounted}), and scrolls back
 *  to the top. Checks that depend on the survey's DOM (Tab order, targets) must run after this:
 *  the widget takes the survey over as soon as it nears the viewport or gets focus. */
export async function mountSurveyWidget(page, timeout = 60_000) {
  if (!(await page.locator('#survey .survey-data').count())) return false;
  await page.locator('#survey').scrollIntoViewIfNeeded();
  await widgetMounted(page, timeout);
  await page.evaluate(() => window.scrollTo(0, 0));
  return true;
}
