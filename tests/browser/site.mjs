// Builds the example site (content/ at the repository root) with `yasno build` into a fresh
// temporary folder; the browser tests serve it from a recording server on 127.0.0.1.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { yasnoCommand } from "../yasno-command.mjs";

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** A service of the example site that uses the default survey. */
export const SERVICE = "naznachenie-opekuna";

/**
 * Runs `yasno build` and returns the output folder and the service page path (see
 * ../yasno-command.mjs for which binary).
 */
export function buildSite() {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "yasno-browser-"));
  const args = ["build", "--root", ".", "--output", out];
  const [cmd, argv] = yasnoCommand(args);
  execFileSync(cmd, argv, {
    cwd: repo,
    stdio: ["ignore", "ignore", "inherit"],
  });
  return { root: out, servicePath: `/services/${SERVICE}/` };
}
