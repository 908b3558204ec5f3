#!/usr/bin/env bash
# `serve`: time from writing a service file to the rebuilt page over HTTP, yasno vs Hugo, and
# each server's peak and final RSS (VmHWM, VmRSS).
# Usage: benches/serve_bench.sh [N ...]   (default: 1000 10000); ONLY=yasno skips Hugo.
source "$(dirname "$0")/common.sh"
if [ $# -eq 0 ]; then set -- 1000 10000; fi
python3 benches/bench.py serve "$@"
