// Reflow at 320 px (WCAG 1.4.10) on every page; 200 % zoom (1.4.4), text spacing (1.4.12) and the
// largest panel font on the representative pages (one of each template, lib/site.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, presetA11y, noFailures } from '../lib/browser.mjs';
import { serve } from '../lib/server.mjs';
import { siteDir, pagePaths, representativePaths } from '../lib/site.mjs';
import { inPageLayoutProblems, TEXT_SPACING_CSS, TEXT_ZOOM_CSS } from '../lib/layout.mjs';

let browser, site;
before(async () => { browser = await launch(); site = await serve(siteDir()); });
after(async () => { await browser?.close(); await site?.close(); });

/** Loads `pages` (default: the representative pages) with the given context options and extra CSS; collects layout problems. */
async function checkAll({ ctxOptions, css, overlap, preset, pages = representativePaths() }) {
  const ctx = await browser.newContext(ctxOptions);
  if (preset) await presetA11y(ctx, preset);
  const page = await ctx.newPage();
  const failures = [];
  for (const p of pages) {
    await page.goto(site.url + p);
    if (css) await page.addStyleTag({ content: css });
    // Open the low-vision panel too: it must reflow like the rest of the page.
    const toggle = page.locator('.a11y-toggle');
    if (await toggle.isVisible()) await toggle.click();
    const probs = await page.evaluate(inPageLayoutProblems, { overlap });
    if (probs.length) failures.push(`${p}:\n  ${probs.join('\n  ')}`);
  }
  await ctx.close();
  return failures;
}

test('no horizontal scroll and no cut text at 320 px on any page', async () => {
  const f = await checkAll({ ctxOptions: { viewport: { width: 320, height: 640 } }, overlap: true, pages: pagePaths() });
  noFailures(f);
});

test('200 % page zoom (1280x800 window = 640x400 CSS px at scale 2): nothing cut or overlapping', async () => {
  const f = await checkAll({ ctxOptions: { viewport: { width: 640, height: 400 }, deviceScaleFactor: 2 }, overlap: true });
  noFailures(f);
});

test('200 % text-only zoom at 1280 px: nothing cut or overlapping', async () => {
  const f = await checkAll({ ctxOptions: { viewport: { width: 1280, height: 800 } }, css: TEXT_ZOOM_CSS, overlap: true });
  noFailures(f);
});

test('WCAG 1.4.12 text spacing at 1280 px and 320 px: nothing cut or overlapping', async () => {
  const wide = await checkAll({ ctxOptions: { viewport: { width: 1280, height: 800 } }, css: TEXT_SPACING_CSS, overlap: true });
  const narrow = await checkAll({ ctxOptions: { viewport: { width: 320, height: 640 } }, css: TEXT_SPACING_CSS, overlap: true });
  noFailures([...wide, ...narrow]);
});

test('largest panel font with wide spacing still reflows at 320 px', async () => {
  const f = await checkAll({
    ctxOptions: { viewport: { width: 320, height: 640 } }, overlap: true,
    preset: { fs: '3', spacing: 'wide' },
  });
  noFailures(f);
});

test('the layout checks do catch a page that scrolls sideways and cuts text', async () => {
  // Guard against a check that can never fail: break a real page on purpose.
  const ctx = await browser.newContext({ viewport: { width: 320, height: 640 } });
  const page = await ctx.newPage();
  await page.goto(site.url + '/');
  await page.addStyleTag({ content: 'h1 { width: 900px; } .lead { height: 1em; overflow: hidden; }' });
  const probs = await page.evaluate(inPageLayoutProblems, { overlap: true });
  await page.addStyleTag({ content: 'h1 { width: auto; } .lead { height: auto; overflow: visible; } .lead { margin-top: -3em; }' });
  const overlapProbs = await page.evaluate(inPageLayoutProblems, { overlap: true });
  await ctx.close();
  assert.ok(probs.some((p) => p.startsWith('horizontal scroll')), probs.join('\n'));
  assert.ok(probs.some((p) => p.startsWith('text cut') && p.includes('.lead')), probs.join('\n'));
  assert.ok(overlapProbs.some((p) => p.startsWith('text overlaps')), overlapProbs.join('\n'));
});
