// The staff handbook opened as file:// in Debian chromium, as staff open it from a network
// drive: navigation between pages, the search over templates and scripts (its index is a
// <script>, so it works without a server), the copy button (the real clipboard, with the
// permission granted to the context), the due-date form against the production calendar, and
// axe-core (WCAG 2.2 A/AA) on every page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_FLAGS } from '../chromium.mjs';
import { yasnoCommand } from '../yasno-command.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

let tmp, handbook, browser;
const url = (file) => pathToFileURL(path.join(handbook, file)).href;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'yasno-handbook-'));
  const [cmd, argv] = yasnoCommand(['build', '--root', '.', '--output', path.join(tmp, 'public')]);
  const r = spawnSync(cmd, argv, { cwd: REPO, stdio: ['ignore', 'inherit', 'inherit'] });
  assert.equal(r.status, 0, 'yasno build');
  handbook = path.join(tmp, 'handbook');
  assert.ok(fs.existsSync(path.join(handbook, 'index.html')), 'the handbook is beside public/');
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, timeout: 600_000 });
});
after(async () => {
  await browser?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function newPage(options) {
  const ctx = await browser.newContext(options);
  ctx.setDefaultTimeout(120_000);
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  return { ctx, page, errors };
}

test('navigation: the side menu leads to every page by relative links', async () => {
  const { ctx, page, errors } = await newPage();
  await page.goto(url('index.html'));
  assert.equal(await page.textContent('h1'), 'Справочник сотрудника');
  await page.click('nav.side >> text=Кому переключать звонок');
  assert.ok(page.url().endsWith('/routing.html'), page.url());
  assert.equal(await page.textContent('h1'), 'Кому переключать звонок');
  assert.ok((await page.locator('table.routes tbody tr').count()) >= 10);
  // Every service is listed on the start page (not on every page: that would grow with the
  // square of the services).
  await page.click('nav.side >> text=Главная и срок ответа');
  await page.click('main ul.services >> text=Разрешение на брак с 16 лет');
  assert.ok(page.url().endsWith('/service-razreshenie-na-brak.html'), page.url());
  assert.equal(await page.getAttribute('nav.side a[aria-current="page"]', 'href'), 'service-razreshenie-na-brak.html');
  await page.click('nav.side >> text=Общие ответы');
  assert.ok((await page.locator('article.kind-no_decision').count()) >= 3);
  await page.click('header >> text=Справочник сотрудника');
  assert.ok(page.url().endsWith('/index.html'));
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('search finds templates and scripts from data.js and leads to them', async () => {
  const { ctx, page, errors } = await newPage();
  await page.goto(url('index.html'));
  assert.ok(await page.evaluate(() => window.YASNO_HANDBOOK.index.length >= 50), 'the index came from the <script>');
  await page.fill('#q', 'оскорбления');
  const results = page.locator('#results li a');
  await results.first().waitFor();
  const titles = await results.allTextContents();
  assert.ok(titles.some((t) => t.startsWith('Ответ на письмо с оскорблениями')), titles.join('\n'));
  assert.ok(titles.some((t) => t.startsWith('Сценарий входящего звонка')), 'the insult branch of the call scripts is found');
  await page.fill('#q', 'отказ брак');
  await results.first().waitFor();
  const first = await results.first().getAttribute('href');
  assert.equal(first, 'service-razreshenie-na-brak.html#otkaz');
  await results.first().click();
  assert.ok(page.url().endsWith('/service-razreshenie-na-brak.html#otkaz'), page.url());
  await page.fill('#q', 'жирафы');
  await page.locator('#results p').waitFor();
  assert.match(await page.textContent('#results'), /Ничего не найдено/);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('the copy button puts the letter, without its part headings, on the clipboard', async () => {
  const { ctx, page, errors } = await newPage();
  // file:// is a secure context in chromium; the clipboard still needs the permission.
  await ctx.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto(url('service-razreshenie-na-brak.html'));
  const button = page.locator('#uvedomlenie button.copy');
  await button.click();
  await page.locator('#uvedomlenie .copied').filter({ hasText: 'Скопировано' }).waitFor();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(copied, await button.getAttribute('data-copied'));
  assert.ok(copied.startsWith('Здравствуйте!'), copied);
  assert.ok(copied.includes('«Разрешение на брак с 16 лет»'), copied);
  assert.ok(copied.includes('Срок услуги: 10 рабочих дней.'), copied);
  assert.ok(copied.includes('https://msapt-ostrov.ru/services/razreshenie-na-brak/#survey'), copied);
  assert.ok(!copied.includes('Благодарность') && !copied.includes('Срок ответа'), 'part headings are left out');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('due dates follow the date a request arrived, by the production calendar', async () => {
  const { ctx, page, errors } = await newPage();
  await page.goto(url('index.html'));
  // The same cases as the Rust tests (src/handbook.rs): a transferred working Saturday and the
  // day off it moved, the New Year holidays, a 30-day term ending on a holiday.
  const cases = await page.evaluate(() => [
    window.yasnoDueDate('2025-10-31', 1, 'working'),
    window.yasnoDueDate('2025-11-01', 1, 'working'),
    window.yasnoDueDate('2025-12-29', 3, 'working'),
    window.yasnoDueDate('2025-12-08', 30, 'calendar'),
    window.yasnoDueDate('2026-04-01', 30, 'calendar'),
  ]);
  assert.deepEqual(cases, ['2025-11-01', '2025-11-05', '2026-01-13', '2026-01-12', '2026-05-04']);
  await page.fill('#received', '2025-12-08');
  await page.dispatchEvent('#received', 'change');
  assert.equal(await page.getAttribute('#due-out time.due', 'datetime'), '2026-01-12');
  assert.equal(await page.textContent('#due-out time.due'), '12.01.2026');
  // The date is kept for the other pages of the session: the letters' dates move too.
  await page.click('main ul.services >> text=Разрешение на брак с 16 лет');
  assert.equal(await page.getAttribute('#uvedomlenie time.due', 'datetime'), '2025-12-22', '10 working days from 8 Dec 2025');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('axe finds no WCAG 2.2 A/AA violation on any handbook page', async () => {
  const { ctx, page } = await newPage();
  const pages = fs.readdirSync(handbook).filter((f) => f.endsWith('.html')).sort();
  assert.ok(pages.length >= 14, pages.join(', '));
  const failures = [];
  for (const f of pages) {
    await page.goto(url(f));
    await page.addScriptTag({ content: AXE });
    // With search results shown, so they are judged too.
    await page.fill('#q', 'срок');
    const r = await page.evaluate(async (tags) => {
      const res = await window.axe.run(document, { runOnly: { type: 'tag', values: tags } });
      return res.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    }, AXE_TAGS);
    if (r.length) failures.push(`${f}:\n  ${r.join('\n  ')}`);
  }
  assert.deepEqual(failures, []);
  await ctx.close();
});
