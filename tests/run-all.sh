#!/usr/bin/env bash
# The whole test suite: Rust unit and integration tests, then the browser suites in Debian
# chromium (run `bash .ci/run` once on a fresh machine: it installs what these need).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace
cargo build
echo "== survey widget in chromium"
npm test --prefix tests/browser
echo "== serve live reload in chromium"
node tests/serve-browser/live_reload.mjs
if [ -f tests/a11y/package.json ]; then
  echo "== accessibility in chromium"
  npm test --prefix tests/a11y
fi
