// Lighthouse on a service page: accessibility 100 in every run, and a median performance score
// of at least 95 (mobile and desktop presets). Performance is the median of up to three runs,
// as Lighthouse's docs advise for variance: on a shared CI machine one run is noise-prone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve } from '../lib/server.mjs';
import { siteDir, servicePathWithSurvey } from '../lib/site.mjs';
import { runLighthouse } from '../lib/lighthouse.mjs';

let site;
before(async () => { site = await serve(siteDir()); });
after(async () => { await site?.close(); });

for (const desktop of [false, true]) {
  const preset = desktop ? 'desktop' : 'mobile';
  test(`Lighthouse ${preset}: accessibility 100, median performance >= 95 on a service page`, async () => {
    const url = site.url + servicePathWithSurvey();
    const perf = [];
    // Median of three: stop as soon as two runs agree on pass or fail.
    while (perf.length < 3 && perf.filter((p) => p >= 95).length < 2 && perf.filter((p) => p < 95).length < 2) {
      const r = await runLighthouse(url, { desktop });
      console.log(`lighthouse ${r.version} ${preset} run ${perf.length + 1} ${url}: accessibility ${r.accessibility}, performance ${r.performance} (benchmarkIndex ${r.benchmarkIndex}) ${JSON.stringify(r.metrics)}`);
      assert.equal(r.version, '12.2.3');
      assert.deepEqual(r.failedA11yAudits, []);
      assert.equal(r.accessibility, 100);
      perf.push(r.performance);
    }
    const median = [...perf].sort((a, b) => a - b)[Math.floor((perf.length - 1) / 2) + (perf.length === 2 ? 1 : 0)];
    console.log(`lighthouse ${preset}: performance runs ${perf.join(', ')}; median ${median}`);
    assert.ok(median >= 95, `median performance ${median} (runs ${perf.join(', ')})`);
  });
}
