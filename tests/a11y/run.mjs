// Entry point for CI: builds the example site once (unless YASNO_SITE_DIR names a built
// folder), then runs every suite file with node --test against it.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildSite, pagePaths, SUITE } from './lib/site.mjs';

const dir = process.env.YASNO_SITE_DIR || buildSite();
console.log(`site: ${dir}\npages checked (${pagePaths(dir).length}):\n  ${pagePaths(dir).join('\n  ')}`);
const only = process.argv.slice(2);
const files = (only.length ? only : fs.readdirSync(path.join(SUITE, 'suite')).filter((f) => f.endsWith('.test.mjs')).sort().map((f) => path.join('suite', f)));
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-force-exit', '--test-reporter=spec', ...files],
  { cwd: SUITE, stdio: 'inherit', env: { ...process.env, YASNO_SITE_DIR: dir } });
// The staff handbook is written beside the output folder (`<dir>-handbook`).
if (!process.env.YASNO_SITE_DIR) for (const d of [dir, `${dir}-handbook`]) fs.rmSync(d, { recursive: true, force: true });
process.exit(r.status ?? 1);
