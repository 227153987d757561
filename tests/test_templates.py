"""Templates generated from the schema, checked with openpyxl as Excel would see them."""

import dataclasses
import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from helpers import workbook_view

from cxzy_xl import schema
from cxzy_xl.cli import main
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
