// `yasno serve` in a real browser: the injected script reloads an open tab when its page is
// rebuilt, and shows the error overlay over the last good page after a broken edit.
// Run after `cargo build` (uses target/debug/yasno, or $YASNO): node live_reload.mjs
import { chromium } from "playwright-core";
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { CHROMIUM, CHROMIUM_FLAGS } from "../chromium.mjs";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const yasno = process.env.YASNO ?? join(repo, "target", "debug", "yasno");
const site = mkdtempSync(join(tmpdir(), "yasno-serve-"));
cpSync(join(repo, "content"), join(site, "content"), { recursive: true });
cpSync(join(repo, "themes"), join(site, "themes"), { recursive: true });
const profile = mkdtempSync(join(tmpdir(), "yasno-chromium-"));

const server = spawn(yasno, ["serve", "--port", "0", "--root", site], { stdio: ["ignore", "pipe", "inherit"] });
const base = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error("server did not start within 60 s")), 60000);
  let out = "";
  server.stdout.on("data", (chunk) => {
    out += chunk;
    const m = out.match(/serving at (http:\/\/127\.0\.0\.1:\d+)\//);
    if (m) { clearTimeout(timer); resolve(m[1]); }
  });
});

let browser;
let failed = false;
try {
  // A fresh profile folder (playwright's way of passing --user-data-dir).
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_FLAGS,
  });
  const page = await browser.newPage();
  // Bounded, but generous: a shared host under heavy CPU steal took over 30 s for one load.
  page.setDefaultTimeout(60000);
  page.setDefaultNavigationTimeout(60000);
  const file = join(site, "content", "services", "gazeta.md");
  const original = readFileSync(file, "utf8");
  await page.goto(`${base}/services/gazeta/`);
  const h1 = () => page.locator("main h1").textContent();
  assert.notEqual(await h1(), "Газета из браузерного теста");

  // 1. An edit reloads the open tab by itself (no navigation from the test).
  let loads = 0;
  page.on("load", () => loads++);
  // Wait until the tab's event stream is open, or the edit could come before it.
  await page.waitForFunction(() => window.__yasnoEvents?.readyState === 1, null, { timeout: 60000 });
  writeFileSync(file, original.replace(/^title = .*$/m, 'title = "Газета из браузерного теста"'));
  await page.waitForFunction(() => document.querySelector("main h1")?.textContent === "Газета из браузерного теста",
    null, { timeout: 60000 });
  assert.ok(loads >= 1, "the page reloaded itself");
  console.log("ok: an edit reloads the open tab with the new page");

  // 2. A broken edit: the tab shows the overlay over the last good page.
  writeFileSync(file, original.replace(/^title = /m, "titel = "));
  await page.locator("#yasno-error").waitFor({ state: "visible", timeout: 60000 });
  assert.equal(await h1(), "Газета из браузерного теста", "the last good page stays");
  const overlay = await page.locator("#yasno-error pre").textContent();
  assert.match(overlay, /gazeta\.md:2:/);
  console.log("ok: a broken edit shows the overlay over the last good page");

  // 3. The fix removes the overlay by itself.
  writeFileSync(file, original);
  await page.locator("#yasno-error").waitFor({ state: "detached", timeout: 60000 });
  assert.notEqual(await h1(), "Газета из браузерного теста");
  console.log("ok: fixing the file removes the overlay");
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  await browser?.close();
  server.kill();
  rmSync(site, { recursive: true, force: true });
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
