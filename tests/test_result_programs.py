"""The 汇总表 and the 明细表 as other programs open them: LibreOffice (``soffice --convert-to``) and Gnumeric
(``ssconvert``) each read both files and save them again, and every value of every sheet reads back the
same as from the files we wrote. A file a program had to repair loses or changes cells, so this is the
repair prompt's check without a screen. Skipped, with the reason, where the programs are not installed
(CI); run where they are (Debian: libreoffice-calc, gnumeric)."""

from __future__ import annotations

import datetime as dt
import math
import shutil
import subprocess
import zipfile
from pathlib import Path

import defusedxml.ElementTree as ET
import pytest
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import from_excel
from python_calamine import CalamineWorkbook
from test_detail import EDGE

from cxzy_xl import schema
from cxzy_xl.demo import make_demo
from cxzy_xl.detailbook import WRITERS, rust_available, write_detail
from cxzy_xl.pipeline import run_aggregate

SOFFICE, SSCONVERT = shutil.which("soffice"), shutil.which("ssconvert")


def _values(path: Path) -> dict[str, list[list]]:
    """Every sheet's values, trailing blanks dropped, numbers as floats, dates as dates."""
    book = CalamineWorkbook.from_path(str(path))
    out = {}
    for name in book.sheet_names:
        rows = []
        for row in book.get_sheet_by_name(name).to_python(skip_empty_area=False):
            cells = [v.date() if isinstance(v, dt.datetime) else float(v) if isinstance(v, (int, float))
                     and not isinstance(v, bool) else v for v in row]
            while cells and cells[-1] in ("", None):
                cells.pop()
            rows.append(cells)
        while rows and not rows[-1]:
            rows.pop()
        out[name] = rows
    return out


def _gnumeric_dates(path: Path, values: dict[str, list[list]]) -> dict[str, list[list]]:
    """Gnumeric saves a cell whose style is its column's without ``s=``, the date format on ``<col>``
    only, which calamine does not apply; Gnumeric itself shows the column as dates. Read them so.
    (openpyxl cannot load Gnumeric's 汇总表: its comments name authors it does not write.)"""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    with zipfile.ZipFile(path) as z:
        styles = ET.fromstring(z.read("xl/styles.xml"))
        formats = {int(f.get("numFmtId")): f.get("formatCode") for f in styles.iterfind(".//m:numFmt", ns)}
        xfs = [BUILTIN_FORMATS.get(int(x.get("numFmtId")), formats.get(int(x.get("numFmtId")), "General"))
               for x in styles.find("m:cellXfs", ns)]
        targets = {r.get("Id"): r.get("Target") for r in ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))}
        out = {}
        for sheet in ET.fromstring(z.read("xl/workbook.xml")).iterfind(".//m:sheet", ns):
            xml = ET.fromstring(z.read("xl/" + targets[sheet.get(rel)].removeprefix("/xl/")))
            dated = {i - 1 for c in xml.iterfind(".//m:col", ns) if is_date_format(xfs[int(c.get("style", 0))])
                     for i in range(int(c.get("min")), int(c.get("max")) + 1)}
            rows = values[sheet.get("name")]
            out[sheet.get("name")] = [[from_excel(v).date() if r and i in dated and isinstance(v, float) else v
                                       for i, v in enumerate(row)] for r, row in enumerate(rows)]
    return out


def _trimmed(values: dict[str, list[list]]) -> dict[str, list[list]]:
    return {k: [[v.strip() if isinstance(v, str) else v for v in row] for row in rows] for k, rows in values.items()}


def _same(theirs: list[list], ours: list[list]) -> bool:
    """Equal cell for cell; a float to 13 significant digits, as LibreOffice saves 15."""
    if len(theirs) != len(ours):
        return False
    return all(len(a) == len(b) and all(
        x == y or (isinstance(x, float) and isinstance(y, float) and math.isclose(x, y, rel_tol=1e-13))
        for x, y in zip(a, b, strict=True)) for a, b in zip(theirs, ours, strict=True))


def _resaved(program: str, path: Path, out: Path) -> Path:
    out.mkdir(exist_ok=True)
    if program == "libreoffice":
        # a profile of its own, as in test_print: a running soffice would otherwise take the job
        subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation={(out / 'lo').as_uri()}",
                        "--convert-to", "xlsx", "--outdir", str(out), str(path)],
                       check=True, capture_output=True, timeout=300)
        return out / path.name
    target = out / path.name
    subprocess.run([SSCONVERT, str(path), str(target)], check=True, capture_output=True, timeout=300)
    return target


PROGRAMS = [pytest.param("libreoffice", marks=pytest.mark.skipif(not SOFFICE, reason="LibreOffice (soffice) is not installed")),
            pytest.param("gnumeric", marks=pytest.mark.skipif(not SSCONVERT, reason="Gnumeric (ssconvert) is not installed"))]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    root = tmp_path_factory.mktemp("programs")
    demo = make_demo(root / "d", n_branches=16, quarters=1)
    run = run_aggregate(demo.inbox, demo.registry, output=root / "镇汇总.xlsx")
    files = [run.path, run.detail]
    writers = [w for w in WRITERS if w != WRITERS[0] or rust_available()]
    for w in writers:
        files.append(write_detail({"活动记录": EDGE}, root / f"edge_{w}.xlsx", {"template_id": schema.DETAIL_ID},
                                  writer=w).path)
    return root, files


@pytest.mark.parametrize("program", PROGRAMS)
def test_both_workbooks_open_and_read_back_the_same_in_other_programs(written, program, tmp_path):
    root, files = written
    for path in files:
        again = _resaved(program, path, tmp_path / program)
        ours, theirs = _values(path), _values(again)
        if program == "gnumeric":
            # Gnumeric keeps leading and trailing spaces (its CSV shows them) but writes its .xlsx
            # without xml:space="preserve", so calamine trims them: compare its text trimmed.
            theirs, ours = (_trimmed(v) for v in (_gnumeric_dates(again, theirs), ours))
        assert list(theirs) == list(ours), path.name
        for name in ours:
            assert _same(theirs[name], ours[name]), (program, path.name, name)
