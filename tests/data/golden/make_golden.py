"""Regenerate ``demo.json.gz``, the golden snapshot of the demo's outputs (tests/test_golden.py).

    python tests/data/golden/make_golden.py          # makes the run twice and checks both agree
    python tests/data/golden/make_golden.py --once   # once (quicker)

Run it ONLY when a change of behaviour is intended, and say in the commit why the outputs changed.
It uses the cxzy_xl of this checkout (not an installed one), and refuses to write when the two runs
differ: something in the outputs would then vary from run to run, to be fixed or masked (tests/golden.py).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

import golden  # noqa: E402


def run(folder: Path) -> dict:
    started = time.perf_counter()
    said = golden.build(folder)
    snap = golden.snapshot(folder, said)
    print(f"  {folder}: {len(snap)} files and commands, {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return snap


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--once", action="store_true", help="make the run once, without checking it repeats")
    args = parser.parse_args()

    import cxzy_xl

    used = Path(cxzy_xl.__file__).resolve().parent
    if used != REPO / "cxzy_xl":
        print(f"cxzy_xl comes from {used}, not from this checkout ({REPO}): not writing", file=sys.stderr)
        return 2
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "cxzy_xl"], cwd=REPO, capture_output=True,
                           text=True).stdout.strip()
    if dirty:
        print(f"Note: cxzy_xl has uncommitted changes; the golden file will be made from them:\n{dirty}",
              file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="cxzy-golden-") as tmp:
        snap = run(Path(tmp) / "demo")
        if not args.once:
            # a second folder, at another depth: paths must not leak into the outputs either
            again = run(Path(tmp) / "again" / "演示")
            diffs = golden.differences(snap, again)
            if diffs:
                print("The two runs differ; not writing:\n  " + "\n  ".join(diffs), file=sys.stderr)
                return 1
    # A run whose workers could not start reads no file at all (every file “unreadable”): never a golden.
    if "后台进程" in json.dumps(snap, ensure_ascii=False):
        print("The run's worker processes failed to start (see the findings): not writing", file=sys.stderr)
        return 1
    data = golden.dumps(snap)
    golden.GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    golden.GOLDEN.write_bytes(data)
    print(f"{golden.GOLDEN.relative_to(REPO)}: {len(data):,} bytes, {len(snap)} entries", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
