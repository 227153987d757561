"""汇总表 and 明细表 (contract 1.2, "The result: 汇总表 and 明细表"): the result is two workbooks; the
汇总表 alone serves printing, the roll-up, ``--previous`` and the documents; the 明细表 holds the combined
tables, written by rust_xlsxwriter or, when it is missing or refuses a value, by xlsxwriter, the values
read back the same either way."""

from __future__ import annotations

import datetime as dt
import math
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from defusedxml import ElementTree
from python_calamine import CalamineWorkbook

from cxzy_xl import schema
from cxzy_xl.demo import make_demo
from cxzy_xl.detailbook import WRITERS, detail_filename, rust_available, write_detail
from cxzy_xl.files import is_ours
from cxzy_xl.findings import Code
from cxzy_xl.pipeline import run_aggregate
from cxzy_xl.resultbook import read_previous
from cxzy_xl.vanished import vanished

TABLES = [s.name for s in schema.TABLE_SHEETS]
HIDDEN = [k.name for k in schema.KEPT]
needs_rust = pytest.mark.skipif(not rust_available(), reason="rustpy-xlsxwriter is not installed")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return make_demo(tmp_path_factory.mktemp("split") / "d", n_branches=16, quarters=2)


def _states(path: Path) -> dict[str, str]:
    wb = openpyxl.load_workbook(path, read_only=False)
    return {ws.title: ws.sheet_state for ws in wb.worksheets}


def test_the_result_is_two_workbooks_side_by_side(demo):
    result = demo.result
    detail = detail_filename(result)
    assert detail.name == result.name.replace("创先争优汇总", "创先争优明细")
    assert detail.exists()
    states = _states(result)
    visible = [n for n, s in states.items() if s == "visible"]
    assert visible == ["总览", "支部汇总", "分类汇总", "督导组汇总", "分项统计", "问题清单", "未报送", "数据"]
    assert {n for n, s in states.items() if s == "hidden"} == {schema.META_SHEET, *HIDDEN, schema.RECTIFY_SHEET}  # what --previous reads
    assert not set(TABLES) & set(states), "the combined tables are the 明细表's, not the 汇总表's"
    detail_states = _states(detail)
    assert [n for n, s in detail_states.items() if s == "visible"] == TABLES
    assert detail_states[schema.META_SHEET] == "hidden"


def test_the_detail_holds_every_row_of_every_table_masked(demo):
    batch = demo.next.summary.batch
    book = CalamineWorkbook.from_path(str(detail_filename(demo.next.result)))
    for name in TABLES:
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        assert rows[0] == [schema.CODE_COL, schema.NAME_COL, *schema.BRANCH_SHEET[name].labels]
        body = [r for r in rows[1:] if any(v != "" for v in r)]
        assert len(body) == len(batch.tables[name]), name
    roster = book.get_sheet_by_name("党员名册").to_python()
    ids = [r[roster[0].index("身份证号")] for r in roster[1:] if r[roster[0].index("身份证号")]]
    assert ids and all("********" in v for v in ids)


def test_previous_needs_the_summary_alone(demo, tmp_path):
    """Quarter two against quarter one's 汇总表 with the 明细表 gone finds what vanished as before."""
    alone = tmp_path / demo.result.name
    alone.write_bytes(demo.result.read_bytes())
    prev = read_previous(alone)
    assert set(prev.details) == {v.sheet for v in schema.VANISHED}
    assert all(df is not None and len(df) for df in prev.details.values())
    found = vanished(demo.next.summary.batch, prev)
    expected = [f for f in demo.next.summary.findings
                if f.code in (Code.COMMITMENT_VANISHED, Code.CONCERN_VANISHED, Code.MEMBER_GONE)]
    assert found and sorted(f.message for f in found) == sorted(f.message for f in expected)


def test_the_kept_rows_are_the_open_ones_and_every_member(demo):
    from cxzy_xl.read import load_book
    from cxzy_xl.resultbook import kept_sheet

    batch = demo.summary.batch
    book = load_book(demo.result)
    for k in schema.KEPT:
        rows = kept_sheet(book, k.sheet).rows
        assert rows[0] == [schema.CODE_COL, schema.NAME_COL, *k.labels(), schema.DETAIL_ROW]
        table = batch.tables[k.sheet]
        numbers = [int(float(r[-1])) for r in rows[1:]]
        assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
        if k.every_row:
            assert numbers == list(range(2, len(table) + 2))
        else:
            open_now = int(k.open.rows(table).sum())
            assert open_now <= len(rows) - 1 <= len(table)
            status = rows[0].index(k.open.column)
            if k.open.values:
                assert {r[status] for r in rows[1:]} - set(k.open.values) <= {"未兑现", ""}
    packed = CalamineWorkbook.from_path(str(demo.result)).get_sheet_by_name("_党员名册").to_python()
    assert len(packed) - 1 == batch.tables["党员名册"][schema.CODE_COL].nunique(), "a branch's members to a row"


def test_packing_keeps_every_value_and_splits_what_a_cell_cannot_hold():
    from cxzy_xl.output import PACKED_CELL, packed_frame
    from cxzy_xl.read import RawSheet
    from cxzy_xl.resultbook import _unpacked

    names = ["张三", "李\n四", "王" * 20_000, "赵" * 20_000, "", "钱七"]
    frame = pd.DataFrame({schema.CODE_COL: ["A", "A", "A", "A", "B", "B"], schema.NAME_COL: ["甲", "甲", "甲", "甲", "乙", "乙"],
                          "姓名": names, "入党日期": pd.to_datetime(["2001-07-01", None, "1990-01-02", None, None,
                                                                 "2011-05-04"]),
                          schema.DETAIL_ROW: [2, 3, 4, 5, 6, 7]})
    packed = packed_frame(frame, 200)
    assert all(len(v) <= PACKED_CELL for v in packed["姓名"])
    assert list(packed[schema.CODE_COL]) == ["A", "A", "B"]  # the two long names do not share a cell
    rows = _unpacked(RawSheet("_党员名册", [list(packed.columns), *packed.values.tolist()])).rows
    assert [r[2] for r in rows[1:]] == ["张三", "李 四", "王" * 20_000, "赵" * 20_000, "", "钱七"]
    assert [r[3] for r in rows[1:]] == ["2001-07-01", "", "1990-01-02", "", "", "2011-05-04"]
    assert [r[-1] for r in rows[1:]] == ["2", "3", "4", "5", "6", "7"]
    assert [r[1] for r in rows[1:]] == ["甲"] * 4 + ["乙"] * 2


def test_no_detail_writes_the_summary_only(demo, tmp_path):
    out = tmp_path / "镇汇总.xlsx"
    run = run_aggregate(demo.inbox, demo.registry, output=out, detail=False)
    assert run.path == out and run.detail is None
    assert not detail_filename(out).exists() and detail_filename(out).name == "镇汇总_明细表.xlsx"
    run = run_aggregate(demo.inbox, demo.registry, output=out)
    assert run.detail == detail_filename(out) and run.detail.exists()


def test_a_citys_detail_is_streamed_after_the_summary_with_the_same_result(demo, tmp_path, monkeypatch):
    import threading

    from cxzy_xl import detailbook, output

    beside = run_aggregate(demo.inbox, demo.registry, output=tmp_path / "beside.xlsx")
    monkeypatch.setattr(detailbook, "STREAMED_CELLS", 10)  # any demo is "a city" now
    monkeypatch.setattr(output, "FRAME_ROWS", 7)  # and its frames are written a few rows at a time
    started = []
    real_start = threading.Thread.start
    monkeypatch.setattr(threading.Thread, "start", lambda t: (started.append(t.name), real_start(t))[1])
    after = run_aggregate(demo.inbox, demo.registry, output=tmp_path / "after.xlsx")
    assert "明细表" not in started
    assert after.detail_writer == WRITERS[1], "a city's 明细表 streams its rows, as its 汇总表 does"
    import re

    def cells(book, name):  # the two runs may fall in different minutes: 总览's 生成时间 is not compared
        return [[re.sub(r"生成时间：[\d\- :]+", "生成时间：", v) if isinstance(v, str) else v for v in row]
                for row in book.get_sheet_by_name(name).to_python()]

    for one, other in ((beside.detail, after.detail), (beside.path, after.path)):
        a, b = CalamineWorkbook.from_path(str(one)), CalamineWorkbook.from_path(str(other))
        assert a.sheet_names == b.sheet_names
        for name in a.sheet_names:
            if name != schema.META_SHEET:
                assert cells(a, name) == cells(b, name), name


def test_a_problem_whose_reason_was_cleared_reads_back_as_its_kind(demo, tmp_path):
    """A result's problem list read back keeps each written reason; one an office cleared by hand reads
    as the problem's kind (问题类型), not as its code's template with nothing filled in."""
    import shutil

    from cxzy_xl.resultbook import open_result

    path = shutil.copy(demo.result, tmp_path / "改过.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb[schema.FINDINGS_SHEET]
    head = [c.value for c in ws[1]]
    cleared = ws.cell(2, head.index("问题及修改要求") + 1)
    kept = ws.cell(3, head.index("问题及修改要求") + 1).value
    code = Code[ws.cell(2, head.index("代码") + 1).value]
    cleared.value = None
    wb.save(path)
    child, _ = open_result(path)
    assert child.findings[0].message == code.kind
    assert child.findings[1].message == kept


# --- values read back as written, by either writer ---------------------------------------------------

LONG = "长" * 32_767
EDGE = pd.DataFrame({
    schema.CODE_COL: ["DX001", "DX002", "DX003", "DX004", "DX005"],
    schema.NAME_COL: pd.array(["<r>甲</r>村党支部", "A & B", "=1+1", "  前后空格 ", None], dtype="string"),
    "活动日期": pd.to_datetime(["2011-05-01", None, "1900-03-01", "2099-12-31", "2011-06-30"]),
    "活动主题": [LONG, "&amp;", "<![CDATA[x]]>", "\u4e00\n第二行", "<r>石门村 & 张三</r>"],
    "参加人数": [12.0, float("nan"), 0.0, -3.5, 1e15],
    "学时": [1.5, 2.0, float("nan"), 0.25, 3.0],
})


def _read_openpyxl(path: Path, sheet: str) -> list[list]:
    ws = openpyxl.load_workbook(path)[sheet]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def _read_calamine(path: Path, sheet: str) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def _expected(df: pd.DataFrame) -> list[list]:
    rows = []
    for rec in df.itertuples(index=False):
        row = []
        for v in rec:
            if v is pd.NaT or isinstance(v, pd.Timestamp):
                row.append(None if pd.isna(v) else v.date())
            elif isinstance(v, float):
                row.append(None if math.isnan(v) else v)
            elif v is None or v is pd.NA or v == "":
                row.append(None)
            else:
                row.append(v)
        rows.append(row)
    return rows


def _as_values(rows: list[list], width: int) -> list[list]:
    out = []
    for r in rows[1:]:
        r = (list(r) + [None] * width)[:width]
        out.append([None if v in ("", None) else v.date() if isinstance(v, dt.datetime) else v for v in r])
    return out


@pytest.mark.parametrize("writer", [pytest.param(WRITERS[0], marks=needs_rust), WRITERS[1]])
def test_values_read_back_as_written(tmp_path, writer):
    frames = {"活动记录": EDGE[[schema.CODE_COL, schema.NAME_COL, "活动日期", "活动主题", "参加人数", "学时"]]}
    meta = {"template_id": schema.DETAIL_ID, "unit": "德新镇党委", "report_period": "2011Q2"}
    done = write_detail(frames, tmp_path / "明细.xlsx", meta, writer=writer)
    assert done.writer == writer
    want = _expected(frames["活动记录"])
    width = len(want[0])
    for reader in (_read_openpyxl, _read_calamine):
        rows = reader(done.path, "活动记录")
        assert rows[0][:width] == list(frames["活动记录"].columns)
        assert _as_values(rows, width) == want, (writer, reader.__name__)
        meta_rows = reader(done.path, schema.META_SHEET)
        assert [r[:2] for r in meta_rows][:3] == [[k, v] for k, v in meta.items()]
    assert is_ours(done.path, schema.DETAIL_ID) and not is_ours(done.path, schema.RESULT_ID)
    with zipfile.ZipFile(done.path) as z:  # every part well-formed: no repair prompt
        for name in z.namelist():
            if name.endswith((".xml", ".rels")):
                ElementTree.fromstring(z.read(name))


@needs_rust
def test_a_value_the_fast_writer_refuses_falls_back(tmp_path, monkeypatch):
    """Whatever rust_xlsxwriter refuses (it raises ValueError or TypeError on a value it cannot store),
    xlsxwriter writes the same sheets instead: the file is never lost."""
    from cxzy_xl import detailbook

    def refuse(*args, **kwargs):
        raise ValueError("Date range error")

    monkeypatch.setattr(detailbook, "_write_rust", refuse)
    frames = {"活动记录": EDGE}
    done = write_detail(frames, tmp_path / "明细.xlsx", {"template_id": schema.DETAIL_ID})
    assert done.writer == WRITERS[1]
    assert _as_values(_read_calamine(done.path, "活动记录"), EDGE.shape[1]) == _expected(EDGE)


def test_dates_before_1900_are_kept_as_text(demo, tmp_path):
    from cxzy_xl.output import table_frame

    df = pd.DataFrame({schema.CODE_COL: ["DX001", "DX002"], schema.NAME_COL: ["甲", "乙"],
                       "活动日期": pd.to_datetime(["1890-01-02", "2011-05-01"])})
    out = table_frame(df, ["活动日期"], mask=True)
    assert list(out["活动日期"]) == ["1890-01-02", "2011-05-01"]
    assert pd.api.types.is_datetime64_any_dtype(df["活动日期"]), "its argument is not changed"


def test_our_unsaved_detail_is_replaced_a_saved_one_is_kept(tmp_path):
    frames = {"活动记录": EDGE.iloc[1:3]}
    meta = {"template_id": schema.DETAIL_ID}
    first = write_detail(frames, tmp_path / "明细.xlsx", meta)
    again = write_detail(frames, tmp_path / "明细.xlsx", meta)
    assert again.path == first.path
    # somebody opens it and saves: Excel, WPS and LibreOffice stamp a new modified time and their name
    with zipfile.ZipFile(first.path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    core = parts["docProps/core.xml"].decode()
    core = core.replace("<cp:lastModifiedBy></cp:lastModifiedBy>", "<cp:lastModifiedBy>张三</cp:lastModifiedBy>") \
        if "<cp:lastModifiedBy></cp:lastModifiedBy>" in core else core.replace("cxzy_xl</cp:lastModifiedBy>",
                                                                             "张三</cp:lastModifiedBy>")
    parts["docProps/core.xml"] = core.encode()
    with zipfile.ZipFile(first.path, "w") as z:
        for n, b in parts.items():
            z.writestr(n, b)
    with pytest.warns(UserWarning):
        third = write_detail(frames, tmp_path / "明细.xlsx", meta)
    assert third.path != first.path and first.path.exists()


def test_a_text_longer_than_a_cell_is_cut_and_said(tmp_path):
    from cxzy_xl.detailbook import detail_frames
    from cxzy_xl.model import Batch

    table = pd.DataFrame({schema.CODE_COL: ["DX001"], schema.NAME_COL: ["甲"], schema.FILE_COL: ["甲.ods"],
                          schema.ROW_COL: [3]})
    tables = {}
    for s in schema.TABLE_SHEETS:
        t = pd.DataFrame({c: pd.Series([], dtype=object) for c in (schema.CODE_COL, schema.NAME_COL, *s.labels,
                                                                    schema.FILE_COL, schema.ROW_COL)})
        tables[s.name] = t
    row = {c: None for c in tables["活动记录"].columns} | table.iloc[0].to_dict() | {"活动主题": "长" * 40_000}
    tables["活动记录"] = pd.DataFrame([row])
    batch = Batch(tables=tables, findings=[], files=pd.DataFrame(), settings=schema.Settings())
    frames, findings = detail_frames(batch)
    cut = frames["活动记录"]["活动主题"].iat[0]
    assert len(cut) == 32_767 and cut.endswith("…")
    assert [f.code for f in findings] == [Code.TEXT_CUT]
    assert findings[0].file == "甲.ods" and "40000" in findings[0].message
    assert len(batch.tables["活动记录"]["活动主题"].iat[0]) == 40_000


def test_a_result_written_before_the_split_still_serves_previous_and_the_documents(tmp_path):
    """tests/data/resaved/result.xlsx was written with the detail sheets inside the 汇总表 (and re-saved by
    LibreOffice): --previous reads them there, and quotes rows by their number in that 汇总表."""
    from cxzy_xl.report import report_context
    from cxzy_xl.vanished import SOURCE_BOOK, SOURCE_ROW

    old = Path(__file__).parent / "data" / "resaved" / "result.xlsx"
    prev = read_previous(old)
    for sheet in ("公开承诺", "民情台账", "党员名册"):
        rows = prev.details[sheet]
        assert rows is not None and len(rows) and set(rows[SOURCE_BOOK]) == {"汇总表"}
        assert list(rows[SOURCE_ROW][:3]) == [2, 3, 4]
    ctx = report_context(old)
    assert ctx["重点项目"], "the largest projects still come from its 为民办实事 sheet"
