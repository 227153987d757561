"""Templates generated from the schema, checked with openpyxl as Excel would see them."""

import dataclasses
import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path
from types import MappingProxyType

import openpyxl
import pytest
from click.testing import CliRunner
from helpers import workbook_view

from cxzy_xl import schema
from cxzy_xl.cli import main
from cxzy_xl.pipeline import read_workbook
from cxzy_xl.read import load_book, locate_table
from cxzy_xl.schema import Branch, Kind
from cxzy_xl.templates import write_branch_workbook, write_registry

WORKBOOKS = Path(__file__).parent.parent / "workbooks"


@pytest.fixture(scope="module")
def blank(tmp_path_factory):
    return write_branch_workbook(tmp_path_factory.mktemp("t") / "blank.xlsx")


def test_sheets_in_order_meta_hidden(blank):
    wb = openpyxl.load_workbook(blank)
    assert wb.sheetnames == ["填报说明", *[s.name for s in schema.BRANCH_SHEETS], "_meta"]
    assert wb["_meta"].sheet_state == "hidden"
    assert all(wb[s.name].sheet_state == "visible" for s in schema.BRANCH_SHEETS)
    meta = dict(wb["_meta"].values)
    assert meta["template_id"] == "cxzy-branch" and meta["template_version"] == "1"


def test_table_headers_on_row_2_with_validations_and_protection(blank):
    wb = openpyxl.load_workbook(blank)
    for sheet in schema.TABLE_SHEETS:
        ws = wb[sheet.name]
        assert ws["A1"].value == sheet.name
        assert [c.value for c in ws[2]][: len(sheet.fields)] == sheet.labels
        assert ws.freeze_panes == "A3"
        assert ws.protection.sheet
        assert ws.print_title_rows == "$1:$2"
        assert ws.page_setup.paperSize == 9
        assert ws.page_setup.orientation == ("landscape" if sheet.landscape else "portrait")
        dvs = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
        for c, f in enumerate(sheet.fields):
            col = openpyxl.utils.get_column_letter(c + 1)
            header = ws[f"{col}2"]
            assert header.protection.locked
            assert ws[f"{col}3"].protection.locked is False
            # required headers are marked by colour, the text stays the contract's
            assert header.value == f.label
            assert (header.font.color.rgb == "FFC00000") == f.required
            dv = dvs[f"{col}3"]
            assert dv.prompt == f.hint
            if f.allowed:
                assert dv.type == "list" and dv.formula1 == '"' + ",".join(f.allowed) + '"'
                assert len(dv.formula1) <= 257  # Excel's limit on an inline list
            elif f.kind is Kind.DATE:
                assert dv.type == "date" and "日期" in dv.error
            elif f.kind is Kind.INT:
                assert dv.type == "whole"
            elif f.kind is Kind.NUMBER:
                assert dv.type == "decimal"
        assert ws.column_dimensions["B"].width >= 6
        last = sheet.rows + 2
        assert str(next(iter(dvs.values())).sqref).endswith(str(last))


def test_form_labels_in_column_a_values_in_b(blank):
    wb = openpyxl.load_workbook(blank)
    for sheet in schema.FORM_SHEETS:
        ws = wb[sheet.name]
        labels = [ws.cell(row=r, column=1).value for r in range(2, 2 + len(sheet.fields))]
        assert labels == sheet.labels
        for r, f in enumerate(sheet.fields, start=2):
            assert ws.cell(row=r, column=1).protection.locked
            assert ws.cell(row=r, column=2).protection.locked is False
            assert (ws.cell(row=r, column=1).font.color.rgb == "FFC00000") == f.required
        assert ws.protection.sheet


def test_roster_has_about_200_preformatted_rows_and_text_id_cells(blank):
    ws = openpyxl.load_workbook(blank)["党员名册"]
    assert ws.max_row >= 200
    id_col = schema.BRANCH_SHEET["党员名册"].labels.index("身份证号") + 1
    assert ws.cell(row=100, column=id_col).number_format == "@"
    date_col = schema.BRANCH_SHEET["党员名册"].labels.index("入党日期") + 1
    assert ws.cell(row=100, column=date_col).number_format == "yyyy-mm-dd"


def test_column_widths_fit_chinese_headers(blank):
    ws = openpyxl.load_workbook(blank)["活动记录"]
    for c, f in enumerate(schema.BRANCH_SHEET["活动记录"].fields):
        col = openpyxl.utils.get_column_letter(c + 1)
        assert ws.column_dimensions[col].width >= 2 * len(f.label) - 1, f.label


def test_instructions_list_every_sheet_and_field(blank):
    ws = openpyxl.load_workbook(blank)["填报说明"]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    for sheet in schema.BRANCH_SHEETS:
        assert f"【{sheet.name}】" in texts
        for f in sheet.fields:
            assert f.label in texts
            assert f.hint in texts


def test_committed_templates_match_the_schema(tmp_path):
    """Drift: the committed canonical workbooks are what the schema generates now."""
    fresh = write_branch_workbook(tmp_path / "支部填报表.xlsx")
    assert workbook_view(WORKBOOKS / "支部填报表.xlsx") == workbook_view(fresh)
    fresh_reg = write_registry(tmp_path / "支部名单.xlsx")
    assert workbook_view(WORKBOOKS / "支部名单.xlsx") == workbook_view(fresh_reg)


def test_prefilled_templates_per_registry_branch(tmp_path):
    branches = [Branch("DX001", "德新镇机关党支部", "机关"), Branch("DX002", "红星村党支部", "村")]
    reg = write_registry(tmp_path / "支部名单.xlsx", branches,
                         {"所属党委": "德新镇党委", "报告期": "2011年第二季度"})
    result = CliRunner().invoke(main, ["template", "--registry", str(reg), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == ["DX001_德新镇机关党支部.xlsx", "DX002_红星村党支部.xlsx"]
    wb = openpyxl.load_workbook(tmp_path / "out" / "DX002_红星村党支部.xlsx")
    info = {r[0]: r[1] for r in wb["基本信息"].iter_rows(min_row=2, values_only=True)}
    assert info["所属党委"] == "德新镇党委"
    assert info["党组织名称"] == "红星村党支部"
    assert info["党组织编码"] == "DX002"
    assert info["党组织类型"] == "村"
    assert info["报告期"] == "2011年第二季度"
    code_row = schema.BRANCH_SHEET["基本信息"].labels.index("党组织编码") + 2
    assert wb["基本信息"].cell(row=code_row, column=2).protection.locked  # the code is not to be edited
    meta = dict(wb["_meta"].values)
    assert (meta["branch_code"], meta["branch_name"], meta["report_period"]) == ("DX002", "红星村党支部", "2011Q2")


def test_template_command_without_registry_writes_both_blanks(tmp_path):
    result = CliRunner().invoke(main, ["template", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert {p.name for p in tmp_path.iterdir()} == {"支部填报表.xlsx", "支部名单.xlsx"}


def test_template_command_with_missing_registry_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["template", "--registry", str(tmp_path / "nope.xlsx"), "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert "找不到" in result.output


def test_adding_an_optional_column_is_one_line(tmp_path, monkeypatch):
    """One new Field in the schema shows up in the template, its instructions and the reader."""
    roster = schema.BRANCH_SHEET["党员名册"]
    extra = schema.F("籍贯", note="如 湖南新邵")
    patched = dataclasses.replace(roster, fields=(*roster.fields, extra))
    sheets = tuple(patched if s.name == "党员名册" else s for s in schema.BRANCH_SHEETS)
    monkeypatch.setattr(schema, "BRANCH_SHEETS", sheets)
    monkeypatch.setitem(schema.BRANCH_SHEET, "党员名册", patched)
    path = write_branch_workbook(tmp_path / "t.xlsx", data={"党员名册": [{"姓名": "张伟", "籍贯": "湖南新邵"}]})
    wb = openpyxl.load_workbook(path)
    assert wb["党员名册"].cell(row=2, column=len(patched.fields)).value == "籍贯"
    texts = [c.value for row in wb["填报说明"].iter_rows() for c in row]
    assert "籍贯" in texts and extra.hint in texts
    raw = load_book(path).sheet("党员名册")
    table = locate_table(raw, patched)
    assert "籍贯" in table.columns
    assert raw.cell(table.rows[0], table.columns["籍贯"]) == "湖南新邵"


def test_filled_values_keep_their_types(tmp_path):
    path = write_branch_workbook(tmp_path / "f.xlsx", data={
        "活动记录": [{"活动日期": dt.date(2011, 5, 7), "活动主题": "=1+1", "应参加人数": 30}]})
    ws = openpyxl.load_workbook(path)["活动记录"]
    assert ws["B3"].value == dt.datetime(2011, 5, 7)
    assert ws["D3"].value == "=1+1" and ws["D3"].data_type == "s"  # staff text is never a formula
    assert ws["E3"].value == 30


# --- printing: what was filled, with its headers; formats only where the table is ----------------

ROSTER = schema.BRANCH_SHEET["党员名册"]
RED_STAR = Branch("DX002", "红星村党支部", "村")


def typed_60_members(tmp_path: Path) -> Path:
    """A pre-filled template with 60 members typed in below its header, the way a clerk fills it."""
    template = write_branch_workbook(tmp_path / "DX002.xlsx", RED_STAR, committee="德新镇党委", period="2011Q2")
    wb = openpyxl.load_workbook(template)
    ws = wb["党员名册"]
    for i in range(1, 61):
        row = i + 2
        for label, value in (("序号", i), ("姓名", f"党员{i:02d}"), ("性别", "男"), ("身份证号", "430522198001011234")):
            ws.cell(row=row, column=ROSTER.labels.index(label) + 1).value = value
    wb.save(tmp_path / "filled.xlsx")
    return tmp_path / "filled.xlsx"


def test_a_filled_template_prints_every_row_with_its_headers(tmp_path):
    wb = openpyxl.load_workbook(typed_60_members(tmp_path))
    for sheet in schema.TABLE_SHEETS:
        ws = wb[sheet.name]
        # no fixed area: Excel, WPS and LibreOffice print the rows that hold something
        assert not ws.print_area, sheet.name
        assert ws.print_title_rows == "$1:$2"
        assert ws.page_setup.paperSize == 9
        assert ws.page_setup.orientation == ("landscape" if sheet.landscape else "portrait")
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        # one page wide (1 is the attribute's default, written as absent), as many pages down as it takes
        assert (ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight) == (1, 0)
    roster = wb["党员名册"]
    assert roster.cell(row=62, column=ROSTER.labels.index("姓名") + 1).value == "党员60"


def test_registry_table_has_no_fixed_print_area(tmp_path):
    branches = [Branch(f"DX{i:03d}", f"第{i}支部", "村") for i in range(1, 36)]
    ws = openpyxl.load_workbook(write_registry(tmp_path / "r.xlsx", branches))["支部名单"]
    assert not ws.print_area
    assert ws.print_title_rows == "$1:$2"


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="needs LibreOffice (soffice) and poppler-utils (pdftotext)")
def test_libreoffice_prints_all_60_members_and_no_pages_of_empty_grid(tmp_path):
    filled = typed_60_members(tmp_path)
    # a profile of its own: a running soffice with the default profile would take the job and drop it
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(filled)],
                   check=True, capture_output=True, timeout=180)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "filled.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout
    assert "党员01" in text and "党员60" in text
    pages = text.split("\f")
    roster_pages = [p for p in pages if re.search(r"党员名册\s+第 \d+ 页", p)]
    # 60 rows fit on two landscape pages; the 140 empty pre-formatted rows print nothing
    assert len(roster_pages) == 2
    assert all("序号" in p and "身份证号" in p for p in roster_pages)  # headers on every page
    assert sum(bool(re.search(r"活动记录\s+第 \d+ 页", p)) for p in pages) == 1  # an empty table: headers once


def test_empty_rows_have_no_borders_and_rows_holding_something_get_them(blank):
    wb = openpyxl.load_workbook(blank)
    for sheet in schema.TABLE_SHEETS:
        ws = wb[sheet.name]
        last = openpyxl.utils.get_column_letter(len(sheet.fields))
        # Excel prints trailing pages of empty cells that have a border or shading
        for r in (3, sheet.rows + 2):
            for c in range(1, len(sheet.fields) + 1):
                cell = ws.cell(row=r, column=c)
                assert cell.border.left.style is None and cell.border.bottom.style is None, cell.coordinate
                assert cell.fill.fill_type is None
                assert cell.protection.locked is False
        (rng, rules), = ((str(cf.sqref), cf.rules) for cf in ws.conditional_formatting)
        assert rng == f"A3:{last}1048576"
        assert rules[0].formula == [f"COUNTA($A3:${last}3)>0"]
        assert rules[0].dxf.border.left.style == "thin"


def test_table_title_and_header_rows_have_heights_but_no_row_format(blank):
    wb = openpyxl.load_workbook(blank)
    for sheet in schema.TABLE_SHEETS:
        ws = wb[sheet.name]
        # a row format reaches all 16,384 columns: Gnumeric writes each one as a styled empty cell
        assert ws.row_dimensions[1].height == pytest.approx(28, abs=0.5)
        assert ws.row_dimensions[2].height == pytest.approx(32, abs=0.5)
        assert not ws.row_dimensions[1].customFormat and not ws.row_dimensions[2].customFormat
        for c in range(1, len(sheet.fields) + 1):
            assert ws.cell(row=1, column=c).protection.locked  # the title row is not for typing in


def test_prefilled_fields_are_declared_once(tmp_path, monkeypatch):
    """schema.PREFILLED decides both what a pre-filled template fills and what counts as never filled."""
    branch = Branch("DX002", "红星村党支部", "村")  # directly under the committee: no parent of its own
    wb = openpyxl.load_workbook(write_branch_workbook(tmp_path / "a.xlsx", branch, committee="德新镇党委",
                                                      period="2011Q2"))
    info = {r[0]: r[1] for r in wb[schema.INFO_SHEET].iter_rows(min_row=2, values_only=True) if r[1] is not None}
    assert set(info) == set(schema.PREFILLED)
    assert info["上级党组织"] == "德新镇党委" and info["报告期"] == "2011年第二季度"
    # without 党组织类型 and 上级党组织 in the declaration the template leaves them blank, and the
    # untouched template is still a never-filled one
    fewer = {k: v for k, v in schema.PREFILLED.items() if k not in ("党组织类型", "上级党组织")}
    monkeypatch.setattr(schema, "PREFILLED", MappingProxyType(fewer))
    path = write_branch_workbook(tmp_path / "b.xlsx", branch, committee="德新镇党委", period="2011Q2")
    info = {r[0]: r[1] for r in openpyxl.load_workbook(path)[schema.INFO_SHEET].iter_rows(min_row=2, values_only=True)}
    assert info["党组织名称"] == "红星村党支部" and info["党组织类型"] is None and info["上级党组织"] is None
    assert [f.code.name for f in read_workbook(path, isolate=False).findings] == ["EMPTY_TEMPLATE"]



def test_text_width_counts_cjk_and_full_width_as_two_units():
    from cxzy_xl.templates import text_width

    assert text_width("") == 0
    assert text_width("石门村ab") == pytest.approx(3 * 2.0 + 2 * 1.1)
    assert text_width("（１）A") == pytest.approx(3 * 2.0 + 1.1)  # full-width brackets and digit
    assert text_width(12) == pytest.approx(2 * 1.1)
