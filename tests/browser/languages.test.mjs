// The survey on an Uzbek page, in Chromium (issue 16): the widget shows the page's Uzbek
// strings and the survey's Uzbek texts (no string of the Russian table in the survey), it is
// answered with the keyboard alone, and the real collector (`yasno collect` on a real SQLite
// file) stores the answer with `lang = uz`. The site is tests/fixtures/languages: one service
// with `spravka.uz.md` and `spravka.en.md` translations; the default theme's uz.toml is a full
// table.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { repo } from "./site.mjs";
import { startServer } from "../stand-in-collector.mjs";
import { openContext, waitFor, widgetMounted, WAIT_MS } from "./browser.mjs";

const yasno = process.env.YASNO ?? path.join(repo, "target", "debug", "yasno");
let work, web, collector, browser, dbFile;

/** `key = "value"` strings of a theme table (the lines this test reads are all one-line). */
function table(lang) {
  const text = fs.readFileSync(path.join(repo, "themes/default/i18n", `${lang}.toml`), "utf8");
  const out = {};
  for (const m of text.matchAll(/^([a-z0-9_]+) = "(.*)"$/gm)) out[m[1]] = JSON.parse(`"${m[2]}"`);
  return out;
}

/** Sets top-level settings of site.toml (before its first table, where top-level keys live). */
function setSettings(siteToml, values) {
  let text = fs.readFileSync(siteToml, "utf8");
  for (const [key, value] of Object.entries(values)) {
    const re = new RegExp(`^${key} = .*\\n`, "m");
    text = text.replace(re, "");
    text = `${key} = "${value}"\n` + text;
  }
  fs.writeFileSync(siteToml, text);
}

/** Starts `yasno collect` on a free port; resolves with its base URL once it listens. */
function startCollector(root, db) {
  const child = spawn(yasno, ["collect", "--root", root, "--listen", "127.0.0.1:0", "--db", db], {
    stdio: ["ignore", "pipe", "inherit"],
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

/** (lang, service, answers) of the stored answers, read with Python's sqlite3 module. */
function storedAnswers() {
  const script = [
    "import json, sqlite3, sys",
    "db = sqlite3.connect(sys.argv[1])",
    "rows = db.execute('SELECT lang, service, answers FROM answers ORDER BY id').fetchall()",
    "print(json.dumps([[r[0], r[1], json.loads(r[2])] for r in rows]))",
  ].join("\n");
  return JSON.parse(execFileSync("python3", ["-c", script, dbFile], { encoding: "utf8" }));
}

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "yasno-languages-"));
  const root = path.join(work, "site");
  const out = path.join(work, "public");
  fs.mkdirSync(out);
  fs.cpSync(path.join(repo, "tests/fixtures/languages/content"), path.join(root, "content"), { recursive: true });
  const siteToml = path.join(root, "content", "site.toml");
  web = await startServer(out);
  dbFile = path.join(work, "answers.db");
  setSettings(siteToml, { base_url: web.url, collector_url: "http://127.0.0.1:1" });
  collector = await startCollector(root, dbFile);
  setSettings(siteToml, { collector_url: collector.url });
  execFileSync(yasno, ["build", "--root", root, "--output", out], { stdio: ["ignore", "ignore", "inherit"] });
  browser = await openContext();
}, { timeout: 900000 });

after(async () => {
  await browser?.close();
  await web?.stop();
  collector?.child.removeAllListeners("exit");
  collector?.child.kill("SIGTERM");
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test("the survey on an Uzbek page is in Uzbek, answered by keyboard, stored as uz", async () => {
  const uz = table("uz");
  const ru = table("ru");
  const page = await browser.context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  const posted = page.waitForResponse((r) => r.url() === `${collector.url}/api/answers` && r.request().method() === "POST");
  await page.goto(`${web.url}/uz/services/spravka/`);
  await page.locator("#survey").scrollIntoViewIfNeeded();
  await widgetMounted(page);

  const survey = page.locator("#survey");
  assert.equal(await survey.locator("button[type=submit]").innerText(), uz.survey_submit);
  assert.equal(await survey.locator("legend").first().innerText(), `Xizmatni qanday baholaysiz? (${uz.survey_required})`);
  assert.equal((await survey.locator("label[for=sw-rating-5]").innerText()).trim(), "5 Aʼlo");
  const count = await survey.locator(".survey-count").innerText();
  assert.ok(count.endsWith(`${uz.survey_count_chars}`), count);
  // No string of the Russian table anywhere in the survey (survey_* keys: the ones it uses).
  const shown = await survey.innerText();
  for (const [key, text] of Object.entries(ru)) {
    if (key.startsWith("survey_") && text.length > 3) assert.ok(!shown.includes(text), `Russian «${text}» (${key}) on the Uzbek page`);
  }

  // Submitting with nothing chosen: the error is the page's Uzbek string, and focus moves to
  // the first option of the question.
  await survey.locator("button[type=submit]").focus();
  await page.keyboard.press("Enter");
  await page.locator("#sw-rating-error").waitFor({ timeout: WAIT_MS });
  assert.equal(await page.locator("#sw-rating-error").innerText(), uz.survey_missing);
  assert.equal(await page.locator(".survey-status").innerText(), uz.survey_check);
  await waitFor("focus on the first rating option", async () =>
    (await page.evaluate(() => document.activeElement?.id)) === "sw-rating-1");

  // Keyboard only, from there: arrows choose «4» (the first answer clears the error and must
  // keep focus on the option), Tab and Space the next question's first option, Tab to the
  // comment, Tab to the button.
  for (let i = 0; i < 3; i++) await page.keyboard.press("ArrowRight");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "sw-rating-4", "focus stays on the chosen option");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Space");
  await page.keyboard.press("Tab");
  await page.keyboard.type("Hammasi tushunarli");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "sw-submit");
  await page.keyboard.press("Enter");
  const response = await posted;
  assert.equal(response.status(), 201, "stored by the collector");
  await page.locator("#sw-thanks").waitFor({ timeout: WAIT_MS });
  assert.equal(await page.locator("#sw-thanks").innerText(), "Rahmat! Javobingiz bizga yaxshiroq ishlashga yordam beradi.");
  await waitFor("the local queue to empty", async () => (await page.evaluate(() => localStorage.getItem("yasno.pending"))) === null);

  assert.deepEqual(storedAnswers(), [["uz", "spravka", { rating: 4, got_it: "yes", comment: "Hammasi tushunarli" }]]);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the widget's whole download stays under 60 KB brotli, whatever the page's language", async () => {
  const zlib = await import("node:zlib");
  const dir = path.join(work, "public", "widgets");
  let total = 0;
  const sizes = {};
  // What a visitor's browser fetches: the loader, the glue and the module, as `yasno build`
  // writes them (the loader without its comments), compressed as a server would (brotli 11).
  for (const name of ["loader.js", "survey.js", "survey_bg.wasm"]) {
    const bytes = fs.readFileSync(path.join(dir, name));
    const br = zlib.brotliCompressSync(bytes, {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
    }).length;
    sizes[name] = br;
    total += br;
  }
  console.log(`widget download, brotli 11: ${JSON.stringify(sizes)}, total ${total} B`);
  assert.ok(total < 60 * 1024, `${total} B brotli is over the 60 KB budget: ${JSON.stringify(sizes)}`);
});
