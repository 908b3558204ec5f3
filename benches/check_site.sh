#!/usr/bin/env bash
# Times `yasno check` on a generated site of $PAGES service pages (default 10,000: copies
# of the example site's services under new names) on tmpfs, as design.md's target asks:
# cold (no cache), warm (nothing changed: every page from the cache), and after one edit.
# Usage: bash benches/check_site.sh   (PAGES=1000 bash benches/check_site.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
PAGES=${PAGES:-10000}
cargo build --release --bin yasno >/dev/null
BIN=$PWD/target/release/yasno
DIR=$(mktemp -d /dev/shm/yasno-check-bench.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
python3 - "$DIR" "$PAGES" <<'PY'
import os, re, shutil, sys, glob
out, pages = sys.argv[1], int(sys.argv[2])
shutil.copytree("content", os.path.join(out, "content"),
                ignore=shutil.ignore_patterns("services"))
svc = os.path.join(out, "content", "services")
os.makedirs(svc)
sources = [open(p, encoding="utf-8").read() for p in sorted(glob.glob("content/services/*.md"))]
for i in range(pages):
    text = re.sub(r"(?m)^slug = .*\n", "", sources[i % len(sources)])
    with open(os.path.join(svc, f"s{i:05}.md"), "w", encoding="utf-8") as f:
        f.write(text)
PY
echo "site: $PAGES pages in $DIR ($(du -sh "$DIR" | cut -f1)), $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
t() { local label=$1; shift; /usr/bin/time -f "$label: %e s wall, %U s user, %M KB peak" "$@" >/dev/null; }
t "no cache     " "$BIN" check --root "$DIR" --no-cache || true
t "cold (cache) " "$BIN" check --root "$DIR" || true
t "warm (cache) " "$BIN" check --root "$DIR" || true
echo "Новый абзац для проверки кэша." >> "$DIR/content/services/s00042.md"
t "one edit     " "$BIN" check --root "$DIR" || true
