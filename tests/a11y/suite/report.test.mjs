// The quarterly report (`yasno report`, issue 18) in chromium: axe finds nothing, and printed on
// A4 (print media, the width of an A4 page's content box) no chart or table is cut or sticks
// out; the PDF prints. The report is made from a fixture: a new site, an answer database filled
// over two quarters with Python's sqlite3, and an imported requests export.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { yasnoCommand } from '../../yasno-command.mjs';
import { REPO } from '../lib/site.mjs';
import { launch, axe, describe, noFailures } from '../lib/browser.mjs';

/** A4 is 210 mm wide; the report's @page margin is 15 mm: 180 mm of content = 680 CSS px. */
const A4_CONTENT_PX = Math.floor((180 / 25.4) * 96);

let work, browser, reportFile;

function yasno(args) {
  const [cmd, argv] = yasnoCommand(args);
  return execFileSync(cmd, argv, { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Answers and page votes written straight into the database (fixed times, two quarters). */
function fillDatabase(db) {
  const script = `
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
# The site id of \`yasno new\`'s base_url (https://example.org), as Settings::site_id makes it.
SITE = "example-org"
comments = ["Долго стоял в очереди", "Очереди огромные", "Не приняли справку", "Спасибо", ""]
n = 0
for quarter, month, ratings in (("Q2", "05", [5, 5, 4, 5, 1]), ("Q3", "08", [1, 1, 2, 5, 4, 5, 1, 3, 5, 4, 2, 1])):
    for r in ratings:
        n += 1
        answers = {"rating": r}
        c = comments[n % len(comments)]
        if c:
            answers["comment"] = c
        db.execute("INSERT INTO answers (site, client_id, received_at, service, survey, version, source, lang, answers) VALUES (?,?,?,?,?,?,?,?,?)",
            (SITE, "fixture-%08d" % n, "2026-%s-%02dT09:00:00Z" % (month, 1 + n % 27), "primer", "default", 1, "web", "ru" if n % 3 else "en", json.dumps(answers)))
for page, useful, text in (("/contacts/", 0, "Нет часов приёма"), ("/", 1, ""), ("/contacts/", 0, "")):
    db.execute("INSERT INTO page_votes (site, received_at, page, useful, text, lang) VALUES (?,?,?,?,?,?)", (SITE, "2026-08-10T10:00:00Z", page, useful, text, "ru"))
db.commit()
`;
  execFileSync('python3', ['-c', script, db]);
}

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'yasno-report-'));
  const root = path.join(work, 'site');
  const db = path.join(work, 'answers.db');
  yasno(['new', root]);
  fs.appendFileSync(path.join(root, 'content', 'site.toml'),
    '\n[report]\n[[report.themes]]\nname = "Очереди"\nwords = ["очередь"]\n');
  const requests = path.join(work, 'requests.csv');
  fs.writeFileSync(requests, 'id;channel;received;acknowledged;answered\nR-1;email;2026-07-01 10:00;2026-07-01 12:00;2026-07-06 10:00\nR-2;letter;2026-08-03 09:00;;\n');
  // The import creates the database with its schema.
  yasno(['report', 'import', 'requests', requests, '--root', root, '--db', db]);
  fillDatabase(db);
  const out = path.join(work, 'report');
  yasno(['report', '--quarter', '2026Q3', '--root', root, '--db', db, '--output', out]);
  reportFile = path.join(out, 'report.html');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test('the quarterly report passes axe', async () => {
  const page = await browser.newPage();
  await page.goto('file://' + reportFile);
  // The fixture fills every part of the report, so axe looks at all of them.
  for (const id of ['control', 'letters', 'monitoring', 'pages', 'service-primer']) {
    assert.equal(await page.locator(`section#${id}`).count(), 1, id);
  }
  // The answers reached the report (the fixture's site id is the report's): 12 now, 5 before.
  assert.equal(await page.locator('#every-service tr[data-slug="primer"] td').first().innerText(), '12 (5; +7)');
  const violations = await axe(page);
  assert.equal(violations.length, 0, describe(violations));
  await page.close();
});

/** Elements of the page that stick out of `width` or are cut by an overflow box. */
async function outside(page, width) {
  return page.evaluate((w) => {
    const bad = [];
    const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className?.baseVal ?? e.className ? '.' + (e.className.baseVal ?? e.className) : '');
    for (const e of document.querySelectorAll('svg.chart, table, figure, h1, h2, p')) {
      const r = e.getBoundingClientRect();
      if (r.width === 0) continue;
      if (r.left < -0.5 || r.right > w + 0.5) bad.push(`${name(e)}: ${Math.round(r.left)}–${Math.round(r.right)} px, page ${w} px`);
    }
    for (const e of document.querySelectorAll('*')) {
      const s = getComputedStyle(e);
      const clips = ['hidden', 'auto', 'scroll', 'clip'].includes(s.overflowX);
      if (clips && e.scrollWidth > e.clientWidth + 1) bad.push(`${name(e)}: content ${e.scrollWidth} px cut to ${e.clientWidth} px`);
    }
    if (document.documentElement.scrollWidth > w + 1) bad.push(`page: ${document.documentElement.scrollWidth} px wide`);
    return bad;
  }, width);
}

test('the report prints on A4 without cut charts or tables', async () => {
  const page = await browser.newPage();
  await page.setViewportSize({ width: A4_CONTENT_PX, height: 1000 });
  await page.goto('file://' + reportFile);
  await page.emulateMedia({ media: 'print' });
  assert.ok(await page.locator('svg.chart').count() >= 2, 'the report has charts');
  noFailures(await outside(page, A4_CONTENT_PX));
  const pdf = await page.pdf({ format: 'A4', printBackground: false });
  assert.equal(pdf.subarray(0, 4).toString(), '%PDF');
  await page.close();
});

test('the A4 check does catch a chart too wide for the page and a table cut by its box', async () => {
  const page = await browser.newPage();
  await page.setViewportSize({ width: A4_CONTENT_PX, height: 1000 });
  await page.goto('file://' + reportFile);
  await page.emulateMedia({ media: 'print' });
  await page.evaluate(() => {
    const svg = document.querySelector('svg.chart');
    svg.style.maxWidth = 'none';
    svg.setAttribute('width', '900');
    const box = document.querySelector('.wide');
    box.style.overflowX = 'hidden';
    box.querySelector('table').style.tableLayout = 'auto';
    box.querySelector('table').style.width = '1200px';
  });
  const found = await outside(page, A4_CONTENT_PX);
  assert.ok(found.some((f) => f.startsWith('svg')), found.join('\n'));
  assert.ok(found.some((f) => f.includes('cut to')), found.join('\n'));
  await page.close();
});
