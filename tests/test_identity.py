"""One identity per file (TEMPLATE-SPEC.md 1.2): a file without a known 党组织编码 is matched to the
registry by its 党组织名称; every file is counted for one branch or not counted with its reason, and the
headline adds up; duplicates are decided by 填报日期, then errors, then file name, never by file time;
a 填报日期 no clerk could have typed on purpose is OUT_OF_RANGE and is not used for lateness.

Every file here is a template filled in the way a clerk fills it: the blank template (``cxzy template``)
with what they typed, or a pre-filled one they changed in Excel (openpyxl stands in for them)."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import replace
from pathlib import Path

import pytest
from helpers import cell_of, clean_data, edit, write_clean

from cxzy_xl.aggregate import aggregate
from cxzy_xl.batch import Candidate, pick_submission
from cxzy_xl.findings import Code, Severity
from cxzy_xl.model import FileResult
from cxzy_xl.normalize import branch_key
from cxzy_xl.pipeline import headline, read_folder, run_aggregate
from cxzy_xl.read import read_registry
from cxzy_xl.report import report_context
from cxzy_xl.schema import Branch
from cxzy_xl.templates import write_branch_workbook, write_registry

D = dt.date
CODE_CELL = cell_of("基本信息", "党组织编码")
FILLED_CELL = cell_of("基本信息", "填报日期")
BRANCHES = [
    Branch("DX001", "石门村党支部", "村", secretary="王建国", phone="13812345678"),
    Branch("DX002", "金龙村党支部", "村", secretary="刘明", phone="13900000000"),
    Branch("DX003", "光明社区党总支", "社区", secretary="陈芳", phone="13700000000"),
    Branch("DX004", "农机站党支部", "机关", secretary="周平", phone="13600000000"),
]


def registry(tmp_path: Path, branches: list[Branch] = BRANCHES, **settings) -> Path:
    return write_registry(tmp_path / "支部名单.xlsx", branches, {
        "所属党委": "德新镇党委", "报告期": "2011年第二季度", "活动开始日期": D(2010, 5, 1),
        "活动结束日期": D(2012, 6, 30), "报送截止日期": D(2011, 7, 5), **settings})


def typed(path: Path, code: str | None, name: str, **info) -> Path:
    """The blank template (``cxzy template -o 模板``: no code in it, none in its _meta), filled in by a
    clerk: ``code`` None leaves 党组织编码 empty."""
    data = clean_data(code or "", name)
    data["基本信息"]["党组织编码"] = code
    data["基本信息"].update(info)
    return write_branch_workbook(path, None, data=data)


def inbox_of(tmp_path: Path) -> Path:
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    return inbox


def only(batch, code: str, file: str | None = None):
    found = [f for f in batch.findings if f.code.name == code and (file is None or f.file == file)]
    assert len(found) == 1, (code, [(f.code.name, f.file, f.cell, f.message) for f in batch.findings])
    return found[0]


def names(batch, code: str) -> list[str]:
    return sorted(f.file for f in batch.findings if f.code.name == code)


def status(batch) -> dict[str, tuple[str, str, str]]:
    """来源文件 -> (状态, 计入支部, 未计入原因)."""
    files = batch.files
    assert files["来源文件"].is_unique, "a file is in the per-file table twice"
    return {r["来源文件"]: (r["状态"], r["计入支部"], r["未计入原因"]) for _, r in files.iterrows()}


def with_today(path: Path, today: dt.date):
    """The registry as read, with the day the run counts as today (the clock in real runs)."""
    reg = read_registry(path)
    return replace(reg, settings=replace(reg.settings, today=today))


# --- name matching --------------------------------------------------------------------------------------


def test_branch_key_ignores_spaces_width_and_the_usual_suffixes():
    assert branch_key("金龙村党支部") == branch_key("金龙村支部") == branch_key(" 金龙村　党支部 ") == "金龙村"
    assert branch_key("光明社区党总支") == branch_key("光明社区总支") == branch_key("光明社区") == "光明社区"
    assert branch_key("ＸＸ公司党委") == "XX公司"
    assert branch_key("党支部") == "" and branch_key(None) == ""


def test_a_file_without_a_code_counts_for_the_branch_its_name_names(tmp_path):
    inbox = inbox_of(tmp_path)
    write_clean(inbox / "石门村.xlsx", code="DX001", name="石门村党支部")
    typed(inbox / "金龙村.xlsx", None, "金龙村 支部")
    batch = read_folder(inbox, registry(tmp_path), isolate=False)

    f = only(batch, "NAME_MATCHED")
    assert (f.file, f.sheet, f.cell, f.branch_code, f.severity) == (
        "金龙村.xlsx", "基本信息", CODE_CELL, "DX002", Severity.WARNING)
    assert f.message == ("党组织编码未填，已按党组织名称“金龙村 支部”对应到支部名单中的“金龙村党支部”（DX002），"
                         "请在基本信息中填写党组织编码DX002")
    assert Code.NAME_MATCHED.kind == "按名称匹配"
    # its rows carry the registry's code in every table, and every finding of the file is the branch's
    for sheet, df in batch.tables.items():
        assert set(df[df["来源文件"] == "金龙村.xlsx"]["党组织编码"]) <= {"DX002"}, sheet
    assert len(batch["党员名册"][batch["党员名册"]["党组织编码"] == "DX002"]) == 3
    assert {x.branch_code for x in batch.findings if x.file == "金龙村.xlsx"} == {"DX002"}
    assert not names(batch, "NAME_MISMATCH") and not names(batch, "UNKNOWN_BRANCH")
    # not chased as 未报送
    assert sorted(x.branch_code for x in batch.findings if x.code is Code.MISSING_SUBMISSION) == ["DX003", "DX004"]
    assert status(batch)["金龙村.xlsx"] == ("已计入", "DX002", "")

    summary = aggregate(batch)
    row = summary.by_branch.set_index("党组织编码").loc["DX002"]
    assert row["党组织名称"] == "金龙村党支部" and row["党员数"] == 3
    assert int(summary.total.iloc[0]["党员数"]) == 6
    assert "  报送：应报 4，已报 2，未报 2" in headline(summary)


def test_a_code_not_in_the_registry_is_matched_by_name_and_the_message_says_which_code(tmp_path):
    inbox = inbox_of(tmp_path)
    typed(inbox / "光明.xlsx", "DX03", "光明社区 党总支")  # a digit lost, the name with a space typed
    batch = read_folder(inbox, registry(tmp_path), isolate=False)
    f = only(batch, "NAME_MATCHED")
    assert f.branch_code == "DX003" and f.value == "DX03" and f.cell == CODE_CELL
    assert f.message.startswith("党组织编码“DX03”不在支部名单中，已按党组织名称“光明社区 党总支”对应到支部名单中的"
                                "“光明社区党总支”（DX003）")
    assert f.message.endswith("请在基本信息中填写党组织编码DX003")
    assert set(batch["基本信息"]["党组织编码"]) == {"DX003"}
    assert not names(batch, "UNKNOWN_BRANCH")


def test_a_file_no_branch_can_be_told_from_is_counted_in_no_figure(tmp_path):
    inbox = inbox_of(tmp_path)
    write_clean(inbox / "石门村.xlsx", code="DX001", name="石门村党支部")
    typed(inbox / "无编码.xlsx", None, "红星村党支部")  # no code, and no such branch
    typed(inbox / "外来.xlsx", "X999", "外来党支部")  # an unknown code, and no such branch
    batch = read_folder(inbox, registry(tmp_path), isolate=False)

    assert names(batch, "UNKNOWN_BRANCH") == ["外来.xlsx", "无编码.xlsx"]
    blank = only(batch, "UNKNOWN_BRANCH", "无编码.xlsx")
    assert blank.cell == CODE_CELL and blank.severity is Severity.WARNING
    assert "党组织编码未填" in blank.message and "红星村党支部" in blank.message and "未计入" in blank.message
    other = only(batch, "UNKNOWN_BRANCH", "外来.xlsx")
    assert other.value == "X999" and "“X999”不在支部名单中" in other.message
    # counted in no figure: none of their rows, members or findings reach a branch
    for df in batch.tables.values():
        assert set(df["来源文件"]) <= {"石门村.xlsx"}
    assert set(batch.results) == {"石门村.xlsx"}
    # still checked, so the branch that sent it can be told what to fix
    assert status(batch)["无编码.xlsx"] == ("未计入", "", "不在支部名单")
    assert status(batch)["外来.xlsx"] == ("未计入", "", "不在支部名单")
    summary = aggregate(batch)
    assert list(summary.base["党组织编码"]) == ["DX001"]
    assert int(summary.total.iloc[0]["党员数"]) == 3
    lines = headline(summary)
    assert "  报送：应报 4，已报 1，未报 3" in lines
    assert "  未计入 2 个文件：外来.xlsx（不在支部名单）、无编码.xlsx（不在支部名单）" in lines


def test_an_unknown_file_is_still_checked_for_the_branch_that_sent_it(tmp_path):
    inbox = inbox_of(tmp_path)
    data = clean_data("X999", "外来党支部")
    data["基本信息"]["党员总数"] = 9  # a rule's finding (COUNT_MISMATCH), not a cell's
    data["党员名册"][0]["性别"] = "未知"  # a cell's finding
    write_branch_workbook(inbox / "外来.xlsx", None, data=data)
    batch = read_folder(inbox, registry(tmp_path), isolate=False)
    assert names(batch, "COUNT_MISMATCH") == ["外来.xlsx"] and names(batch, "BAD_CHOICE") == ["外来.xlsx"]
    assert names(batch, "UNKNOWN_BRANCH") == ["外来.xlsx"]
    assert len(batch["党员名册"]) == 0


def test_a_name_two_registry_branches_answer_to_is_no_match(tmp_path):
    inbox = inbox_of(tmp_path)
    branches = [*BRANCHES, Branch("DX005", "金龙村党总支", "村")]
    typed(inbox / "金龙.xlsx", None, "金龙村")
    batch = read_folder(inbox, registry(tmp_path, branches), isolate=False)
    f = only(batch, "UNKNOWN_BRANCH")
    assert "金龙村党支部（DX002）" in f.message and "金龙村党总支（DX005）" in f.message
    assert not names(batch, "NAME_MATCHED") and len(batch["党员名册"]) == 0
    assert status(batch)["金龙.xlsx"] == ("未计入", "", "不在支部名单")


def test_a_code_less_copy_of_a_branch_that_also_sent_its_coded_file_is_a_duplicate(tmp_path):
    inbox = inbox_of(tmp_path)
    write_clean(inbox / "金龙村.xlsx", code="DX002", name="金龙村党支部")
    typed(inbox / "金龙村（无编码）.xlsx", None, "金龙村党支部", 填报日期=D(2011, 6, 2))
    batch = read_folder(inbox, registry(tmp_path), isolate=False)
    dup = only(batch, "DUPLICATE_SUBMISSION")
    assert dup.file == "金龙村（无编码）.xlsx" and dup.branch_code == "DX002"
    assert set(batch["基本信息"]["来源文件"]) == {"金龙村.xlsx"}
    assert status(batch)["金龙村（无编码）.xlsx"] == ("未计入", "", "重复报送未采用")
    # the unused copy's own findings are notes, NAME_MATCHED among them
    assert only(batch, "NAME_MATCHED").severity is Severity.INFO


@pytest.mark.parametrize("code", [None, "DX02"])
def test_an_edited_pre_filled_template_keeps_its_branch(tmp_path, code):
    """A pre-filled template whose code the clerk cleared or mistyped: its _meta still names the branch
    when the cell is empty; a mistyped code is matched by the name."""
    inbox = inbox_of(tmp_path)
    path = write_clean(inbox / "金龙村.xlsx", code="DX002", name="金龙村党支部")
    edit(path, lambda wb: wb["基本信息"].__setitem__(CODE_CELL, code))
    batch = read_folder(inbox, registry(tmp_path), isolate=False)
    assert set(batch["基本信息"]["党组织编码"]) == {"DX002"}
    assert not names(batch, "UNKNOWN_BRANCH")
    assert names(batch, "NAME_MATCHED") == ([] if code is None else ["金龙村.xlsx"])


# --- every file in exactly one place ------------------------------------------------------------------


def test_every_file_is_counted_for_one_branch_or_not_counted_with_its_reason(tmp_path):
    inbox = inbox_of(tmp_path)
    write_clean(inbox / "DX001_石门村.xlsx", code="DX001", name="石门村党支部")
    older = clean_data("DX001", "石门村党支部")
    older["基本信息"]["填报日期"] = D(2011, 6, 1)
    write_clean(inbox / "DX001_石门村（旧）.xlsx", older, code="DX001", name="石门村党支部")
    typed(inbox / "金龙村.xlsx", None, "金龙村支部")  # no code: matched by name
    typed(inbox / "外来.xlsx", "X999", "外来党支部")  # an unknown code
    (inbox / "DX003_光明社区.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")  # unreadable
    wrong = clean_data("DX004", "农机站党支部")
    wrong["基本信息"]["报告期"] = "2011年第一季度"
    write_clean(inbox / "DX004_农机站.xlsx", wrong, code="DX004", name="农机站党支部")
    (inbox / "说明.txt").write_text("报表已交", encoding="utf-8")

    batch = read_folder(inbox, registry(tmp_path), isolate=False)
    assert status(batch) == {
        "DX001_石门村.xlsx": ("已计入", "DX001", ""),
        "DX001_石门村（旧）.xlsx": ("未计入", "", "重复报送未采用"),
        "金龙村.xlsx": ("已计入", "DX002", ""),
        "外来.xlsx": ("未计入", "", "不在支部名单"),
        "DX003_光明社区.xlsx": ("未计入", "", "无法读取"),
        "DX004_农机站.xlsx": ("未计入", "", "报告期不符"),
        "说明.txt": ("未计入", "", "不是Excel文件，已跳过"),
    }
    summary = aggregate(batch)
    lines = headline(summary)
    assert "  报送：应报 4，已报 2，未报 2" in lines
    sent = [line for line in lines if line.startswith("  未计入")]
    assert sent == ["  未计入 5 个文件：DX001_石门村（旧）.xlsx（重复报送未采用）、DX003_光明社区.xlsx（无法读取）、"
                    "DX004_农机站.xlsx（报告期不符）、外来.xlsx（不在支部名单）、说明.txt（不是Excel文件，已跳过）"]
    # 应报 = 已报 + 未报, and 已报 is the branches counted
    assert len(summary.base) == 2 and len(summary.missing) == 2
    assert sorted(summary.base["党组织编码"]) == ["DX001", "DX002"]
    assert sorted(summary.missing["党组织编码"]) == ["DX003", "DX004"]


def test_without_files_left_out_the_headline_has_no_such_line(tmp_path):
    inbox = inbox_of(tmp_path)
    for b in BRANCHES:
        write_clean(inbox / f"{b.code}.xlsx", code=b.code, name=b.name)
    lines = headline(aggregate(read_folder(inbox, registry(tmp_path), isolate=False)))
    assert "  报送：应报 4，已报 4，未报 0" in lines
    assert not [line for line in lines if "未计入" in line]


# --- duplicates -------------------------------------------------------------------------------------------


def two_copies(inbox: Path, first: dict, second: dict, names: tuple[str, str] = ("a.xlsx", "b.xlsx")) -> None:
    write_clean(inbox / names[0], first)
    write_clean(inbox / names[1], second)


def test_the_later_filled_date_wins_whatever_the_file_times_and_names(tmp_path):
    inbox = inbox_of(tmp_path)
    newer, older = clean_data(), clean_data()
    older["基本信息"]["填报日期"] = D(2011, 6, 1)
    older["党员名册"] = older["党员名册"][:2]
    two_copies(inbox, newer, older, ("a_新.xlsx", "z_旧.xlsx"))
    # the older copy was saved from the e-mail later, and sorts later: neither decides
    os.utime(inbox / "a_新.xlsx", (1_300_000_000, 1_300_000_000))
    os.utime(inbox / "z_旧.xlsx", (1_310_000_000, 1_310_000_000))
    batch = read_folder(inbox, isolate=False)
    f = only(batch, "DUPLICATE_SUBMISSION")
    assert f.file == "z_旧.xlsx" and f.severity is Severity.WARNING
    assert "“a_新.xlsx”（填报日期较新）" in f.message
    assert "删除" in f.message and "改正填报日期" in f.message
    assert set(batch["党员名册"]["来源文件"]) == {"a_新.xlsx"}


def test_on_the_same_filled_date_the_copy_with_fewer_errors_wins(tmp_path):
    inbox = inbox_of(tmp_path)
    flawed = clean_data()
    flawed["党员名册"][0]["性别"] = "未知"
    two_copies(inbox, clean_data(), flawed)  # b.xlsx, the later name, has the error
    os.utime(inbox / "b.xlsx", (1_310_000_000, 1_310_000_000))
    batch = read_folder(inbox, isolate=False)
    f = only(batch, "DUPLICATE_SUBMISSION")
    assert f.file == "b.xlsx" and "“a.xlsx”（填报日期相同，采用错误较少的）" in f.message


def test_still_tied_the_later_file_name_wins_never_the_file_time(tmp_path):
    inbox = inbox_of(tmp_path)
    two_copies(inbox, clean_data(), clean_data())
    os.utime(inbox / "a.xlsx", (1_310_000_000, 1_310_000_000))  # a.xlsx saved later
    os.utime(inbox / "b.xlsx", (1_300_000_000, 1_300_000_000))
    batch = read_folder(inbox, isolate=False)
    f = only(batch, "DUPLICATE_SUBMISSION")
    assert f.file == "a.xlsx" and "“b.xlsx”（填报日期、错误数都相同，采用文件名排在后面的）" in f.message


def test_both_without_a_filled_date_the_copy_with_fewer_errors_wins(tmp_path):
    inbox = inbox_of(tmp_path)
    clean, flawed = clean_data(), clean_data()
    clean["基本信息"]["填报日期"] = None
    flawed["基本信息"]["填报日期"] = None
    flawed["党员名册"][1]["身份证号"] = "123"
    two_copies(inbox, clean, flawed)
    os.utime(inbox / "b.xlsx", (1_310_000_000, 1_310_000_000))
    batch = read_folder(inbox, isolate=False)
    f = only(batch, "DUPLICATE_SUBMISSION")
    assert f.file == "b.xlsx" and "“a.xlsx”（填报日期都未填或填写有误，采用错误较少的）" in f.message


def test_a_filled_date_typed_wrong_does_not_win(tmp_path):
    inbox = inbox_of(tmp_path)
    slip, right = clean_data(), clean_data()
    slip["基本信息"]["填报日期"] = "2026.3.5"  # meant 2011.6.25
    right["基本信息"]["填报日期"] = D(2011, 6, 20)
    two_copies(inbox, right, slip)
    batch = read_folder(inbox, with_today(registry(tmp_path, [BRANCHES[0]]), D(2026, 6, 1)), isolate=False)
    assert only(batch, "DUPLICATE_SUBMISSION").file == "b.xlsx"


def test_pick_submission_is_the_one_place_a_duplicate_is_decided():
    def cand(file: str, filled: dt.date | None, errors: int) -> Candidate:
        return Candidate(FileResult(path=file, file=file), filled, errors)

    a, b, c = cand("a.xlsx", D(2011, 6, 28), 3), cand("b.xlsx", D(2011, 6, 28), 1), cand("c.xlsx", D(2011, 6, 1), 0)
    assert pick_submission([a, b, c]) == (b, "填报日期相同，采用错误较少的")
    assert pick_submission([c, a]) == (a, "填报日期较新")
    assert pick_submission([cand("x", None, 0), cand("y", None, 0)])[0].result.file == "y"


# --- a 填报日期 typed wrong --------------------------------------------------------------------------------


def test_a_filled_date_years_after_the_campaign_is_a_slip_not_a_late_report(tmp_path):
    inbox = inbox_of(tmp_path)
    data = clean_data("DX001", "石门村党支部")
    data["基本信息"]["填报日期"] = "2026.3.5"  # meant 2011.6.25, typed the way one types today's date
    write_clean(inbox / "DX001.xlsx", data, code="DX001", name="石门村党支部")
    for b in BRANCHES[1:]:
        write_clean(inbox / f"{b.code}.xlsx", code=b.code, name=b.name)
    # the file itself was saved after the deadline: with 填报日期 typed wrong, that does not count either
    os.utime(inbox / "DX001.xlsx", (1_320_000_000, 1_320_000_000))  # 2011-10-30
    reg = with_today(registry(tmp_path), D(2026, 6, 1))
    batch = read_folder(inbox, reg, isolate=False)

    f = only(batch, "OUT_OF_RANGE")
    assert (f.file, f.sheet, f.cell, f.column, f.value, f.severity) == (
        "DX001.xlsx", "基本信息", FILLED_CELL, "填报日期", "2026-03-05", Severity.ERROR)
    assert "活动结束日期2012-06-30" in f.message and "请改正" in f.message
    assert "不用于判断是否逾期报送" in f.message
    assert not names(batch, "LATE_SUBMISSION")

    run = run_aggregate(inbox, reg, output=tmp_path / "汇总.xlsx")
    assert not [x for x in run.summary.findings if x.code is Code.LATE_SUBMISSION]
    assert report_context(run.path)["逾期报送"] == []
    assert "（逾期" not in headline(run.summary)[1]


def test_a_filled_date_after_today_or_before_the_campaign_is_a_slip(tmp_path):
    inbox = inbox_of(tmp_path)
    ahead = clean_data("DX001", "石门村党支部")
    ahead["基本信息"]["填报日期"] = D(2011, 7, 20)  # after the deadline, but also after "today"
    write_clean(inbox / "DX001.xlsx", ahead, code="DX001", name="石门村党支部")
    before = clean_data("DX002", "金龙村党支部")
    before["基本信息"]["填报日期"] = D(2001, 6, 28)  # 2011 typed as 2001
    write_clean(inbox / "DX002.xlsx", before, code="DX002", name="金龙村党支部")
    batch = read_folder(inbox, with_today(registry(tmp_path), D(2011, 7, 10)), isolate=False)
    slips = {f.file: f for f in batch.findings if f.code is Code.OUT_OF_RANGE}
    assert sorted(slips) == ["DX001.xlsx", "DX002.xlsx"]
    assert "今天2011-07-10" in slips["DX001.xlsx"].message
    assert "活动开始日期2010-05-01" in slips["DX002.xlsx"].message
    assert all(f.cell == FILLED_CELL for f in slips.values())
    assert not names(batch, "LATE_SUBMISSION")


def test_a_plausible_late_filled_date_is_still_late(tmp_path):
    inbox = inbox_of(tmp_path)
    late = clean_data("DX001", "石门村党支部")
    late["基本信息"]["填报日期"] = D(2011, 7, 20)
    write_clean(inbox / "DX001.xlsx", late, code="DX001", name="石门村党支部")
    batch = read_folder(inbox, with_today(registry(tmp_path), D(2011, 8, 1)), isolate=False)
    assert names(batch, "LATE_SUBMISSION") == ["DX001.xlsx"] and not names(batch, "OUT_OF_RANGE")


def test_today_is_the_clock_unless_given(tmp_path):
    inbox = inbox_of(tmp_path)
    ahead = clean_data("DX001", "石门村党支部")
    ahead["基本信息"]["填报日期"] = dt.date.today() + dt.timedelta(days=30)
    write_clean(inbox / "DX001.xlsx", ahead, code="DX001", name="石门村党支部")
    reg = registry(tmp_path, 活动结束日期=dt.date.today() + dt.timedelta(days=400))
    assert names(read_folder(inbox, reg, isolate=False), "OUT_OF_RANGE") == ["DX001.xlsx"]
