# Sourced by .ci/run and tests/run-all.sh: runs a slow step under a time limit and, in CI, under
# the run's deadline ($YASNO_CI_DEADLINE, seconds since the epoch, set by .ci/run). Every step
# must run to its end: one that fails, is stopped by its limit or by the deadline, or is not
# started because less than its minimum is left, fails the run with a message saying which and
# why. The deadline only makes a too-slow run end with that message before CI kills it silently.

# bounded NAME CAP MIN COMMAND...: CAP is the step's own limit in seconds, MIN the least time
# worth starting it with.
bounded() {
  local name="$1" cap="$2" min="$3"
  shift 3
  local limit="$cap" by_deadline=0
  if [ -n "${YASNO_CI_DEADLINE:-}" ]; then
    local left=$((YASNO_CI_DEADLINE - $(date +%s)))
    if [ "$left" -lt "$min" ]; then
      echo "error: NOT RUN: $name: only ${left}s left before the CI deadline (it needs ${min}s);" \
        "the run fails, since a step that did not run proves nothing" >&2
      exit 1
    fi
    if [ "$left" -lt "$cap" ]; then limit="$left"; by_deadline=1; fi
  fi
  echo "== $name (limit ${limit}s; $(date -u +%H:%M:%S), ${SECONDS}s)"
  local started=$SECONDS status=0 pid
  # In the background so that its pid is known: timeout makes it the id of a process group
  # holding the whole step.
  timeout --kill-after=30 "$limit" "$@" &
  pid=$!
  wait "$pid" || status=$?
  # A test runner can outlive the stop (node's runner children were seen to): what is left of
  # the step would hold the log's pipe open, or keep a browser running, so it goes too.
  kill -KILL -- "-$pid" 2>/dev/null || true
  if [ "$status" -eq 0 ]; then
    echo "== $name: passed in $((SECONDS - started))s"
    return 0
  fi
  # 124: stopped by timeout; 137: killed 30 s later, or by something else (then it failed).
  if [ "$status" -eq 124 ] || { [ "$status" -eq 137 ] && [ $((SECONDS - started)) -ge "$limit" ]; }; then
    local why="its own limit of ${limit}s"
    [ "$by_deadline" -eq 1 ] && why="the CI deadline (${limit}s were left)"
    echo "error: NOT FINISHED: $name was stopped by $why; the run fails" >&2
    exit 1
  fi
  echo "error: $name failed (exit status $status, output above)" >&2
  exit 1
}
