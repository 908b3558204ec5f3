// The whole chain a visitor walks through, with every part real: the example site built by
// `yasno build` and served from one origin on 127.0.0.1, the real `yasno collect` on another
// port with its SQLite file, and Debian chromium in between. The widget's JSON answer crosses
// origins (CORS) and the no-JS form posts urlencoded and follows the collector's 303; both
// answers are then read back from the database file itself.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { repo, SERVICE } from "./site.mjs";
import { startServer } from "../stand-in-collector.mjs";
import { openContext, waitFor, widgetMounted, WAIT_MS } from "./browser.mjs";

const yasno = process.env.YASNO ?? path.join(repo, "target", "debug", "yasno");
let work, web, collector, browser, dbFile;

/** Rewrites one `key = …` line of site.toml. */
function setSetting(siteToml, key, value) {
  const text = fs.readFileSync(siteToml, "utf8");
  const re = new RegExp(`^${key} = .*$`, "m");
  assert.match(text, re, `site.toml has ${key}`);
  fs.writeFileSync(siteToml, text.replace(re, `${key} = "${value}"`));
}

/** Starts `yasno collect` on a free port; resolves with its base URL once it listens. */
function startCollector(root, db) {
  const child = spawn(yasno, ["collect", "--root", root, "--listen", "127.0.0.1:0", "--db", db], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, YASNO_ADMIN_TOKEN: "browser-test-token" },
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("collector did not start within 120 s")), 120000);
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], child });
      }
    });
    child.once("exit", (code) => reject(new Error(`collector exited with ${code}`)));
  });
}

/** Rows of the answers table, read from the SQLite file with Python's sqlite3 module. */
function storedAnswers() {
  const script = [
    "import json, sqlite3, sys",
    "db = sqlite3.connect(sys.argv[1])",
    "rows = db.execute('SELECT client_id, service, survey, version, source, lang, answers FROM answers ORDER BY id').fetchall()",
    "print(json.dumps([dict(zip(['client_id','service','survey','version','source','lang','answers'], r)) for r in rows]))",
  ].join("\n");
  const rows = JSON.parse(execFileSync("python3", ["-c", script, dbFile], { encoding: "utf8" }));
  return rows.map((r) => ({ ...r, answers: JSON.parse(r.answers) }));
}


before(async () => {
  // Each step logs its time: on a starved CI host this hook once ran past its limit, and the
  // log must say which step was slow.
  const step = async (what, run) => {
    const t0 = Date.now();
    const value = await run();
    console.log(`${what}: ${Date.now() - t0} ms`);
    return value;
  };
  work = fs.mkdtempSync(path.join(os.tmpdir(), "yasno-chain-"));
  const root = path.join(work, "site");
  const out = path.join(work, "public");
  fs.mkdirSync(out);
  fs.cpSync(path.join(repo, "content"), path.join(root, "content"), { recursive: true });
  const siteToml = path.join(root, "content", "site.toml");
  // The static site on one origin; its address becomes base_url, the only origin the
  // collector accepts and the base of its redirects.
  web = await startServer(out);
  setSetting(siteToml, "base_url", web.url);
  setSetting(siteToml, "collector_url", "http://127.0.0.1:1"); // replaced once the port is known
  dbFile = path.join(work, "answers.db");
  collector = await step("collector started", () => startCollector(root, dbFile));
  setSetting(siteToml, "collector_url", collector.url);
  await step("site built", () =>
    execFileSync(yasno, ["build", "--root", root, "--output", out], { stdio: ["ignore", "ignore", "inherit"] }));
  browser = await step("chromium started", () => openContext());
}, { timeout: 900000 });

after(async () => {
  await browser?.close();
  await web?.stop();
  collector?.child.removeAllListeners("exit");
  collector?.child.kill("SIGTERM");
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test("the widget's answer crosses to the real collector and is on disk, exactly", async () => {
  const page = await browser.context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  const posted = page.waitForResponse((r) => r.url() === `${collector.url}/api/answers` && r.request().method() === "POST");
  await page.goto(`${web.url}/services/${SERVICE}/`);
  assert.equal(await page.locator("#survey form.survey").getAttribute("action"), `${collector.url}/api/answers`);
  await page.locator("#survey").scrollIntoViewIfNeeded();
  await widgetMounted(page);
  // Keyboard only: focus the first rating radio, move to «4», then to the next question.
  await page.locator("#sw-rating-1").focus();
  for (let i = 0; i < 3; i++) await page.keyboard.press("ArrowRight");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Space");
  await page.locator("#sw-comment").fill("Всё понятно <script>alert(1)</script>");
  await page.locator("#survey button[type=submit]").focus();
  await page.keyboard.press("Enter");
  const response = await posted;
  assert.equal(response.status(), 201, "stored by the collector");
  await page.locator("#sw-thanks").waitFor({ timeout: WAIT_MS });
  await waitFor("the local queue to empty", async () => (await page.evaluate(() => localStorage.getItem("yasno.pending"))) === null);

  const rows = storedAnswers();
  assert.equal(rows.length, 1);
  const sent = JSON.parse(response.request().postData());
  assert.equal(rows[0].client_id, sent.client_id);
  assert.match(rows[0].client_id, /^[0-9a-f]{32}$/);
  assert.deepEqual(
    { ...rows[0], client_id: undefined },
    {
      client_id: undefined,
      service: SERVICE,
      survey: "default",
      version: 1,
      source: "web",
      lang: "ru",
      answers: { rating: 4, got_it: "yes", comment: "Всё понятно <script>alert(1)</script>" },
    },
  );
  assert.deepEqual(errors, []);
  await page.close();
});

test("with JavaScript off the plain form posts to the real collector and comes back to the thanks", async () => {
  const before = storedAnswers().length;
  const nojs = await openContext({ javaScriptEnabled: false });
  try {
    const page = await nojs.context.newPage();
    await page.goto(`${web.url}/q/priemnaya/${SERVICE}/`);
    const form = page.locator("#survey form.survey[method=post]");
    await form.locator("input[name=rating][value='2']").check();
    await form.locator("input[name=got_it][value=partly]").check();
    await Promise.all([page.waitForURL(`${web.url}/q/priemnaya/${SERVICE}/#survey-thanks`), form.locator("button[type=submit]").click()]);
    assert.ok(await page.locator("#survey-thanks").isVisible(), "the thank-you note shows");
  } finally {
    await nojs.close();
  }
  const rows = storedAnswers();
  assert.equal(rows.length, before + 1);
  const row = rows.at(-1);
  assert.equal(row.service, SERVICE);
  assert.equal(row.source, "priemnaya", "the QR landing page's location tag is the source");
  assert.deepEqual(row.answers, { rating: 2, got_it: "partly" });
});
