"""Every mess item of BRIEF.md and every finding code of TEMPLATE-SPEC.md, each at its exact cell."""

import datetime as dt
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from helpers import cell_of, clean_data, edit, make_xlsx, write_clean

from cxzy_xl.findings import Severity
from cxzy_xl.pipeline import read_folder, read_workbook
from cxzy_xl.schema import Branch
from cxzy_xl.templates import write_registry

DATA = Path(__file__).parent / "data"


def codes(batch, severity=None):
    return sorted((f.code.name, f.sheet, f.cell) for f in batch.findings
                  if severity is None or f.severity is severity)


def one(batch, code):
    found = [f for f in batch.findings if f.code.name == code]
    assert len(found) == 1, (code, [(f.code.name, f.sheet, f.cell, f.message) for f in batch.findings])
    return found[0]


def read(path, **kw):
    return read_workbook(path, isolate=False, **kw)


def test_a_clean_workbook_has_no_findings_at_all(tmp_path):
    batch = read(write_clean(tmp_path / "t.xlsx"))
    assert batch.findings == []
    assert len(batch["党员名册"]) == 3 and len(batch["公开承诺"]) == 2
    roster = batch["党员名册"]
    assert str(roster["入党日期"].dtype) == "datetime64[ns]"
    assert str(roster["序号"].dtype) == "Int64"
    assert str(roster["身份证号"].dtype) == "string" and roster["身份证号"][0] == "43052219680312123X"
    assert str(batch["基本信息"]["联系电话"].dtype) == "string"
    assert batch["活动记录"]["学时"].tolist() == [2.0, 1.5]
    assert set(roster[["党组织编码", "党组织名称"]].itertuples(index=False)) == {("T001", "石门村党支部")}
    assert roster["来源行"].tolist() == [3, 4, 5] and roster["来源文件"][0] == "t.xlsx"


def test_numbers_with_units_full_width_digits_and_thousands(tmp_path):
    data = clean_data()
    data["活动记录"][0]["应参加人数"] = "３"
    data["活动记录"][1]["实际参加人数"] = "2人"
    data["为民办实事"][0]["投入资金（万元）"] = "12.5万元"
    data["为民办实事"][0]["受益户数"] = "1,200"
    batch = read(write_clean(tmp_path / "t.xlsx", data))
    assert codes(batch) == sorted([("NORMALISED", "活动记录", "E3"), ("NORMALISED", "活动记录", "F4"),
                                   ("NORMALISED", "为民办实事", "D3"), ("NORMALISED", "为民办实事", "F3")])
    f = next(f for f in batch.findings if f.cell == "D3")
    assert f.value == "12.5万元" and "12.5" in f.message and f.severity is Severity.INFO
    assert batch["活动记录"]["应参加人数"].tolist() == [3, 3]
    assert batch["为民办实事"]["受益户数"][0] == 1200
    assert batch["为民办实事"]["投入资金（万元）"][0] == 12.5


def test_dates_in_every_form_including_serials_and_chinese_formats(tmp_path):
    data = clean_data()
    data["活动记录"][0]["活动日期"] = "2011.5.15"
    data["活动记录"][1]["活动日期"] = "2011年6月1日"
    data["公开承诺"][0]["承诺日期"] = "20110520"
    data["公开承诺"][1]["承诺日期"] = 40683  # an Excel serial in a cell without a date format: 2011-05-20
    path = write_clean(tmp_path / "t.xlsx", data)

    def chinese_format(wb):
        wb["民情台账"]["B3"].number_format = 'yyyy"年"m"月"d"日"'
        wb["公开承诺"]["F4"].number_format = "General"  # so the serial is a plain number

    edit(path, chinese_format)
    batch = read(path)
    assert batch["活动记录"]["活动日期"].tolist() == [pd.Timestamp(2011, 5, 15), pd.Timestamp(2011, 6, 1)]
    assert batch["公开承诺"]["承诺日期"].tolist() == [pd.Timestamp(2011, 5, 20)] * 2
    assert batch["民情台账"]["登记日期"][0] == pd.Timestamp(2011, 5, 10)
    assert {f.cell for f in batch.findings if f.code.name == "NORMALISED"} == {"B3", "B4", "F3", "F4"}
    assert not [f for f in batch.findings if f.severity is not Severity.INFO]


def test_yes_no_marks_and_choices_with_extra_words(tmp_path):
    data = clean_data()
    data["基本信息"].update({"是否成立领导小组": "√", "是否制定实施方案": "有", "党组织类型": "村党支部"})
    data["党员名册"][0]["党员类别"] = "正式"
    data["党员名册"][1]["是否流动党员"] = "×"
    data["党员名册"][2]["是否流动党员"] = "N"
    batch = read(write_clean(tmp_path / "t.xlsx", data))
    assert codes(batch) == sorted([
        ("NORMALISED", "基本信息", cell_of("基本信息", "是否成立领导小组")),
        ("NORMALISED", "基本信息", cell_of("基本信息", "是否制定实施方案")),
        ("NORMALISED", "基本信息", cell_of("基本信息", "党组织类型")),
        ("NORMALISED", "党员名册", "H3"), ("NORMALISED", "党员名册", "K4"), ("NORMALISED", "党员名册", "K5")])
    info = batch["基本信息"].iloc[0]
    assert (info["是否成立领导小组"], info["是否制定实施方案"], info["党组织类型"]) == ("是", "是", "村")
    assert batch["党员名册"]["是否流动党员"].tolist()[1:] == ["否", "否"]


def test_title_row_blank_rows_reordered_and_extra_columns(tmp_path):
    data = clean_data()
    data["党员名册"][2]["性别"] = "未知"  # a mistake, to see where it is reported after the moves
    path = write_clean(tmp_path / "t.xlsx", data)

    def mess(wb):
        ws = wb["党员名册"]
        ws.insert_rows(1)
        ws["A1"] = "石门村党员名册"
        ws.insert_rows(5)  # a blank row between the first and second member
        for row in ws.iter_rows(min_row=3, max_row=8, min_col=2, max_col=3):  # swap 姓名 and 性别
            row[0].value, row[1].value = row[1].value, row[0].value
        ws["O3"] = "籍贯"  # an extra column, with a value in one row
        ws["O4"] = "湖南"

    edit(path, mess)
    batch = read(path)
    roster = batch["党员名册"]
    assert roster["姓名"].tolist() == ["王建国", "李红", "赵强"]
    assert roster["来源行"].tolist() == [4, 6, 7]
    assert codes(batch) == [("BAD_CHOICE", "党员名册", "B7")]


def test_a_row_with_only_a_serial_number_is_not_data_but_any_other_value_is(tmp_path):
    data = clean_data()
    data["党员名册"].append({"序号": 4})
    data["党员名册"].append({"序号": 5, "备注": "待补充"})
    batch = read(write_clean(tmp_path / "t.xlsx", data))
    assert len(batch["党员名册"]) == 4
    assert [(f.code.name, f.cell) for f in batch.findings if f.severity is Severity.ERROR] == [
        ("REQUIRED", "B7"), ("REQUIRED", "C7"), ("REQUIRED", "G7"), ("REQUIRED", "H7")]


def test_merged_cells_apply_to_the_whole_area(tmp_path):
    data = clean_data()
    data["活动记录"][1]["活动类型"] = None
    path = write_clean(tmp_path / "t.xlsx", data)
    edit(path, lambda wb: wb["活动记录"].merge_cells("C3:C4"))
    batch = read(path)
    assert batch["活动记录"]["活动类型"].tolist() == ["动员大会", "动员大会"]
    assert codes(batch) == []


def test_error_values_are_findings_and_keep_their_row(tmp_path):
    # openpyxl stores "#DIV/0!" and "#REF!" as error cells (t="e"), as Excel does for a failed formula;
    # the reader hands those over as blank unless we look
    path = write_clean(tmp_path / "t.xlsx")

    def spoil(wb):
        wb["为民办实事"]["D3"] = "#DIV/0!"
        wb["党员名册"]["N6"] = "#REF!"  # a row that holds nothing but an error value

    edit(path, spoil)
    batch = read(path)
    found = [(f.code.name, f.sheet, f.cell, f.value) for f in batch.findings if f.code.name == "CELL_ERROR"]
    assert found == [("CELL_ERROR", "党员名册", "N6", "#REF!"), ("CELL_ERROR", "为民办实事", "D3", "#DIV/0!")]
    assert pd.isna(batch["为民办实事"]["投入资金（万元）"][0])
    assert batch["党员名册"]["来源行"].tolist()[-1] == 6
    assert ("REQUIRED", "党员名册", "B6") in codes(batch)


def test_formulas_use_cached_values_and_a_missing_cache_is_a_finding(tmp_path):
    import xlsxwriter

    path = write_clean(tmp_path / "t.xlsx")
    edit(path, lambda wb: wb["为民办实事"].__setitem__("D3", "=10+2.5"))  # openpyxl stores no result
    batch = read(path)
    assert codes(batch) == [("FORMULA_NO_VALUE", "为民办实事", "D3")]
    assert pd.isna(batch["为民办实事"]["投入资金（万元）"][0])

    # a formula saved by a spreadsheet program carries its result, which is what we read
    cached = tmp_path / "cached.xlsx"
    wb = xlsxwriter.Workbook(cached)
    ws = wb.add_worksheet("活动记录")
    ws.write_row(1, 0, ["序号", "活动日期", "活动类型", "活动主题", "应参加人数", "实际参加人数"])
    ws.write_row(2, 0, [1, "2011-05-15", "集中学习", "学习党章", 10])
    ws.write_formula(2, 5, "=E3-1", None, 9)
    wb.close()
    batch = read(cached)
    assert batch["活动记录"]["实际参加人数"].tolist() == [9]


def test_wrong_dimension_record_still_reads_every_row(tmp_path):
    """WPS writes a too-small <dimension>; a reader that trusts it drops rows."""
    path = write_clean(tmp_path / "t.xlsx")
    wrong = tmp_path / "wps.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(wrong, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.startswith("xl/worksheets/sheet"):
                import re
                data = re.sub(rb'<dimension ref="[^"]+"/>', b'<dimension ref="A1"/>', data)
            dst.writestr(item, data)
    batch = read(wrong)
    assert len(batch["党员名册"]) == 3 and len(batch["活动记录"]) == 2
    assert batch.findings == []


def test_1904_date_system(tmp_path):
    path = write_clean(tmp_path / "t.xlsx")

    def to_1904(wb):
        wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904

    edit(path, to_1904)
    batch = read(path)
    assert batch["活动记录"]["活动日期"][0] == pd.Timestamp(2011, 5, 15)


def test_legacy_xls_reads_like_xlsx():
    batch = read(DATA / "legacy.xls")
    assert not [f for f in batch.findings if f.severity is not Severity.INFO]
    assert len(batch["党员名册"]) == 6 and batch["基本信息"]["党组织编码"][0] == "XL001"


@pytest.mark.parametrize("name,content,words", [
    ("empty.xlsx", b"", "空"),
    ("truncated.xlsx", None, "损坏"),
    ("page.xls", b"<html><body><table><tr><td>1</td></tr></table></body></html>", "网页"),
    ("data.xls", "党组织编码,姓名\nT001,王建国\n".encode("gbk"), "不是Excel"),
    ("notes.xlsx", "这不是表格".encode(), "不是Excel"),
])
def test_unreadable_files_are_one_finding_each(tmp_path, name, content, words):
    path = tmp_path / name
    if content is None:
        good = write_clean(tmp_path / "good.xlsx").read_bytes()
        path.write_bytes(good[: len(good) // 2])
    else:
        path.write_bytes(content)
    batch = read(path)
    f = one(batch, "FILE_UNREADABLE")
    assert words in f.message and f.file == name and f.severity is Severity.ERROR


def test_encrypted_file():
    f = one(read(DATA / "encrypted.xlsx"), "FILE_UNREADABLE")
    assert "加密" in f.message and "取消密码" in f.message


def test_not_the_template(tmp_path):
    other = make_xlsx(tmp_path / "other.xlsx", {"Sheet1": [["姓名", "年龄"], ["张三", 30]]})
    assert "不是" in one(read(other), "NOT_TEMPLATE").message
    old = write_clean(tmp_path / "old.xlsx")
    edit(old, lambda wb: wb["_meta"].__setitem__("B2", "0"))
    assert "版本" in one(read(old), "NOT_TEMPLATE").message
    reg = write_registry(tmp_path / "reg.xlsx", [Branch("T001", "石门村党支部", "村")])
    assert "支部名单" in one(read(reg), "NOT_TEMPLATE").message


def test_lock_files_and_other_files_are_skipped_at_info_level(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_clean(inbox / "T001.xlsx")
    (inbox / "~$T001.xlsx").write_bytes(b"\x00lock")
    (inbox / "说明.docx").write_bytes(b"PK\x03\x04")
    batch = read_folder(inbox, isolate=False)
    assert sorted((f.code.name, f.file, f.severity.value) for f in batch.findings) == [
        ("SKIPPED", "~$T001.xlsx", "info"), ("SKIPPED", "说明.docx", "info")]
    assert len(batch["党员名册"]) == 3


def test_duplicate_submission_keeps_the_newer(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    newer = clean_data()
    older = clean_data()
    older["基本信息"]["填报日期"] = dt.date(2011, 6, 1)
    older["党员名册"] = older["党员名册"][:2]
    write_clean(inbox / "a_new.xlsx", newer)
    write_clean(inbox / "b_old.xlsx", older)
    batch = read_folder(inbox, isolate=False)
    f = one(batch, "DUPLICATE_SUBMISSION")
    assert f.file == "b_old.xlsx" and "a_new.xlsx" in f.message and f.severity is Severity.WARNING
    assert len(batch["党员名册"]) == 3 and set(batch["党员名册"]["来源文件"]) == {"a_new.xlsx"}


def test_registry_unknown_branch_and_missing_submission(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_clean(inbox / "T001.xlsx")
    write_clean(inbox / "X999.xlsx", code="X999", name="外来党支部")
    reg = write_registry(tmp_path / "reg.xlsx", [
        Branch("T001", "石门村党支部", "村"), Branch("T002", "光明村党支部", "村", secretary="刘明", phone="13900000000")],
        {"所属党委": "德新镇党委", "报告期": "2011年第二季度"})
    batch = read_folder(inbox, reg, isolate=False)
    unknown = one(batch, "UNKNOWN_BRANCH")
    assert (unknown.file, unknown.sheet, unknown.cell, unknown.value) == ("X999.xlsx", "基本信息",
                                                                        cell_of("基本信息", "党组织编码"), "X999")
    missing = one(batch, "MISSING_SUBMISSION")
    assert missing.branch_code == "T002" and "刘明" in missing.message and "13900000000" in missing.message
    assert missing.severity is Severity.ERROR


def test_wrong_period_is_named_and_not_counted(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    data = clean_data()
    data["基本信息"]["报告期"] = "2011年第一季度"
    write_clean(inbox / "T001.xlsx", data)
    reg = write_registry(tmp_path / "reg.xlsx", [Branch("T001", "石门村党支部", "村")],
                         {"所属党委": "德新镇党委", "报告期": "2011年第二季度"})
    batch = read_folder(inbox, reg, isolate=False)
    f = one(batch, "WRONG_PERIOD")
    assert f.cell == cell_of("基本信息", "报告期") and "2011年第一季度" in f.message
    assert len(batch["党员名册"]) == 0


def test_missing_sheet_and_missing_required_column(tmp_path):
    path = write_clean(tmp_path / "t.xlsx")

    def damage(wb):
        del wb["示范岗"]
        wb["公开承诺"]["C2"] = None  # the 承诺人 header is gone

    edit(path, damage)
    batch = read(path)
    assert one(batch, "SHEET_MISSING").sheet == "示范岗"
    f = one(batch, "COLUMN_MISSING")
    assert (f.sheet, f.column, f.cell) == ("公开承诺", "承诺人", "L2")
    assert len(batch["公开承诺"]) == 2  # the rows are still read


def test_schema_cell_checks(tmp_path):
    data = clean_data()
    data["党员名册"][1]["姓名"] = None
    data["活动记录"][0]["应参加人数"] = "很多"
    data["党员名册"][0]["性别"] = "未知"
    data["为民办实事"][0]["投入资金（万元）"] = -5
    data["考核测评"]["领导班子好"] = 25
    data["党员名册"][1]["身份证号"] = "430522197509010024"
    data["党员名册"][2]["联系电话"] = "1381234"
    batch = read(write_clean(tmp_path / "t.xlsx", data))
    assert codes(batch, Severity.ERROR) == sorted([
        ("REQUIRED", "党员名册", "B4"), ("BAD_TYPE", "活动记录", "E3"), ("BAD_CHOICE", "党员名册", "C3"),
        ("OUT_OF_RANGE", "为民办实事", "D3"), ("OUT_OF_RANGE", "考核测评", cell_of("考核测评", "领导班子好")),
        ("BAD_ID_NUMBER", "党员名册", "F4"), ("BAD_PHONE", "党员名册", "L5")])
    by = {f.code.name + f.cell: f for f in batch.findings}
    assert by["BAD_TYPE" + "E3"].value == "很多" and "整数" in by["BAD_TYPE" + "E3"].message
    assert "校验位" in by["BAD_ID_NUMBER" + "F4"].message
    assert "不小于0" in by["OUT_OF_RANGE" + "D3"].message
    assert len(batch["党员名册"]) == 3  # rows with errors still count
    assert pd.isna(batch["活动记录"]["应参加人数"][0])  # a cell with an error is missing for the figures


def test_inconsistent_rows_and_forms(tmp_path):
    data = clean_data()
    data["活动记录"][1]["实际参加人数"] = 5
    data["为民办实事"][0]["其中争取上级资金（万元）"] = 20
    data["考核测评"]["满意票"] = 48
    data["公开承诺"][0]["实际完成日期"] = None
    data["民情台账"][0]["办结日期"] = dt.date(2011, 5, 1)  # before it was registered
    data["党员名册"][0]["性别"] = "女"
    data["党员名册"][1]["出生日期"] = dt.date(1975, 9, 2)
    batch = read(write_clean(tmp_path / "t.xlsx", data))
    assert codes(batch) == sorted([
        ("INCONSISTENT", "活动记录", "F4"), ("INCONSISTENT", "为民办实事", "E3"),
        ("INCONSISTENT", "考核测评", cell_of("考核测评", "民主测评参评人数")), ("INCONSISTENT", "公开承诺", "I3"),
        ("INCONSISTENT", "民情台账", "H3"), ("INCONSISTENT", "党员名册", "C3"), ("INCONSISTENT", "党员名册", "E4")])
    votes = next(f for f in batch.findings if f.sheet == "考核测评")
    assert "56" in votes.message and "50" in votes.message


def test_count_mismatch_unknown_member_and_quota(tmp_path):
    data = clean_data()
    data["基本信息"]["正式党员数"] = 3
    data["公开承诺"][0]["承诺人"] = "张三"
    data["示范岗"][0]["认领党员"] = "李四"
    data["党员名册"][1]["民主评议等次"] = "优秀"  # 2 of 3
    batch = read(write_clean(tmp_path / "t.xlsx", data))
    assert codes(batch) == sorted([
        ("COUNT_MISMATCH", "基本信息", cell_of("基本信息", "正式党员数")), ("UNKNOWN_MEMBER", "公开承诺", "C3"),
        ("UNKNOWN_MEMBER", "示范岗", "C3"), ("RATING_QUOTA", "党员名册", "M3")])
    assert all(f.severity is Severity.WARNING for f in batch.findings)
    assert "党员名册中正式党员2人" in one(batch, "COUNT_MISMATCH").message


def test_duplicate_member_within_and_across_branches(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    a = clean_data()
    a["党员名册"][2]["身份证号"] = a["党员名册"][0]["身份证号"]
    a["党员名册"][2]["出生日期"] = dt.date(1968, 3, 12)
    b = clean_data("T002", "光明村党支部")
    b["党员名册"] = b["党员名册"][1:2]
    b["基本信息"].update({"党员总数": 1, "正式党员数": 1, "预备党员数": 0})
    b["公开承诺"], b["示范岗"] = [], []
    write_clean(inbox / "T001.xlsx", a)
    write_clean(inbox / "T002.xlsx", b, code="T002", name="光明村党支部")
    batch = read_folder(inbox, isolate=False)
    dups = sorted((f.file, f.cell) for f in batch.findings if f.code.name == "DUPLICATE_MEMBER")
    assert dups == [("T001.xlsx", "F5"), ("T002.xlsx", "F3")]
    across = next(f for f in batch.findings if f.code.name == "DUPLICATE_MEMBER" and f.file == "T002.xlsx")
    assert "石门村党支部" in across.message and "********" in across.value


def test_overdue_probation_and_out_of_period(tmp_path):
    data = clean_data()
    data["公开承诺"][1]["计划完成日期"] = dt.date(2011, 6, 1)  # 推进中 and past due
    data["民情台账"][1]["办结时限"] = dt.date(2011, 6, 25)  # not settled by 2011-06-30
    data["党员名册"][2]["入党日期"] = dt.date(2010, 1, 1)  # 预备党员 for 18 months
    data["活动记录"][0]["活动日期"] = dt.date(2010, 3, 1)  # before the campaign began
    data["党员名册"][0]["入党日期"] = dt.date(1990, 1, 1)  # old dates of members are not campaign events
    reg = write_registry(tmp_path / "reg.xlsx", [Branch("T001", "石门村党支部", "村")],
                         {"所属党委": "德新镇党委", "报告期": "2011年第二季度", "活动开始日期": dt.date(2010, 5, 1),
                          "活动结束日期": dt.date(2012, 6, 30)})
    batch = read(write_clean(tmp_path / "t.xlsx", data), registry=reg)
    assert codes(batch) == sorted([
        ("OVERDUE", "公开承诺", "H4"), ("OVERDUE", "民情台账", "H4"), ("PROBATION_OVERDUE", "党员名册", "H5"),
        ("OUT_OF_PERIOD", "活动记录", "B3")])
    assert "2010-05-01至2012-06-30" in one(batch, "OUT_OF_PERIOD").message


def test_inputs_are_never_modified(tmp_path):
    import hashlib

    inbox = tmp_path / "inbox"
    shutil.copytree(Path(__file__).parent.parent / "workbooks" / "示例" / "收件箱", inbox)
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in inbox.iterdir()}
    mtimes = {p.name: p.stat().st_mtime_ns for p in inbox.iterdir()}
    from cxzy_xl.feedback import write_feedback

    batch = read_folder(inbox)
    write_feedback(batch.findings, inbox, tmp_path / "fb")
    assert before == {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in inbox.iterdir()}
    assert mtimes == {p.name: p.stat().st_mtime_ns for p in inbox.iterdir()}


def test_the_format_comes_from_the_bytes_not_the_extension(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(DATA / "legacy.xls", inbox / "really_xls.xlsx")
    write_clean(inbox / "really_xlsx.xls", code="T009", name="光明村党支部")
    batch = read_folder(inbox, isolate=False)
    assert not [f for f in batch.findings if f.severity is not Severity.INFO]
    assert sorted(batch["基本信息"]["党组织编码"]) == ["T009", "XL001"]


def test_an_unreadable_file_is_named_for_the_branch_its_name_points_at(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "T002_光明村党支部.xlsx").write_bytes(b"")  # a branch's file that arrived empty
    (inbox / "附件1.xlsx").write_bytes(b"")  # whose, nobody can tell
    write_clean(inbox / "T001.xlsx")
    reg = write_registry(tmp_path / "reg.xlsx", [Branch("T001", "石门村党支部", "村"), Branch("T002", "光明村党支部", "村"),
                                                 Branch("T003", "红星村党支部", "村")],
                         {"所属党委": "德新镇党委", "报告期": "2011年第二季度"})
    batch = read_folder(inbox, reg, isolate=False)
    unread = {f.file: f.branch_code for f in batch.findings if f.code.name == "FILE_UNREADABLE"}
    assert unread == {"T002_光明村党支部.xlsx": "T002", "附件1.xlsx": ""}
    missing = {f.branch_code: f.message for f in batch.findings if f.code.name == "MISSING_SUBMISSION"}
    assert missing == {"T002": "未报送：光明村党支部（T002）报送的“T002_光明村党支部.xlsx”无法读取，需重新报送",
                       "T003": "未报送：红星村党支部（T003）没有报送"}


def test_a_branch_name_other_than_the_registry_s_is_a_warning_at_its_cell(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_clean(inbox / "T001.xlsx", name="石门村党总支")
    write_clean(inbox / "T002.xlsx", code="T002", name=" 光明村 党支部")  # spaces are not a different name
    reg = write_registry(tmp_path / "reg.xlsx", [Branch("T001", "石门村党支部", "村"), Branch("T002", "光明村党支部", "村")],
                         {"所属党委": "德新镇党委", "报告期": "2011年第二季度"})
    batch = read_folder(inbox, reg, isolate=False)
    found = [(f.branch_code, f.cell, f.message) for f in batch.findings if f.code.name == "NAME_MISMATCH"]
    assert found == [("T001", cell_of("基本信息", "党组织名称"),
                      "党组织名称“石门村党总支”与支部名单中的“石门村党支部”不一致，汇总时用支部名单中的名称，请核对")]
