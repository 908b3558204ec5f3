#!/usr/bin/env bash
# Prints raw, gzip (-9) and brotli (quality 11) sizes of the survey widget files, using Node's
# zlib (no extra tools). Usage: widgets/survey/size.sh [DIR]
# DIR defaults to the bundle of the newest debug build ($OUT_DIR/widget); `public/widgets`
# after `yasno build` works too.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
dir="${1:-}"
if [ -z "$dir" ]; then
  dir="$(ls -td "${CARGO_TARGET_DIR:-$root/target}"/debug/build/yasno-*/out/widget 2>/dev/null | head -1 || true)"
fi
if [ -z "$dir" ] || [ ! -f "$dir/survey_bg.wasm" ]; then
  echo "no widget bundle found; run \`cargo build\` first or pass the folder" >&2
  exit 1
fi
node - "$dir" <<'JS'
const fs = require("fs"), path = require("path"), zlib = require("zlib");
const dir = process.argv[2];
const kb = (n) => (n / 1024).toFixed(1).padStart(7) + " KB";
console.log(`widget bundle: ${dir}`);
console.log("file              raw        gzip -9    brotli 11");
for (const name of ["survey_bg.wasm", "survey.js", "loader.js"]) {
  const bytes = fs.readFileSync(path.join(dir, name));
  const gz = zlib.gzipSync(bytes, { level: 9 }).length;
  const br = zlib.brotliCompressSync(bytes, {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
  }).length;
  console.log(`${name.padEnd(15)} ${kb(bytes.length)} ${kb(gz)} ${kb(br)}   (${bytes.length} / ${gz} / ${br} bytes)`);
}
JS
