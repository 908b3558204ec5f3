#!/usr/bin/env python3
"""yasno against Hugo on the same generated corpus, same tmpfs, same run.

  bench.py build N [N ...]   full build: median wall time and peak RSS (/usr/bin/time -v)
  bench.py serve N [N ...]   edit-to-served: time from writing a service file to the
                             rebuilt page being served over HTTP by `serve`

Environment: YASNO (path to the yasno binary, default target/release/yasno), HUGO (path
to the hugo binary), BENCH_DIR (default /dev/shm/yasno-bench), REPS_SMALL (default 5, for
N < 5000), REPS_LARGE (default 3), ONLY=yasno (serve: skip Hugo, for A/B runs of yasno).
"""
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
YASNO = os.environ.get("YASNO", os.path.join(ROOT, "target", "release", "yasno"))
HUGO = os.environ.get("HUGO", "hugo")
BENCH_DIR = os.environ.get("BENCH_DIR", "/dev/shm/yasno-bench")
# Pause between edits: an editor saves every few seconds, and both servers finish their
# listings in the meantime.
SETTLE = float(os.environ.get("SETTLE", "2.0"))


def reps(n):
    return int(os.environ.get("REPS_SMALL", "5")) if n < 5000 else int(os.environ.get("REPS_LARGE", "3"))


def corpus(n):
    d = os.path.join(BENCH_DIR, str(n))
    marker = os.path.join(d, ".done")
    if not os.path.exists(marker):
        subprocess.run([sys.executable, os.path.join(HERE, "gen_corpus.py"), str(n), d], check=True)
        open(marker, "w").close()
    return d


def timed(cmd):
    """Wall seconds and peak RSS (MB) of one run, from GNU time."""
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stdout}\n{p.stderr}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", p.stderr)
    h, m, s = wall.groups()
    secs = int(h or 0) * 3600 + int(m) * 60 + float(s)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1)) / 1024
    return secs, rss


def bench_build(ns):
    rows = []
    for n in ns:
        d = corpus(n)
        cmds = {
            "yasno": [YASNO, "build", "--root", os.path.join(d, "yasno"), "--output", os.path.join(d, "yasno-out")],
            "hugo": [HUGO, "--quiet", "-s", os.path.join(d, "hugo"), "-d", os.path.join(d, "hugo-out")],
        }
        res = {}
        for tool, cmd in cmds.items():
            timed(cmd)  # warm-up: page cache, output folder present (as on a second build)
            runs = [timed(cmd) for _ in range(reps(n))]
            res[tool] = (statistics.median(r[0] for r in runs), max(r[1] for r in runs), [round(r[0], 3) for r in runs])
            print(f"  build {n:>6} {tool:<6} median {res[tool][0]:.3f} s  peak {res[tool][1]:.0f} MB  runs {res[tool][2]}", flush=True)
        pages = sum(1 for _ in os.scandir(os.path.join(d, "yasno-out", "services")))
        rows.append((n, pages, res))
    print("\nfull build (median wall, peak RSS), corpus and output on", BENCH_DIR)
    print(f"{'services':>8}  {'yasno':>18}  {'hugo':>18}  hugo/yasno")
    for n, pages, res in rows:
        y, h = res["yasno"], res["hugo"]
        print(f"{n:>8}  {y[0]:7.3f} s {y[1]:6.0f} MB  {h[0]:7.3f} s {h[1]:6.0f} MB  {h[0] / y[0]:6.1f}x time, {h[1] / y[1]:.1f}x memory")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, ""
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return 0, ""


def memory_mib(pid):
    """Peak and current RSS of a running process in MiB (VmHWM, VmRSS), from /proc."""
    status = open(f"/proc/{pid}/status").read()
    kib = lambda key: int(re.search(rf"{key}:\s+(\d+) kB", status).group(1))
    return kib("VmHWM") / 1024, kib("VmRSS") / 1024


def edit_latency(start_cmd, site, page_url, src, edits=7, timeout=30):
    """Starts a server, edits `src` `edits` times, and measures write -> new page over HTTP."""
    proc = subprocess.Popen(start_cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        t0 = time.time()
        while fetch(page_url)[0] != 200:
            if time.time() - t0 > 300 or proc.poll() is not None:
                raise SystemExit(f"server did not come up: {' '.join(start_cmd)}")
            time.sleep(0.05)
        startup = time.time() - t0
        time.sleep(1.0)
        original = open(src, encoding="utf-8").read()
        times = []
        for k in range(edits):
            mark = f"ПРАВКА-{k}-{int(time.time() * 1000)}"
            text = original.replace("\n## Раздел 1:", f"\n{mark}\n\n## Раздел 1:", 1)
            assert mark in text
            start = time.perf_counter()
            with open(src, "w", encoding="utf-8") as f:
                f.write(text)
            while True:
                status, body = fetch(page_url)
                if mark in body:
                    break
                if time.perf_counter() - start > timeout:
                    raise SystemExit(f"edit {k} not served within {timeout} s")
                time.sleep(0.001)
            times.append(time.perf_counter() - start)
            time.sleep(SETTLE)  # let the server settle (listings, reload events)
        with open(src, "w", encoding="utf-8") as f:
            f.write(original)
        return startup, times, memory_mib(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def bench_serve(ns):
    rows = []
    for n in ns:
        d = corpus(n)
        slug = f"usluga-{n // 2:05d}"
        res = {}
        port = free_port()
        res["yasno"] = edit_latency(
            [YASNO, "serve", "--root", os.path.join(d, "yasno"), "--port", str(port)],
            d, f"http://127.0.0.1:{port}/services/{slug}/",
            os.path.join(d, "yasno", "content", "services", slug + ".md"))
        port = free_port()
        if os.environ.get("ONLY") == "yasno":
            rows.append((n, res))
            continue
        res["hugo"] = edit_latency(
            [HUGO, "server", "-s", os.path.join(d, "hugo"), "--bind", "127.0.0.1", "--port", str(port),
             "--baseURL", f"http://127.0.0.1:{port}/", "--appendPort=false"],
            d, f"http://127.0.0.1:{port}/services/{slug}/",
            os.path.join(d, "hugo", "content", "services", slug + ".md"))
        for tool, (startup, times, (hwm, rss)) in res.items():
            print(f"  serve {n:>6} {tool:<6} startup {startup:.2f} s  edit->served median {statistics.median(times) * 1000:.0f} ms"
                  f"  runs {[round(t * 1000) for t in times]} ms  peak RSS {hwm:.0f} MiB, at the end {rss:.0f} MiB",
                  flush=True)
        rows.append((n, res))
    for n, res in rows:
        if "hugo" not in res:
            startup, times, (hwm, rss) = res["yasno"]
            print(f"  serve {n:>6} yasno  startup {startup:.2f} s  edit->served median {statistics.median(times) * 1000:.0f} ms"
                  f"  runs {[round(t * 1000) for t in times]} ms  peak RSS {hwm:.0f} MiB, at the end {rss:.0f} MiB")
    if any("hugo" not in res for _, res in rows):
        return
    print("\nedit -> page served over HTTP (median of 7 edits), corpus on", BENCH_DIR)
    print(f"{'services':>8}  {'yasno':>9}  {'hugo':>9}  hugo/yasno")
    for n, res in rows:
        y = statistics.median(res["yasno"][1])
        h = statistics.median(res["hugo"][1])
        print(f"{n:>8}  {y * 1000:6.1f} ms  {h * 1000:6.1f} ms  {h / y:6.1f}x")


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("build", "serve"):
        sys.exit(__doc__)
    ns = [int(x) for x in sys.argv[2:]]
    {"build": bench_build, "serve": bench_serve}[sys.argv[1]](ns)


if __name__ == "__main__":
    main()
