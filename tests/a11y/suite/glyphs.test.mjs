// The letters of Uzbek (oʻ gʻ with U+02BB), Tajik (ғ ӣ қ ӯ ҳ ҷ) and Kyrgyz (ң ө ү) render
// with the theme's system font stack in Chromium: each letter, screenshotted in the page's
// own font on its language's home page, must differ from the picture of a character no
// font has (U+FFFF, drawn as the "tofu" box). A full-page screenshot of each is written too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launch } from '../lib/browser.mjs';
import { serve } from '../lib/server.mjs';
import { siteDir, SUITE } from '../lib/site.mjs';

const OUT = process.env.YASNO_SCREENSHOTS || path.join(SUITE, 'screenshots');
const LETTERS = { uz: ['oʻ', 'gʻ', 'Oʻ', 'Gʻ'], tg: ['ғ', 'ӣ', 'қ', 'ӯ', 'ҳ', 'ҷ'], ky: ['ң', 'ө', 'ү', 'Ң', 'Ө', 'Ү'] };
let browser, site;
before(async () => { browser = await launch(); site = await serve(siteDir()); fs.mkdirSync(OUT, { recursive: true }); });
after(async () => { await browser?.close(); await site?.close(); });

/** A screenshot of `text` set in the page's body font, large, in a span of its own. */
async function shot(page, text) {
  await page.evaluate((t) => {
    document.getElementById('glyph-probe')?.remove();
    const s = document.createElement('span');
    s.id = 'glyph-probe';
    s.textContent = t;
    s.style.cssText = 'font-size:64px;position:fixed;top:0;left:0;background:#fff;color:#000;padding:4px;z-index:99999';
    document.body.append(s);
  }, text);
  return page.locator('#glyph-probe').screenshot();
}

test('Uzbek, Tajik and Kyrgyz letters are drawn, not tofu, in the system font stack', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  const tofu = [];
  for (const [lang, letters] of Object.entries(LETTERS)) {
    await page.goto(`${site.url}/${lang}/`);
    assert.equal(await page.evaluate(() => document.documentElement.lang), lang);
    await page.screenshot({ path: path.join(OUT, `home-${lang}-1280.png`), fullPage: true });
    const font = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
    assert.match(font, /system-ui/, 'the theme\'s system font stack');
    // The page uses the letters (the translation is really in that script).
    const text = await page.evaluate(() => document.body.innerText);
    assert.ok(letters.some((l) => text.includes(l)), `${lang}: the page has none of ${letters.join(' ')}`);
    const none = await shot(page, '\uFFFF'.repeat(2));
    for (const l of letters) {
      // Two of each, so that a letter of the same width as the box still differs in pixels.
      const img = await shot(page, l.repeat(2));
      if (img.equals(none)) tofu.push(`${lang}: ${l} (U+${l.codePointAt(l.length - 1).toString(16).toUpperCase()})`);
    }
  }
  await ctx.close();
  assert.deepEqual(tofu, [], `drawn as missing-glyph boxes: ${tofu.join(', ')}`);
});

test('the probe does find tofu: a character no font has looks like U+FFFF', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(`${site.url}/uz/`);
  // U+10FFFD is a private-use character no system font draws: it must be caught as tofu.
  const none = await shot(page, '\uFFFF'.repeat(2));
  const unknown = await shot(page, '\u{10FFFD}'.repeat(2));
  const drawn = await shot(page, 'oʻ'.repeat(2));
  await ctx.close();
  assert.ok(unknown.equals(none), 'an undrawable character matches the tofu picture');
  assert.ok(!drawn.equals(none), 'a real letter does not');
});
