#!/usr/bin/env bash
# The release binary with profile-guided optimisation (PGO), as release binaries are made:
# an instrumented build does the work yasno does for an administration (builds, fresh and
# again, checks in both formats and edits under `serve`, on the example site and on
# generated 1,000-service corpora of both styles; answers posted to `collect`), then the
# release build is optimised for the branches and functions that work took. See rustc's
# book, "Profile-guided optimization". It runs 3-6 % fewer instructions than
# `cargo build --release`'s binary (README, Measurements: callgrind; the wall clock of this
# shared host is noisier than that).
#
# Usage: benches/pgo_build.sh   -> target/pgo/yasno
# Needs rustup's llvm-tools component (added here when missing) and Python 3.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK="$PWD/target/pgo"
DATA="$WORK/profiles"
TRAIN="${PGO_TRAIN_DIR:-/dev/shm/yasno-pgo-train}"

rustup component add llvm-tools-preview >/dev/null
PROFDATA="$(find "$(rustc --print sysroot)" -name llvm-profdata -type f | head -n 1)"
[ -x "$PROFDATA" ] || { echo "llvm-profdata is not in the toolchain" >&2; exit 1; }
rm -rf "$DATA" "$TRAIN"
mkdir -p "$DATA" "$TRAIN"

# The host named as the target: RUSTFLAGS then reach yasno and its libraries but not build
# scripts and proc-macros, which would otherwise be instrumented too (and profiled while
# compiling).
HOST="$(rustc -vV | sed -n 's/^host: //p')"

# 1. Instrumented build, in its own target folder (other flags, other artefacts).
RUSTFLAGS="-Cprofile-generate=$DATA" \
  cargo build --release --quiet --target "$HOST" --target-dir "$WORK/gen"
GEN="$WORK/gen/$HOST/release/yasno"

# 2. Training, on corpora of another seed than the benches' (the same kind of text, not the
#    same pages). `serve` first: bench.py makes the bureaucratic corpus, edits a page under
#    `serve` and stops it with Ctrl-C, so that it writes its profile.
export SEED=7
YASNO="$GEN" ONLY=yasno SETTLE=0.3 BENCH_DIR="$TRAIN" CORPUS=bureaucratic \
  python3 benches/bench.py serve 1000 >/dev/null
python3 benches/gen_corpus.py --corpus plain 1000 "$TRAIN/plain-1000" >/dev/null
mkdir -p "$TRAIN/example" && cp -r content themes "$TRAIN/example/"
for site in "$TRAIN/example" "$TRAIN/bureaucratic-1000/yasno" "$TRAIN/plain-1000/yasno"; do
  rm -rf "$site/.yasno-cache"
  for _ in 1 2; do
    "$GEN" build --root "$site" --output "$site-out" >"$TRAIN/build.log" 2>&1
  done
  # A check that finds something exits with 1: not a failure here.
  for format in human json; do
    rm -rf "$site/.yasno-cache"
    "$GEN" check --root "$site" --format "$format" >"$TRAIN/check.log" 2>&1 || true
  done
  "$GEN" build --root "$site" --output "$site-out" --verbose >"$TRAIN/build.log" 2>&1
done
# The collector: answers as the widget posts them, a report and an export, then Ctrl-C.
YASNO_ADMIN_TOKEN=pgo-training-token-0123 python3 - "$GEN" "$TRAIN" <<'PY'
import http.client, json, os, signal, socket, subprocess, sys, time
gen, train = sys.argv[1:]
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
server = subprocess.Popen([gen, "collect", "--root", f"{train}/example", "--listen", f"127.0.0.1:{port}",
                           "--db", f"{train}/answers.db", "--rate-limit", "1000000"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(200):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/api/health")
            health = conn.getresponse()
            health.read()
            if health.status == 200:
                break
        except OSError:
            time.sleep(0.05)
    else:
        sys.exit("the collector did not start")
    for n in range(2000):
        answer = {"client_id": f"pgo-{n:06}", "service": "blagoustroystvo-dvora", "survey": "default",
                  "version": 1, "source": "web", "lang": "ru",
                  "answers": {"rating": 1 + n % 5, "got_it": ["yes", "partly", "no"][n % 3],
                              "comment": "Долго ждали ответа, звоните +7 921 000-00-00" if n % 4 else ""}}
        conn.request("POST", "/api/answers", json.dumps(answer), {"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        if response.status != 201:
            sys.exit(f"collector answered {response.status}")
    auth = {"Authorization": "Bearer " + os.environ["YASNO_ADMIN_TOKEN"]}
    for path in ["/api/report?quarter=" + time.strftime("%Y") + "Q" + str((time.gmtime().tm_mon + 2) // 3),
                 "/api/export.csv"]:
        conn.request("GET", path, headers=auth)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            sys.exit(f"{path}: {response.status}")
finally:
    server.send_signal(signal.SIGINT)
    server.wait(timeout=30)
PY
rm -rf "$TRAIN"

# 3. The release build with the merged profile.
# Named by its hash: a new profile is a new flag, so cargo cannot keep a binary made with
# the old one.
# Earlier profiles are not needed again (a build with one of them would be a rebuild anyway).
rm -f "$WORK"/merged-*.profdata
"$PROFDATA" merge -o "$WORK/merged.profdata" "$DATA"
PROFILE="$WORK/merged-$(sha256sum "$WORK/merged.profdata" | cut -c1-16).profdata"
mv "$WORK/merged.profdata" "$PROFILE"
RUSTFLAGS="-Cprofile-use=$PROFILE" \
  cargo build --release --quiet --target "$HOST" --target-dir "$WORK/use"
cp "$WORK/use/$HOST/release/yasno" "$WORK/yasno"
echo "$WORK/yasno"
