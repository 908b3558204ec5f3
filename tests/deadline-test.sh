#!/usr/bin/env bash
# Checks tests/deadline.sh, the gate that keeps CI from going green without its slow steps: a
# step that fails, is stopped, or is never started must fail the run, saying which and why.
set -uo pipefail
cd "$(dirname "$0")/.."
failures=0

# expect NAME STATUS PATTERN DEADLINE_IN BOUNDED_ARGS...: runs `bounded BOUNDED_ARGS...` in a
# fresh shell (DEADLINE_IN seconds from now as the CI deadline, "-" for none) and checks its exit
# status and that its output matches PATTERN.
expect() {
  local name="$1" want="$2" pattern="$3" deadline_in="$4"
  shift 4
  local deadline="" out status
  [ "$deadline_in" != "-" ] && deadline=$(($(date +%s) + deadline_in))
  out="$(YASNO_CI_DEADLINE="$deadline" bash -c 'source tests/deadline.sh; bounded "$@"; echo after' \
    bounded "$@" 2>&1)"
  status=$?
  if [ "$status" -ne "$want" ] || ! grep -qE "$pattern" <<<"$out"; then
    echo "FAIL: deadline.sh: $name: exit $status (want $want), output:" >&2
    sed 's/^/    /' <<<"$out" >&2
    failures=$((failures + 1))
  else
    echo "ok: deadline.sh: $name"
  fi
}

expect "a passing step lets the run go on" 0 '^after$' - "passing" 10 1 true
expect "a failing step fails the run" 1 'error: failing failed \(exit status 3' - \
  "failing" 10 1 bash -c 'exit 3'
expect "a step killed by something else is a failure, not a stop" 1 'error: killed failed \(exit status 137' - \
  "killed" 60 1 bash -c 'kill -KILL $$'
expect "a step stopped by its own limit fails the run" 1 'NOT FINISHED: slow was stopped by its own limit' - \
  "slow" 1 0 sleep 20
expect "a step stopped by the CI deadline fails the run" 1 'NOT FINISHED: slow was stopped by the CI deadline' 2 \
  "slow" 60 1 sleep 20
expect "a step not started for lack of time fails the run" 1 'NOT RUN: late: only' 5 \
  "late" 60 30 true

# A stopped step leaves nothing running, even a child that ignores SIGTERM (as a test runner's
# child once did, holding the log's pipe open).
pid_file="$(mktemp)"
expect "a stopped step's stubborn child is ended too" 1 'NOT FINISHED: stubborn' - \
  "stubborn" 1 0 bash -c "(trap '' TERM; sleep 60) >/dev/null 2>&1 & echo \$! >$pid_file; wait"
sleep 0.5
# A killed process whose parent is gone may stay a zombie (state Z) until it is reaped: gone too.
if ps -o stat= -p "$(cat "$pid_file")" | grep -qv '^Z'; then
  echo "FAIL: deadline.sh: a child of a stopped step is still running" >&2
  kill -KILL "$(cat "$pid_file")"
  failures=$((failures + 1))
else
  echo "ok: deadline.sh: nothing of a stopped step is left running"
fi
rm -f "$pid_file"

[ "$failures" -eq 0 ] || { echo "error: tests/deadline.sh: $failures check(s) failed" >&2; exit 1; }
