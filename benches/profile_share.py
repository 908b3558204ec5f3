#!/usr/bin/env python3
"""Where the CPU of a yasno run goes: perf samples (from `perf script -F ip,sym,dso` of a run
recorded with call graphs) counted by the part of yasno they were taken in.

Prints four tables, shares of all samples:
  part      the first of yasno's parts (PARTS, in order) with a function on the stack
            (the text check, loading, service pages, QR, writing, ...): what a change to
            one part can win;
  kernel    samples in the kernel, by the system call or fault they were taken in;
  in check  the text check's own split (tokenizing, stems, matching, rules, positions, ...);
  functions the functions with the most samples of their own (inlined code counts for the
            function it was inlined into).

Usage: perf script -i perf.data -F ip,sym,dso | benches/profile_share.py
(benches/profile.sh records the run and calls this).
"""
import collections
import re
import sys

# Parts of a run, by a piece of a function's name, first match in this order anywhere on
# the stack: work a part calls (the check's file reads, a page's write) counts for it.
PARTS = [
    ("text check", "yasno::check::site::batches::"),
    # A page's check in a job of the pool (no caller on its stack): `page_rows` in a
    # build, `check_page` (which calls it) elsewhere.
    ("text check", "yasno::check::page_rows"),
    ("text check", "yasno::check::check_page"),
    ("loading pages", "yasno::site::load::load_service"),
    ("QR codes and pages", "yasno::qr::"),
    ("QR codes and pages", "render_qr_pages"),
    ("staff handbook", "handbook"),
    ("service pages (their writes apart)", "::service_page"),
    ("writing the output", "yasno::output::"),
    ("writing the output", "FileSink>::put_"),
    ("site-wide link check", "site_links"),
    ("check cache and page memo saves", "save"),
    ("loading (other)", "yasno::site::"),
    ("printing", "yasno::diagnostics::"),
    ("rendering (other)", "yasno::render::"),
    ("system calls whose caller perf lost", "entry_SYSCALL_64"),
]

# The text check's own split, by the innermost matching frame.
IN_CHECK = [
    ("tokenizing (words, sentences)", "yasno::check::text::tokenize"),
    ("Markdown parse (pulldown-cmark)", "pulldown_cmark"),
    ("stems", "yasno::check::lexicon::stem"),
    ("phrase matching", "yasno::check::lexicon::PhraseSet::find"),
    ("positions and shared texts (finish)", "yasno::check::rows::finish"),
    ("joining the site's results (absorb, packing, cache rows)", "yasno::check::site::batches::absorb"),
    ("rules", "yasno::check::rules::"),
    ("reading files again", "yasno::site::load::read_text"),
    ("reading files again", "ksys_read"),
    ("reading files again", "do_sys_openat2"),
    ("the rest of a page's check", "yasno::check::page_rows"),
    ("the rest of a page's check", "yasno::check::check_page"),
]

KERNEL = [
    ("write", "ksys_write"),
    ("open", "do_sys_openat2"),
    ("read", "ksys_read"),
    ("page faults", "exc_page_fault"),
    ("close", "__x64_sys_close"),
    ("mkdir", "__x64_sys_mkdir"),
    ("stat", "__x64_sys_statx"),
    ("rename", "rename"),
    ("madvise/munmap", "madvise"),
    ("madvise/munmap", "munmap"),
    ("futex", "futex"),
]


def samples(lines):
    """Each sample's frames, innermost first, and whether it was taken in the kernel (its
    innermost frame's object is the kernel's)."""
    frames, kernel = [], False
    for line in lines:
        line = line.strip()
        if not line:
            if frames:
                yield frames, kernel
            frames = []
            continue
        m = re.match(r"^[0-9a-f]+ (.*?)(\+0x[0-9a-f]+)?( \((.*)\))?$", line)
        if m:
            if not frames:
                kernel = "kernel" in (m.group(4) or "")
            frames.append(m.group(1))
    if frames:
        yield frames, kernel


def first_key(frames, table):
    """The first entry of `table` whose key is in a frame of the stack."""
    for name, key in table:
        if any(key in f for f in frames):
            return name
    return None


def innermost(frames, table):
    """The entry of `table` matching the innermost frame that any entry matches."""
    for f in frames:
        for name, key in table:
            if key in f:
                return name
    return None


def show(title, counter, total, limit=None):
    print(f"\n{title}")
    print("| share | samples | what |")
    print("|---:|---:|---|")
    for name, n in counter.most_common(limit):
        print(f"| {100 * n / total:.1f} % | {n} | {name} |")


def main():
    parts, kernel, check, own = (collections.Counter() for _ in range(4))
    total = in_check = 0
    for frames, in_kernel in samples(sys.stdin):
        total += 1
        part = first_key(frames, PARTS) or "other (start-up, threads, exit)"
        parts[part] += 1
        if in_kernel:
            kernel[innermost(frames, KERNEL) or "other kernel"] += 1
        if part == "text check":
            in_check += 1
            check[innermost(frames, IN_CHECK) or "the rest of the check"] += 1
        own[frames[0][:100]] += 1
    if total == 0:
        sys.exit("no samples: was the run recorded with --call-graph?")
    print(f"{total} samples")
    show("part of the run", parts, total)
    show("in the kernel", kernel, total)
    show(f"in the text check ({100 * in_check / total:.1f} % of all)", check, total)
    show("functions with the most samples of their own", own, total, 15)


if __name__ == "__main__":
    main()
