// The survey widget in a real browser against a real HTTP server on 127.0.0.1:
// lazy loading, keyboard-only use, the exact JSON sent, the no-JS form, a missing required
// answer, and delivery after the collector was down.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { buildSite, SERVICE } from "./site.mjs";
import { startServer } from "../stand-in-collector.mjs";
import { openContext, waitFor, widgetMounted, WAIT_MS } from "./browser.mjs";

let site;
let server;
let browser;

before(async () => {
  site = buildSite();
  server = await startServer(site.root);
  browser = await openContext();
}, { timeout: 900000 }); // the first `yasno build` may compile the generator and the widget

after(async () => {
  await browser?.close();
  await server?.stop();
  // The staff handbook is written beside the output folder (`<root>-handbook`).
  if (site) for (const d of [site.root, `${site.root}-handbook`]) fs.rmSync(d, { recursive: true, force: true });
});

const pageUrl = () => server.url + site.servicePath;
const widgetFetched = () => server.requests.some((p) => p.endsWith("/survey_bg.wasm"));


async function openPage() {
  const page = await browser.context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(pageUrl());
  return { page, errors };
}

async function mount(page) {
  await page.locator("#survey").scrollIntoViewIfNeeded();
  await widgetMounted(page);
}

const activeId = (page) => page.evaluate(() => document.activeElement && document.activeElement.id);
const pending = (page) => page.evaluate(() => localStorage.getItem("yasno.pending"));

test("the widget is fetched only when the survey nears the viewport, then replaces the form", async () => {
  server.requests.length = 0;
  const { page, errors } = await openPage();
  await page.waitForLoadState("networkidle");
  const top = await page.evaluate(() => document.getElementById("survey").getBoundingClientRect().top);
  assert.ok(top > 640 + 300, "the survey starts below the viewport and its margin");
  assert.equal(widgetFetched(), false, "reading the page fetched no widget");
  assert.equal(await page.locator("#survey form.survey[method=post]").count(), 1);

  await mount(page);
  assert.ok(widgetFetched());
  assert.equal(await page.locator("#survey form.survey[method=post]").count(), 0, "plain form removed");
  // Same accessible structure: a fieldset with a legend per choice question, nothing chosen.
  assert.equal(await page.locator("#survey .survey-widget fieldset > legend").count(), 2);
  assert.equal(await page.locator("#survey input[type=radio]").count(), 8);
  assert.equal(await page.locator("#survey input[type=radio]:checked").count(), 0);
  assert.equal(await page.locator("#survey .survey-widget [aria-live=polite][role=status]").count(), 1);
  assert.equal(
    await page.locator("#sw-comment").getAttribute("aria-describedby"),
    "sw-comment-hint sw-comment-count",
  );
  assert.match(await page.locator("#sw-comment-hint").innerText(), /Не указывайте ФИО, телефон и адрес/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a keyboard-only visitor rates and submits; the server receives exactly the expected JSON", async () => {
  server.posts.length = 0;
  const { page, errors } = await openPage();
  // Tab from the top of the page until focus enters the survey; focus there loads the widget.
  for (let i = 0; i < 300; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate(() => document.getElementById("survey").contains(document.activeElement))) break;
  }
  await widgetMounted(page);
  await waitFor("focus to stay on the rating", async () => (await activeId(page)) === "sw-rating-1");
  assert.equal(await page.locator("#survey input[type=radio]:checked").count(), 0);

  await page.keyboard.press("Space"); // 1
  for (let i = 0; i < 3; i++) await page.keyboard.press("ArrowRight"); // 4
  assert.equal(await page.locator("input[name=rating]:checked").getAttribute("value"), "4");
  await page.keyboard.press("Tab"); // the yes/partly/no group
  await page.keyboard.press("Tab"); // the comment
  assert.equal(await activeId(page), "sw-comment");
  await page.keyboard.type("Всё понятно");
  assert.match(await page.locator("#sw-comment-count").innerText(), /^11 из 500/);
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");

  await waitFor("the answer to arrive", () => server.posts.length === 1);
  const { type, body } = server.posts[0];
  assert.match(type, /^application\/json/);
  const answer = JSON.parse(body);
  assert.match(answer.client_id, /^[0-9a-f]{32}$/);
  delete answer.client_id;
  assert.deepEqual(answer, {
    service: SERVICE,
    survey: "default",
    version: 1,
    source: "web",
    lang: "ru",
    answers: { comment: "Всё понятно", rating: 4 },
  });
  await waitFor("focus on the thank-you message", async () => (await activeId(page)) === "sw-thanks");
  assert.match(await page.locator("#sw-thanks").innerText(), /Спасибо/);
  assert.equal(await pending(page), null, "acknowledged answers leave the queue");
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(server.posts.length, 1, "sent once");
  assert.deepEqual(errors, []);
  await page.close();
});

test("a visitor on the plain form when the widget takes over keeps the answer and stays on Send", async () => {
  const { page, errors } = await openPage();
  // Hold the widget's download until the visitor has answered and reached the send button,
  // as on a slow connection.
  let release;
  const gate = new Promise((r) => { release = r; });
  let held = false;
  await page.route("**/survey_bg.wasm", async (route) => {
    held = true;
    await gate;
    await route.continue();
  });
  await page.locator("#survey").scrollIntoViewIfNeeded();
  await waitFor("the widget's download to start", () => held);
  await page.evaluate(() => {
    const form = document.querySelector("#survey form.survey[method=post]");
    form.querySelector('input[name=rating][value="4"]').checked = true;
    form.querySelector("button[type=submit]").focus();
  });
  release();
  await widgetMounted(page);
  await waitFor("focus on the widget's send button", async () => (await activeId(page)) === "sw-submit");
  assert.equal(await page.locator("#survey input[name=rating]:checked").getAttribute("value"), "4");
  // Enter sends from there, as it would have from the plain form.
  server.posts.length = 0;
  await page.keyboard.press("Enter");
  await waitFor("the answer to arrive", () => server.posts.length === 1);
  assert.equal(JSON.parse(server.posts[0].body).answers.rating, 4);
  // Acknowledged: the answer leaves the queue (else the next test's page would send it again).
  await waitFor("focus on the thank-you message", async () => (await activeId(page)) === "sw-thanks");
  assert.equal(await pending(page), null);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a missing required answer is named next to its question and nothing is sent", async () => {
  server.posts.length = 0;
  const { page } = await openPage();
  await mount(page);
  await page.locator("#survey button[type=submit]").focus();
  await page.keyboard.press("Enter");

  const error = page.locator("fieldset#sw-rating > #sw-rating-error");
  await error.waitFor();
  assert.equal(await error.innerText(), "Ответьте на этот вопрос.");
  assert.equal(await page.locator("fieldset#sw-rating").getAttribute("aria-describedby"), "sw-rating-error");
  assert.equal(await page.locator("#sw-rating-3").getAttribute("aria-invalid"), "true");
  assert.equal(await page.locator("#sw-rating-3").getAttribute("aria-describedby"), "sw-rating-error");
  assert.equal(await activeId(page), "sw-rating-1", "focus moves to the question with the error");
  assert.match(await page.locator("#survey .survey-status[role=status]").innerText(), /Ответ не отправлен/);
  assert.equal(await page.locator("#sw-got_it-error").count(), 0, "optional questions have no error");

  await new Promise((r) => setTimeout(r, 500));
  assert.equal(server.posts.length, 0);
  assert.equal(await pending(page), null);

  await page.keyboard.press("Space");
  assert.equal(await page.locator("#sw-rating-error").count(), 0, "the error goes once answered");
  await page.close();
});

test("with the server down the answer stays stored and is sent on the next page load", async () => {
  const { page } = await openPage();
  await mount(page);
  const port = server.port;
  await server.stop();
  try {
    await sendWhileDown(page);
  } finally {
    server = await startServer(site.root, port);
  }
  const stored = JSON.parse(await pending(page));
  await page.reload();
  await waitFor("the stored answer to arrive", () => server.posts.length === 1);
  assert.match(server.posts[0].type, /^application\/json/);
  assert.deepEqual(JSON.parse(server.posts[0].body), stored[0], "the same answer, same client id");
  await waitFor("the queue to empty", async () => (await pending(page)) === null);
  await page.close();
});

async function sendWhileDown(page) {
  await page.locator("#sw-rating-2").check();
  await page.locator("#sw-got_it-no").check();
  await page.locator("#survey button[type=submit]").click();
  assert.match(await page.locator("#survey .survey-status[role=status]").innerText({ timeout: WAIT_MS }), /Отправляем|Нет связи/);
  await page.locator(".survey-stored").waitFor({ timeout: WAIT_MS });
  assert.equal(await activeId(page), "sw-thanks");
  const stored = JSON.parse(await pending(page));
  assert.equal(stored.length, 1);
  assert.deepEqual(stored[0].answers, { got_it: "no", rating: 2 });
  assert.equal(stored[0].service, SERVICE);
}

test("with JavaScript disabled the plain form posts the urlencoded answer", async () => {
  server.posts.length = 0;
  server.requests.length = 0;
  const nojs = await openContext({ javaScriptEnabled: false });
  try {
    const page = await nojs.context.newPage();
    await page.goto(pageUrl());
    const form = page.locator("#survey form.survey[method=post]");
    assert.equal(await form.locator("input[type=radio]:checked").count(), 0);
    await form.locator("input[name=rating][value='5']").check();
    await form.locator("input[name=got_it][value=yes]").check();
    await form.locator("textarea[name=comment]").fill("Спасибо за помощь");
    await Promise.all([page.waitForURL(/#survey-thanks$/), form.locator("button[type=submit]").click()]);

    assert.equal(server.posts.length, 1);
    assert.match(server.posts[0].type, /^application\/x-www-form-urlencoded/);
    const fields = Object.fromEntries(new URLSearchParams(server.posts[0].body));
    assert.deepEqual(fields, {
      service: SERVICE,
      survey: "default",
      version: "1",
      source: "web",
      lang: "ru",
      return_to: site.servicePath,
      website: "",
      rating: "5",
      got_it: "yes",
      comment: "Спасибо за помощь",
    });
    assert.equal(new URL(page.url()).pathname, site.servicePath);
    assert.ok(await page.locator("#survey-thanks").isVisible(), "the thank-you note shows via :target");
    assert.equal(widgetFetched(), false, "no widget without JavaScript");
  } finally {
    await nojs.close();
  }
});

test("a QR link's location tag becomes the answer's source", async () => {
  server.posts.length = 0;
  const page = await browser.context.newPage();
  await page.goto(pageUrl() + "?source=priemnaya");
  await mount(page);
  await page.locator("#sw-rating-5").check();
  await page.locator("#survey button[type=submit]").click();
  await waitFor("the answer to arrive", () => server.posts.length === 1);
  const answer = JSON.parse(server.posts[0].body);
  assert.equal(answer.source, "priemnaya");
  assert.deepEqual(answer.answers, { rating: 5 });
  await page.close();
});

test("a service with the survey turned off has no survey and loads no widget", async () => {
  server.requests.length = 0;
  const page = await browser.context.newPage();
  await page.goto(server.url + "/services/gazeta/");
  await page.waitForLoadState("networkidle");
  assert.equal(await page.locator("#survey").count(), 0);
  assert.equal(server.requests.some((p) => p.startsWith("/widgets/")), false);
  await page.close();
});
