"""Regenerate tests/data/resaved/: a demo township's result workbook as written, and the same workbook
opened and saved again by LibreOffice Calc as .xlsx and .ods, untouched.

The roll-up must find no edits in the re-saved copies: LibreOffice keeps 15 significant digits, writes
its own XML and drops nothing the roll-up reads. Needs LibreOffice (soffice); the tests need only the
files. Run from the project root with the project's Python:  python tests/data/make_resaved_result.py
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import tempfile
from pathlib import Path

OUT = Path(__file__).parent / "resaved"
FILTERS = {".xlsx": "Calc MS Excel 2007 XML", ".ods": "calc8"}


def main() -> None:
    from cxzy_xl.aggregate import aggregate
    from cxzy_xl.demo import make_demo
    from cxzy_xl.output import write_result
    from cxzy_xl.pipeline import read_folder

    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        demo = make_demo(work / "demo", n_branches=16, seed=2011, quarters=1)
        summary = aggregate(read_folder(demo.inbox, demo.registry))
        original = write_result(summary, work / "result.xlsx", generated_at=dt.datetime(2011, 7, 6, 9, 0))
        shutil.copy(original, OUT / "result.xlsx")
        # A profile of its own: another soffice running on this machine must not take the conversion.
        profile = (work / "profile").resolve().as_uri()
        for suffix, name in FILTERS.items():
            out = work / suffix.strip(".")
            subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to",
                            f"{suffix.strip('.')}:{name}", "--outdir", str(out), str(original)],
                           check=True, capture_output=True, timeout=300)
            shutil.copy(out / f"result{suffix}", OUT / f"result-libreoffice{suffix}")
    for p in sorted(OUT.iterdir()):
        print(p, p.stat().st_size)


if __name__ == "__main__":
    main()
