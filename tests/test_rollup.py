"""The roll-up sees edits: a child's visible summaries are cross-checked against its 数据 sheet and 数据
against the digest in _meta; a result re-saved untouched by LibreOffice shows no edits; children are
read in isolated workers, an unreadable one costing only itself; the result workbook prints."""

import datetime as dt
import os
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from cxzy_xl import schema
from cxzy_xl.cli import main
from cxzy_xl.findings import Code
from cxzy_xl.model import RollupError
from cxzy_xl.output import write_result
from cxzy_xl.resultbook import data_digest, read_child, read_result
from cxzy_xl.rollup import rollup

RESAVED = Path(__file__).parent / "data" / "resaved"
REAL = Path(__file__).parent / "data" / "real"
ORIGINAL = RESAVED / "result.xlsx"
FIXED = dt.datetime(2011, 7, 6, 9, 0)


def edits(findings):
    return [f for f in findings if f.code is Code.RESULT_EDITED]


def column_of(ws, header, header_row=2):
    return next(c.column_letter for c in ws[header_row] if c.value == header)


def row_of(ws, key, first=3):
    return next(r for r in range(first, ws.max_row + 1) if ws.cell(r, 1).value == key)


def data_value(path, code, column):
    """A branch's base value read straight from the 数据 sheet."""
    ws = openpyxl.load_workbook(path, read_only=True)["数据"]
    rows = list(ws.values)
    return rows[[r[1] for r in rows].index(code)][rows[0].index(column)]


def edited_copy(src, dst, change):
    wb = openpyxl.load_workbook(src)
    change(wb)
    wb.save(dst)
    return dst


def test_an_untouched_result_and_its_libreoffice_copies_show_no_edits():
    originals = read_result(ORIGINAL)
    assert originals.findings and not edits(originals.findings)  # its own 问题清单 is read, no edits
    for name in ("result-libreoffice.xlsx", "result-libreoffice.ods"):
        child = read_result(RESAVED / name)
        assert edits(child.findings) == [], name
        assert len(child.base) == len(originals.base) == 15
    # LibreOffice did round: the check is to 15 significant digits, not bit for bit
    ods = openpyxl.load_workbook(RESAVED / "result-libreoffice.xlsx")["支部汇总"]
    xlsx = openpyxl.load_workbook(ORIGINAL)["支部汇总"]
    c = column_of(xlsx, "综合得分")
    total = row_of(xlsx, "合计")
    assert xlsx[f"{c}{total}"].value != ods[f"{c}{total}"].value
    assert xlsx[f"{c}{total}"].value == pytest.approx(ods[f"{c}{total}"].value, rel=1e-14)


def test_a_result_from_before_digests_is_read_without_that_check(tmp_path):
    old = RESAVED / "result-before-digest.xlsx"  # written by the code of commit 224f997
    meta = dict(openpyxl.load_workbook(old)["_meta"].values)
    assert "data_digest" not in meta and "grade_thresholds" not in meta
    assert edits(read_result(old).findings) == []

    def change(wb):  # its summaries are still checked, 等次 aside (its thresholds are not recorded)
        ws = wb["支部汇总"]
        ws["D5"] = ws["D5"].value + 1
        ws[f"{column_of(ws, '等次')}3"] = "好" if ws[f"{column_of(ws, '等次')}3"].value != "好" else "较差"

    assert [f.cell for f in edits(read_result(edited_copy(old, tmp_path / "x.xlsx", change)).findings)] == ["D5"]


def test_an_edited_summary_cell_is_named_with_both_numbers(tmp_path):
    wb = openpyxl.load_workbook(ORIGINAL)
    ws = wb["支部汇总"]
    col, row = column_of(ws, "党员数"), row_of(ws, "DX004")
    cell = f"{col}{row}"
    assert cell == "D5"
    before = ws[cell].value
    assert before == data_value(ORIGINAL, "DX004", "党员数") == 21
    ws[cell] = 25
    wb.save(tmp_path / "德新镇.xlsx")
    found = edits(read_result(tmp_path / "德新镇.xlsx").findings)
    assert [(f.file, f.sheet, f.cell, f.column, f.branch_code) for f in found] == [
        ("德新镇.xlsx", "支部汇总", "D5", "党员数", "DX004")]
    assert found[0].message == "支部汇总!D5 与数据表不一致：25 ≠ 21，该表可能被手工修改，汇总按数据表计算，请核对"
    assert found[0].severity.value == "warning"
    # the roll-up goes by 数据: the county counts 21 for that branch, not 25
    up = rollup([tmp_path / "德新镇.xlsx"], unit="县")
    assert up.total.iloc[0]["党员数"] == 430 == sum(
        r[4] for r in list(openpyxl.load_workbook(ORIGINAL, read_only=True)["数据"].values)[1:])
    assert edits(up.findings) == found


def test_edits_to_rates_totals_grades_and_rows(tmp_path):
    def change(wb):
        ws = wb["支部汇总"]
        rate, grade = column_of(ws, "承诺兑现率"), column_of(ws, "等次")
        ws[f"{rate}3"] = 0.6  # DX001 kept 4 of 7: 57.14…%
        ws[f"{grade}3"] = "好"  # DX001 scored 83.76: 较好
        total = row_of(ws, "合计")
        ws[f"{column_of(ws, '党员数')}{total}"] = 431
        ws.delete_rows(4)  # DX003's row
        t = wb["分类汇总"]
        t[f"{column_of(t, '办结率')}{row_of(t, '合计')}"] = None

    path = edited_copy(ORIGINAL, tmp_path / "x.xlsx", change)
    found = {(f.sheet, f.cell): f.message for f in edits(read_result(path).findings)}
    assert found[("支部汇总", "I3")].startswith("支部汇总!I3 与数据表不一致：60% ≠ 57.14%")
    assert found[("支部汇总", "AF3")].startswith("支部汇总!AF3 与数据表不一致：好 ≠ 较好")
    # after deleting row 4 the 合计 row moved up from 18 to 17
    assert found[("支部汇总", "D17")].startswith("支部汇总!D17 与数据表不一致：431 ≠ 430")
    assert any("“DX003”一行已被删除" in m for m in found.values())
    kept, done = 63, 66  # 分类汇总 合计: 已办结件数 / 民情件数, as the sheet itself shows
    assert found[("分类汇总", "U11")] == (f"分类汇总!U11 与数据表不一致：（空） ≠ {kept / done * 100:.4g}%，"
                                        "该表可能被手工修改，汇总按数据表计算，请核对")
    assert len(found) == 5


def test_an_edited_data_sheet_no_longer_matches_its_digest(tmp_path):
    def change(wb):
        ws = wb["数据"]
        c = next(c.column for c in ws[1] if c.value == "党员数")
        r = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 2).value == "DX004")
        ws.cell(r, c).value = 25

    path = edited_copy(ORIGINAL, tmp_path / "x.xlsx", change)
    found = edits(read_result(path).findings)
    digest = [f for f in found if f.sheet == "数据"]
    assert len(digest) == 1 and "在汇总表生成之后被修改过" in digest[0].message
    # and the summaries, which still say 21, now disagree with 数据
    kind = openpyxl.load_workbook(ORIGINAL)["支部汇总"]["C5"].value
    assert kind == "村"  # 分类汇总 row 4; 合计 row 11 (8 types)
    assert {(f.sheet, f.cell) for f in found if f.sheet != "数据"} == {("支部汇总", "D5"), ("支部汇总", "D18"),
                                                                      ("分类汇总", "C4"), ("分类汇总", "C11")}
    assert rollup([path], unit="县").total.iloc[0]["党员数"] == 430 + 4


def test_the_digest_allows_15_significant_digits_and_nothing_else():
    rows = [["单位名称", "党员数", "投入资金（万元）"], ["甲", 21.0, 84.80000000000001]]
    same = [["单位名称", "党员数", "投入资金（万元）", None], [" 甲", 21, 84.8], [None, None]]
    assert data_digest(rows) == data_digest(same)
    assert data_digest(rows) != data_digest([rows[0], ["甲", 21, 84.81]])
    assert data_digest(rows) != data_digest([rows[0], ["甲", 22, 84.8]])
    assert data_digest(rows) != data_digest([rows[0], ["乙", 21, 84.8]])


def test_a_county_result_checks_its_child_rows(tmp_path):
    county = write_result(rollup([ORIGINAL], unit="甲县"), tmp_path / "甲县.xlsx", generated_at=FIXED)
    assert edits(read_result(county).findings) == []
    meta = dict(openpyxl.load_workbook(county)["_meta"].values)
    assert meta["children"] == '[["德新镇党委", 15]]'

    def change(wb):
        ws = wb["下级汇总"]
        ws[f"{column_of(ws, '党组织数')}3"] = 16

    edited = edited_copy(county, tmp_path / "甲县改.xlsx", change)
    assert [(f.sheet, f.cell, f.message.split("，")[0]) for f in edits(read_result(edited).findings)] == [
        ("下级汇总", "B3", "下级汇总!B3 与数据表不一致：16 ≠ 15")]
    # one level up: the city's 下级汇总 row is 甲县, its 数据 rows name 德新镇党委
    city = write_result(rollup([county], unit="市"), tmp_path / "市.xlsx", generated_at=FIXED)
    assert edits(read_result(city).findings) == []
    edited_city = edited_copy(city, tmp_path / "市改.xlsx",
                              lambda wb: wb["下级汇总"].__setitem__("A3", "乙县"))
    assert {f.message.split("（")[0] for f in edits(read_result(edited_city).findings)} == {
        "“下级汇总”工作表中“甲县”一行已被删除，请核对", "下级汇总!A3 所在的一行"}


def test_edits_reach_the_county_problem_list_and_the_console(tmp_path):
    def change(wb):
        wb["支部汇总"]["D5"] = 25

    child = edited_copy(ORIGINAL, tmp_path / "德新镇.xlsx", change)
    out = tmp_path / "县.xlsx"
    result = CliRunner().invoke(main, ["rollup", str(child), "--unit", "县", "-o", str(out)])
    assert result.exit_code == 1, result.output  # the child's own 问题清单 holds errors
    assert "[警告] 德新镇.xlsx：支部汇总!D5 与数据表不一致：25 ≠ 21" in result.output
    rows = list(openpyxl.load_workbook(out)["问题清单"].values)
    assert ("德新镇.xlsx", "支部汇总", "D5", "警告", "汇总表被改动", "RESULT_EDITED") in [r[2:8] for r in rows]


def test_data_and_meta_are_protected_without_a_password():
    wb = openpyxl.load_workbook(ORIGINAL)
    for name in ("数据", "_meta"):
        assert wb[name].protection.sheet and not wb[name].protection.password, name
    assert not wb["支部汇总"].protection.sheet


# --- isolated workers -------------------------------------------------------------------------

def aborting_reader(path, file):
    """A child that takes its reader down, as a native crash in calamine would."""
    if "abort" in file:
        os.abort()
    return read_child(path, file)


def test_a_child_that_cannot_be_read_costs_only_itself(tmp_path):
    garbage = tmp_path / "乱码.xlsx"
    garbage.write_bytes(b"PK\x03\x04 not a zip at all")
    crash = shutil.copy(ORIGINAL, tmp_path / "abort.xlsx")
    good = shutil.copy(REAL / "result.xlsx", tmp_path / "古河乡.xlsx")
    up = rollup([garbage, crash, good], unit="县", reader=aborting_reader, allow_mixed_periods=True)
    lost = [f for f in up.findings if f.code is Code.FILE_UNREADABLE]
    assert [f.file for f in lost] == ["乱码.xlsx", "abort.xlsx"]
    assert "程序中止" in lost[1].message and "文件已损坏" in lost[0].message
    assert list(up.by_unit["单位名称"]) == [read_result(good).unit] and up.reported == len(read_result(good).base)


def test_nothing_usable_is_still_a_refusal(tmp_path):
    garbage = tmp_path / "乱码.xlsx"
    garbage.write_bytes(b"not a workbook")
    with pytest.raises(RollupError, match="乱码.xlsx"):
        rollup([garbage])
    result = CliRunner().invoke(main, ["rollup", str(garbage), "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2 and "乱码.xlsx" in result.output and not (tmp_path / "x.xlsx").exists()


def test_a_child_with_text_in_its_data_is_refused_at_that_cell(tmp_path):
    def change(wb):
        wb["数据"]["E3"] = "二十一"

    path = edited_copy(ORIGINAL, tmp_path / "x.xlsx", change)
    with pytest.raises(RollupError, match="“数据”工作表E3应为数字，现为“二十一”"):
        read_result(path)


# --- printing ---------------------------------------------------------------------------------

def test_figure_sheets_print_on_a4_landscape_readably_and_data_not_at_all(tmp_path):
    from cxzy_xl.aggregate import aggregate
    from cxzy_xl.demo import make_demo
    from cxzy_xl.pipeline import read_folder

    demo = make_demo(tmp_path / "demo", n_branches=16, quarters=1)
    from cxzy_xl.detailbook import write_results

    both = write_results(aggregate(read_folder(demo.inbox, demo.registry, isolate=False)), tmp_path / "镇.xlsx",
                         generated_at=FIXED)
    town = both.result
    county = write_result(rollup([town], unit="甲县"), tmp_path / "甲县.xlsx", generated_at=FIXED)
    kept = [k.name for k in schema.KEPT]
    for path, sheets in ((town, {"支部汇总": "$A:$B", "分类汇总": "$A:$A"}),
                         (both.detail.path, {"党员名册": "$A:$B", "活动记录": "$A:$B"}),
                         (county, {"下级汇总": "$A:$A", "分类汇总": "$A:$A"})):
        wb = openpyxl.load_workbook(path)
        if path == both.detail.path:
            assert wb["_meta"].sheet_state == "hidden"  # hidden sheets print nothing
        for name in ("数据", "_meta", *kept) if path == town else ("数据", "_meta") if path == county else ():
            # never printed: the empty cell below the last row is all there is to print
            ws = wb[name]
            assert ws.print_area == f"'{name}'!$A${ws.max_row + 1}", name
        for name, cols in sheets.items():
            ws = wb[name]
            setup = ws.page_setup
            assert (setup.paperSize, setup.orientation) == (9, "landscape"), name
            fit = ws.sheet_properties.pageSetUpPr
            assert not (fit and fit.fitToPage), name  # never shrunk to one page wide
            assert setup.scale >= 80, name  # 10 pt type prints at 8 pt or more
            assert ws.print_title_cols == cols, name
            assert ws.print_title_rows == ("$2:$2" if name in ("支部汇总", "下级汇总", "分类汇总") else "$1:$1"), name
            assert "第 &P 页" in ws.oddFooter.center.text and "2011年第二季度" in ws.oddHeader.left.text, name
    branches = openpyxl.load_workbook(town)["支部汇总"]
    # the working figures (what a rate is of, 累计, 警告数) are folded in the column outline: hidden, so
    # not printed, a “+” away on screen
    header = {branches.cell(2, c).value: c for c in range(1, branches.max_column + 1)}
    from cxzy_xl.aggregate import FIGURES

    state = {c: (bool(d.hidden), d.outline_level) for d in branches.column_dimensions.values()
             for c in range(d.min, d.max + 1)}  # openpyxl keeps a run of alike columns as one
    for f in FIGURES:
        assert state.get(header[f.name], (False, 0)) == ((True, 1) if f.folded else (False, 0)), f.name
    assert "折叠" in branches.oddFooter.center.text
    # pages start at a group of figures: 党员…活动…办实事 | 民情…示范岗…五个好…综合得分…
    assert [branches.cell(2, b.id + 1).value for b in branches.col_breaks.brk] == ["民情件数"]
