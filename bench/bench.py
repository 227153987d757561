"""Benchmark: `cxzy aggregate` end to end against the naive pandas approach, in the same run.

    python bench/bench.py                 # N = 100 and N = 1,000
    python bench/bench.py --n 100         # one size
    python bench/bench.py --big           # adds N = 10,000 (generation alone takes a while)

Workbooks are generated once with the demo generator (about 50 members each) and cached under
bench/out/. Both sides run as separate processes, alternating, so each pays its own start-up; the
peak RSS is the largest total resident memory of the process and all its children, sampled every 20 ms.
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
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
TYPES = ("村", "村", "村", "社区", "机关", "学校", "医疗卫生", "非公企业", "离退休")


def _write(args: tuple[int, Path]) -> None:
    from cxzy_xl import demo
    from cxzy_xl.schema import Branch
    from cxzy_xl.templates import write_branch_workbook

    i, folder = args
    rng = random.Random(i)
    b = Branch(f"B{i:05d}", f"第{i}{'村' if i % 3 else '社区'}党支部", TYPES[i % len(TYPES)], "新邵县",
               demo._name(rng), demo._phone(rng))
    data = demo.branch_data(b, rng, members_n=50)
    write_branch_workbook(folder / f"{b.code}_{b.name}.xlsx", b, committee=demo.COMMITTEE, period=demo.PERIOD,
                          data=data)


def generate(n: int) -> Path:
    folder = OUT / f"n{n}"
    done = folder / ".complete"
    if done.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with ProcessPoolExecutor() as pool:
        list(pool.map(_write, [(i, folder) for i in range(1, n + 1)], chunksize=20))
    done.write_text("ok")
    print(f"  generated {n} workbooks in {time.perf_counter() - start:.0f} s", flush=True)
    return folder


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


def bench(n: int, rounds: int, naive: bool) -> None:
    folder = generate(n)
    work = OUT / "results"
    work.mkdir(parents=True, exist_ok=True)
    ours = [sys.executable, "-m", "cxzy_xl", "aggregate", str(folder), "-q", "-o", str(work / f"cxzy_{n}.xlsx")]
    theirs = [sys.executable, str(HERE / "naive.py"), str(folder), str(work / f"naive_{n}.xlsx")]
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
    line = f"N={n:>6}  cxzy aggregate {a:8.2f} s  {1000 * a / n:6.1f} ms/workbook  peak RSS {a_peak / 2**20:7.0f} MB"
    if naive:
        b = min(b_times)
        line += (f" | naive pandas {b:8.2f} s  {1000 * b / n:6.1f} ms/workbook  peak RSS {b_peak / 2**20:7.0f} MB"
                 f" | ratio b/a {b / a:5.1f}x")
    print(line, flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, action="append", help="number of workbooks (repeatable)")
    ap.add_argument("--big", action="store_true", help="also N = 10,000 (cxzy only; the naive script takes too long)")
    ap.add_argument("--rounds", type=int, default=2, help="alternating runs per size; the best time counts")
    args = ap.parse_args()
    sizes = args.n or [100, 1000]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.platform()}", flush=True)
    for n in sizes:
        bench(n, args.rounds, naive=True)
    if args.big:
        bench(10_000, 1, naive=False)


if __name__ == "__main__":
    main()
