// Lighthouse performance benchmark: RUNS runs (default 3) per preset on a service page of the
// example site; prints each score and the median. Run through `bash benches/lighthouse.sh`.
import fs from 'node:fs';
import { serve } from '../lib/server.mjs';
import { siteDir, servicePathWithSurvey } from '../lib/site.mjs';
import { runLighthouse } from '../lib/lighthouse.mjs';

const runs = Number(process.env.RUNS || 3);
const site = await serve(siteDir());
const url = site.url + servicePathWithSurvey();
for (const desktop of [false, true]) {
  const preset = desktop ? 'desktop' : 'mobile';
  const scores = [];
  for (let i = 0; i < runs; i++) {
    const r = await runLighthouse(url, { desktop });
    scores.push(r.performance);
    console.log(`${preset} run ${i + 1}: performance ${r.performance}, accessibility ${r.accessibility}, benchmarkIndex ${r.benchmarkIndex}, ${JSON.stringify(r.metrics)}`);
  }
  const sorted = [...scores].sort((a, b) => a - b);
  console.log(`${preset}: median performance ${sorted[Math.floor(sorted.length / 2)]} (runs ${scores.join(', ')})`);
}
await site.close();
if (!process.env.YASNO_SITE_DIR) fs.rmSync(siteDir(), { recursive: true, force: true });
