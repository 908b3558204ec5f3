#!/usr/bin/env bash
# The whole test suite: Rust unit and integration tests, then the browser suites in Debian
# chromium (run `bash .ci/run` once on a fresh machine: it installs what these need).
set -euo pipefail
cd "$(dirname "$0")/.."
# The widget crate has no native tests, and compiling Yew for the host would only cost time:
# its wasm32 build (build.rs) is what the browser suites below exercise.
cargo test --workspace --exclude yasno-survey-widget
cargo build
echo "== survey widget in chromium"
npm test --prefix tests/browser
echo "== serve live reload in chromium"
node tests/serve-browser/live_reload.mjs
if [ -f tests/a11y/package.json ]; then
  echo "== accessibility in chromium"
  npm test --prefix tests/a11y
fi
