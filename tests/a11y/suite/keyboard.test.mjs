// Keyboard: Tab reaches every control in DOM order with a visible focus indicator; the survey
// can be completed by keyboard alone (no-JS form, with and without JavaScript).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, noFailures, mountSurveyWidget } from '../lib/browser.mjs';
import { serve } from '../lib/server.mjs';
import { siteDir, representativePaths, servicePathWithSurvey } from '../lib/site.mjs';
import { parseRgb, contrast } from '../lib/color.mjs';

let browser, site;
before(async () => { browser = await launch(); site = await serve(siteDir()); });
after(async () => { await browser?.close(); await site?.close(); });

/** In page: marks the controls Tab should reach, in DOM order, and returns their names. */
function markTabStops() {
  const sel = 'a[href], button, input, select, textarea, summary, [tabindex], [contenteditable="true"]';
  const radioSeen = new Set();
  const out = [];
  for (const el of document.querySelectorAll(sel)) {
    if (el.disabled || el.closest('[inert]')) continue;
    if (el.tabIndex < 0) continue;
    if (el.type === 'hidden') continue;
    const cs = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    if (cs.visibility === 'hidden' || (r.width === 0 && r.height === 0 && el.getClientRects().length === 0)) continue;
    if (el.type === 'radio') {
      // A radio group is one Tab stop: the checked radio, or the first one if none is checked.
      const key = (el.form ? 'f' : 'd') + el.name;
      if (radioSeen.has(key)) continue;
      radioSeen.add(key);
      const group = [...document.querySelectorAll(`input[type=radio][name="${CSS.escape(el.name)}"]`)];
      const checked = group.find((g) => g.checked);
      const stop = checked || group[0];
      stop.dataset.tabstop = String(out.length);
      out.push(`${stop.tagName.toLowerCase()}[name=${stop.name}]`);
      continue;
    }
    el.dataset.tabstop = String(out.length);
    out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} "${(el.textContent || el.value || '').trim().slice(0, 30)}"`);
  }
  return out;
}

/** In page: layout that makes the visual order differ from the DOM (and so from the Tab order). */
function reordered() {
  const bad = [];
  for (const e of document.body.querySelectorAll('*')) {
    const cs = getComputedStyle(e);
    if (/reverse/.test(cs.flexDirection) || /reverse/.test(cs.flexWrap)) bad.push(`${e.tagName.toLowerCase()}.${e.className}: flex ${cs.flexDirection} ${cs.flexWrap}`);
    if (cs.order !== '0' && e.parentElement && /flex|grid/.test(getComputedStyle(e.parentElement).display)) bad.push(`${e.tagName.toLowerCase()}.${e.className}: order ${cs.order}`);
    if (/dense/.test(cs.gridAutoFlow)) bad.push(`${e.tagName.toLowerCase()}.${e.className}: grid-auto-flow ${cs.gridAutoFlow}`);
  }
  return bad;
}

/** In page: what the focused element looks like (indicator styles, position, page colours). */
function focusState() {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const cs = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  let bg = 'rgba(0, 0, 0, 0)';
  for (let e = el.parentElement; e; e = e.parentElement) {
    const c = getComputedStyle(e).backgroundColor;
    if (!/rgba\(.*, 0\)$/.test(c) && c !== 'transparent') { bg = c; break; }
  }
  if (/rgba\(.*, 0\)$/.test(bg)) bg = 'rgb(255, 255, 255)';
  return {
    stop: el.dataset.tabstop ?? null, tag: el.tagName.toLowerCase(), id: el.id, text: (el.textContent || '').trim().slice(0, 30),
    focusVisible: el.matches(':focus-visible'),
    outlineStyle: cs.outlineStyle, outlineWidth: parseFloat(cs.outlineWidth), outlineColor: cs.outlineColor,
    boxShadow: cs.boxShadow, bg,
    inView: r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth,
  };
}

/** The focus indicator problems for one focused element (empty when fine). */
function indicatorProblems(s) {
  const p = [];
  if (!s.focusVisible) p.push('not :focus-visible');
  if (!s.inView) p.push('focused element is off screen');
  const colours = [];
  if (s.outlineStyle !== 'none' && s.outlineWidth >= 2) colours.push(parseRgb(s.outlineColor));
  const shadow = /^(rgba?\([^)]*\))/.exec(s.boxShadow || '');
  if (shadow && s.boxShadow !== 'none') colours.push(parseRgb(shadow[1]));
  if (!colours.length) p.push(`no focus indicator (outline ${s.outlineStyle} ${s.outlineWidth}px, box-shadow ${s.boxShadow})`);
  else {
    const bg = parseRgb(s.bg);
    const best = Math.max(...colours.filter(Boolean).map((c) => contrast(c, bg)));
    if (best < 3) p.push(`focus indicator contrast ${best.toFixed(2)}:1 against ${s.bg} (needs 3:1)`);
  }
  return p;
}

async function tabThrough(page) {
  const expected = await page.evaluate(markTabStops);
  const seen = [];
  const problems = [];
  await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
  for (let i = 0; i < expected.length + 3; i++) {
    await page.keyboard.press('Tab');
    const s = await page.evaluate(focusState);
    if (!s) break;
    if (s.stop === null) { problems.push(`focus went to an unexpected element ${s.tag}#${s.id} "${s.text}"`); break; }
    if (seen.includes(Number(s.stop))) break; // wrapped around
    seen.push(Number(s.stop));
    for (const q of indicatorProblems(s)) problems.push(`${expected[s.stop]}: ${q}`);
  }
  return { expected, seen, problems };
}

for (const scheme of ['default', 'bw', 'wb', 'blue']) {
  test(`Tab reaches every control in DOM order with a visible focus indicator ${scheme === 'default' ? 'on the representative pages' : 'on the home and a service page'} (scheme ${scheme})`, async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    if (scheme !== 'default') await ctx.addInitScript((s) => localStorage.setItem('yasno.a11y', JSON.stringify({ scheme: s })), scheme);
    const page = await ctx.newPage();
    const failures = [];
    const pages = scheme === 'default' ? representativePaths() : ['/', servicePathWithSurvey()];
    for (const p of pages) {
      await page.goto(site.url + p);
      // The survey widget replaces the no-JS form when the survey nears the viewport or gets
      // focus, i.e. in the middle of tabbing. Let it mount first, so the expected order is that
      // of the controls a keyboard user actually meets.
      await mountSurveyWidget(page);
      // Open the low-vision panel so its buttons are in the Tab order too.
      // A script click: a real one would move the Tab starting point to the toggle.
      if (await page.locator('.a11y-toggle').isVisible()) await page.$eval('.a11y-toggle', (b) => b.click());
      const positive = await page.$$eval('[tabindex]', (els) => els.filter((e) => e.tabIndex > 0).length);
      if (positive) failures.push(`${p}: ${positive} elements with a positive tabindex`);
      const moved = await page.evaluate(reordered);
      if (moved.length) failures.push(`${p}: visual order differs from DOM order: ${moved.join('; ')}`);
      const { expected, seen, problems } = await tabThrough(page);
      const order = expected.map((_, i) => i);
      if (JSON.stringify(seen) !== JSON.stringify(order)) {
        const firstBad = seen.findIndex((v, i) => v !== i);
        failures.push(`${p}: Tab order differs at step ${firstBad === -1 ? seen.length : firstBad}: reached ${seen.length} of ${expected.length} (${expected[seen.length] ?? ''})`);
      }
      if (problems.length) failures.push(`${p}:\n  ${problems.slice(0, 10).join('\n  ')}`);
      if (!expected.length) failures.push(`${p}: no controls found`);
    }
    await ctx.close();
    noFailures(failures);
  });
}

test('the keyboard checks do catch a hidden focus ring, a positive tabindex and reordered content', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  await page.goto(site.url + '/');
  await page.addStyleTag({ content: '.nav a:focus-visible { outline: none !important; box-shadow: none !important; } .nav li:first-child { order: 2; }' });
  await page.evaluate(() => document.querySelector('.site-footer a').setAttribute('tabindex', '1'));
  const moved = await page.evaluate(reordered);
  const { expected, seen, problems } = await tabThrough(page);
  await ctx.close();
  assert.ok(moved.some((m) => m.includes('order 2')), moved.join('\n'));
  assert.ok(problems.some((p) => p.includes('no focus indicator')), problems.join('\n'));
  // The positive tabindex jumps the queue: the first Tab lands in the footer, not on the skip link.
  assert.notEqual(seen[0], 0);
  assert.ok(expected.length > 5);
});

test('the focus ring is really painted: pixels around a control change when it gets focus', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  await page.goto(site.url + servicePathWithSurvey());
  // Mount the survey widget first: it is fetched when the survey nears the viewport, and on a
  // slow host it would otherwise replace the form while the loop below is tabbing through it.
  assert.ok(await mountSurveyWidget(page), 'survey widget mounted');
  const kinds = ['.skip-link', '.site-header nav a', '.checklist input', 'form.survey input[type=radio]', 'form.survey textarea', 'form.survey button[type=submit]', '.site-footer a'];
  const scratch = await ctx.newPage();
  const failures = [];
  for (const k of kinds) {
    const el = page.locator(k).first();
    // Reach the element by keyboard so :focus-visible applies, as for a real user.
    await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
    let found = false;
    for (let i = 0; i < 200 && !found; i++) {
      await page.keyboard.press('Tab');
      found = await el.evaluate((e) => e === document.activeElement);
    }
    if (!found) { failures.push(`${k}: not reachable by Tab`); continue; }
    const box = await el.boundingBox();
    if (!box) { failures.push(`${k}: focused but not rendered (no bounding box)`); continue; }
    const clip = { x: Math.max(0, box.x - 10), y: Math.max(0, box.y - 10), width: box.width + 20, height: box.height + 20 };
    const focused = await page.screenshot({ clip });
    await el.evaluate((e) => e.blur());
    const blurred = await page.screenshot({ clip });
    const changed = await scratch.evaluate(async ([a, b]) => {
      const load = async (b64) => createImageBitmap(await (await fetch('data:image/png;base64,' + b64)).blob());
      const [x, y] = [await load(a), await load(b)];
      const c = new OffscreenCanvas(x.width, x.height), g = c.getContext('2d');
      g.drawImage(x, 0, 0); const da = g.getImageData(0, 0, x.width, x.height).data;
      g.clearRect(0, 0, x.width, x.height); g.drawImage(y, 0, 0); const db = g.getImageData(0, 0, x.width, x.height).data;
      let n = 0;
      for (let i = 0; i < da.length; i += 4) if (Math.abs(da[i] - db[i]) + Math.abs(da[i + 1] - db[i + 1]) + Math.abs(da[i + 2] - db[i + 2]) > 60) n++;
      return n;
    }, [focused.toString('base64'), blurred.toString('base64')]);
    // A 2 px ring around the box changes at least 2 * perimeter pixels.
    const need = 2 * 2 * (box.width + box.height);
    if (changed < need) failures.push(`${k}: only ${changed} pixels change on focus (need ${Math.round(need)})`);
  }
  await ctx.close();
  noFailures(failures);
});

/** Completes the survey on `path` by keyboard only; returns the post the server received. */
async function completeSurveyByKeyboard(ctx, path, js) {
  const page = await ctx.newPage();
  // Kept for the failure message: a widget that never says thanks says why in its console.
  const consoleLines = [];
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
  await page.goto(site.url + path);
  // With JavaScript on the widget must take the survey over before the keyboard reaches it: if
  // it never mounted, the no-JS form would complete this test in its place.
  if (js) assert.ok(await mountSurveyWidget(page), 'the page has no survey');
  const before = site.posts.length;
  // Tab from the top of the page to the first question, as a keyboard user would.
  let onRadio = false;
  for (let i = 0; i < 300 && !onRadio; i++) {
    await page.keyboard.press('Tab');
    onRadio = await page.evaluate(() => document.activeElement?.matches('form.survey input[type=radio]'));
  }
  assert.ok(onRadio, 'Tab never reached the survey');
  // rating: Space checks the focused (first) radio, arrows move the choice: 1 -> 4.
  assert.equal(await page.evaluate(() => document.activeElement.name), 'rating');
  await page.keyboard.press('Space');
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Tab');
  // got_it: "yes" -> "partly".
  assert.equal(await page.evaluate(() => document.activeElement.name), 'got_it');
  await page.keyboard.press('Space');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.name), 'comment');
  await page.keyboard.type('Всё понятно, спасибо');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('type')), 'submit', 'after the last question Tab must reach the submit button');
  const widget = await page.evaluate(() => !document.querySelector('form.survey[action]'));
  assert.equal(widget, js, js ? 'the survey widget did not replace the no-JS form' : 'the widget ran with JavaScript off');
  if (widget) {
    // The survey widget (WebAssembly) replaced the form: it posts JSON and focuses its thanks.
    await page.keyboard.press('Enter');
    try {
      await page.waitForFunction(() => document.activeElement?.id === 'sw-thanks', null, { timeout: 60_000 });
    } catch (e) {
      // Say what the visitor would see instead of the thanks, so a rare failure can be read.
      const state = await page.evaluate(() => ({
        active: `${document.activeElement?.tagName}#${document.activeElement?.id}[name=${document.activeElement?.getAttribute('name')}]`,
        status: [...document.querySelectorAll('#survey [aria-live], #survey [role=alert], #survey .error')].map((x) => x.textContent.trim()).filter(Boolean),
        checked: [...document.querySelectorAll('#survey input:checked')].map((x) => `${x.name}=${x.value}`),
        comment: document.querySelector('#survey textarea')?.value,
        html: document.querySelector('#survey')?.outerHTML.slice(0, 1500),
      })).catch((err) => ({ evaluateFailed: String(err) }));
      assert.fail(`no thanks after Enter (${e.message.split('\n')[0]}); posts ${site.posts.length - before}; ` +
        `state ${JSON.stringify(state)}; console ${JSON.stringify(consoleLines.slice(-20))}`);
    }
  } else {
    await Promise.all([page.waitForURL(/#survey-thanks$/), page.keyboard.press('Enter')]);
    // The thanks message is shown (CSS :target) and the form is gone.
    assert.ok(await page.locator('#survey-thanks').isVisible(), 'thanks message not visible after submit');
    assert.ok(!(await page.locator('form.survey').isVisible()), 'form still visible after submit');
  }
  assert.equal(site.posts.length, before + 1, 'the answer was not posted');
  await page.close();
  return site.posts.at(-1);
}

for (const js of [true, false]) {
  test(`the survey can be completed by keyboard alone (JavaScript ${js ? 'on' : 'off'})`, async () => {
    const ctx = await browser.newContext({ javaScriptEnabled: js, viewport: { width: 1280, height: 800 } });
    const path = servicePathWithSurvey();
    const post = await completeSurveyByKeyboard(ctx, path, js);
    await ctx.close();
    const slug = path.split('/')[2];
    if (js) {
      // Posted by the widget: an `Answer` as JSON.
      const a = post.json;
      assert.equal(a.service, slug);
      assert.deepEqual(Object.fromEntries(Object.entries(a.answers).map(([k, v]) => [k, String(v)])),
        { rating: '4', got_it: 'partly', comment: 'Всё понятно, спасибо' });
      assert.ok(a.survey && a.version && a.lang && a.client_id, JSON.stringify(a));
      return;
    }
    assert.match(post.contentType, /application\/x-www-form-urlencoded/);
    assert.equal(post.form.service, slug);
    assert.equal(post.form.return_to, path);
    assert.equal(post.form.website, '', 'honeypot must stay empty');
    assert.equal(post.form.rating, '4');
    assert.equal(post.form.got_it, 'partly');
    assert.equal(post.form.comment, 'Всё понятно, спасибо');
    assert.ok(post.form.survey && post.form.version && post.form.lang, JSON.stringify(post.form));
  });
}
