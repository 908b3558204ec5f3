#!/usr/bin/env bash
# The whole test suite: Rust unit and integration tests, then the browser suites in Debian
# chromium (run `bash .ci/run` once on a fresh machine: it installs what these need).
set -euo pipefail
cd "$(dirname "$0")/.."

# The time-limit gate below must fail a run whose suites did not all run to their end; check
# that first (3 s).
bash tests/deadline-test.sh

# Each phase prints its start time, so a slow host's log says where the time went.
phase() { echo "== $1 ($(date -u +%H:%M:%S), ${SECONDS}s into the tests)"; }

# zbar-tools (the QR tests' second decoder), Debian's PostgreSQL (the collector's PostgreSQL
# tests start a throwaway cluster of it), Debian's chromium and Java, the browser suites' npm
# packages and nginx (the deployment tests) download while cargo compiles: on a slow registry
# that took 22 min in CI. The setups do nothing when all is installed.
setup_log="$(mktemp)"
(bash tests/qr/setup.sh && bash tests/pg/setup.sh && bash tests/browser/setup.sh \
  && bash tests/serve-browser/setup.sh && bash tests/a11y/setup.sh && bash tests/deploy/setup.sh \
  && bash tests/handbook-browser/setup.sh) \
  >"$setup_log" 2>&1 &
setup_pid=$!

# The widget crate has no native tests, and compiling Yew for the host would only cost time:
# its wasm32 bundle (committed, checked against its sources by build.rs) is what the browser
# suites below exercise. The widget's build tool has no tests either.
cargo_test=(cargo test --workspace --exclude yasno-survey-widget --exclude yasno-widget-build)
phase "cargo test: compile"
"${cargo_test[@]}" --no-run
# The tests run once the setups are done: the QR poster test prints with chromium, the
# deployment tests run nginx, the PostgreSQL tests start a cluster.
phase "waiting for PostgreSQL, nginx, chromium and the npm packages"
if ! wait "$setup_pid"; then
  cat "$setup_log"
  echo "error: installing PostgreSQL, nginx, chromium or the browser suites' packages failed (log above)" >&2
  exit 1
fi
cat "$setup_log"
phase "cargo test: run"
"${cargo_test[@]}"
# The suites below run the binary that `cargo test` built for the integration tests. A
# `cargo build` or `cargo run` here would compile much of the tree again: without the
# dev-dependencies, shared crates (syn, serde, ...) resolve to other feature sets.
export YASNO="${CARGO_TARGET_DIR:-$PWD/target}/debug/yasno"

# Every browser suite must run to its end: one that fails, hangs past its limit, or is not
# started for lack of time before CI's deadline fails the run (tests/deadline.sh). Here, on 2
# cores shared with other builds, they took 32 s (widget), 7 s (live reload) and 4 min
# (accessibility and HTML validation); the limits leave a slow host 7-40 times that.
source tests/deadline.sh
bounded "survey widget in chromium" 600 60 npm test --prefix tests/browser
bounded "serve live reload in chromium" 300 30 node tests/serve-browser/live_reload.mjs
bounded "accessibility and valid HTML in chromium" 1800 300 npm test --prefix tests/a11y
# The staff handbook opened from file:// (25 s here).
bounded "staff handbook from file:// in chromium" 600 60 npm test --prefix tests/handbook-browser
phase "done"
