// The low-vision panel ("версия для слабовидящих"): 3 font sizes, 3 colour schemes, letter
// spacing, images on/off; operated by keyboard alone; the choice survives a reload and
// carries over to other pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from '../lib/browser.mjs';
import { serve } from '../lib/server.mjs';
import { siteDir, servicePathWithSurvey } from '../lib/site.mjs';
import { parseRgb, contrast } from '../lib/color.mjs';

let browser, site;
before(async () => { browser = await launch(); site = await serve(siteDir()); });
after(async () => { await browser?.close(); await site?.close(); });

const look = (page) => page.evaluate(() => {
  const cs = getComputedStyle(document.body);
  const p = document.querySelector('main p');
  const img = document.querySelector('main img');
  return { fontSize: parseFloat(cs.fontSize), color: cs.color, bg: cs.backgroundColor,
    letterSpacing: getComputedStyle(p).letterSpacing, pFontSize: parseFloat(getComputedStyle(p).fontSize),
    imgDisplay: img ? getComputedStyle(img).display : null,
    pressed: [...document.querySelectorAll('#a11y-panel button[aria-pressed="true"]')].map((b) => `${b.dataset.set}=${b.dataset.value}`).sort() };
});

/** Presses Tab until the panel button with data-set/data-value has focus, then presses `key`. */
async function pressPanelButton(page, set, value, key = 'Enter') {
  for (let i = 0; i < 30; i++) {
    const here = await page.evaluate(([s, v]) => { const a = document.activeElement; return a?.dataset?.set === s && a.dataset.value === v; }, [set, value]);
    if (here) { await page.keyboard.press(key); return; }
    await page.keyboard.press('Tab');
  }
  assert.fail(`panel button ${set}=${value} not reachable by Tab`);
}

test('the panel is operated by keyboard alone and every setting takes effect', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  const path = servicePathWithSurvey();
  await page.goto(site.url + path);
  // A test image, so "images off" can be observed (the example content has no pictures).
  await page.evaluate(() => { const i = document.createElement('img'); i.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw='; i.alt = 'test'; document.querySelector('main p').after(i); });
  const base = await look(page);
  assert.ok(base.fontSize >= 18, `base font ${base.fontSize}px`);

  // Skip link first, then the panel toggle.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'skip-link');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'a11y-toggle');
  assert.equal(await page.getAttribute('.a11y-toggle', 'aria-expanded'), 'false');
  assert.ok(!(await page.locator('#a11y-panel').isVisible()));
  await page.keyboard.press('Enter');
  assert.equal(await page.getAttribute('.a11y-toggle', 'aria-expanded'), 'true');
  assert.ok(await page.locator('#a11y-panel').isVisible());

  // Three font sizes, each larger than the last.
  const buttons = await page.$$eval('#a11y-panel button[data-set]', (bs) => bs.map((b) => `${b.dataset.set}=${b.dataset.value}`));
  assert.deepEqual(buttons.filter((b) => b.startsWith('fs=')), ['fs=1', 'fs=2', 'fs=3']);
  assert.deepEqual(buttons.filter((b) => b.startsWith('scheme=')), ['scheme=bw', 'scheme=wb', 'scheme=blue']);
  await pressPanelButton(page, 'fs', '2');
  const large = await look(page);
  await pressPanelButton(page, 'fs', '3', 'Space');
  const huge = await look(page);
  assert.ok(large.fontSize > base.fontSize * 1.2, `large ${large.fontSize} vs ${base.fontSize}`);
  assert.ok(huge.fontSize > large.fontSize * 1.2, `huge ${huge.fontSize} vs ${large.fontSize}`);
  assert.ok(huge.pFontSize >= 1.5 * base.pFontSize, 'paragraphs follow the font setting');
  assert.deepEqual(huge.pressed.filter((p) => p.startsWith('fs')), ['fs=3']);

  // Three colour schemes.
  await pressPanelButton(page, 'scheme', 'bw');
  let s = await look(page);
  assert.deepEqual([s.color, s.bg], ['rgb(0, 0, 0)', 'rgb(255, 255, 255)'], 'black on white');
  await pressPanelButton(page, 'scheme', 'wb');
  s = await look(page);
  assert.deepEqual([s.color, s.bg], ['rgb(255, 255, 255)', 'rgb(0, 0, 0)'], 'white on black');
  await pressPanelButton(page, 'scheme', 'blue');
  s = await look(page);
  const [fg, bg] = [parseRgb(s.color), parseRgb(s.bg)];
  assert.ok(fg[2] > fg[0] && fg[2] > fg[1] && fg[2] < 160, `dark blue text, got ${s.color}`);
  assert.ok(bg[2] > bg[0] && bg[2] >= 200 && bg[1] >= 150, `light blue background, got ${s.bg}`);
  assert.ok(contrast(fg, bg) >= 7, `blue scheme contrast ${contrast(fg, bg).toFixed(2)}`);

  // Letter spacing and images.
  await pressPanelButton(page, 'spacing', 'wide');
  s = await look(page);
  assert.ok(parseFloat(s.letterSpacing) >= 0.12 * s.fontSize - 0.1, `letter spacing ${s.letterSpacing} at ${s.fontSize}px`);
  assert.equal(parseFloat(base.letterSpacing) || 0, 0);
  assert.equal(base.imgDisplay, 'inline');
  await pressPanelButton(page, 'images', 'off');
  s = await look(page);
  assert.equal(s.imgDisplay, 'none');
  assert.deepEqual(s.pressed, ['fs=3', 'images=off', 'scheme=blue', 'spacing=wide']);

  // Escape closes the panel and returns focus to its toggle.
  await page.keyboard.press('Escape');
  assert.ok(!(await page.locator('#a11y-panel').isVisible()));
  assert.equal(await page.evaluate(() => document.activeElement.className), 'a11y-toggle');

  // The choice survives a reload ...
  await page.reload();
  const after = await look(page);
  assert.equal(after.fontSize, huge.fontSize);
  assert.deepEqual([after.color, after.bg], [s.color, s.bg]);
  assert.equal(after.letterSpacing, s.letterSpacing);
  assert.deepEqual(after.pressed, ['fs=3', 'images=off', 'scheme=blue', 'spacing=wide']);
  // ... and carries over to another page reached by a link.
  await Promise.all([page.waitForURL(/\/contacts\/$/), page.click('.site-header a[href="/contacts/"]')]);
  const other = await look(page);
  assert.equal(other.fontSize, huge.fontSize);
  assert.deepEqual([other.color, other.bg], [s.color, s.bg]);
  for (const [k, v] of [['fs', '3'], ['scheme', 'blue'], ['spacing', 'wide'], ['images', 'off']]) {
    assert.equal(await page.getAttribute('html', `data-${k}`), v);
  }

  // Reset returns to the default look everywhere.
  await page.click('.a11y-toggle');
  await page.click('#a11y-panel button[data-reset]');
  await page.reload();
  const reset = await look(page);
  assert.equal(reset.fontSize, base.fontSize);
  assert.deepEqual([reset.color, reset.bg], [base.color, base.bg]);
  await ctx.close();
});

test('the saved setting is applied before first paint (no flash of the default look)', async () => {
  const ctx = await browser.newContext();
  await ctx.addInitScript(() => localStorage.setItem('yasno.a11y', JSON.stringify({ scheme: 'wb', fs: '2' })));
  const page = await ctx.newPage();
  // Block the panel script: the inline head script alone must apply the saved look.
  await page.route('**/js/a11y.js', (r) => r.abort());
  await page.goto(site.url + '/');
  const s = await look(page);
  assert.deepEqual([s.color, s.bg], ['rgb(255, 255, 255)', 'rgb(0, 0, 0)']);
  assert.equal(s.fontSize, 24);
  await ctx.close();
});

test('the chosen setting shows in forced-colours (Windows high contrast) mode and keeps a clean name', async () => {
  const ctx = await browser.newContext({ forcedColors: 'active' });
  const page = await ctx.newPage();
  await page.goto(site.url + '/');
  await page.click('.a11y-toggle');
  await page.click('#a11y-panel button[data-set="fs"][data-value="2"]');
  const looks = await page.$$eval('#a11y-panel button[data-set="fs"]', (bs) => bs.map((b) => {
    const c = getComputedStyle(b);
    return { pressed: b.getAttribute('aria-pressed'), mark: getComputedStyle(b, '::before').content, bg: c.backgroundColor, fg: c.color };
  }));
  // Forced colours flatten the inverted look, so the states must differ by something else.
  assert.equal(looks[0].bg, looks[1].bg, 'forced colours should override the author colours (emulation works)');
  assert.deepEqual(looks.map((l) => l.pressed), ['false', 'true', 'false']);
  assert.deepEqual(looks.map((l) => l.mark === 'none'), [true, false, true], JSON.stringify(looks));
  // The tick is decoration: the accessible name stays the button's text; the state is aria-pressed.
  const snap = await page.locator('#a11y-panel button[data-set="fs"][data-value="2"]').ariaSnapshot();
  assert.match(snap, /^- button "Крупный" \[pressed\]$/);
  await ctx.close();
});
