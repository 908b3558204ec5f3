// axe-core on every page of the built site (WCAG 2.0/2.1/2.2 A and AA): zero violations.
// Also in each low-vision colour scheme and the largest font on the home and a service page,
// and on a deliberately broken fixture, which must fail with each of its defects reported.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { launch, axe, describe, presetA11y } from '../lib/browser.mjs';
import { serve } from '../lib/server.mjs';
import { siteDir, pagePaths, servicePathWithSurvey, SUITE } from '../lib/site.mjs';

let browser, site, broken;
before(async () => {
  browser = await launch();
  site = await serve(siteDir());
  broken = await serve(path.join(SUITE, 'fixtures', 'broken'));
});
after(async () => { await browser?.close(); await site?.close(); await broken?.close(); });

test('axe finds no WCAG 2.2 A/AA violation on any page', async () => {
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
  }
  await ctx.close();
  assert.deepEqual(failures, [], failures.join('\n\n'));
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
  assert.deepEqual(failures, [], failures.join('\n\n'));
});

test('the suite catches a deliberately broken page: each defect is reported', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(broken.url + '/');
  const v = await axe(page);
  await ctx.close();
  const ids = v.map((x) => x.id);
  console.log(`axe on fixtures/broken: ${ids.join(', ')}`);
  assert.ok(ids.includes('image-alt'), `missing alt not reported; got ${ids}`);
  assert.ok(ids.includes('color-contrast'), `low contrast not reported; got ${ids}`);
  assert.ok(ids.includes('label'), `unlabelled field not reported; got ${ids}`);
  // Each report points at the exact broken element.
  const where = (id) => v.find((x) => x.id === id).nodes.map((n) => n.target);
  assert.deepEqual(where('image-alt'), ['img']);
  assert.deepEqual(where('color-contrast'), ['.pale']);
  assert.deepEqual(where('label'), ['input[name="name"]']);
});
