#!/usr/bin/env bash
# Repeated build (caches and output present) of 1,000 and 10,000 generated services: yasno
# vs Hugo, interleaved, median wall and peak RSS. CORPUS=bureaucratic for the legacy-style corpus.
# Usage: benches/build_bench.sh [N ...]   (default: 1000 10000)
source "$(dirname "$0")/common.sh"
if [ $# -eq 0 ]; then set -- 1000 10000; fi
python3 benches/bench.py build "$@"
