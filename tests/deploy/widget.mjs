// The site through nginx with deploy/nginx/yasno.conf's headers, in Debian's chromium: the
// Content-Security-Policy lets the theme's inline script and the survey widget (JS and
// WebAssembly) run, the widget's answer and the no-JS form's answer reach the collector through
// nginx, and the browser reports no CSP violation. Run by tests/integration/deploy.rs with the
// page's URL; exits non-zero naming what failed. Needs tests/browser's npm packages.
import assert from "node:assert/strict";
import { openContext, widgetMounted, WAIT_MS } from "../browser/browser.mjs";

const url = process.argv[2];
assert.ok(url, "usage: node tests/deploy/widget.mjs http://127.0.0.1:PORT/services/SLUG/");
const violations = [];
const watch = async (page) => {
  page.on("console", (m) => {
    if (/Content.Security.Policy/i.test(m.text())) violations.push(m.text());
  });
  page.on("pageerror", (e) => violations.push("page error: " + e));
  await page.addInitScript(() =>
    document.addEventListener("securitypolicyviolation", (e) =>
      console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`),
    ),
  );
};

const { context, close } = await openContext();
try {
  const page = await context.newPage();
  await watch(page);
  const posted = page.waitForResponse((r) => r.url().endsWith("/api/answers") && r.request().method() === "POST");
  await page.goto(url);
  assert.ok(await page.evaluate(() => document.documentElement.classList.contains("js")), "the inline script ran");
  await page.locator("#survey").scrollIntoViewIfNeeded();
  await widgetMounted(page);
  await page.locator("#sw-rating-1").focus();
  for (let i = 0; i < 3; i++) await page.keyboard.press("ArrowRight");
  await page.locator("#survey button[type=submit]").click();
  assert.equal((await posted).status(), 201, "the widget's answer is stored");
  await page.locator("#sw-thanks").waitFor({ timeout: WAIT_MS });
} finally {
  await close();
}

const plain = await openContext({ javaScriptEnabled: false });
try {
  const page = await plain.context.newPage();
  await watch(page);
  await page.goto(url);
  await page.locator("#survey form.survey input[type=radio]").first().check();
  await Promise.all([page.waitForURL(/#survey-thanks$/), page.locator("#survey form.survey button[type=submit]").click()]);
} finally {
  await plain.close();
}
assert.deepEqual(violations, [], "no CSP violation and no page error");
console.log("widget and form answered through nginx; no CSP violation");
