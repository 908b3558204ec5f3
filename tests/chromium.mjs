// Which chromium every browser suite starts, and with which flags. The flags live in
// chromium-flags.json so that the Rust poster test (tests/integration/qr.rs) reads the same list.
import fs from "node:fs";

/** Debian's chromium (never a browser downloaded by playwright); `CHROMIUM_PATH` overrides. */
export const CHROMIUM = process.env.CHROMIUM_PATH || process.env.CHROMIUM || "/usr/bin/chromium";

/** The flags the project requires; playwright adds a fresh --user-data-dir itself. */
export const CHROMIUM_FLAGS = JSON.parse(
  fs.readFileSync(new URL("./chromium-flags.json", import.meta.url), "utf8"),
);
