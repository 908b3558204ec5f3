#!/usr/bin/env bash
# Instructions (callgrind) of `yasno check` and of a fresh-clone `yasno build` on the
# bureaucratic corpus: unlike wall time, the count is the same on a busy machine, so
# before/after comparisons of speed work hold under load. Prints the totals and peak RSS.
# Usage: benches/instructions.sh [N]   (default: 1000; YASNO=path/to/binary to compare builds)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000}"
if [ -z "${YASNO:-}" ]; then
  cargo build --release --quiet
  YASNO="$PWD/target/release/yasno"
fi
DIR="$(python3 benches/bench.py corpus bureaucratic "$N")"
WORK="$(mktemp -d "${BENCH_DIR:-/dev/shm/yasno-bench}/instr.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
count() { # name, command...: callgrind total and peak RSS of one run
  local name="$1"; shift
  valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.out" "$@" >"$WORK/out" 2>"$WORK/err" || true
  local ir
  ir="$(grep -Eo 'Collected : [0-9]+' "$WORK/err" | grep -Eo '[0-9]+')"
  /usr/bin/time -f '%M' -o "$WORK/rss" "$@" >/dev/null 2>&1 || true
  printf '%-34s %6.3f G instructions  %4d MiB peak RSS\n' "$name" \
    "$(echo "$ir / 1000000000" | bc -l)" "$(( $(tail -1 "$WORK/rss") / 1024 ))"
}
cp -r "$DIR/yasno" "$WORK/site"
count "check, $N pages, cold (human)" "$YASNO" check --no-cache --today 2026-06-01 --root "$WORK/site"
count "check, $N pages, cold (json)" "$YASNO" check --no-cache --today 2026-06-01 --root "$WORK/site" --format json
fresh() { rm -rf "$WORK/site/.yasno-cache" "$WORK/out-site"; }
fresh
valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.out" "$YASNO" build --root "$WORK/site" \
  --output "$WORK/out-site" >"$WORK/out" 2>"$WORK/err" || true
ir="$(grep -Eo 'Collected : [0-9]+' "$WORK/err" | grep -Eo '[0-9]+')"
fresh
/usr/bin/time -f '%M' -o "$WORK/rss" "$YASNO" build --root "$WORK/site" --output "$WORK/out-site" >/dev/null 2>&1
printf '%-34s %6.3f G instructions  %4d MiB peak RSS\n' "build, $N services, fresh clone" \
  "$(echo "$ir / 1000000000" | bc -l)" "$(( $(tail -1 "$WORK/rss") / 1024 ))"
# The same build again: caches and output from the build just made.
count "build, $N services, again" "$YASNO" build --root "$WORK/site" --output "$WORK/out-site"
