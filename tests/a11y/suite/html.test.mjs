// The W3C Nu HTML Checker on every page of the built site (posters, survey landing pages and
// the 404 page too): zero errors. Warnings may stay. A copy of the site with an invalid page
// added must fail, naming that page's errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { noFailures } from '../lib/browser.mjs';
import { htmlErrors } from '../lib/html.mjs';
import { siteDir, pagePaths, pageFile, runTestsOn, SUITE } from '../lib/site.mjs';

test('the W3C Nu HTML Checker finds no error on any page', () => {
  const dir = siteDir();
  const pages = pagePaths(dir);
  assert.ok(pages.length >= 5, `expected a real site, got ${pages.length} pages`);
  console.log(`vnu: checking ${pages.length} pages`);
  noFailures(htmlErrors(pages.map((p) => pageFile(dir, p)), dir));
});

test('the site-wide HTML check fails when an invalid page is added to the site', { skip: !!process.env.YASNO_INNER_RUN }, () => {
  // Copy the built site, add the invalid fixture as /services/invalid/, and run the real test.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yasno-a11y-invalid-'));
  fs.cpSync(siteDir(), dir, { recursive: true });
  fs.cpSync(path.join(SUITE, 'fixtures', 'invalid'), path.join(dir, 'services', 'invalid'), { recursive: true });
  const { status, out } = runTestsOn(dir, fileURLToPath(import.meta.url), 'no error on any page');
  fs.rmSync(dir, { recursive: true, force: true });
  assert.notEqual(status, 0, `the check passed a site with an invalid page:\n${out}`);
  // The fixture's two errors, at their lines: a <time> whose text is no date and has no
  // datetime (the example site's own former error), and a <div> as a child of <ul>.
  assert.match(out, /services\/invalid\/index\.html:7:\d+: .*time/);
  assert.match(out, /services\/invalid\/index\.html:8:\d+: .*div/);
  // Only the added page fails.
  const files = new Set([...out.matchAll(/^\s*(\S+\.html):\d+:\d+: /gm)].map((m) => m[1]));
  assert.deepEqual([...files], ['services/invalid/index.html'], out);
});
