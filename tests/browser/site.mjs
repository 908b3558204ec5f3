// Prepares the site the browser tests run against, in a fresh temporary folder.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Newest `$OUT_DIR/widget` of the debug build (interim, until `yasno build` exists). */
function builtWidgetDir() {
  execFileSync("cargo", ["build", "-q"], { cwd: repo, stdio: "inherit" });
  const build = path.join(process.env.CARGO_TARGET_DIR || path.join(repo, "target"), "debug/build");
  const dirs = fs
    .readdirSync(build)
    .filter((d) => d.startsWith("yasno-"))
    .map((d) => path.join(build, d, "out/widget"))
    .filter((d) => fs.existsSync(path.join(d, "survey_bg.wasm")))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  if (!dirs.length) throw new Error("no built widget under " + build);
  return dirs[0];
}

/** Builds the site and returns its folder. */
export function buildSite() {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "yasno-browser-"));
  fs.cpSync(path.join(repo, "tests/browser/fixtures"), out, { recursive: true });
  fs.cpSync(builtWidgetDir(), path.join(out, "widgets"), { recursive: true });
  return { root: out, servicePath: "/services/opeka/" };
}
