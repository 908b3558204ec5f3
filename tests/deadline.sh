# Sourced by .ci/run and tests/run-all.sh: runs a slow step under a time limit and, in CI, under
# the run's deadline ($YASNO_CI_DEADLINE, seconds since the epoch, set by .ci/run). A step that
# reaches the deadline is stopped and reported NOT FINISHED (NOT RUN when less than its minimum
# is left), and the run goes on: a run killed at CI's own limit lands nothing. A step that failed
# before that (non-zero exit, or a test reported `not ok`/`✖`) still fails the run.

# Names of the steps the deadline cut short, for a closing line.
unfinished=()

# bounded NAME CAP MIN COMMAND...: CAP is the step's own limit in seconds, MIN the least time
# worth starting it with.
bounded() {
  local name="$1" cap="$2" min="$3"
  shift 3
  local limit="$cap" by_deadline=0
  if [ -n "${YASNO_CI_DEADLINE:-}" ]; then
    local left=$((YASNO_CI_DEADLINE - $(date +%s)))
    if [ "$left" -lt "$min" ]; then
      echo "NOT RUN: $name: ${left}s left before the CI deadline"
      unfinished+=("$name (not run)")
      return 0
    fi
    if [ "$left" -lt "$cap" ]; then limit="$left"; by_deadline=1; fi
  fi
  echo "== $name (limit ${limit}s; $(date -u +%H:%M:%S), ${SECONDS}s)"
  local log status=0
  log="$(mktemp)"
  timeout --kill-after=30 "$limit" "$@" 2>&1 | tee "$log" || status=$?
  local failed=0
  grep -qE '^[[:space:]]*not ok |✖' "$log" && failed=1
  rm -f "$log"
  if [ "$status" -eq 0 ]; then return 0; fi
  if [ "$failed" -eq 1 ]; then
    echo "error: $name: a test failed (above)" >&2
    exit 1
  fi
  if [ "$status" -eq 124 ] && [ "$by_deadline" -eq 1 ]; then
    echo "NOT FINISHED: $name: stopped at the CI deadline with nothing failed so far"
    unfinished+=("$name (stopped at the deadline)")
    return 0
  fi
  echo "error: $name exited with status $status" >&2
  exit 1
}
