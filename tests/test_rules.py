"""The cross-field rules as the schema declares them: each at its exact cell with its exact words, the
hints that say them, blank cells that never stop a run, and a rule that fails anyway."""

import dataclasses
import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

import openpyxl
import pytest
from helpers import cell_of, clean_data, write_clean

import cxzy_xl
from cxzy_xl import checks, schema
from cxzy_xl.pipeline import read_folder, read_workbook
from cxzy_xl.schema import DateOrder, MemberRef, NotMoreThan, RequiredWhen, SumNotMore
from cxzy_xl.templates import write_branch_workbook, write_registry

D = dt.date


def read(path, **kw):
    return read_workbook(path, isolate=False, **kw)


def found(batch):
    return sorted((f.code.name, f.sheet, f.cell, f.message) for f in batch.findings)


def _set(sheet, index, label, value):
    def change(data):
        target = data[sheet] if index is None else data[sheet][index]
        target[label] = value
    return change


# One case per declared rule: the change to clean data, and the one finding it must give.
CASES = [
    ("公开承诺", DateOrder("承诺日期", "计划完成日期"), _set("公开承诺", 0, "计划完成日期", D(2011, 5, 1)),
     "INCONSISTENT", "G3", "计划完成日期早于承诺日期（2011-05-20），请核对"),
    ("公开承诺", DateOrder("承诺日期", "实际完成日期"), _set("公开承诺", 0, "实际完成日期", D(2011, 5, 1)),
     "INCONSISTENT", "I3", "实际完成日期早于承诺日期（2011-05-20），请核对"),
    ("公开承诺", RequiredWhen("实际完成日期", "完成情况", "已完成"), _set("公开承诺", 0, "实际完成日期", None),
     "INCONSISTENT", "I3", "完成情况为“已完成”，但没有填写实际完成日期，请补填"),
    ("公开承诺", MemberRef("承诺人", when=("承诺主体", "党员")), _set("公开承诺", 0, "承诺人", "张三"),
     "UNKNOWN_MEMBER", "C3", "“张三”不在党员名册中，请核对姓名或补充名册"),
    ("活动记录", NotMoreThan("实际参加人数", "应参加人数"), _set("活动记录", 1, "实际参加人数", 5),
     "INCONSISTENT", "F4", "实际参加人数多于应参加人数（5 > 3），请核对"),
    ("为民办实事", DateOrder("开始日期", "完成日期"), _set("为民办实事", 0, "完成日期", D(2011, 4, 1)),
     "INCONSISTENT", "I3", "完成日期早于开始日期（2011-05-01），请核对"),
    ("为民办实事", NotMoreThan("其中争取上级资金（万元）", "投入资金（万元）"),
     _set("为民办实事", 0, "其中争取上级资金（万元）", 20),
     "INCONSISTENT", "E3", "争取上级资金多于投入资金（20 > 12.5），请核对"),
    ("为民办实事", RequiredWhen("完成日期", "完成情况", "已完成"), _set("为民办实事", 0, "完成日期", None),
     "INCONSISTENT", "I3", "完成情况为“已完成”，但没有填写完成日期，请补填"),
    ("民情台账", DateOrder("登记日期", "办结时限"), _set("民情台账", 0, "办结时限", D(2011, 5, 1)),
     "INCONSISTENT", "G3", "办结时限早于登记日期（2011-05-10），请核对"),
    ("民情台账", DateOrder("登记日期", "办结日期"), _set("民情台账", 0, "办结日期", D(2011, 5, 1)),
     "INCONSISTENT", "H3", "办结日期早于登记日期（2011-05-10），请核对"),
    ("党员名册", DateOrder("出生日期", "入党日期"), _set("党员名册", 0, "入党日期", D(1960, 1, 1)),
     "INCONSISTENT", "G3", "入党日期早于出生日期（1968-03-12），请核对"),
    ("示范岗", MemberRef("认领党员"), _set("示范岗", 0, "认领党员", "李四"),
     "UNKNOWN_MEMBER", "C3", "“李四”不在党员名册中，请核对姓名或补充名册"),
    ("考核测评", SumNotMore(("满意票", "基本满意票", "不满意票"), "民主测评参评人数"), _set("考核测评", None, "满意票", 48),
     "INCONSISTENT", cell_of("考核测评", "民主测评参评人数"),
     "满意票48、基本满意票6、不满意票2，合计56，多于民主测评参评人数50，请核对"),
]


def test_every_declared_rule_has_a_case_here():
    declared = {(s.name, r) for s in schema.BRANCH_SHEETS for r in s.rules}
    assert {(sheet, rule) for sheet, rule, *_ in CASES} == declared


@pytest.mark.parametrize("sheet,rule,change,code,cell,message", CASES, ids=[c[1].title for c in CASES])
def test_each_declared_rule_at_its_cell(tmp_path, sheet, rule, change, code, cell, message):
    data = clean_data()
    change(data)
    batch = read(write_clean(tmp_path / "t.xlsx", data))
    assert [(f.code.name, f.sheet, f.cell, f.message) for f in batch.findings if f.code.name != "REQUIRED"] == [
        (code, sheet, cell, message)]


def test_the_party_organisation_itself_may_make_a_commitment():
    # 承诺主体 = 党组织 names the branch in 承诺人: not a member, and not a finding
    rule = MemberRef("承诺人", when=("承诺主体", "党员"))
    assert rule in schema.BRANCH_SHEET["公开承诺"].rules


def test_the_vote_sum_with_a_blank_part_counts_it_as_zero_and_says_so(tmp_path):
    data = clean_data()
    data["考核测评"].update({"满意票": None, "基本满意票": 30, "不满意票": 25})
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_clean(inbox / "t.xlsx", data)
    batch = read_folder(inbox, isolate=False)  # raised TypeError (boolean value of NA is ambiguous)
    assert found(batch) == sorted([
        ("REQUIRED", "考核测评", cell_of("考核测评", "满意票"), "“满意票”是必填项，请填写"),
        ("INCONSISTENT", "考核测评", cell_of("考核测评", "民主测评参评人数"),
         "满意票未填、基本满意票30、不满意票25，合计55，多于民主测评参评人数50（未填的按0计），请核对")])
    summary = cxzy_xl.aggregate(batch)
    cxzy_xl.write_result(summary, tmp_path / "汇总.xlsx")
    assert (tmp_path / "汇总.xlsx").stat().st_size > 0


def test_the_vote_sum_with_every_part_blank_is_only_the_required_cells(tmp_path):
    data = clean_data()
    data["考核测评"].update({"满意票": None, "基本满意票": None, "不满意票": None})
    batch = read(write_clean(tmp_path / "t.xlsx", data))
    assert {f.code.name for f in batch.findings} == {"REQUIRED"}


def test_duplicate_member_when_the_first_branch_left_its_name_blank(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    a = clean_data()
    a["基本信息"]["党组织名称"] = None
    b = clean_data("T002", "光明村党支部")
    b["党员名册"] = b["党员名册"][1:2]  # 李红, the same 身份证号 as in T001
    b["基本信息"].update({"党员总数": 1, "正式党员数": 1, "预备党员数": 0})
    b["公开承诺"], b["示范岗"] = [], []
    write_clean(inbox / "T001.xlsx", a)
    write_clean(inbox / "T002.xlsx", b, code="T002", name="光明村党支部")
    batch = read_folder(inbox, isolate=False)  # raised TypeError (boolean value of NA is ambiguous)
    assert found(batch) == sorted([
        ("REQUIRED", "基本信息", cell_of("基本信息", "党组织名称"), "“党组织名称”是必填项，请填写"),
        ("DUPLICATE_MEMBER", "党员名册", "F3", "身份证号重复：与T001党员名册第4行（李红）相同，同一党员只能登记一次，请核对"),
    ])


# --- hints from the same rule objects ------------------------------------------------------------

def test_each_rule_is_said_once_in_the_hint_of_the_cell_it_flags():
    for sheet in schema.BRANCH_SHEETS:
        for rule in sheet.rules:
            assert sheet.field(rule.at).hint.count(rule.note) == 1, (sheet.name, rule)


def test_hints_in_words():
    hint = schema.BRANCH_SHEET["为民办实事"].field("其中争取上级资金（万元）").hint
    assert hint == "单位：万元；不能多于投入资金；请填写数字，只填数字，不要带单位；不小于 0"
    assert "不能多于应参加人数" in schema.BRANCH_SHEET["活动记录"].field("实际参加人数").hint
    assert "完成情况为“已完成”的必须填写" in schema.BRANCH_SHEET["公开承诺"].field("实际完成日期").hint
    assert "不能少于满意票、基本满意票、不满意票之和" in schema.BRANCH_SHEET["考核测评"].field("民主测评参评人数").hint
    assert "承诺主体为“党员”的填写党员名册中的姓名" in schema.BRANCH_SHEET["公开承诺"].field("承诺人").hint
    assert "不能早于登记日期" in schema.BRANCH_SHEET["民情台账"].field("办结日期").hint


def test_the_template_instructions_carry_the_rule_wording(tmp_path):
    path = write_branch_workbook(tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(path)[schema.INSTRUCTIONS_SHEET]
    hints = {row[0]: row[2] for row in ws.iter_rows(values_only=True) if row[0]}
    assert "不能多于投入资金" in hints["其中争取上级资金（万元）"]
    assert "不能早于出生日期" in hints["入党日期"]


def test_a_rule_naming_a_field_the_sheet_does_not_have_is_refused():
    sheet = schema.BRANCH_SHEET["活动记录"]
    with pytest.raises(ValueError, match="参加人次"):
        dataclasses.replace(sheet, rules=(NotMoreThan("实际参加人数", "参加人次"),))
    with pytest.raises(ValueError, match="完毕"):
        dataclasses.replace(schema.BRANCH_SHEET["公开承诺"], rules=(RequiredWhen("实际完成日期", "完成情况", "完毕"),))


def test_adding_a_rule_is_one_line(tmp_path, monkeypatch):
    sheet = dataclasses.replace(schema.BRANCH_SHEET["活动记录"],
                                rules=(NotMoreThan("学时", "应参加人数"),))
    monkeypatch.setattr(schema, "BRANCH_SHEETS", tuple(sheet if s.name == sheet.name else s
                                                       for s in schema.BRANCH_SHEETS))
    data = clean_data()
    data["活动记录"][0]["学时"] = 4
    batch = read(write_clean(tmp_path / "t.xlsx", data))
    assert found(batch) == [("INCONSISTENT", "活动记录", "G3", "学时多于应参加人数（4 > 3），请核对")]
    assert "不能多于应参加人数" in sheet.field("学时").hint


# --- a rule that fails anyway --------------------------------------------------------------------

def _two_branches(inbox):
    inbox.mkdir()
    a = clean_data()
    a["活动记录"][1]["实际参加人数"] = 5  # a finding that must still be made
    write_clean(inbox / "T001.xlsx", a)
    b = clean_data("T002", "光明村党支部")
    for member in b["党员名册"]:  # other people than T001's
        member["身份证号"] = None
    write_clean(inbox / "T002.xlsx", b, code="T002", name="光明村党支部")


def test_a_one_off_rule_that_raises_costs_only_the_file_it_fails_on(tmp_path, monkeypatch):
    def picky(ctx):
        if "T002" in set(ctx.tables["基本信息"]["党组织编码"]):
            raise RuntimeError("boom")
        yield from ()

    monkeypatch.setattr(checks, "RULES", (checks.CodeRule("挑剔的检查", picky), *checks.RULES))
    _two_branches(tmp_path / "inbox")
    batch = read_folder(tmp_path / "inbox", isolate=False)
    assert [(f.code.name, f.file, f.branch_code, f.severity.value) for f in batch.findings] == [
        ("INCONSISTENT", "T001.xlsx", "T001", "error"), ("RULE_FAILED", "T002.xlsx", "T002", "error")]
    failed = batch.findings[1]
    assert failed.message == "检查规则“挑剔的检查”运行出错，本文件未做这项检查，其余检查照常进行，请联系技术人员"


def test_a_declared_rule_that_raises_is_named_in_words_for_each_file(tmp_path, monkeypatch):
    @dataclass(frozen=True)
    class Broken:  # a rule that declares itself but cannot find its violations
        part: str = "学时"

        choices = ()
        labels = ("学时",)
        at = "学时"
        note = "一条坏规则"
        title = "学时的坏规则"

    sheet = dataclasses.replace(schema.BRANCH_SHEET["活动记录"], rules=(Broken(), NotMoreThan("实际参加人数", "应参加人数")))
    monkeypatch.setattr(schema, "BRANCH_SHEETS", tuple(sheet if s.name == sheet.name else s
                                                       for s in schema.BRANCH_SHEETS))
    _two_branches(tmp_path / "inbox")
    batch = read_folder(tmp_path / "inbox", isolate=False)
    assert sorted((f.code.name, f.file) for f in batch.findings) == [
        ("INCONSISTENT", "T001.xlsx"), ("RULE_FAILED", "T001.xlsx"), ("RULE_FAILED", "T002.xlsx")]
    assert all("“活动记录：学时的坏规则”" in f.message for f in batch.findings if f.code.name == "RULE_FAILED")
    cxzy_xl.write_result(cxzy_xl.aggregate(batch), tmp_path / "汇总.xlsx")


# --- the one-off rules judge by the schema's values ----------------------------------------------

def test_the_rating_quota_comes_from_the_schema(tmp_path, monkeypatch):
    data = clean_data()
    data["党员名册"][1]["民主评议等次"] = "优秀"  # 2 of 3
    path = write_clean(tmp_path / "t.xlsx", data)
    assert [(f.code.name, f.cell, f.message) for f in read(path).findings] == [
        ("RATING_QUOTA", "M3", "民主评议等次“优秀”2人，超过党员总数3人的三分之一，请核对")]
    monkeypatch.setattr(schema, "RATING_TOP_SHARE", Fraction(2, 3))
    assert read(path).findings == []


def test_the_probation_period_comes_from_the_schema(tmp_path, monkeypatch):
    path = write_clean(tmp_path / "t.xlsx")  # 赵强, 预备党员 since 2010-12-01; the period ends 2011-06-30
    assert read(path).findings == []
    monkeypatch.setattr(schema, "PROBATION_DAYS", 200)
    assert [(f.code.name, f.cell, f.message) for f in read(path).findings] == [
        ("PROBATION_OVERDUE", "H5", "赵强2010-12-01入党，预备期已超过200天，请及时讨论转正")]


def test_overdue_words(tmp_path):
    data = clean_data()
    data["公开承诺"][1]["计划完成日期"] = D(2011, 6, 1)
    data["民情台账"][1]["办结时限"] = D(2011, 6, 25)
    assert [(f.cell, f.message) for f in read(write_clean(tmp_path / "t.xlsx", data)).findings] == [
        ("H4", "计划完成日期为2011-06-01，到报告期末仍未完成，请督促兑现或说明情况"),
        ("H4", "办结时限为2011-06-25，到报告期末仍未办结，请抓紧办理并填写办结日期")]


# --- a template nobody filled in -----------------------------------------------------------------

@pytest.mark.parametrize("prefilled", [False, True])
def test_a_never_filled_template_is_one_finding(tmp_path, prefilled):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    branch = schema.Branch("T001", "石门村党支部", "村", "德新镇党委", "王建国", "13812345678")
    if prefilled:
        write_branch_workbook(inbox / "T001.xlsx", branch, committee="德新镇党委", period="2011Q2")
    else:
        write_branch_workbook(inbox / "T001.xlsx")
    reg = write_registry(tmp_path / "reg.xlsx", [branch], {"所属党委": "德新镇党委", "报告期": "2011年第二季度"})
    batch = read_folder(inbox, reg, isolate=False)
    assert sorted((f.code.name, f.file, f.branch_code) for f in batch.findings) == sorted([
        ("EMPTY_TEMPLATE", "T001.xlsx", "T001"),  # a blank one is told by its file name
        ("MISSING_SUBMISSION", "reg.xlsx", "T001")])
    empty = next(f for f in batch.findings if f.code.name == "EMPTY_TEMPLATE")
    assert empty.message.startswith("空白模板，尚未填写") and empty.severity.value == "error"
    assert batch.files[["状态", "未计入原因"]].values.tolist() == [["未计入", "空白模板"]]
    chase = next(f for f in batch.findings if f.code.name == "MISSING_SUBMISSION")
    assert chase.message == "未报送：石门村党支部（T001）报送的“T001.xlsx”是空白模板，尚未填写，请联系书记王建国，13812345678"
    cxzy_xl.write_result(cxzy_xl.aggregate(batch), tmp_path / "汇总.xlsx")
    # one filled cell and it is a report, with its required cells asked for one by one
    write_branch_workbook(inbox / "T001.xlsx", branch, committee="德新镇党委", period="2011Q2",
                          data={"考核测评": {"领导班子好": 18}})
    codes = {f.code.name for f in read_folder(inbox, reg, isolate=False).findings}
    assert "EMPTY_TEMPLATE" not in codes and "MISSING_SUBMISSION" not in codes and "REQUIRED" in codes
