"""The golden run: every file the full demo writes, and the checks, feedback and roll-up done on it, as
a normalised, JSON-able view (:func:`snapshot`), to compare with ``tests/data/golden/demo.json.gz``.

:func:`build` makes the run: ``make_demo`` (two quarters: results, 总结 and 通报, the carried templates
in 下发, 督导组问题清单, and the inputs it writes), then through the ``cxzy`` command (click's
CliRunner): ``cxzy check … -o 问题清单.xlsx --feedback 退回`` for each quarter's inbox, a second
township (``cxzy demo 古河乡 --quarters 1``), the county's ``cxzy rollup`` of the two townships and
``cxzy report`` on it. Only public entry points are used, so that the internals can change under it.

The view of a .xlsx: its document properties, then each sheet in order with its state and every
non-empty cell as [A1, value, number_format], plus what carries meaning beyond values: comments
(feedback's notes), solid fills (problem cells, carried-over cells), merged ranges, data validations
(dropdowns), conditional formats, frozen panes, protection and charts. A .docx: its properties and
every paragraph and table (cell texts) of body, headers and footers, in order. Text files (报送说明.txt,
the demo's .cxzy-demo list): their text. Anything else (the planted WPS lock file): a sha256 of its bytes.

Only what truly varies from run to run is masked (see “masks” below); each mask says why.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

GOLDEN = Path(__file__).parent / "data" / "golden" / "demo.json.gz"
FORMAT = 1  # of the snapshot below; a new layout of the snapshot is a new golden file

# What build() runs besides make_demo, inside the demo folder. Q2 is quarter two's subfolder.
Q2 = "2011年第三季度"
COUNTY = "县"  # the county's folder: the second township (古河乡) in it, and the roll-up of the two
CLI_RUNS: list[tuple[str, list[str]]] = [
    # (working folder relative to the demo folder, the cxzy arguments)
    (".", ["check", "收件箱", "--registry", "支部名单.xlsx", "-o", "问题清单.xlsx", "--feedback", "退回"]),
    (Q2, ["check", "收件箱", "--registry", "支部名单.xlsx", "-o", "问题清单.xlsx", "--feedback", "退回",
          "--previous", "../德新镇党委创先争优汇总_2011年第二季度.xlsx"]),
    (COUNTY, ["demo", "古河乡", "--committee", "古河乡党委", "--prefix", "GH", "--seed", "7", "--quarters", "1"]),
    (COUNTY, ["rollup", "../德新镇党委创先争优汇总_2011年第二季度.xlsx", "古河乡/古河乡党委创先争优汇总_2011年第二季度.xlsx",
              "--unit", "新邵县委组织部"]),
    (COUNTY, ["report", "新邵县委组织部创先争优汇总_2011年第二季度.xlsx", "--date", "2011-07-12"]),
]
CLI_KEY = "<cli>"  # snapshot keys of the commands' exit codes and output: <cli>/1 check …


def environment() -> dict[str, str]:
    """The versions that make and read the files (kept in the golden file, not compared: said when a
    comparison fails, in case the difference comes from them)."""
    import platform
    from importlib.metadata import version

    out = {"python": platform.python_version()}
    for dist in ("openpyxl", "xlsxwriter", "python-docx", "docxtpl", "pandas", "python-calamine", "click"):
        try:
            out[dist] = version(dist)
        except Exception:  # not installed under that name: nothing to say
            out[dist] = "?"
    return out


def dumps(snap: dict[str, Any]) -> bytes:
    """The golden file's bytes: gzip (no timestamp in its header) of JSON with sorted keys."""
    import gzip

    doc = {"format": FORMAT, "environment": environment(), "snapshot": snap}
    text = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def loads(data: bytes) -> dict[str, Any]:
    import gzip

    return json.loads(gzip.decompress(data).decode("utf-8"))


@contextmanager
def _cwd(path: Path) -> Iterator[None]:
    old = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


@contextmanager
def _workers_import_this() -> Iterator[None]:
    """Worker processes (spawn, forkserver) start a new interpreter: put the checkout whose cxzy_xl this
    process uses first on their PYTHONPATH. Else, started from another folder (the CLI runs below work
    inside the demo), they could import an installed cxzy_xl instead, fail to start, and the run would
    report every file as unreadable."""
    import cxzy_xl

    root = str(Path(cxzy_xl.__file__).resolve().parents[1])
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([root, *([old] if old else [])])
    try:
        yield
    finally:
        if old is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = old


def build(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """Run the golden run in ``folder`` (new or empty); returns what the commands said (exit code,
    stdout, stderr), by :data:`CLI_KEY` keys, for :func:`snapshot`."""
    from click.testing import CliRunner

    from cxzy_xl.cli import main
    from cxzy_xl.demo import make_demo

    root = Path(folder).resolve()
    said: dict[str, Any] = {}
    with _workers_import_this():
        make_demo(root)
        (root / COUNTY).mkdir()
        for i, (where, args) in enumerate(CLI_RUNS, 1):
            with _cwd(root / where):
                run = CliRunner().invoke(main, args, catch_exceptions=False)
            said[f"{CLI_KEY}/{i} {' '.join(args[:2])}"] = {"exit_code": run.exit_code, "stdout": run.stdout,
                                                            "stderr": run.stderr}
    return said


# --- normalising -----------------------------------------------------------------------------------

def _value(v: Any) -> Any:
    if isinstance(v, dt.datetime):
        return {"datetime": v.isoformat()}
    if isinstance(v, dt.date):
        return {"date": v.isoformat()}
    if isinstance(v, dt.time):
        return {"time": v.isoformat()}
    if isinstance(v, dt.timedelta):
        return {"timedelta": v.total_seconds()}
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return {type(v).__name__: str(v)}


def _colour(c: Any) -> str | None:
    if c is None:
        return None
    if c.type == "rgb":
        return str(c.rgb)
    if c.type == "theme":
        return f"theme:{c.theme}:{c.tint}"
    return f"{c.type}:{c.value}"


def _text(rich: Any) -> Any:
    """A chart's or axis' title as plain text (None when it has none)."""
    if rich is None:
        return None
    tx = getattr(rich, "tx", None)
    if tx is not None and tx.rich is not None:
        return "".join(r.t or "" for p in tx.rich.p for r in (p.r or []))
    if tx is not None and tx.strRef is not None:
        return {"ref": tx.strRef.f}
    return None


def _chart(ch: Any) -> dict[str, Any]:
    series = []
    for s in ch.series:
        series.append({
            "title": (s.tx.strRef.f if s.tx is not None and s.tx.strRef is not None else
                      (s.tx.v if s.tx is not None else None)),
            "cat": (s.cat.strRef or s.cat.numRef).f if s.cat is not None and (s.cat.strRef or s.cat.numRef) else None,
            "val": s.val.numRef.f if s.val is not None and s.val.numRef is not None else None,
        })
    return {"type": type(ch).__name__, "title": _text(ch.title), "series": series,
            "anchor": getattr(getattr(ch.anchor, "_from", None), "row", None) if not isinstance(ch.anchor, str)
            else ch.anchor}


def xlsx_view(path: Path) -> dict[str, Any]:
    import openpyxl

    wb = openpyxl.load_workbook(path)
    p = wb.properties
    view: dict[str, Any] = {
        "kind": "xlsx",
        "properties": {"title": p.title, "creator": p.creator, "description": p.description,
                       "created": _value(p.created)},
        "sheets": [],
    }
    for ws in wb.worksheets:
        cells, comments, fills = [], {}, {}
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    cells.append([c.coordinate, _value(c.value), c.number_format])
                if c.comment is not None:
                    comments[c.coordinate] = [c.comment.author, c.comment.text]
                if c.fill is not None and c.fill.fill_type == "solid":
                    fills[c.coordinate] = _colour(c.fill.fgColor)
        sheet: dict[str, Any] = {"name": ws.title, "state": ws.sheet_state, "cells": cells}
        if comments:
            sheet["comments"] = comments
        if fills:
            sheet["fills"] = fills
        merged = sorted(str(r) for r in ws.merged_cells.ranges)
        if merged:
            sheet["merged"] = merged
        dvs = sorted([str(dv.sqref), dv.type, dv.formula1, dv.formula2, dv.allow_blank, dv.promptTitle, dv.prompt,
                      dv.errorTitle, dv.error] for dv in ws.data_validations.dataValidation)
        if dvs:
            sheet["validations"] = dvs
        cfs = []
        for rng in ws.conditional_formatting:
            for rule in rng.rules:
                cfs.append([str(rng.sqref), rule.type, rule.operator, list(rule.formula or []), rule.text])
        if cfs:
            sheet["conditional"] = sorted(cfs, key=json.dumps)
        sheet["freeze"] = ws.freeze_panes
        sheet["protected"] = bool(ws.protection.sheet)
        charts = [_chart(ch) for ch in ws._charts]  # openpyxl keeps the charts it read there
        if charts:
            sheet["charts"] = charts
        view["sheets"].append(sheet)
    wb.close()
    return view


def _blocks(container: Any) -> list[Any]:
    """Paragraph texts (str) and tables (rows of cell texts) of a document body, header or footer, in order."""
    from docx.table import Table

    out: list[Any] = []
    for block in container.iter_inner_content():
        if isinstance(block, Table):
            out.append([[cell.text for cell in row.cells] for row in block.rows])
        else:
            out.append(block.text)
    return out


def docx_view(path: Path) -> dict[str, Any]:
    import docx

    d = docx.Document(str(path))
    p = d.core_properties
    view: dict[str, Any] = {
        "kind": "docx",
        "properties": {"title": p.title, "author": p.author, "comments": p.comments,
                       "last_modified_by": p.last_modified_by, "revision": p.revision,
                       "created": _value(p.created), "modified": _value(p.modified)},
        "body": _blocks(d),
    }
    hf = []
    for i, s in enumerate(d.sections):
        for name in ("header", "footer", "first_page_header", "first_page_footer", "even_page_header",
                     "even_page_footer"):
            part = getattr(s, name)
            if not part.is_linked_to_previous:
                hf.append([i, name, _blocks(part)])
    if hf:
        view["headers_footers"] = hf
    return view


def file_view(path: Path) -> dict[str, Any]:
    if path.suffix == ".xlsx" and not path.name.startswith("~$"):
        return xlsx_view(path)
    if path.suffix == ".docx" and not path.name.startswith("~$"):
        return docx_view(path)
    data = path.read_bytes()
    if path.suffix in (".txt", "") and not path.name.startswith("~$"):
        return {"kind": "text", "text": data.decode("utf-8")}
    return {"kind": "bytes", "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


# --- masks: what truly varies from run to run, found by making the run twice (in different folders,
# on different days, across midnight, with different hash seeds, fork and spawn) and diffing. Nothing
# else varies: paths in the outputs are relative (replacing the folder below is only a safeguard).
NOW = "<the run's clock>"
TODAY = "<the run's day>"
CLOCK_STAMP = re.compile(r"生成时间：\d{4}-\d{2}-\d{2} \d{2}:\d{2}")
REGISTER_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
DIGEST = re.compile(r"^[0-9a-f]{64}$")


def _cn_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _mask_xlsx(view: dict[str, Any]) -> None:
    mark = view["properties"]["description"] or ""
    if mark.startswith("cxzy-register"):
        # the inbox register records when the run saw each file (首次收到, 最近一次…) and is stamped then;
        # its 摘要 are the SHA-256 of the inbox's files, some of which the demo saves with the clock inside
        view["properties"]["created"] = NOW
        for sheet in view["sheets"]:
            for cell in sheet["cells"]:
                if isinstance(cell[1], str) and REGISTER_TIME.match(cell[1]):
                    cell[1] = NOW
                elif isinstance(cell[1], str) and DIGEST.match(cell[1]):
                    cell[1] = "<the file's SHA-256>"
        return
    detail = any(s["name"] == "_meta" and ["B1", "cxzy-detail", "General"] in s["cells"] for s in view["sheets"])
    if detail:
        # the 明细表's writer (rust_xlsxwriter) stamps created with the time it writes the file, and its
        # _meta records generated_at, the run's clock, as the 汇总表's does
        view["properties"]["created"] = NOW
        mark = "cxzy-result"
    if mark.startswith(("cxzy-result", "cxzy-findings")):
        # write_result stamps the workbook with the time it was written (its generated_at, the run's clock);
        # write_findings leaves it to xlsxwriter, which stamps it the same way. Templates, registries and
        # feedback keep the fixed 2011-01-01, which stays pinned.
        view["properties"]["created"] = NOW
    if not mark.startswith("cxzy-result"):
        return
    for sheet in view["sheets"]:
        if sheet["name"] == "总览":
            # 总览's second line: “报告期：…　　生成时间：2011-07-08 14:03” is the run's clock
            for cell in sheet["cells"]:
                if isinstance(cell[1], str):
                    cell[1] = CLOCK_STAMP.sub(f"生成时间：{NOW}", cell[1])
        elif sheet["name"] == "_meta":
            # _meta's generated_at: the same clock, recorded for the roll-up (a template's stays pinned)
            keys = {c[0][1:]: c[1] for c in sheet["cells"] if c[0].startswith("A")}
            for cell in sheet["cells"]:
                if cell[0].startswith("B") and keys.get(cell[0][1:]) == "generated_at":
                    cell[1] = NOW


def _mask_docx(view: dict[str, Any], days: set[str]) -> None:
    # report.py stamps created and modified with the run's clock
    view["properties"]["created"] = view["properties"]["modified"] = NOW
    # 成文日期 of documents written without a date (cxzy demo's, for the second township) is the day the
    # run made them: a paragraph that is just that day's date. The demo's own and cxzy report --date's
    # are fixed dates (2011) and stay pinned.
    view["body"] = [TODAY if isinstance(b, str) and b.strip() in days else b for b in view["body"]]


def snapshot(folder: str | os.PathLike[str], said: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every file under ``folder`` by its path relative to it (forward slashes), normalised and masked;
    ``said`` (what :func:`build` returns) is added as it is. Call it right after :func:`build`: a day's
    date is masked only as today's or yesterday's (a run across midnight)."""
    root = Path(folder)
    today = dt.date.today()
    days = {_cn_date(today), _cn_date(today - dt.timedelta(days=1))}
    files: dict[str, Any] = {}
    for p in sorted(root.rglob("*")):
        if not p.is_file():
            continue
        view = file_view(p)
        if view["kind"] == "xlsx":
            _mask_xlsx(view)
        elif view["kind"] == "docx":
            _mask_docx(view, days)
        files[p.relative_to(root).as_posix()] = view
    out = {**files, **(said or {})}
    # A safeguard: the folder's absolute path, should any output ever quote it (none does now).
    text = json.dumps(out, ensure_ascii=False, sort_keys=True)
    for where in {root.as_posix(), root.resolve().as_posix()}:
        text = text.replace(json.dumps(where, ensure_ascii=False)[1:-1], "<folder>")
    return json.loads(text)


# --- comparing -------------------------------------------------------------------------------------

def _flat(view: Any) -> dict[str, Any]:
    """One file's view as {place: value}: a sheet's cells by sheet and A1, the rest by its path in the view."""
    out: dict[str, Any] = {}
    if isinstance(view, dict) and view.get("kind") == "xlsx":
        out["properties"] = view["properties"]
        out["sheets"] = [[s["name"], s["state"]] for s in view["sheets"]]
        for s in view["sheets"]:
            for coord, value, fmt in s["cells"]:
                out[f"{s['name']}!{coord}"] = [value, fmt]
            for k, v in s.items():
                if k not in ("name", "state", "cells"):
                    if isinstance(v, dict):
                        for coord, x in v.items():
                            out[f"{s['name']}!{coord} {k}"] = x
                    else:
                        out[f"{s['name']} {k}"] = v
        return out
    if isinstance(view, dict) and view.get("kind") == "docx":
        out["properties"] = view["properties"]
        for i, block in enumerate(view["body"]):
            out[f"body[{i}]"] = block
        out["headers_footers"] = view.get("headers_footers")
        return out
    if isinstance(view, dict) and "exit_code" in view:  # a command: its exit code, then line by line
        out["exit_code"] = view["exit_code"]
        for stream in ("stdout", "stderr"):
            for i, line in enumerate((view.get(stream) or "").splitlines(), 1):
                out[f"{stream} line {i}"] = line
        return out
    if isinstance(view, dict) and view.get("kind") == "text":
        for i, line in enumerate(view["text"].splitlines(), 1):
            out[f"line {i}"] = line
        return out
    return {"": view}


def differences(expected: dict[str, Any], got: dict[str, Any], limit: int = 20) -> list[str]:
    """The first ``limit`` differences between two snapshots, one line each: file, place, expected, got."""
    def short(v: Any) -> str:
        text = json.dumps(v, ensure_ascii=False)
        return text if len(text) <= 160 else text[:157] + "..."

    out: list[str] = []
    for key in sorted(expected.keys() | got.keys()):
        if len(out) >= limit:
            break
        if key not in got:
            out.append(f"{key}: missing (expected in the golden)")
            continue
        if key not in expected:
            out.append(f"{key}: not in the golden (new file)")
            continue
        if expected[key] == got[key]:
            continue
        a, b = _flat(expected[key]), _flat(got[key])
        for place in [p for p in a if p not in b or a[p] != b[p]] + [p for p in b if p not in a]:
            if len(out) >= limit:
                break
            out.append(f"{key} {place}: expected {short(a.get(place))}, got {short(b.get(place))}")
    return out
