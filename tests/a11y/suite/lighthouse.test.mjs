// Lighthouse on a service page: accessibility 100 and performance at least 95 (mobile and desktop).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve } from '../lib/server.mjs';
import { siteDir, servicePathWithSurvey } from '../lib/site.mjs';
import { runLighthouse } from '../lib/lighthouse.mjs';

let site;
before(async () => { site = await serve(siteDir()); });
after(async () => { await site?.close(); });

for (const desktop of [false, true]) {
  test(`Lighthouse ${desktop ? 'desktop' : 'mobile'}: accessibility 100, performance >= 95 on a service page`, () => {
    const url = site.url + servicePathWithSurvey();
    const r = runLighthouse(url, { desktop });
    console.log(`lighthouse ${r.version} ${desktop ? 'desktop' : 'mobile'} ${url}: accessibility ${r.accessibility}, performance ${r.performance} ${JSON.stringify(r.metrics)}`);
    assert.equal(r.version, '12.2.3');
    assert.deepEqual(r.failedA11yAudits, []);
    assert.equal(r.accessibility, 100);
    assert.ok(r.performance >= 95, `performance ${r.performance}`);
  });
}
