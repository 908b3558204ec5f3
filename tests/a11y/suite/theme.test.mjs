// The default theme's accessibility claims (issue 2), checked in the browser on the
// representative pages (lib/site.mjs):
// base font >= 18 px, line height >= 1.5, body text contrast >= 7:1 (AAA), no italics and no
// underline except links, skip link, landmarks, lang, one h1, print stylesheet, no web fonts,
// and pages that read the same with JavaScript disabled.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, axe, describe, presetA11y, noFailures } from '../lib/browser.mjs';
import { serve } from '../lib/server.mjs';
import { siteDir, representativePaths, servicePathWithSurvey } from '../lib/site.mjs';

let browser, site;
before(async () => { browser = await launch(); site = await serve(siteDir()); });
after(async () => { await browser?.close(); await site?.close(); });

/** A staff A4 poster or QR sheet page (/posters/<tag>/ and /posters/<tag>/<slug>/). */
const isPrintSheet = (p) => /^\/posters\/[^/]+\//.test(p);

/** In page: structural and typographic facts about the page. */
function pageFacts() {
  const visible = (e) => { const r = e.getBoundingClientRect(); return r.width > 1 && r.height > 1 && getComputedStyle(e).visibility !== 'hidden'; };
  const textEls = [...document.body.querySelectorAll('*')].filter((e) =>
    [...e.childNodes].some((n) => n.nodeType === 3 && n.data.trim()) && visible(e) && !e.closest('.visually-hidden, .hp, script, style'));
  const italic = textEls.filter((e) => getComputedStyle(e).fontStyle !== 'normal').map((e) => e.tagName.toLowerCase() + ': ' + e.textContent.trim().slice(0, 30));
  const underlined = [];
  for (const e of document.body.querySelectorAll('*')) {
    const d = getComputedStyle(e).textDecorationLine;
    if (/underline|overline|line-through/.test(d) && !e.closest('a') && visible(e)) underlined.push(`${e.tagName.toLowerCase()} (${d}): ${e.textContent.trim().slice(0, 30)}`);
  }
  const bodyText = [...document.querySelectorAll('main p, main li, main dd, main td')].filter(visible);
  const lineHeights = bodyText.map((e) => { const cs = getComputedStyle(e); return parseFloat(cs.lineHeight) / parseFloat(cs.fontSize); });
  const fontSizes = bodyText.map((e) => parseFloat(getComputedStyle(e).fontSize));
  const landmarks = {
    banner: [...document.querySelectorAll('header')].filter((h) => !h.closest('article, aside, main, nav, section')).length,
    main: document.querySelectorAll('main').length,
    nav: document.querySelectorAll('nav').length,
    contentinfo: [...document.querySelectorAll('footer')].filter((f) => !f.closest('article, aside, main, nav, section')).length,
  };
  const printRules = [];
  const fontFaces = [];
  for (const sheet of document.styleSheets) {
    const walk = (rules) => { for (const r of rules) {
      if (r instanceof CSSMediaRule && /print/.test(r.media.mediaText)) printRules.push(r.cssRules.length);
      if (r instanceof CSSFontFaceRule) fontFaces.push(r.cssText.slice(0, 80));
      if (r.cssRules) walk(r.cssRules);
    } };
    walk(sheet.cssRules);
  }
  const skip = document.querySelector('a.skip-link');
  const firstFocusable = document.querySelector('a[href], button, input, select, textarea');
  return {
    lang: document.documentElement.lang, h1: document.querySelectorAll('h1').length,
    bodyFont: parseFloat(getComputedStyle(document.body).fontSize),
    minFont: Math.min(...fontSizes), minLineHeight: Math.min(...lineHeights),
    italic, underlined, landmarks, printRules, fontFaces, fontsLoaded: document.fonts.size,
    skipHref: skip?.getAttribute('href'), skipFirst: skip === firstFocusable,
    skipTarget: skip ? !!document.querySelector(skip.getAttribute('href')) : false,
  };
}

test('every template: lang, one h1, landmarks, skip link, 18 px text, line height 1.5, no italics or stray underline, print CSS, no web fonts', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  const fontRequests = [];
  page.on('request', (r) => { if (r.resourceType() === 'font' || /\.(woff2?|ttf|otf|eot)(\?|$)/.test(r.url())) fontRequests.push(r.url()); });
  const failures = [];
  // The A4 posters and QR sheets (/posters/<tag>/…) are staff print sheets, not public pages:
  // no site header, footer or skip link, print-sized type. They are left out here and checked by
  // the smaller test below; axe, keyboard, reflow and targets still check them like other pages.
  for (const p of representativePaths().filter((x) => !isPrintSheet(x))) {
    await page.goto(site.url + p);
    const f = await page.evaluate(pageFacts);
    const bad = [];
    if (!/^(ru|en|uz|tg|ky)$/.test(f.lang)) bad.push(`lang="${f.lang}"`);
    // A page under /<lang>/ is in that language; the others are Russian.
    const inLang = (p.match(/^\/(en|uz|tg|ky)\//) || [null, 'ru'])[1];
    if (!isPrintSheet(p) && !p.startsWith('/q/') && f.lang !== inLang) bad.push(`page of ${inLang} with lang="${f.lang}"`);
    if (f.h1 !== 1) bad.push(`${f.h1} h1 elements`);
    for (const [k, n] of Object.entries(f.landmarks)) if (n < 1 || (k !== 'nav' && n > 1)) bad.push(`${n} ${k} landmarks`);
    if (f.skipHref !== '#main' || !f.skipFirst || !f.skipTarget) bad.push(`skip link: href=${f.skipHref} first=${f.skipFirst} target=${f.skipTarget}`);
    if (f.bodyFont < 18) bad.push(`body font ${f.bodyFont}px`);
    if (f.minFont < 18) bad.push(`body text as small as ${f.minFont}px`);
    if (f.minLineHeight < 1.5) bad.push(`line height as low as ${f.minLineHeight.toFixed(2)}`);
    if (f.italic.length) bad.push(`italic text: ${f.italic.slice(0, 3).join('; ')}`);
    if (f.underlined.length) bad.push(`underline outside links: ${f.underlined.slice(0, 3).join('; ')}`);
    if (!f.printRules.length || !f.printRules.some((n) => n > 0)) bad.push('no print stylesheet');
    if (f.fontFaces.length) bad.push(`@font-face: ${f.fontFaces.join('; ')}`);
    if (f.fontsLoaded) bad.push(`${f.fontsLoaded} web fonts loaded`);
    if (bad.length) failures.push(`${p}: ${bad.join(', ')}`);
  }
  if (fontRequests.length) failures.push(`font downloads: ${fontRequests.join(', ')}`);
  await ctx.close();
  noFailures(failures);
});

test('staff print sheets (/posters/<tag>/…): lang, one h1, a main landmark, no web fonts', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  const sheets = representativePaths().filter(isPrintSheet);
  assert.ok(sheets.length > 0, 'no poster pages found');
  const failures = [];
  for (const p of sheets) {
    await page.goto(site.url + p);
    const f = await page.evaluate(pageFacts);
    const bad = [];
    if (!/^(ru|en|uz|tg|ky)$/.test(f.lang)) bad.push(`lang="${f.lang}"`);
    if (f.h1 !== 1) bad.push(`${f.h1} h1 elements`);
    if (f.landmarks.main !== 1) bad.push(`${f.landmarks.main} main landmarks`);
    if (!f.printRules.length) bad.push('no print stylesheet');
    if (f.fontFaces.length || f.fontsLoaded) bad.push('web fonts');
    if (bad.length) failures.push(`${p}: ${bad.join(', ')}`);
  }
  await ctx.close();
  noFailures(failures);
});

test('the theme checks do catch italics, stray underline, a second h1, a missing lang and small text', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(site.url + '/');
  await page.evaluate(() => {
    document.documentElement.removeAttribute('lang');
    const m = document.querySelector('main .wrap');
    m.insertAdjacentHTML('beforeend', '<h1>Second</h1><p style="font-style:italic">Slanted</p><p><span style="text-decoration:underline">Not a link</span></p><p style="font-size:14px;line-height:1.2">Small</p>');
  });
  const f = await page.evaluate(pageFacts);
  await ctx.close();
  assert.equal(f.lang, '');
  assert.equal(f.h1, 2);
  assert.ok(f.italic.some((x) => x.includes('Slanted')), f.italic.join());
  assert.ok(f.underlined.some((x) => x.includes('Not a link')), f.underlined.join());
  assert.equal(f.minFont, 14);
  assert.ok(f.minLineHeight < 1.5);
});

test('the skip link is shown on focus and moves focus to the main content', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  await page.goto(site.url + servicePathWithSurvey());
  assert.ok(!(await page.locator('.skip-link').evaluate((e) => { const r = e.getBoundingClientRect(); return r.bottom > 0; })), 'skip link should be off screen until focused');
  await page.keyboard.press('Tab');
  const box = await page.locator('.skip-link').boundingBox();
  assert.ok(box.y >= 0 && box.height >= 24, `skip link not shown on focus: ${JSON.stringify(box)}`);
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
  // The next Tab continues inside main, not back at the header.
  await page.keyboard.press('Tab');
  assert.ok(await page.evaluate(() => !!document.activeElement.closest('main')), 'Tab after the skip link should stay in main');
  await ctx.close();
});

test('body text contrast is at least 7:1 (axe color-contrast-enhanced) on every template and in every scheme', async () => {
  const failures = [];
  const settings = [null, { scheme: 'bw' }, { scheme: 'wb' }, { scheme: 'blue' }];
  for (const s of settings) {
    const ctx = await browser.newContext();
    if (s) await presetA11y(ctx, s);
    const page = await ctx.newPage();
    const pages = s ? ['/', servicePathWithSurvey(), '/contacts/'] : representativePaths();
    for (const p of pages) {
      await page.goto(site.url + p);
      if (await page.locator('.a11y-toggle').isVisible()) await page.click('.a11y-toggle');
      const v = await axe(page, { runOnly: { type: 'rule', values: ['color-contrast-enhanced'] } });
      if (v.length) failures.push(`${p} ${s ? JSON.stringify(s) : 'default'}:\n${describe(v)}`);
    }
    await ctx.close();
  }
  noFailures(failures);
});

test('print stylesheet: navigation, panel and survey are left out, text is black on white', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(site.url + servicePathWithSurvey());
  await page.emulateMedia({ media: 'print' });
  const r = await page.evaluate(() => ({
    nav: getComputedStyle(document.querySelector('.site-header nav')).display,
    panel: getComputedStyle(document.querySelector('.a11y-bar')).display,
    survey: getComputedStyle(document.querySelector('#survey')).display,
    h1: getComputedStyle(document.querySelector('h1')).display,
    color: getComputedStyle(document.body).color, bg: getComputedStyle(document.body).backgroundColor,
  }));
  assert.deepEqual(r, { nav: 'none', panel: 'none', survey: 'none', h1: 'block', color: 'rgb(0, 0, 0)', bg: 'rgb(255, 255, 255)' });
  const pdf = await page.pdf({ format: 'A4' });
  assert.ok(pdf.length > 1000 && pdf.subarray(0, 5).toString() === '%PDF-', 'page prints to PDF');
  await ctx.close();
});

test('every template reads the same with JavaScript disabled', async () => {
  const on = await browser.newContext();
  const off = await browser.newContext({ javaScriptEnabled: false });
  const [pOn, pOff] = [await on.newPage(), await off.newPage()];
  const failures = [];
  // The survey section is left out of the text comparison: with JavaScript the Yew widget
  // replaces the no-JS form (on service and /q/ pages). That the no-JS form is there and usable
  // without JavaScript is checked separately through `form` below.
  const facts = () => ({
    main: (() => {
      const m = document.querySelector('main').cloneNode(true);
      m.querySelector('#survey')?.remove();
      document.body.appendChild(m); // innerText needs a rendered node
      const t = m.innerText.replace(/\s+/g, ' ').trim();
      m.remove();
      return t;
    })(),
    nav: [...document.querySelectorAll('nav a')].map((a) => a.href).join(' '),
    h1Visible: document.querySelector('h1').getBoundingClientRect().height > 0,
    form: document.querySelector('form.survey') ? document.querySelector('form.survey').getBoundingClientRect().height > 0 : null,
    noJsForm: !!document.querySelector('#survey form.survey[action][method=post] input[type=radio]'),
    brokenControls: [...document.querySelectorAll('button')].filter((b) => b.getBoundingClientRect().height > 0 && !b.closest('form')).length,
  });
  for (const p of representativePaths()) {
    await pOn.goto(site.url + p);
    await pOff.goto(site.url + p);
    const [a, b] = [await pOn.evaluate(facts), await pOff.evaluate(facts)];
    if (a.main !== b.main) failures.push(`${p}: main text differs without JavaScript`);
    if (a.nav !== b.nav) failures.push(`${p}: navigation differs without JavaScript`);
    if (!b.h1Visible) failures.push(`${p}: h1 not visible without JavaScript`);
    if (a.form !== null && b.form !== true) failures.push(`${p}: survey form not usable without JavaScript`);
    if (b.form !== null && !b.noJsForm) failures.push(`${p}: the no-JS survey form (posting to the collector) is missing`);
    // Buttons that need a script (the panel toggle) must not be shown when scripts are off.
    if (b.brokenControls) failures.push(`${p}: ${b.brokenControls} script-only buttons shown without JavaScript`);
  }
  await on.close(); await off.close();
  noFailures(failures);
});
