"""Regenerate tests/data/real/: workbooks saved by real spreadsheet programs.

A branch's pre-filled template is filled in LibreOffice Calc by typing into its cells (python3-uno,
headless soffice) and saved as .xlsx, .xls and .ods; the same data written by our own template code
is the original the tests compare against, and Gnumeric's ssconvert converts that original to .xlsx,
.xls and .ods. A small demo township's registry and result workbook are re-saved by LibreOffice as .ods.

Needs the Debian packages libreoffice-calc, python3-uno and gnumeric; the tests need only the files.
Run from the project root with the project's Python:  python tests/data/make_real_files.py
(it calls /usr/bin/python3 itself for the part that talks to LibreOffice). Every file must come out
under 300 KB: a bigger one means the template formats more than the cells it uses again (whole rows made
Gnumeric's .xlsx of it 700 KB), and the script stops.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).parent / "real"
PORT = 2083
MAX_BYTES = 300_000
FILTERS = {".xlsx": "Calc MS Excel 2007 XML", ".xls": "MS Excel 97", ".ods": "calc8"}
SSCONVERT = {".xlsx": "Gnumeric_Excel:xlsx2", ".xls": "Gnumeric_Excel:excel_biff8", ".ods": "Gnumeric_OpenCalc:odf"}


# --- the LibreOffice side: run by /usr/bin/python3, which has the uno module ------------------------

def _uno_connect(port: int):  # type: ignore[no-untyped-def]
    import uno

    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(60):
        try:
            ctx = resolver.resolve(f"uno:socket,host=127.0.0.1,port={port};urp;StarOffice.ComponentContext")
            return ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        except Exception:  # soffice still starting
            time.sleep(1)
    raise SystemExit("LibreOffice did not answer on its socket")


def _props(**kw):  # type: ignore[no-untyped-def]
    from com.sun.star.beans import PropertyValue

    out = []
    for k, v in kw.items():
        p = PropertyValue()
        p.Name, p.Value = k, v
        out.append(p)
    return tuple(out)


def uno_main(job_file: str) -> None:
    """Each job: open ``src``, type ``cells`` [sheet, A1, how, text], save as every ``targets`` path.
    ``how`` is "text" (setString: what a person types into a text cell) or "input" (setFormula: typed
    into the cell as on the input line, so 12.5 becomes a number and 2011-06-28 a date)."""
    import uno

    desktop = _uno_connect(PORT)
    for job in json.loads(Path(job_file).read_text(encoding="utf-8")):
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(job["src"]), "_blank", 0, _props(Hidden=True))
        sheets = doc.Sheets
        for name, ref, how, text in job["cells"]:
            cell = sheets.getByName(name).getCellRangeByName(ref)
            if how == "text":
                cell.setString(text)
            else:
                cell.setFormula(text)
        doc.calculateAll()
        for target in job["targets"]:
            flt = FILTERS[Path(target).suffix]
            doc.storeToURL(uno.systemPathToFileUrl(target), _props(FilterName=flt, Overwrite=True))
        doc.close(True)


# --- the project side: run by the project's Python --------------------------------------------------

def _typed(value: object) -> tuple[str, str]:
    if isinstance(value, str):
        return "text", value
    if isinstance(value, (dt.date, dt.datetime)):
        return "input", value.isoformat()[:10]  # ISO dates are recognised whatever the locale
    return "input", repr(value) if isinstance(value, float) else str(value)


def _cells(data: dict, prefilled: dict) -> list[list[str]]:  # type: ignore[type-arg]
    from xlsxwriter.utility import xl_rowcol_to_cell

    from cxzy_xl import schema

    cells = []
    for sheet in schema.BRANCH_SHEETS:
        values = data.get(sheet.name)
        if not values:
            continue
        if sheet.layout == "form":
            for label, v in values.items():
                if v is None or (sheet.name == schema.INFO_SHEET and prefilled.get(label) == v):
                    continue
                cells.append([sheet.name, f"B{sheet.labels.index(label) + 2}", *_typed(v)])
        else:
            for i, row in enumerate(values):
                for label, v in row.items():
                    if v is not None:
                        cells.append([sheet.name, xl_rowcol_to_cell(i + 2, sheet.labels.index(label)), *_typed(v)])
    return cells


def main() -> None:
    from cxzy_xl import demo
    from cxzy_xl.templates import write_branch_workbook

    OUT.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="cxzy-real-"))
    town = demo.make_demo(work / "demo", n_branches=16, members_n=8, messy=False, quarters=1)
    shutil.copy(town.registry, OUT / "registry.xlsx")
    result = work / "result.xlsx"
    subprocess.run([sys.executable, "-m", "cxzy_xl", "aggregate", str(town.inbox), "--registry", str(town.registry),
                    "-o", str(result)], check=False, capture_output=True)
    shutil.copy(result, OUT / "result.xlsx")

    from cxzy_xl.read import read_registry

    branch = read_registry(town.registry).branches[1]
    committee, period = demo.COMMITTEE, demo.PERIOD
    data = demo.branch_data(branch, random.Random(7), members_n=10)
    original = write_branch_workbook(OUT / "branch-original.xlsx", branch, committee=committee, period=period,
                                     data=data)
    template = write_branch_workbook(work / "template.xlsx", branch, committee=committee, period=period)
    from cxzy_xl.read import load_book

    info = load_book(template).sheet("基本信息")
    prefilled = {row[0]: row[1] for row in info.rows if row and row[0]} if info else {}

    jobs = [
        {"src": str(template.resolve()), "cells": _cells(data, prefilled),
         "targets": [str((OUT / f"branch-libreoffice{s}").resolve()) for s in FILTERS]},
        {"src": str((OUT / "registry.xlsx").resolve()), "cells": [],
         "targets": [str((OUT / "registry-libreoffice.ods").resolve())]},
        {"src": str(result.resolve()), "cells": [], "targets": [str((OUT / "result-libreoffice.ods").resolve())]},
    ]
    job_file = work / "jobs.json"
    job_file.write_text(json.dumps(jobs, ensure_ascii=False), encoding="utf-8")
    profile = work / "lo-profile"
    office = subprocess.Popen(["soffice", "--headless", "--invisible", "--norestore", "--nologo",
                               f"-env:UserInstallation={profile.resolve().as_uri()}",
                               f"--accept=socket,host=127.0.0.1,port={PORT};urp;"])
    try:
        subprocess.run(["/usr/bin/python3", __file__, "--uno", str(job_file)], check=True)
    finally:
        office.terminate()
        office.wait(30)
    for suffix, exporter in SSCONVERT.items():
        subprocess.run(["ssconvert", "-T", exporter, str(original), str(OUT / f"branch-gnumeric{suffix}")],
                       check=True, capture_output=True, env={**os.environ, "LANG": "C.UTF-8"})
    shutil.rmtree(work, ignore_errors=True)
    for p in OUT.glob("*.xz"):
        p.unlink()  # earlier runs kept Gnumeric's 700 KB .xlsx compressed
    for p in sorted(OUT.iterdir()):
        print(f"{p.stat().st_size:>8}  {p.name}")
    too_big = [p.name for p in OUT.iterdir() if p.stat().st_size > MAX_BYTES]
    if too_big:
        # Gnumeric writes a styled empty cell for each of the 16,384 columns of a formatted row
        raise SystemExit(f"over {MAX_BYTES} bytes: {', '.join(too_big)}; does the template format whole rows?")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--uno":
        uno_main(sys.argv[2])
    else:
        main()
