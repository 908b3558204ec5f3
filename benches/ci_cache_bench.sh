#!/usr/bin/env bash
# A CI job with a cache step: a new checkout in another folder with the previous build's
# .yasno-cache restored and no output, against Hugo from a fresh clone; interleaved, median
# wall and peak RSS, output to a log file.
# Usage: benches/ci_cache_bench.sh [N ...]   (default: 10000; CORPUS=plain for the plain corpus)
source "$(dirname "$0")/common.sh"
if [ $# -eq 0 ]; then set -- 10000; fi
CORPUS="${CORPUS:-bureaucratic}" python3 benches/bench.py ci "$@"
