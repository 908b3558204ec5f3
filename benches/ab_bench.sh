#!/usr/bin/env bash
# Two yasno binaries alternated on one task, A B A B …: each median, and the ratio B/A of
# each pair. For speed work on this shared host, where a few per cent is below the spread
# of one run (the tables elsewhere compare against Hugo).
# Usage: benches/ab_bench.sh A B TASK N   TASK: cold | build | check | check-json
#   e.g. benches/ab_bench.sh /tmp/yasno-before target/release/yasno check 10000
#   (REPS_LARGE=9 for more pairs; CORPUS=plain for the plain corpus). With `build`, the two
#   share the site's caches: compare binaries that read each other's cache files.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 4 ] || { sed -n 2,8p "$0" >&2; exit 2; }
export BENCH_DIR="${BENCH_DIR:-/dev/shm/yasno-bench}"
YASNO="$(realpath "$1")" YASNO_B="$(realpath "$2")" python3 benches/bench.py ab "$3" "$4"
