// The W3C Nu HTML Checker (npm vnu-jar, pinned in package.json), run with the machine's Java.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
/** The checker's jar inside the npm package. */
export const VNU_JAR = path.join(path.dirname(require.resolve('vnu-jar/package.json')), 'build', 'dist', 'vnu.jar');

/**
 * Checks `files` in one run of the checker; returns its errors (warnings are left out) as
 * `file:line:column: message` lines, with paths relative to `root`.
 */
export function htmlErrors(files, root) {
  const r = spawnSync('java', ['-jar', VNU_JAR, '--errors-only', '--format', 'json', ...files],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 600_000 });
  if (r.error) throw new Error(`could not run java (${r.error.message}): run tests/a11y/setup.sh, which installs default-jre-headless`);
  let report;
  // The JSON report goes to stderr; anything else there (a JVM error) is shown as is.
  try { report = JSON.parse(r.stderr); } catch { throw new Error(`vnu exited with ${r.status} without a report:\n${r.stderr}`); }
  const errors = report.messages.filter((m) => m.type !== 'info').map((m) => {
    const file = m.url ? path.relative(root, new URL(m.url).pathname) : '?';
    return `${file}:${m.lastLine ?? '?'}:${m.firstColumn ?? m.lastColumn ?? '?'}: ${m.message}`;
  });
  if (r.status !== 0 && !errors.length) throw new Error(`vnu exited with ${r.status} and no message:\n${r.stderr}`);
  return errors;
}
