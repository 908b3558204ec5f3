// The W3C Nu HTML Checker on every page of the built site (posters, survey landing pages and
// the 404 page too): zero errors. Warnings may stay. A copy of the site with an invalid page
// added must fail, naming that page's errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { noFailures } from '../lib/browser.mjs';
import { htmlErrors } from '../lib/html.mjs';
import { siteDir, pagePaths, pageFile, SUITE } from '../lib/site.mjs';

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
  // NODE_TEST_CONTEXT would make the inner runner report to us instead of running normally.
  const env = { ...process.env, YASNO_SITE_DIR: dir, YASNO_INNER_RUN: '1' };
  delete env.NODE_TEST_CONTEXT;
  const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', '--test-name-pattern=no error on any page', fileURLToPath(import.meta.url)],
    { cwd: SUITE, encoding: 'utf8', env, timeout: 900_000 });
  fs.rmSync(dir, { recursive: true, force: true });
  const out = r.stdout + r.stderr;
  assert.notEqual(r.status, 0, `the check passed a site with an invalid page:\n${out}`);
  // The fixture's two errors, at their lines: a <time> whose text is no date and has no
  // datetime (the example site's own former error), and a <div> as a child of <ul>.
  assert.match(out, /services\/invalid\/index\.html:7:\d+: .*time/);
  assert.match(out, /services\/invalid\/index\.html:8:\d+: .*div/);
  // Only the added page fails.
  const files = new Set([...out.matchAll(/^\s*(\S+\.html):\d+:\d+: /gm)].map((m) => m[1]));
  assert.deepEqual([...files], ['services/invalid/index.html'], out);
});
