#!/usr/bin/env bash
# Fresh-clone build (no .yasno-cache, no output; Hugo without resources/): yasno vs Hugo,
# interleaved, median wall and peak RSS, output to a log file.
# Usage: benches/cold_bench.sh [N ...]   (default: 1000 10000; CORPUS=plain for the plain corpus)
source "$(dirname "$0")/common.sh"
if [ $# -eq 0 ]; then set -- 1000 10000; fi
CORPUS="${CORPUS:-bureaucratic}" python3 benches/bench.py cold "$@"
