// Screenshots of the home page and a service page at 320 px and 1280 px, in the default and
// the high-contrast (white on black) scheme, written to tests/a11y/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launch, presetA11y } from '../lib/browser.mjs';
import { serve } from '../lib/server.mjs';
import { siteDir, servicePathWithSurvey, SUITE } from '../lib/site.mjs';

const OUT = process.env.YASNO_SCREENSHOTS || path.join(SUITE, 'screenshots');
let browser, site;
before(async () => { browser = await launch(); site = await serve(siteDir()); fs.mkdirSync(OUT, { recursive: true }); });
after(async () => { await browser?.close(); await site?.close(); });

test('screenshots: home and service page, 320 and 1280 px, default and high-contrast scheme', async () => {
  const pages = { home: '/', service: servicePathWithSurvey() };
  const written = [];
  for (const scheme of ['default', 'wb']) {
    for (const width of [320, 1280]) {
      const ctx = await browser.newContext({ viewport: { width, height: 800 } });
      if (scheme !== 'default') await presetA11y(ctx, { scheme });
      const page = await ctx.newPage();
      for (const [name, p] of Object.entries(pages)) {
        await page.goto(site.url + p);
        const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        assert.equal(bg, scheme === 'wb' ? 'rgb(0, 0, 0)' : 'rgb(255, 255, 255)', `${scheme} scheme applied`);
        const file = path.join(OUT, `${name}-${width}-${scheme === 'wb' ? 'high-contrast' : 'default'}.png`);
        await page.screenshot({ path: file, fullPage: true });
        const png = fs.readFileSync(file);
        assert.equal(png.subarray(1, 4).toString(), 'PNG');
        // IHDR width (bytes 16..19) is the viewport width: nothing wider than the screen.
        assert.equal(png.readUInt32BE(16), width, `${file} is ${png.readUInt32BE(16)} px wide`);
        written.push(path.relative(SUITE, file));
      }
      await ctx.close();
    }
  }
  console.log(`screenshots written:\n  ${written.join('\n  ')}`);
  assert.equal(written.length, 8);
});
