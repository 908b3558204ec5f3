#!/usr/bin/env bash
# Measures what the QR step (landing pages, codes, posters) adds to a build.
# Usage: tests/qr/bench.sh [services=1000] [runs=5]
# Makes a corpus of N copies of an example service on a tmpfs (/dev/shm), builds it with the
# release binary with the example's two reception locations and with none (the service-page
# codes stay), and prints the median wall time of each.
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-1000}
runs=${2:-5}
cargo build --release --quiet
bin=target/release/yasno
base=$(mktemp -d /dev/shm/yasno-qr-bench.XXXXXX)
trap 'rm -rf "$base"' EXIT

make_site() { # $1 = folder, $2 = keep locations (1/0)
  mkdir -p "$1/content/services"
  cp -r content/surveys content/pages "$1/content/"
  if [ "$2" = 1 ]; then
    cp content/site.toml "$1/content/site.toml"
  else
    # Everything before the first [[locations]] table.
    sed '/^\[\[locations\]\]/,$d' content/site.toml > "$1/content/site.toml"
  fi
  for i in $(seq -w 1 "$n"); do
    sed "s/^title = \"\(.*\)\"/title = \"\1 $i\"/" content/services/razreshenie-na-brak.md \
      > "$1/content/services/svc-$i.md"
  done
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

measure() { # $1 = site folder
  for _ in $(seq "$runs"); do
    s=$(date +%s.%N)
    "$bin" build --root "$1" --output "$1/public" > /dev/null
    e=$(date +%s.%N)
    echo "$e - $s" | bc
  done | median
}

make_site "$base/with" 1
make_site "$base/without" 0
with=$(measure "$base/with")
without=$(measure "$base/without")
files=$(find "$base/with/public" -type f | wc -l)
qr_files=$(find "$base/with/public/q" "$base/with/public/posters" -type f | wc -l)
echo "services: $n, runs: $runs (median wall seconds, tmpfs)"
echo "with 2 locations: $with s ($files files, of them $qr_files landing/poster files)"
echo "without locations: $without s"
