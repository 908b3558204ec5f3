#!/usr/bin/env python3
"""yasno against Hugo on the same generated corpus, same tmpfs, same run.

  bench.py build N [N ...]   repeated build: median wall time and peak RSS (/usr/bin/time -v)
  bench.py cold N [N ...]    fresh clone: no .yasno-cache (Hugo: no resources/), no output
  bench.py check N [N ...]   `yasno check` with a cold cache (no .yasno-cache)
  bench.py print N           a build printing every finding (--verbose) vs its summary
  bench.py ci N [N ...]      a CI job with a cache step: a new checkout in another folder
                             with the previous build's .yasno-cache, no output (Hugo: a
                             fresh clone, as it has no cache to restore)
  bench.py serve N [N ...]   edit-to-served: time from writing a service file to the
                             rebuilt page being served over HTTP by `serve`
  bench.py floor N [N ...]  the share of the text check: fresh-clone build and cold
                             `yasno check` with the default rules and with every rule off
                             (a copy of the site, files hard-linked), beside Hugo
  bench.py corpus KIND N     make the corpus (plain or bureaucratic) if it is missing and
                             print its folder (for the shell scripts: one generator call)
  bench.py ab TASK N         two yasno binaries (YASNO and YASNO_B) alternated on one task:
                             cold (fresh-clone build), build (the same build again), check
                             or check-json (cold cache), bureaucratic corpus by default

build, cold, ci, check and print run the tools interleaved (yasno, Hugo, yasno, …) with their
output going to a log file on the same tmpfs, as in CI, and print a table for README.

Environment: CORPUS (plain or bureaucratic; default bureaucratic for cold, ci, check and
print, plain for build and serve, as in earlier figures), YASNO (path to the yasno binary,
default target/release/yasno), HUGO (path to the hugo binary), BENCH_DIR (default
/dev/shm/yasno-bench), REPS_SMALL (default 5, for N < 5000), REPS_LARGE (default 5),
ONLY=yasno (serve: skip Hugo, for A/B runs of yasno), YASNO_B (ab: the second binary).
"""
import os
import re
import shutil
import signal
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
    return int(os.environ.get("REPS_SMALL", "5")) if n < 5000 else int(os.environ.get("REPS_LARGE", "5"))


def style(default):
    return os.environ.get("CORPUS", default)


def corpus(n, kind="plain"):
    # The plain corpus keeps its old folder, so earlier runs' corpora are reused.
    d = os.path.join(BENCH_DIR, str(n) if kind == "plain" else f"{kind}-{n}")
    marker = os.path.join(d, ".done")
    if not os.path.exists(marker):
        # The generator's note goes to stderr: `bench.py corpus` prints only the folder.
        subprocess.run([sys.executable, os.path.join(HERE, "gen_corpus.py"), "--corpus", kind, str(n), d],
                       check=True, stdout=sys.stderr)
        open(marker, "w").close()
    return d


def timed(cmd, log=None, ok=(0,)):
    """Wall seconds and peak RSS (MiB) of one run, from GNU time. The tool's own output
    goes to `log` (a file, as in CI) or is captured."""
    out = open(log, "w") if log else subprocess.PIPE
    try:
        p = subprocess.run(["/usr/bin/time", "-v", "-o", log + ".time" if log else "/dev/stderr"] + cmd,
                           stdout=out, stderr=out if log else subprocess.PIPE, text=True)
    finally:
        if log:
            out.close()
    report = open(log + ".time").read() if log else p.stderr
    if p.returncode not in ok:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{report[-3000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", report)
    h, m, s = wall.groups()
    secs = int(h or 0) * 3600 + int(m) * 60 + float(s)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", report).group(1)) / 1024
    return secs, rss


def interleaved(cmds, n, before=None, log_dir=None, ok=(0,)):
    """Runs each tool's command reps(n) times, alternating tools so load changes hit
    them alike; `before(tool)` runs untimed before each run (e.g. deleting caches).
    Returns {tool: (median s, peak MiB, [runs])}."""
    runs = {tool: [] for tool in cmds}
    for _ in range(reps(n)):
        for tool, cmd in cmds.items():
            if before:
                before(tool)
            log = os.path.join(log_dir, f"{tool}.log") if log_dir else None
            runs[tool].append(timed(cmd, log, ok))
    res = {}
    for tool, rs in runs.items():
        res[tool] = (statistics.median(r[0] for r in rs), max(r[1] for r in rs), [round(r[0], 3) for r in rs])
        print(f"  {n:>6} {tool:<14} median {res[tool][0]:.3f} s  peak {mib(res[tool][1])}  runs {res[tool][2]}", flush=True)
    return res


def mib(m):
    """A peak RSS in MiB, and in MB (the unit of the targets)."""
    return f"{m:.0f} MiB ({m * 1.048576:.0f} MB)"


def spread(r):
    return f"{min(r[2]):.2f}-{max(r[2]):.2f}"


def yasno_build(root):
    """`yasno build` of the site at `root` into `<root>-out`, as the benches run it."""
    return [YASNO, "build", "--root", root, "--output", root + "-out"]


def yasno_made(root):
    """What `yasno_build(root)` leaves that a fresh clone does not have: the cache, the
    output, the staff handbook beside it and the spares of both."""
    parent, name = os.path.split(root)
    return [os.path.join(root, ".yasno-cache"), root + "-out", root + "-out-handbook",
            os.path.join(parent, f".{name}-out.yasno-spare"),
            os.path.join(parent, f".{name}-out-handbook.yasno-spare")]


def remove(paths):
    for p in paths:
        if os.path.isdir(p):
            shutil.rmtree(p)
        elif os.path.exists(p):
            os.remove(p)


def build_cmds(d):
    return {
        "yasno": yasno_build(os.path.join(d, "yasno")),
        "hugo": [HUGO, "--quiet", "-s", os.path.join(d, "hugo"), "-d", os.path.join(d, "hugo-out")],
    }


def fresh_clone(d):
    """Removes what a fresh clone does not have: caches and output (any tool other than
    Hugo is a yasno command). yasno's output is the site, the staff handbook beside it and
    their spares: a build finding an old handbook folder without its manifest deletes it,
    work a fresh clone never does."""
    def before(tool):
        if tool == "hugo":
            remove([os.path.join(d, "hugo", "resources"), os.path.join(d, "hugo", ".hugo_build.lock"),
                    os.path.join(d, "hugo-out")])
        else:
            remove(yasno_made(os.path.join(d, "yasno")))
    return before


def table(title, rows, header=("yasno", "hugo")):
    """A Markdown table: median (spread) and peak RSS per tool, and the ratio."""
    a, b = header
    runs = min(len(res[a][2]) for _, _, res in rows)
    print(f"\n{title} ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, {BENCH_DIR}; median of {runs}, min-max)")
    print(f"| services | corpus | {a} | {b} | {b}/{a} |")
    print("|---:|---|---:|---:|---:|")
    for n, kind, res in rows:
        y, h = res[a], res[b]
        print(f"| {n:,} | {kind} | {y[0]:.3f} s ({spread(y)}), {mib(y[1])} | {h[0]:.3f} s ({spread(h)}), {mib(h[1])} | {h[0] / y[0]:.1f}x |")


def bench_cold(ns):
    kind = style("bureaucratic")
    rows = []
    for n in ns:
        d = corpus(n, kind)
        print(f"cold build, {n} {kind} services", flush=True)
        res = interleaved(build_cmds(d), n, before=fresh_clone(d), log_dir=d)
        rows.append((n, kind, res))
    table("fresh clone: no cache, no output; output to a log file", rows)


def bench_check(ns):
    kind = style("bureaucratic")
    rows = []
    for n in ns:
        d = corpus(n, kind)
        root = os.path.join(d, "yasno")
        cmds = {
            "check": [YASNO, "check", "--root", root],
            "check --format json": [YASNO, "check", "--root", root, "--format", "json"],
        }
        print(f"yasno check, cold cache, {n} {kind} services", flush=True)
        # Exit status 1: the corpus has findings of error severity.
        res = interleaved(cmds, n, before=fresh_clone(d), log_dir=d, ok=(0, 1))
        findings = sum(1 for line in open(os.path.join(d, "check.log")) if re.match(r"^(error|warning)\[", line))
        print(f"  findings printed: {findings:,}")
        rows.append((n, kind, res))
    table("yasno check with a cold cache (no .yasno-cache), output to a log file", rows,
          header=("check", "check --format json"))


def bench_print(ns):
    kind = style("bureaucratic")
    rows = []
    for n in ns:
        d = corpus(n, kind)
        cmds = build_cmds(d)
        cmds = {"summary": cmds["yasno"], "every finding": cmds["yasno"] + ["--verbose"]}
        timed(cmds["summary"])  # warm-up: caches and output as on a repeated build
        print(f"repeated build printing a summary vs every finding, {n} {kind} services", flush=True)
        res = interleaved(cmds, n, log_dir=d)
        findings = sum(1 for line in open(os.path.join(d, "every finding.log")) if line.startswith("warning["))
        print(f"  findings printed in full: {findings:,}; extra time {res['every finding'][0] - res['summary'][0]:.3f} s")
        rows.append((n, kind, res))
    table("repeated build, stderr to a log file: summary vs every finding (--verbose)", rows,
          header=("summary", "every finding"))


def bench_ci(ns):
    kind = style("bureaucratic")
    rows = []
    for n in ns:
        d = corpus(n, kind)
        site, cache = os.path.join(d, "yasno"), os.path.join(d, "ci-cache")
        # The previous job: a build whose .yasno-cache the CI system keeps.
        shutil.rmtree(os.path.join(site, ".yasno-cache"), ignore_errors=True)
        timed(build_cmds(d)["yasno"])
        shutil.rmtree(cache, ignore_errors=True)
        shutil.copytree(os.path.join(site, ".yasno-cache"), cache)
        checkout, out = os.path.join(d, "ci-checkout"), os.path.join(d, "ci-out")
        cmds = {"yasno": [YASNO, "build", "--root", checkout, "--output", out], "hugo": build_cmds(d)["hugo"]}
        hugo_fresh = fresh_clone(d)

        def before(tool):
            if tool == "hugo":
                return hugo_fresh(tool)
            for p in (checkout, out, out + "-handbook"):
                shutil.rmtree(p, ignore_errors=True)
            shutil.copytree(os.path.join(site, "content"), os.path.join(checkout, "content"))
            shutil.copytree(cache, os.path.join(checkout, ".yasno-cache"))
        print(f"new checkout with the cache restored, {n} {kind} services", flush=True)
        rows.append((n, kind, interleaved(cmds, n, before=before, log_dir=d)))
    table("a new checkout in another folder with .yasno-cache restored, no output (Hugo: fresh clone)", rows)


def bench_build(ns):
    kind = style("plain")
    rows = []
    for n in ns:
        d = corpus(n, kind)
        cmds = build_cmds(d)
        for cmd in cmds.values():
            timed(cmd)  # warm-up: page cache, output folder present (as on a second build)
        print(f"repeated build, {n} {kind} services", flush=True)
        res = interleaved(cmds, n, log_dir=d)
        rows.append((n, kind, res))
    table("repeated build (caches and output from the previous build); output to a log file", rows)


def rule_ids():
    """Every rule id yasno knows (the RULES table of src/check/mod.rs). yasno refuses an
    unknown id in [check.rules], so a table this misreads fails the run loudly."""
    src = open(os.path.join(ROOT, "src", "check", "mod.rs"), encoding="utf-8").read()
    table = src[src.index("pub const RULES"):]
    table = table[:table.index("];")]
    return re.findall(r'^\s*\(\s*"([a-z-]+)",', table, re.M)


def rules_off_site(d):
    """A copy of the corpus's yasno site with every rule turned off: the service files
    hard-linked (the same text, no copy), site.toml with a [check.rules] table."""
    src, dst = os.path.join(d, "yasno"), os.path.join(d, "rules-off")
    settings = open(os.path.join(src, "content", "site.toml"), encoding="utf-8").read()
    assert "[check" not in settings, "the corpus's settings already configure the check"
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(os.path.join(src, "content"), os.path.join(dst, "content"), copy_function=os.link)
    os.remove(os.path.join(dst, "content", "site.toml"))
    with open(os.path.join(dst, "content", "site.toml"), "w", encoding="utf-8") as f:
        f.write(settings + "\n[check.rules]\n" + "".join(f'"{r}" = "off"\n' for r in rule_ids()))
    return dst


def bench_floor(ns):
    """How much of a fresh-clone build and of a cold check the text rules are: the same
    runs with every rule off show what the rest of yasno (loading, Markdown, templates,
    QR codes, writing files) costs on its own."""
    kind = style("bureaucratic")
    for n in ns:
        d = corpus(n, kind)
        off = rules_off_site(d)
        default = os.path.join(d, "yasno")
        hugo_fresh = fresh_clone(d)

        def before(tool):
            if tool == "hugo":
                return hugo_fresh(tool)
            remove(yasno_made(off if "off" in tool else default))
        cmds = {
            "build": yasno_build(default),
            "build rules off": yasno_build(off),
            "hugo": build_cmds(d)["hugo"],
            "check": [YASNO, "check", "--root", default],
            "check rules off": [YASNO, "check", "--root", off],
        }
        print(f"fresh clone and cold check, default rules vs every rule off, {n} {kind} services", flush=True)
        # `check` exits 1 when the corpus has findings of error severity.
        res = interleaved(cmds, n, before=before, log_dir=d, ok=(0, 1))
        print(f"\nthe text rules' share ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, {BENCH_DIR}; median of {len(res['build'][2])}, min-max)")
        print("| services | run | default rules | every rule off | Hugo | Hugo/off |")
        print("|---:|---|---:|---:|---:|---:|")
        h = res["hugo"]
        for what in ("build", "check"):
            a, b = res[what], res[what + " rules off"]
            hugo_cells = f"{h[0]:.3f} s ({spread(h)}) | {h[0] / b[0]:.1f}x" if what == "build" else "| "
            print(f"| {n:,} | {'fresh clone' if what == 'build' else 'cold check'} | {a[0]:.3f} s ({spread(a)}), {mib(a[1])} "
                  f"| {b[0]:.3f} s ({spread(b)}), {mib(b[1])} | {hugo_cells} |")


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
            # Before the first section heading: both corpora's bodies have one.
            text = original.replace("\n## ", f"\n{mark}\n\n## ", 1)
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
        # Ctrl-C, as a user stops a server: both shut down cleanly (and an instrumented
        # yasno writes its profile, see pgo_build.sh).
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def bench_serve(ns):
    rows = []
    for n in ns:
        d = corpus(n, style("plain"))
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


def bench_ab(task, n):
    """YASNO (A) and YASNO_B (B) alternated, A B A B …, on one task. On a shared host a
    gain of a few per cent is below the spread of a run; the ratio of each pair (run one
    after the other) drifts with the load much less than either median does."""
    b = os.environ.get("YASNO_B")
    if not b:
        sys.exit("ab: set YASNO_B to the second binary (YASNO is the first)")
    d = corpus(n, style("bureaucratic"))
    root = os.path.join(d, "yasno")
    # The arguments of the benches' build, without the binary.
    build = yasno_build(root)[1:]
    args = {
        "cold": build,
        "build": build,
        "check": ["check", "--root", root],
        "check-json": ["check", "--root", root, "--format", "json"],
    }
    if task not in args:
        sys.exit(f"ab: the task is one of {', '.join(args)}")
    cmds = {"A": [YASNO] + args[task], "B": [b] + args[task]}
    # A fresh clone for every run but `build`, whose runs each follow a build (a warm-up
    # first, so that the first A is not the only run without caches).
    before = None if task == "build" else fresh_clone(d)
    if task == "build":
        timed(cmds["A"], os.path.join(d, "A.log"))
    print(f"A: {YASNO}\nB: {b}\n{task}, {n} {style('bureaucratic')} services, alternated", flush=True)
    # `check` exits 1 when the corpus has findings of error severity.
    res = interleaved(cmds, n, before=before, log_dir=d, ok=(0, 1))
    ratios = [rb / ra for ra, rb in zip(res["A"][2], res["B"][2])]
    print(f"  B/A per pair: {', '.join(f'{r:.3f}' for r in ratios)}; median {statistics.median(ratios):.3f}")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "ab":
        return bench_ab(sys.argv[2], int(sys.argv[3]))
    if len(sys.argv) == 4 and sys.argv[1] == "corpus":
        return print(corpus(int(sys.argv[3]), sys.argv[2]))
    modes = {"build": bench_build, "cold": bench_cold, "floor": bench_floor, "ci": bench_ci, "check": bench_check, "print": bench_print, "serve": bench_serve}
    if len(sys.argv) < 3 or sys.argv[1] not in modes:
        sys.exit(__doc__)
    ns = [int(x) for x in sys.argv[2:]]
    modes[sys.argv[1]](ns)


if __name__ == "__main__":
    main()
