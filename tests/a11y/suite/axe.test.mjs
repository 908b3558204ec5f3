// axe-core on every page of the built site (WCAG 2.0/2.1/2.2 A and AA): zero violations.
// Also in each low-vision colour scheme and the largest font on the home and a service page,
// and on a deliberately broken fixture, which must fail with each of its defects reported.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { launch, axe, describe, presetA11y, noFailures } from '../lib/browser.mjs';
import { serve } from '../lib/server.mjs';
import { siteDir, pagePaths, representativePaths, servicePathWithSurvey, runTestsOn, SUITE } from '../lib/site.mjs';

let browser, site, broken;
before(async () => {
  browser = await launch();
  site = await serve(siteDir());
  broken = await serve(path.join(SUITE, 'fixtures', 'broken'));
});
after(async () => { await browser?.close(); await site?.close(); await broken?.close(); });

test('axe finds no WCAG 2.2 A/AA violation (and nothing to review) on any page', async () => {
  const pages = pagePaths();
  assert.ok(pages.length >= 5, `expected a real site, got ${pages.length} pages`);
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const failures = [];
  console.log(`axe: checking ${pages.length} pages with tags wcag2a, wcag2aa, wcag21a, wcag21aa, wcag22aa:`);
  for (const p of pages) {
    const resp = await page.goto(site.url + p);
    assert.ok(resp, `no response for ${p}`);
    const v = await axe(page);
    console.log(`  ${v.length ? 'FAIL' : 'ok  '} ${p}${v.length ? ` (${v.length} rules violated)` : ''}`);
    if (v.length) failures.push(`${p}:\n${describe(v)}`);
    // Nothing left "to review" either: an auditor would have to check each by hand.
    if (v.incomplete.length) failures.push(`${p} needs review:\n${describe(v.incomplete)}`);
  }
  await ctx.close();
  noFailures(failures);
});

test('axe best-practice and AAA rules pass too on the representative pages (e.g. all content in landmarks)', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const failures = [];
  for (const p of representativePaths()) {
    await page.goto(site.url + p);
    // With the panel open, so its content is judged too.
    if (await page.locator('.a11y-toggle').isVisible()) await page.$eval('.a11y-toggle', (b) => b.click());
    const v = await axe(page, { runOnly: { type: 'tag', values: ['best-practice', 'wcag2aaa', 'wcag21aaa'] } });
    if (v.length) failures.push(`${p}:\n${describe(v)}`);
  }
  await ctx.close();
  noFailures(failures);
});

const VARIANTS = [
  { scheme: 'bw' }, { scheme: 'wb' }, { scheme: 'blue' },
  { fs: '3', spacing: 'wide' }, { fs: '2', scheme: 'wb', images: 'off' },
];
test('axe finds no violation in every low-vision setting (home and a service page)', async () => {
  const failures = [];
  for (const v of VARIANTS) {
    const ctx = await browser.newContext();
    await presetA11y(ctx, v);
    const page = await ctx.newPage();
    for (const p of ['/', servicePathWithSurvey()]) {
      await page.goto(site.url + p);
      // The preset really applied: the root carries the setting.
      for (const [k, val] of Object.entries(v)) {
        assert.equal(await page.getAttribute('html', `data-${k}`), val, `${JSON.stringify(v)} not applied on ${p}`);
      }
      const res = await axe(page);
      if (res.length) failures.push(`${p} with ${JSON.stringify(v)}:\n${describe(res)}`);
    }
    await ctx.close();
  }
  noFailures(failures);
});

test('the suite catches a deliberately broken page: each defect is reported', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(broken.url + '/');
  const v = await axe(page);
  const ids = v.map((x) => x.id);
  console.log(`axe on fixtures/broken: ${ids.join(', ')}`);
  assert.ok(ids.includes('image-alt'), `missing alt not reported; got ${ids}`);
  assert.ok(ids.includes('color-contrast'), `low contrast not reported; got ${ids}`);
  assert.ok(ids.includes('label'), `unlabelled field not reported; got ${ids}`);
  // Each report points at the exact broken element (and only at it).
  const where = (id) => page.evaluate((sels) => sels.map((s) => {
    const e = document.querySelector(s);
    return e.tagName === 'IMG' ? 'img' : e.className === 'pale' ? 'pale text' : e.name === 'name' ? 'name field' : s;
  }), v.find((x) => x.id === id).nodes.map((n) => n.target));
  assert.deepEqual(await where('image-alt'), ['img']);
  assert.deepEqual(await where('color-contrast'), ['pale text']);
  assert.deepEqual(await where('label'), ['name field']);
  await ctx.close();
});

test('the site-wide check itself fails when a broken page is added to the site', { skip: !!process.env.YASNO_INNER_RUN }, () => {
  // Copy the built site, drop the broken fixture in as /broken/, and run the real test above.
  // The per-location survey landing pages and posters are left out of the copy: they would
  // only repeat the first run's work, and the point here is that one bad page among good ones
  // fails the site-wide walk.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yasno-a11y-broken-'));
  fs.cpSync(siteDir(), dir, { recursive: true });
  for (const many of ['q', 'posters']) fs.rmSync(path.join(dir, many), { recursive: true, force: true });
  fs.cpSync(path.join(SUITE, 'fixtures', 'broken'), path.join(dir, 'broken'), { recursive: true });
  const r = runTestsOn(dir, fileURLToPath(import.meta.url), 'no WCAG 2.2');
  fs.rmSync(dir, { recursive: true, force: true });
  const out = r.out;
  assert.notEqual(r.status, 0, 'the suite passed a site with a broken page');
  assert.match(out, /FAIL \/broken\//);
  for (const id of ['image-alt', 'color-contrast', 'label']) assert.match(out, new RegExp(`${id} \\(`), `${id} not reported`);
  // Only the broken page fails.
  assert.equal((out.match(/FAIL \//g) || []).length, 1, out);
});
