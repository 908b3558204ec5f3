#!/usr/bin/env bash
# Lighthouse performance score of a service page (mobile and desktop presets, median of RUNS=3).
# The score depends on the host's CPU, so it is a benchmark, not a test: check `vmstat 1 5`
# for CPU steal (the "st" column) before trusting a figure. Needs `bash tests/a11y/setup.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
exec node tests/a11y/bench/lighthouse.mjs
