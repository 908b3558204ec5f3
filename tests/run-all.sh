#!/usr/bin/env bash
# The whole test suite: Rust unit and integration tests, then the browser suites in Debian
# chromium (run `bash .ci/run` once on a fresh machine: it installs what these need).
set -euo pipefail
cd "$(dirname "$0")/.."

# The browser suites' npm packages (Lighthouse alone is ~150) download while cargo compiles:
# on a slow registry that took 22 min in CI. The setups do nothing when all is installed.
setup_log="$(mktemp)"
(bash tests/browser/setup.sh && bash tests/serve-browser/setup.sh && bash tests/a11y/setup.sh) \
  >"$setup_log" 2>&1 &
setup_pid=$!

# The widget crate has no native tests, and compiling Yew for the host would only cost time:
# its wasm32 bundle (committed, checked against its sources by build.rs) is what the browser
# suites below exercise. The widget's build tool has no tests either.
cargo test --workspace --exclude yasno-survey-widget --exclude yasno-widget-build
# The suites below run the binary that `cargo test` built for the integration tests. A
# `cargo build` or `cargo run` here would compile much of the tree again: without the
# dev-dependencies, shared crates (syn, serde, ...) resolve to other feature sets.
export YASNO="${CARGO_TARGET_DIR:-$PWD/target}/debug/yasno"

if ! wait "$setup_pid"; then
  cat "$setup_log"
  echo "error: installing the browser suites' packages failed (log above)" >&2
  exit 1
fi
cat "$setup_log"
echo "== survey widget in chromium"
npm test --prefix tests/browser
echo "== serve live reload in chromium"
node tests/serve-browser/live_reload.mjs
if [ -f tests/a11y/package.json ]; then
  echo "== accessibility in chromium"
  npm test --prefix tests/a11y
fi
