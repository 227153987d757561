"""The result workbook's fast writer (output.stream_rows, which puts rows into xlsxwriter's row file
itself) writes exactly what xlsxwriter's own cell-by-cell calls write: every part of the file byte for
byte, on the demo inbox, on a messy inbox, and on values chosen to hit every escape xlsxwriter makes."""

from __future__ import annotations

import datetime as dt
import math
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from test_fast_paths import SAMPLE, write_inbox

from cxzy_xl import output, schema
from cxzy_xl.aggregate import aggregate
from cxzy_xl.batch import read_folder
from cxzy_xl.findings import Code, make
from cxzy_xl.templates import new_workbook

WHEN = dt.datetime(2011, 7, 1, 9, 30)


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def cell_by_cell(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(output, "_can_stream", lambda ws, first_row: False)


@pytest.mark.parametrize(("inbox", "every", "helper"), [("demo", False, False), ("demo", True, True),
                                                        ("messy", False, True), ("messy", True, False)])
def test_result_workbook_is_the_same_byte_for_byte(tmp_path, monkeypatch, inbox, every, helper):
    folder = SAMPLE / "收件箱" if inbox == "demo" else write_inbox(tmp_path / "messy", messy=True)
    registry = SAMPLE / "支部名单.xlsx" if inbox == "demo" else None
    summary = aggregate(read_folder(folder, registry, isolate=False))
    monkeypatch.setattr(output, "FRAME_CHUNK", 7)  # chunk boundaries inside every sheet
    if helper:  # the detail sheets' rows rendered in a second process (whose chunks are the default's)
        monkeypatch.setattr(output, "HELPER_ROWS", (1, 10**9))
        started = []
        splice = output._splice

        def spliced(*args):  # type: ignore[no-untyped-def]
            started.append(splice(*args))
            return started[-1]

        monkeypatch.setattr(output, "_splice", spliced)
    fast = output.write_result(summary, tmp_path / "fast.xlsx", generated_at=WHEN, every_finding=every)
    if helper:
        assert len(started) == len(schema.TABLE_SHEETS) and all(started)  # every sheet's rows came from it
    cell_by_cell(monkeypatch)
    slow = output.write_result(summary, tmp_path / "slow.xlsx", generated_at=WHEN, every_finding=every)
    a, b = parts(fast), parts(slow)
    assert a.keys() == b.keys()
    assert [n for n in a if a[n] != b[n]] == []


ODD_TEXT = ["plain", "", " leading", "trailing ", "tab\tinside", "new\nline", "a & b < c > d", 'say "hi"',
            "bell\x07", "_x0041_ literal", "<r>rich-looking</r>", "<r>", "全角　空格　", "x" * 40_000,
            "😀" * 17_000, "\u3000全角开头", None]


def odd_frame() -> pd.DataFrame:
    n = len(ODD_TEXT)
    return pd.DataFrame({
        "text": pd.array(ODD_TEXT, dtype="string"),
        "obj": pd.Series([None if i % 3 == 0 else (i if i % 2 else f"v{i}") for i in range(n)], dtype=object),
        "int": pd.array([None if i % 4 == 0 else i * 1000 for i in range(n)], dtype="Int64"),
        "float": [math.nan, math.inf, -math.inf, 0.1, 1e300, -0.0, 1 / 3, *range(n - 7)],
        "date": pd.to_datetime([None if i % 5 == 0 else dt.date(2011, 1 + i % 12, 1 + i) for i in range(n)]),
        "flag": [bool(i % 2) for i in range(n)],
        "empty": pd.array([None] * n, dtype="string"),
    })


def write_odd(path: Path, chunk: int, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(output, "FRAME_CHUNK", chunk)
    wb = new_workbook(path, constant_memory=True)
    wb.set_properties({"created": WHEN})
    st = output.ResultStyles(wb)
    df = odd_frame()
    output._write_plain_table(wb, st, "odd", df)
    output._write_plain_table(wb, st, "none", df.iloc[0:0], empty_note="nothing")
    output._write_plain_table(wb, st, "blank", df[["empty"]])
    text = [t for t in ODD_TEXT if t is not None]
    findings = [make(Code.NORMALISED if i % 3 else Code.BAD_TYPE, f"文件{i % 4}.xlsx", branch_code=f"B{i}",
                     sheet="党员名册", row=i, column="出生日期", cell=f"E{i + 3}", value=t,
                     detail="很长的说明" * (i % 5)) for i, t in enumerate(text)]
    output.write_findings_sheet(wb, st, findings, every=True)
    for name, heights in (("bare", [20, None, 30]), ("bare2", [None, 40, None])):  # no header: set_row's extent
        ws = wb.add_worksheet(name)
        columns = [(2, "text", ["a", None, "c"], st.wrap), (3, "num", [1.5, math.nan, 3], [st.text, None, st.int])]
        if not output.stream_rows(ws, 0, 3, columns, heights):
            output._write_cells(ws, 0, 3, columns, heights)
    wb.close()
    return path


@pytest.mark.parametrize("chunk", [3, 4096])
def test_odd_values_are_written_as_xlsxwriter_writes_them(tmp_path, monkeypatch, chunk):
    fast = parts(write_odd(tmp_path / "fast.xlsx", chunk, monkeypatch))
    cell_by_cell(monkeypatch)
    slow = parts(write_odd(tmp_path / "slow.xlsx", chunk, monkeypatch))
    assert fast.keys() == slow.keys()
    assert [n for n in fast if fast[n] != slow[n]] == []


def test_a_sheet_not_in_the_plain_state_is_written_cell_by_cell(tmp_path):
    wb = new_workbook(tmp_path / "x.xlsx", constant_memory=True)
    st = output.ResultStyles(wb)
    ws = wb.add_worksheet("s")
    ws.set_row(5, 30)  # a row ahead of the frame already has a height
    assert not output._can_stream(ws, 1)
    output.write_frame(ws, pd.DataFrame({"a": ["x"] * 8}), 1, st)
    wb.close()
    rows = pd.read_excel(tmp_path / "x.xlsx", sheet_name="s", header=None, engine="calamine")
    assert rows[0].tolist()[-8:] == ["x"] * 8
