#!/usr/bin/env bash
# `yasno check` with a cold cache on the bureaucratic corpus (human and JSON output to a
# log file), median wall and peak RSS.
# Usage: benches/check_cold_bench.sh [N ...]   (default: 10000)
source "$(dirname "$0")/common.sh"
if [ $# -eq 0 ]; then set -- 10000; fi
CORPUS="${CORPUS:-bureaucratic}" python3 benches/bench.py check "$@"
