#!/usr/bin/env bash
# Where the CPU of a fresh-clone build (or of a cold `yasno check`) goes, on the
# bureaucratic corpus: perf samples of one run, counted by the part of yasno they were
# taken in (benches/profile_share.py), output to a log file as in the benches.
# Usage: benches/profile.sh [build|check] [N]   (default: build 10000)
# Needs perf (Debian: linux-perf). The binary is a release build with frame pointers and
# line tables in its own target folder (target/prof): PGO's binary has neither. Its shares
# are those of the same code inlined otherwise: close to the shipped binary's, not equal.
set -euo pipefail
cd "$(dirname "$0")/.."
WHAT="${1:-build}"
N="${2:-10000}"
command -v perf >/dev/null || { echo "perf is missing (Debian: apt-get install linux-perf)" >&2; exit 1; }
CARGO_PROFILE_RELEASE_DEBUG=line-tables-only RUSTFLAGS="-C force-frame-pointers=yes" \
  cargo build --release --quiet --target-dir target/prof
YASNO="$PWD/target/prof/release/yasno"
export BENCH_DIR="${BENCH_DIR:-/dev/shm/yasno-bench}"
DIR="$(python3 benches/bench.py corpus bureaucratic "$N")"
WORK="$(mktemp -d "$BENCH_DIR/profile.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
# A fresh clone: the corpus's pages (hard-linked, never written), no cache, no output.
mkdir -p "$WORK/site"
cp -al "$DIR/yasno/content" "$WORK/site/content"
case "$WHAT" in
  build) CMD=("$YASNO" build --root "$WORK/site" --output "$WORK/out") ;;
  check) CMD=("$YASNO" check --root "$WORK/site") ;;
  *) echo "usage: benches/profile.sh [build|check] [N]" >&2; exit 2 ;;
esac
# 2 kHz: ~10,000 samples for a 10,000-service build on 2 cores. yasno's exit status is not
# checked (`check` exits 1 on the corpus's errors); a run perf could not record is.
perf record -q -F 2000 -g -o "$WORK/perf.data" -- "${CMD[@]}" >"$WORK/log" 2>&1 || true
if [ ! -s "$WORK/perf.data" ]; then
  echo "perf recorded nothing (see kernel.perf_event_paranoid); its output:" >&2
  tail -n 5 "$WORK/log" >&2
  exit 1
fi
echo "yasno $WHAT, $N bureaucratic services, fresh clone ($(date -u +%F), $(nproc) cores, $BENCH_DIR)"
perf script -i "$WORK/perf.data" -F ip,sym,dso 2>/dev/null | python3 benches/profile_share.py
