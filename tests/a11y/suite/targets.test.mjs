// Target sizes: every pointer target is at least 24x24 CSS px (WCAG 2.5.8, with its inline and
// spacing exceptions); the survey's radios and its submit button at least 44x44 (2.5.5),
// counting the radio's label, which is part of the target.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, noFailures, mountSurveyWidget } from '../lib/browser.mjs';
import { serve } from '../lib/server.mjs';
import { siteDir, representativePaths, servicePathWithSurvey } from '../lib/site.mjs';

let browser, site;
before(async () => { browser = await launch(); site = await serve(siteDir()); });
after(async () => { await browser?.close(); await site?.close(); });

/** In page: targets smaller than 24x24 that no WCAG 2.5.8 exception covers. */
function smallTargets() {
  const sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary, label[for]';
  const name = (e) => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${e.className ? '.' + String(e.className).split(' ').join('.') : ''} "${(e.textContent || '').trim().slice(0, 30)}"`;
  const targets = [...document.querySelectorAll(sel)].filter((e) => {
    if (e.closest('.visually-hidden, .hp, [hidden]')) return false;
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden';
  });
  const blockOf = (e) => { let b = e.parentElement; while (b && getComputedStyle(b).display.startsWith('inline')) b = b.parentElement; return b; };
  // Inline exception: a link inside running text whose line height the text around it sets.
  const inSentence = (e) => {
    if (!getComputedStyle(e).display.startsWith('inline') || getComputedStyle(e).display === 'inline-block') return false;
    const block = blockOf(e);
    if (!block) return false;
    const own = e.textContent.replace(/\s+/g, ' ').trim();
    const all = block.textContent.replace(/\s+/g, ' ').trim();
    return all.length > own.length + 3;
  };
  const small = [];
  const boxes = targets.map((e) => e.getBoundingClientRect());
  targets.forEach((e, i) => {
    const r = boxes[i];
    if (r.width >= 24 && r.height >= 24) return;
    if (inSentence(e)) return;
    // A label tied to an input is part of that input's target; judged together below.
    if (e.tagName === 'LABEL') return;
    if (e.labels && [...e.labels].some((l) => { const b = l.getBoundingClientRect(); return b.width >= 24 && b.height >= 24; })) return;
    // Spacing exception: a 24 px circle on the target's centre touches no other target.
    const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
    const clash = targets.some((o, j) => {
      if (j === i || o.contains(e) || e.contains(o) || (e.labels && [...e.labels].includes(o))) return false;
      const b = boxes[j];
      const dx = Math.max(b.left - cx, 0, cx - b.right), dy = Math.max(b.top - cy, 0, cy - b.bottom);
      return dx * dx + dy * dy < 12 * 12;
    });
    if (clash) small.push(`${name(e)} is ${r.width.toFixed(1)}x${r.height.toFixed(1)} and crowded`);
  });
  return small;
}

for (const width of [1280, 320]) {
  test(`every target is at least 24x24 px or spaced (WCAG 2.5.8) at ${width} px`, async () => {
    const ctx = await browser.newContext({ viewport: { width, height: 800 } });
    const page = await ctx.newPage();
    const failures = [];
    for (const p of representativePaths()) {
      await page.goto(site.url + p);
      if (await page.locator('.a11y-toggle').isVisible()) await page.click('.a11y-toggle');
      const s = await page.evaluate(smallTargets);
      if (s.length) failures.push(`${p}:\n  ${s.join('\n  ')}`);
    }
    await ctx.close();
    noFailures(failures);
  });
}

test('the target check does catch small crowded controls', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  await page.goto(site.url + '/');
  await page.addStyleTag({ content: '.nav { gap: 0 !important; flex-direction: column !important; } .nav li, .nav a { font-size: 10px !important; padding: 0 !important; min-height: 0 !important; line-height: 1 !important; }' });
  const s = await page.evaluate(smallTargets);
  await ctx.close();
  assert.ok(s.filter((x) => x.includes('crowded')).length >= 2, s.join('\n'));
});

// Two variants: the no-JS form (JavaScript off: ids q-…) and the Yew widget that replaces it
// when JavaScript runs (ids sw-…). Both must meet the same 44x44 target size.
for (const [variant, js, prefix] of [['no-JS form', false, 'q-'], ['survey widget', true, 'sw-']])
for (const width of [1280, 320]) {
  test(`the survey's radios and buttons are at least 44x44 px and the whole label works at ${width} px (${variant})`, async () => {
    const ctx = await browser.newContext({ viewport: { width, height: 800 }, javaScriptEnabled: js });
    const page = await ctx.newPage();
    await page.goto(site.url + servicePathWithSurvey());
    if (js) assert.ok(await mountSurveyWidget(page), 'survey widget mounted');
    else assert.ok(await page.locator('form.survey[action] #q-rating-5').count(), 'no-JS survey form present');
    const r = await page.evaluate(() => {
      const form = document.querySelector('form.survey');
      const radios = [...form.querySelectorAll('input[type=radio]')].map((i) => {
        const boxes = [i, ...i.labels].map((e) => e.getBoundingClientRect());
        const best = boxes.reduce((a, b) => (Math.min(b.width, b.height) > Math.min(a.width, a.height) ? b : a));
        return { id: i.id, w: best.width, h: best.height };
      });
      const buttons = [...form.querySelectorAll('button, input[type=submit]')].map((b) => ({ id: b.textContent.trim(), w: b.getBoundingClientRect().width, h: b.getBoundingClientRect().height }));
      return { radios, buttons };
    });
    assert.ok(r.radios.length >= 5, 'survey radios found');
    assert.ok(r.buttons.length >= 1, 'survey button found');
    const small = [...r.radios, ...r.buttons].filter((t) => t.w < 44 || t.h < 44).map((t) => `${t.id}: ${t.w.toFixed(1)}x${t.h.toFixed(1)}`);
    noFailures(small);
    // Clicking near the far corners of a label (not only its text) selects the radio.
    for (const id of [`${prefix}rating-5`, `${prefix}got_it-no`]) {
      const label = page.locator(`label[for="${id}"]`);
      await label.scrollIntoViewIfNeeded();
      const box = await label.boundingBox();
      await page.mouse.click(box.x + box.width - 3, box.y + 3);
      assert.ok(await page.locator(`#${id}`).isChecked(), `${id}: click on the label's corner did not select it`);
    }
    await ctx.close();
  });
}
