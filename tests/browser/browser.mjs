// Headless Debian chromium through playwright-core, with the project's flags (../chromium.mjs)
// and a fresh profile folder per context.
import { chromium } from "playwright-core";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CHROMIUM, CHROMIUM_FLAGS } from "../chromium.mjs";

export { WAIT_MS, waitFor, widgetMounted } from "../waits.mjs";

/** A browser context with its own fresh --user-data-dir; `close()` removes the folder. */
export async function openContext(options = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "yasno-chromium-"));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 360, height: 640 },
    // Playwright's default of 3 min to start is not always enough on a starved CI host.
    timeout: 600000,
    ...options,
  });
  // Every wait returns as soon as its condition holds; the limits are sized for a CI host under
  // heavy CPU steal, where a plain page load took over 30 s (playwright's default).
  context.setDefaultTimeout(120000);
  context.setDefaultNavigationTimeout(120000);
  const close = async () => {
    await context.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { context, close };
}
