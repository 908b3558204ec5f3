// Lighthouse 12.2.3 (npm, installed in this folder) against Debian's chromium: accessibility and
// performance scores.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { CHROMIUM, CHROMIUM_FLAGS } from '../../tests/a11y/lib/browser.mjs';

const require = createRequire(import.meta.url);
/** The Lighthouse command line script inside node_modules. */
export const LIGHTHOUSE_CLI = path.join(path.dirname(require.resolve('lighthouse/package.json')), 'cli', 'index.js');

/**
 * Runs Lighthouse on `url` (default: mobile emulation with simulated throttling; `desktop` uses
 * the desktop preset). Returns { accessibility, performance, failedA11yAudits, metrics, version,
 * benchmarkIndex, args, cls, totalBytes }.
 */
export async function runLighthouse(url, { desktop = false } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yasno-lh-'));
  const out = path.join(dir, 'report.json');
  const args = [LIGHTHOUSE_CLI, url, '--only-categories=accessibility,performance', '--output=json',
    `--output-path=${out}`, '--quiet', `--chrome-flags=${CHROMIUM_FLAGS.join(' ')} --user-data-dir=${path.join(dir, 'profile')}`,
    ...(desktop ? ['--preset=desktop'] : [])];
  // Asynchronous on purpose: the site's server runs in this same process and must keep answering.
  const child = spawn(process.execPath, args, { env: { ...process.env, CHROME_PATH: CHROMIUM }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  child.stdout.resume();
  // SIGINT lets Lighthouse's chrome-launcher close the browser it started.
  const timer = setTimeout(() => child.kill('SIGINT'), 240_000);
  const status = await new Promise((ok) => child.on('close', ok));
  clearTimeout(timer);
  if (status !== 0) throw new Error(`lighthouse failed (${status}): ${stderr}`);
  const report = JSON.parse(fs.readFileSync(out, 'utf8'));
  fs.rmSync(dir, { recursive: true, force: true });
  const cat = report.categories;
  const failedA11yAudits = cat.accessibility.auditRefs
    .map((a) => report.audits[a.id]).filter((a) => a.score !== null && a.score < 1).map((a) => `${a.id}: ${a.title}`);
  const metrics = Object.fromEntries(['first-contentful-paint', 'largest-contentful-paint', 'total-blocking-time', 'cumulative-layout-shift', 'speed-index']
    .map((k) => [k, report.audits[k]?.displayValue]));
  return { accessibility: Math.round(cat.accessibility.score * 100), performance: Math.round(cat.performance.score * 100),
    failedA11yAudits, metrics, version: report.lighthouseVersion, benchmarkIndex: report.environment.benchmarkIndex, args,
    cls: report.audits['cumulative-layout-shift'].numericValue, totalBytes: report.audits['total-byte-weight'].numericValue };
}
