"""Benchmark: `cxzy aggregate` end to end against the naive pandas approach and the unzip + XML-parse
floor, in the same run, on template-clean files and on files typed the way staff type (bench/messy.py).

    python bench/bench.py                 # N = 100 and N = 1,000, clean and messy sets
    python bench/bench.py --n 100         # one size
    python bench/bench.py --big           # adds N = 10,000 (cxzy only; generation alone takes a while)
    python bench/bench.py --set messy     # one set only
    python bench/bench.py --big-only      # only N = 10,000

Workbooks are generated once with the demo generator (50 members each) and cached under bench/out/.
Both sides run as separate processes, alternating, so each pays its own start-up; the peak RSS is the
largest total resident memory of the process and all its children, sampled every 20 ms.

Per file, in one process, on the first 100 files of each set: the floor (unzip every part and parse its
XML with expat, building nothing) and cxzy's read +
cell check (``batch.process_file``), and their ratio.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import subprocess
import sys
import threading
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from xml.parsers import expat

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
TYPES = ("村", "村", "村", "社区", "机关", "学校", "医疗卫生", "非公企业", "离退休")


def _write(args: tuple[int, Path, str]) -> None:
    from messy import file_rate, messy_data  # bench/messy.py: beside this script, on sys.path[0]

    from cxzy_xl import demo
    from cxzy_xl.schema import Branch
    from cxzy_xl.templates import write_branch_workbook

    i, folder, kind = args
    rng = random.Random(i)
    b = Branch(f"B{i:05d}", f"第{i}{'村' if i % 3 else '社区'}党支部", TYPES[i % len(TYPES)], "新邵县",
               demo._name(rng), demo._phone(rng))
    # typical: a branch's own size (20–60 members in a village, 8–30 elsewhere), as the demo makes them
    data = demo.branch_data(b, rng, members_n=None if kind == "typical" else 50)
    if kind == "messy":
        data = messy_data(data, random.Random(-i), file_rate(i))
    write_branch_workbook(folder / f"{b.code}_{b.name}.xlsx", b, committee=demo.COMMITTEE, period=demo.PERIOD,
                          data=data)


def generate(n: int, kind: str = "clean") -> Path:
    folder = OUT / f"{kind}{n}"
    done = folder / ".complete"
    if done.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with ProcessPoolExecutor() as pool:
        list(pool.map(_write, [(i, folder, kind) for i in range(1, n + 1)], chunksize=20))
    done.write_text("ok")
    print(f"  generated {n} {kind} workbooks in {time.perf_counter() - start:.0f} s",
          flush=True)
    return folder


def floor_per_file(paths: list[Path]) -> float:
    """Seconds per file to unzip every part and parse its XML with expat, building nothing (no handlers):
    what any reader must at least pay."""
    start = time.perf_counter()
    for p in paths:
        with zipfile.ZipFile(p) as z:
            for name in z.namelist():
                if name.endswith((".xml", ".rels")):
                    expat.ParserCreate().Parse(z.read(name), True)
    return (time.perf_counter() - start) / len(paths)


def read_check_per_file(paths: list[Path]) -> float:
    """Seconds per file for cxzy's read + cell checks in this one process."""
    from cxzy_xl.batch import process_file

    process_file(str(paths[0]), paths[0].name)  # imports and first-call set-up are not per-file costs
    start = time.perf_counter()
    for p in paths:
        process_file(str(p), p.name)
    return (time.perf_counter() - start) / len(paths)


def _tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        total += rss.get(p, 0)
        stack.extend(children.get(p, []))
    return total


def run(cmd: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            time.sleep(0.02)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    _, err = proc.communicate()
    elapsed = time.perf_counter() - start
    stop.set()
    t.join()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd[2:4]} failed ({proc.returncode}): {err.decode()[-2000:]}")
    return elapsed, peak


def bench(n: int, rounds: int, naive: bool, kind: str) -> None:
    folder = generate(n, kind)
    label = kind
    work = OUT / "results"
    work.mkdir(parents=True, exist_ok=True)
    out = work / f"cxzy_{label}{n}.xlsx"
    from cxzy_xl.register import register_path

    # our own outputs from an earlier run: the 汇总表, the 明细表, and the inbox register beside the inbox
    # (shared by every set in bench/out: left in place, another set's 10,000 entries cost each run ~4 s)
    for ours_before in (out, out.with_name(f"{out.stem}_明细表.xlsx"), register_path(folder)):
        if ours_before.exists():
            ours_before.unlink()
    ours = [sys.executable, "-m", "cxzy_xl", "aggregate", str(folder), "-q", "-o", str(out)]
    theirs = [sys.executable, str(HERE / "naive.py"), str(folder), str(work / f"naive_{label}{n}.xlsx")]
    a_times, b_times, a_peak, b_peak = [], [], 0, 0
    for _ in range(rounds):
        t, p = run(ours)
        a_times.append(t)
        a_peak = max(a_peak, p)
        if naive:
            t, p = run(theirs)
            b_times.append(t)
            b_peak = max(b_peak, p)
    a = min(a_times)
    line = f"{label:7} N={n:>6}  cxzy aggregate {a:8.2f} s  {1000 * a / n:6.1f} ms/workbook  peak RSS {a_peak / 2**20:7.0f} MB"
    if naive:
        b = min(b_times)
        line += (f" | naive pandas {b:8.2f} s  {1000 * b / n:6.1f} ms/workbook  peak RSS {b_peak / 2**20:7.0f} MB"
                 f" | ratio b/a {b / a:5.1f}x")
    print(line, flush=True)
    sample = sorted(folder.glob("*.xlsx"))[:100]
    floor, ours_one = floor_per_file(sample), read_check_per_file(sample)
    print(f"{label:7} per file, one process: unzip + XML-parse floor {1000 * floor:5.2f} ms, "
          f"cxzy read + check {1000 * ours_one:5.2f} ms, ratio {ours_one / floor:4.1f}x", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, action="append", help="number of workbooks (repeatable)")
    ap.add_argument("--big", action="store_true", help="also N = 10,000 (cxzy only; the naive script takes too long)")
    ap.add_argument("--big-only", action="store_true", help="only N = 10,000")
    ap.add_argument("--rounds", type=int, default=2, help="alternating runs per size; the best time counts")
    ap.add_argument("--set", choices=("clean", "messy", "typical", "both", "all"), default="both",
                    help="which set of workbooks: clean and messy (50 members each), typical (each branch its own "
                         "size, 8–60 members), both (clean and messy), all three")
    args = ap.parse_args()
    sizes = args.n or [100, 1000]
    sets = {"clean": ["clean"], "messy": ["messy"], "typical": ["typical"], "both": ["clean", "messy"],
            "all": ["clean", "messy", "typical"]}[args.set]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.platform()}", flush=True)
    for n in [] if args.big_only else sizes:
        for kind in sets:
            bench(n, args.rounds, naive=True, kind=kind)
    if args.big or args.big_only:
        for kind in sets:
            bench(10_000, 1, naive=False, kind=kind)


if __name__ == "__main__":
    main()
