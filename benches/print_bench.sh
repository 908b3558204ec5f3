#!/usr/bin/env bash
# Cost of printing every finding: a repeated build of the bureaucratic corpus (~70
# findings a page; 7,200 services give ~500,000) with stderr to a log file, printing the
# summary (default) vs every finding (--verbose).
# Usage: benches/print_bench.sh [N]   (default: 7200)
source "$(dirname "$0")/common.sh"
if [ $# -eq 0 ]; then set -- 7200; fi
CORPUS="${CORPUS:-bureaucratic}" python3 benches/bench.py print "$@"
