#!/usr/bin/env bash
# The text rules' share: a fresh-clone build and a cold `yasno check` with the default rules
# and with every rule off (the corpus's site copied, files hard-linked), beside Hugo,
# interleaved, median wall and peak RSS, output to log files.
# Usage: benches/floor_bench.sh [N ...]   (default: 10000; CORPUS=plain for the plain corpus)
source "$(dirname "$0")/common.sh"
if [ $# -eq 0 ]; then set -- 10000; fi
CORPUS="${CORPUS:-bureaucratic}" python3 benches/bench.py floor "$@"
