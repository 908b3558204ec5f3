// The built example site: taken from $YASNO_SITE_DIR, or built once (with the binary that
// ../../yasno-command.mjs chooses).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { yasnoCommand } from '../../yasno-command.mjs';

/** The repository root (tests/a11y/lib -> ../../..). */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** The suite folder (tests/a11y). */
export const SUITE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Builds the example site into a fresh temporary folder and returns its path. */
export function buildSite() {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'yasno-a11y-site-'));
  const args = ['build', '--root', '.', '--output', out];
  const [cmd, argv] = yasnoCommand(args);
  const r = spawnSync(cmd, argv, { cwd: REPO, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`${cmd} build failed with status ${r.status}`);
  return out;
}

/** The folder with the built site (env YASNO_SITE_DIR wins; otherwise builds once per process). */
let cached;
export function siteDir() {
  if (process.env.YASNO_SITE_DIR) return process.env.YASNO_SITE_DIR;
  cached ??= buildSite();
  return cached;
}

/** Every HTML page in the output, as site paths ("/", "/services/x/", "/404.html"), sorted. */
export function pagePaths(dir = siteDir()) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.html')) {
        const rel = '/' + path.relative(dir, p).split(path.sep).join('/');
        out.push(rel.endsWith('/index.html') ? rel.slice(0, -'index.html'.length) : rel);
      }
    }
  };
  walk(dir);
  return out.sort();
}

/** The file of the site path `p` (a folder's path names its index.html). */
export function pageFile(dir, p) {
  return p.endsWith('.html') ? path.join(dir, p) : path.join(dir, p, 'index.html');
}

// The kind of page `p` is, by the template that made it: "/services/*/", "/q/*/*/", "/", …
// A translated page (/en/…, /uz/…) is of its source's kind: one template per kind is enough.
function pageKind(p) {
  return p.replace(/^\/(en|uz|tg|ky)\//, '/').replace(/^\/(q|posters)\/[^/]+\/[^/]+\/$/, '/$1/*/*/').replace(/^\/(services|categories|posters)\/[^/]+\/$/, '/$1/*/');
}

/**
 * One page of each kind (each template: home, 404, accessibility, contacts, FAQ, category,
 * service, survey landing page, poster index, location posters, A4 poster), the one with the
 * most HTML, since the most content is the likeliest to break a layout; plus the first service
 * page with the survey, which the keyboard and target checks also use. The slower checks walk
 * this list; axe's WCAG run and the 320 px reflow check walk every page.
 */
export function representativePaths(dir = siteDir()) {
  const biggest = new Map();
  for (const p of pagePaths(dir)) {
    const file = pageFile(dir, p);
    const size = fs.statSync(file).size;
    const kind = pageKind(p);
    if (!biggest.has(kind) || size > biggest.get(kind).size) biggest.set(kind, { p, size });
  }
  const chosen = new Set([...biggest.values()].map((v) => v.p));
  chosen.add(servicePathWithSurvey(dir));
  return [...chosen].sort();
}

/** The first service page ("/services/<slug>/") that carries a survey form. */
export function servicePathWithSurvey(dir = siteDir()) {
  for (const p of pagePaths(dir)) {
    if (!/^\/services\/[^/]+\/$/.test(p)) continue;
    const html = fs.readFileSync(path.join(dir, p, 'index.html'), 'utf8');
    if (html.includes('class="survey"')) return p;
  }
  throw new Error('no service page with a survey form in the built site');
}

/**
 * Runs the tests named by `pattern` in the suite file `file` against the built site in `dir`
 * (a guard test uses it to show that a site-wide test fails on a broken copy of the site);
 * returns { status, out } with stdout and stderr together.
 */
export function runTestsOn(dir, file, pattern) {
  // NODE_TEST_CONTEXT would make the inner runner report to us instead of running normally;
  // YASNO_INNER_RUN keeps the guard tests from running themselves again.
  const env = { ...process.env, YASNO_SITE_DIR: dir, YASNO_INNER_RUN: '1' };
  delete env.NODE_TEST_CONTEXT;
  const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', `--test-name-pattern=${pattern}`, file],
    { cwd: SUITE, encoding: 'utf8', env, timeout: 900_000 }); // generous: CI machines may be shared
  return { status: r.status, out: r.stdout + r.stderr };
}
