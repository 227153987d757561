"""Regenerate tests/data/conversation/: a township's conversation with two branches, as real programs save it.

The library makes the demo township (16 branches, 2011年第二季度) and checks it; two branches' files go on:

    DX009.ods               DX009 红星村 (two warnings: 党员总数 against the roster, a 示范岗 member not in it),
                            opened and saved again by LibreOffice Calc as .ods: a branch that sends .ods
    DX007.xls               DX007 高桥村 (errors: an ID number, a required cell, two contradictions), converted
                            by Gnumeric (ssconvert) to Excel 97 .xls
    DX009_explained.xlsx    DX009's feedback file, opened in LibreOffice: the clerk writes a 说明 for the
                            党员总数 warning on its pre-filled 情况说明 row (typed through UNO, setString), deletes
                            the 问题清单 sheet and saves it as .xlsx: the resubmission
    DX007_explained.xlsx    DX007's feedback file: the clerk "explains" the ID number error on its own new
                            情况说明 row and saves it: an error cannot be explained away

Needs the Debian packages libreoffice-calc, python3-uno and gnumeric; the tests need only the files.
Run from the project root with the system Python (it has the uno module), the project's Python on PATH
(or named by CXZY_PYTHON):  . venv/bin/activate && /usr/bin/python3 tests/data/make_conversation_files.py
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from make_typed_files import ROOT, _project_python, _props, office  # noqa: E402

OUT = HERE / "conversation"
FILTERS = {".xlsx": "Calc MS Excel 2007 XML", ".ods": "calc8"}
WARNED, WRONG = "DX009", "DX007"
EXPLANATION = "本季度有党员组织关系转出，名册“备注”栏已注明，党员总数按转出前填写"
NOT_AN_ERROR = "身份证号是从户口本上抄的，没有错"


def library_side(work: Path) -> None:
    """Run by the project's Python: the township, its check with feedback, the .xls, the typing jobs."""
    import openpyxl

    from cxzy_xl import schema
    from cxzy_xl.demo import make_demo
    from cxzy_xl.findings import Code
    from cxzy_xl.pipeline import run_check

    OUT.mkdir(exist_ok=True)
    demo = make_demo(work / "demo", n_branches=16, quarters=1)
    run = run_check(demo.inbox, demo.registry, feedback=work / "反馈")
    feedback = {p.name.split("_", 1)[0]: p for p in run.feedback}
    subprocess.run(["ssconvert", str(demo.files[WRONG]), str(OUT / f"{WRONG}.xls")], check=True,
                   capture_output=True)

    def explain_cell(path: Path, code: str) -> str:
        ws = openpyxl.load_workbook(path)[schema.EXPLAIN_SHEET]
        for row in ws.iter_rows(min_row=3):
            if row[2].value == code:
                return row[3].coordinate
        raise SystemExit(f"{path.name}: no 情况说明 row for {code}")

    def next_row(path: Path) -> int:
        ws = openpyxl.load_workbook(path)[schema.EXPLAIN_SHEET]
        return max((c.row for row in ws.iter_rows(min_row=3) for c in row if c.value not in (None, "")), default=2) + 1

    bad = next(f for f in run.batch.findings if f.code is Code.BAD_ID_NUMBER and f.branch_code == WRONG)
    r = next_row(feedback[WRONG])
    jobs = [
        {"src": str(demo.files[WARNED]), "cells": [], "remove": [], "target": str(OUT / f"{WARNED}.ods")},
        {"src": str(feedback[WARNED]), "cells": [[schema.EXPLAIN_SHEET, explain_cell(feedback[WARNED], "COUNT_MISMATCH"),
                                                  EXPLANATION]],
         "remove": [schema.FINDINGS_SHEET], "target": str(OUT / f"{WARNED}_explained.xlsx")},
        {"src": str(feedback[WRONG]), "cells": [[schema.EXPLAIN_SHEET, f"A{r}", bad.sheet], [schema.EXPLAIN_SHEET, f"B{r}", bad.cell],
                                                [schema.EXPLAIN_SHEET, f"C{r}", bad.code.name],
                                                [schema.EXPLAIN_SHEET, f"D{r}", NOT_AN_ERROR]],
         "remove": [schema.FINDINGS_SHEET], "target": str(OUT / f"{WRONG}_explained.xlsx")},
    ]
    (work / "jobs.json").write_text(json.dumps(jobs, ensure_ascii=False), encoding="utf-8")


def type_into(desktop, jobs: list[dict]) -> None:  # type: ignore[no-untyped-def,type-arg]
    """Each job: open ``src``, type ``cells`` [sheet, A1, text] as text, remove the sheets named in
    ``remove``, save as ``target``."""
    import uno

    for job in jobs:
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(job["src"]), "_blank", 0, _props(Hidden=True))
        try:
            for name, ref, text in job["cells"]:
                doc.Sheets.getByName(name).getCellRangeByName(ref).setString(text)
            for name in job["remove"]:
                doc.Sheets.removeByName(name)
            target = Path(job["target"])
            doc.storeToURL(uno.systemPathToFileUrl(str(target)), _props(FilterName=FILTERS[target.suffix], Overwrite=True))
        finally:
            doc.close(True)
        print(f"{target.stat().st_size:>8}  {target.name}")


def main() -> None:
    try:
        import uno  # noqa: F401
    except ImportError:
        raise SystemExit("run this with the system Python, which has the uno module: /usr/bin/python3 "
                         f"{Path(__file__).relative_to(ROOT)}") from None
    if not shutil.which("ssconvert"):
        raise SystemExit("ssconvert (Debian package gnumeric) is not installed")
    work = Path(tempfile.mkdtemp(prefix="cxzy-conversation-"))
    try:
        subprocess.run([_project_python(), __file__, "--library", str(work)], check=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
        with office(work) as desktop:
            type_into(desktop, json.loads((work / "jobs.json").read_text(encoding="utf-8")))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--library":
        library_side(Path(sys.argv[2]))
    else:
        main()
