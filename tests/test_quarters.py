"""Quarter after quarter: two quarters built here, the second from the first with changes, and what the
second quarter's check and result say about the first (TEMPLATE-SPEC contract 1.1)."""

from __future__ import annotations

import copy
import datetime as dt
import math
import random
import shutil
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from helpers import add_next_quarter_activities, write_quarter

from cxzy_xl.aggregate import aggregate
from cxzy_xl.cli import main
from cxzy_xl.demo import branch_data
from cxzy_xl.detailbook import write_results
from cxzy_xl.findings import Code
from cxzy_xl.output import write_result
from cxzy_xl.pipeline import read_folder
from cxzy_xl.rollup import rollup
from cxzy_xl.schema import Branch

TOWN = "青山镇党委"
GROUPS = {"QS001": ("第一督导组", "李明"), "QS002": ("第一督导组", "李明"), "QS003": ("第一督导组", "李明"),
          "QS004": ("第二督导组", "张华"), "QS005": ("第二督导组", "张华")}
GONE_PROMISE = "修缮村小学围墙"
GONE_CONCERN = "青山组饮水管道破裂"
GONE_MEMBER = "欧阳明远"
LEFT_MEMBER_NOTE = "2011年8月转出"


def town_branches(prefix: str, committee: str, n: int, groups: bool) -> list[Branch]:
    out = []
    for i in range(1, n + 1):
        code = f"{prefix}{i:03d}"
        group, leader = GROUPS.get(code, ("", "")) if groups else ("", "")
        out.append(Branch(code, f"{committee.removesuffix('党委')}{i}村党支部", "村", committee, f"书记{i}",
                          "13800000000", group=group, leader=leader))
    return out


def quarter_two(branches: list[Branch], committee: str, seed: int) -> dict[str, dict]:
    rng = random.Random(seed)
    data = {b.code: branch_data(b, rng, members_n=8, committee=committee) for b in branches}
    first = data[branches[0].code]
    # one open commitment, one open concern and one member that quarter three will lose, all unmistakable
    promise = first["公开承诺"][-1]
    promise.update({"承诺主体": "党员", "承诺人": first["党员名册"][0]["姓名"], "承诺内容": GONE_PROMISE,
                    "完成情况": "推进中", "实际完成日期": None, "群众评价": None,
                    "计划完成日期": dt.date(2011, 12, 31)})
    concern = first["民情台账"][-1]
    concern.update({"反映问题": GONE_CONCERN, "办结日期": None, "办理结果": None, "群众满意度": None,
                    "办结时限": dt.date(2011, 12, 30)})
    first["党员名册"][-1]["姓名"] = GONE_MEMBER
    return data


def quarter_three(q2: dict[str, dict], codes: list[str]) -> dict[str, dict]:
    q3 = add_next_quarter_activities(copy.deepcopy(q2))
    for d in q3.values():
        d["基本信息"]["报告期"] = "2011年第三季度"
        d["基本信息"]["填报日期"] = dt.date(2011, 9, 28)
    first = q3[codes[0]]
    first["公开承诺"] = [c for c in first["公开承诺"] if c["承诺内容"] != GONE_PROMISE]
    first["民情台账"] = [c for c in first["民情台账"] if c["反映问题"] != GONE_CONCERN]
    first["党员名册"] = [m for m in first["党员名册"] if m["姓名"] != GONE_MEMBER]
    first["党员名册"][1]["备注"] = LEFT_MEMBER_NOTE  # left, and said so: neither missing nor counted
    q3[codes[1]]["基本信息"]["填报日期"] = dt.date(2011, 10, 9)  # after the deadline
    q3[codes[2]]["考核测评"].update({k: 20 for k in ("领导班子好", "党员队伍好", "工作机制好", "工作业绩好", "群众反映好")})
    return q3


@pytest.fixture(scope="module")
def town(tmp_path_factory):
    root = tmp_path_factory.mktemp("quarters")
    branches = town_branches("QS", TOWN, 5, groups=True)
    codes = [b.code for b in branches]
    q2 = quarter_two(branches, TOWN, 11)
    in2, reg2 = write_quarter(root / "q2", branches, q2, TOWN, "2011年第二季度", dt.date(2011, 7, 5))
    r2 = write_results(aggregate(read_folder(in2, reg2)), root / "q2.xlsx")  # the 汇总表 and its 明细表
    q3 = quarter_three(q2, codes)
    in3, reg3 = write_quarter(root / "q3", branches, q3, TOWN, "2011年第三季度", dt.date(2011, 10, 5), skip=("QS005",))
    batch = read_folder(in3, reg3, previous=[r2.result])
    summary = aggregate(batch)
    r3 = write_result(summary, root / "q3.xlsx")
    return {"root": root, "branches": branches, "q2": q2, "q3": q3, "in3": in3, "reg3": reg3, "r2": r2.result,
            "d2": r2.detail.path, "r3": r3,
            "batch": batch, "summary": summary}


def table(path: Path, sheet: str, header_row: int = 2) -> list[dict]:
    ws = openpyxl.load_workbook(path, data_only=True)[sheet]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[header_row - 1]
    return [dict(zip(header, r, strict=False)) for r in rows[header_row:] if any(v is not None for v in r)]


def of(findings, code):
    return [f for f in findings if f.code is code]


# --- what vanished -------------------------------------------------------------------------------

def test_a_vanished_commitment_concern_and_member_are_each_one_warning_at_their_cell(town):
    found = town["batch"].findings
    promise, concern, member = (of(found, c) for c in (Code.COMMITMENT_VANISHED, Code.CONCERN_VANISHED, Code.MEMBER_GONE))
    assert [f.branch_code for f in promise + concern + member] == ["QS001"] * 3
    q3 = town["q3"]["QS001"]
    # the key column where the row belongs again: just below this quarter's rows (header in row 2)
    assert (promise[0].sheet, promise[0].cell) == ("公开承诺", f"C{3 + len(q3['公开承诺'])}")
    assert (concern[0].sheet, concern[0].cell) == ("民情台账", f"D{3 + len(q3['民情台账'])}")
    assert (member[0].sheet, member[0].cell) == ("党员名册", f"B{3 + len(q3['党员名册'])}")
    assert all(f.severity.value == "warning" for f in promise + concern + member)
    # which row of last quarter is meant: its row in last quarter's 明细表 (the 汇总表 keeps the open rows
    # hidden, with that number) and its content
    rows = table(town["d2"], "公开承诺", header_row=1)
    at = next(i for i, r in enumerate(rows, start=2) if r["承诺内容"] == GONE_PROMISE)
    assert f"明细表“公开承诺”第{at}行" in promise[0].message and GONE_PROMISE in promise[0].message
    assert "2011年第二季度" in promise[0].message and "完成情况" in promise[0].message
    assert GONE_CONCERN in concern[0].message and "办结日期" in concern[0].message
    assert GONE_MEMBER in member[0].message and "备注" in member[0].message


def test_a_member_who_left_with_a_note_is_neither_missing_nor_counted(town):
    left = town["q3"]["QS001"]["党员名册"][1]["姓名"]
    assert not any(left in f.message for f in of(town["batch"].findings, Code.MEMBER_GONE))
    row = town["summary"].by_branch.set_index("党组织编码").loc["QS001"]
    assert int(row["党员数"]) == len(town["q3"]["QS001"]["党员名册"]) - 1


def test_nothing_vanishes_without_an_earlier_result_or_for_a_branch_that_did_not_report(town):
    plain = read_folder(town["in3"], town["reg3"])
    vanish = (Code.COMMITMENT_VANISHED, Code.CONCERN_VANISHED, Code.MEMBER_GONE)
    assert not [f for f in plain.findings if f.code in vanish]
    assert not [f for f in town["batch"].findings if f.code in vanish and f.branch_code == "QS005"]


# --- the deadline --------------------------------------------------------------------------------

def test_a_late_submission_is_a_warning_at_its_filling_date(town):
    late = of(town["batch"].findings, Code.LATE_SUBMISSION)
    assert [(f.branch_code, f.sheet, f.cell) for f in late] == [("QS002", "基本信息", "B10")]
    assert "2011-10-09" in late[0].message and "2011-10-05" in late[0].message


def test_submission_status_in_the_branch_table_and_the_overview(town):
    rows = {r["党组织编码"]: r for r in table(town["r3"], "支部汇总") if r["党组织编码"] != "合计"}
    assert {c: r["报送情况"] for c, r in rows.items()} == {"QS001": "按时", "QS002": "逾期", "QS003": "按时",
                                                          "QS004": "按时"}
    ws = openpyxl.load_workbook(town["r3"], data_only=True)["总览"]
    cards = {}
    for row in ws.iter_rows(min_row=1, max_row=14, max_col=7, values_only=True):
        for name, value in zip(row[1::2], row[2::2], strict=False):
            if isinstance(name, str):
                cards[name] = value
    assert (cards["按时（个）"], cards["逾期（个）"], cards["未报（个）"]) == (3, 1, 1)
    assert cards["按时报送率"] == pytest.approx(3 / 5)


# --- beside last quarter -------------------------------------------------------------------------

def test_last_quarters_score_rank_and_movement_come_from_the_first_quarters_result(town):
    before = {r["党组织编码"]: r for r in table(town["r2"], "支部汇总") if r["党组织编码"] != "合计"}
    now = [r for r in table(town["r3"], "支部汇总") if r["党组织编码"] != "合计"]
    assert len(now) == 4
    for r in now:
        was = before[r["党组织编码"]]
        assert r["上期综合得分"] == pytest.approx(was["综合得分"], rel=1e-12)
        assert r["上期排名"] == was["排名"]
        assert r["排名变化"] == was["排名"] - r["排名"]
    # QS003 scored full marks this quarter: it cannot have moved down
    assert next(r for r in now if r["党组织编码"] == "QS003")["排名变化"] >= 0


def test_the_overview_shows_each_headline_figure_beside_last_quarters(town):
    ws = openpyxl.load_workbook(town["r3"], data_only=True)["总览"]
    rows = list(ws.iter_rows(max_col=6, values_only=True))
    start = next(i for i, r in enumerate(rows) if isinstance(r[0], str) and r[0].startswith("与上期比较"))
    block = {r[1]: r for r in rows[start + 2:] if r[1]}
    before = table(town["r2"], "支部汇总")[-1]  # the 合计 row of the first quarter
    now = table(town["r3"], "支部汇总")[-1]
    assert block["党员（人）"][2:5] == (now["党员数"], before["党员数"], now["党员数"] - before["党员数"])
    assert block["兑现率"][3] == pytest.approx(before["承诺兑现率"])
    # the change of the rates as shown (0.0%), so that a reader's own subtraction agrees
    shown = [Decimal(repr(x * 100)).quantize(Decimal("0.1"), ROUND_HALF_UP) for x in (now["承诺兑现率"], before["承诺兑现率"])]
    assert block["兑现率"][4] == pytest.approx(float(shown[0] - shown[1]))


def test_a_chart_of_this_quarter_against_last_and_a_trend_over_every_earlier_result(town, tmp_path):
    def charts(path: Path) -> str:
        with zipfile.ZipFile(path) as z:
            return "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/charts/chart"))

    assert "本期与上期" in charts(town["r3"])
    # a first quarter too: made from quarter two's files re-labelled 2011Q1
    root = tmp_path
    q1 = copy.deepcopy(town["q2"])
    for d in q1.values():
        d["基本信息"].update({"报告期": "2011年第一季度", "填报日期": dt.date(2011, 3, 28)})
    in1, reg1 = write_quarter(root / "q1", town["branches"], q1, TOWN, "2011年第一季度", dt.date(2011, 4, 5))
    r1 = write_result(aggregate(read_folder(in1, reg1)), root / "q1.xlsx")
    s3 = aggregate(read_folder(town["in3"], town["reg3"], previous=[town["r2"], r1]))  # any order
    assert [p.period for p in s3.previous] == ["2011Q1", "2011Q2"]
    r3 = write_result(s3, root / "q3.xlsx")
    text = charts(r3)
    assert "主要指标变化趋势（2011年第一季度至2011年第三季度）" in text


def test_an_earlier_result_of_the_same_or_a_later_period_is_refused(town, tmp_path):
    runner = CliRunner()
    out = tmp_path / "out.xlsx"
    args = ["aggregate", str(town["in3"]), "--registry", str(town["reg3"]), "-o", str(out), "-q"]
    result = runner.invoke(main, [*args, "--previous", str(town["r3"])])
    assert result.exit_code == 2 and "不早于本期" in result.output and not out.exists()
    result = runner.invoke(main, [*args[:-3], "-o", str(town["r2"]), "-q", "--previous", str(town["r2"])])
    assert result.exit_code == 2 and "上期汇总表" in result.output
    result = runner.invoke(main, [*args, "--previous", str(town["r2"])])
    assert result.exit_code == 1, result.output  # the planted problems are errors; the result is written
    assert out.exists() and "与上期（2011年第二季度）比" in result.output


# --- supervision groups --------------------------------------------------------------------------

def test_the_group_sheet_pools_its_branches(town):
    branches = {r["党组织编码"]: r for r in table(town["r3"], "支部汇总") if r["党组织编码"] != "合计"}
    groups = {r["督导组"]: r for r in table(town["r3"], "督导组汇总")}
    assert list(groups) == ["第一督导组", "第二督导组"]
    one, two = groups["第一督导组"], groups["第二督导组"]
    assert (one["联系领导"], one["联系支部数"], one["已报"], one["按时报送"], one["逾期报送"], one["未报"]) == \
        ("李明", 3, 3, 2, 1, 0)
    assert (two["联系领导"], two["联系支部数"], two["已报"], two["未报"]) == ("张华", 2, 1, 1)
    mine = [branches[c] for c in ("QS001", "QS002", "QS003")]
    done = sum(r["已兑现承诺数"] for r in mine)
    made = sum(r["承诺数"] for r in mine)
    assert one["承诺兑现率"] == pytest.approx(done / made)
    assert one["综合得分"] == pytest.approx(sum(r["综合得分"] for r in mine) / 3)
    assert one["错误数"] == sum(r["错误数"] for r in mine)
    assert one["联系支部"] == "青山镇1村党支部、青山镇2村党支部、青山镇3村党支部"


def test_check_by_group_writes_one_problem_list_per_group(town, tmp_path):
    out = tmp_path / "督导组"
    result = CliRunner().invoke(main, ["check", str(town["in3"]), "--registry", str(town["reg3"]), "--previous",
                                       str(town["r2"]), "--by-group", str(out), "-q"])
    assert result.exit_code in (0, 1), result.output
    files = sorted(p.name for p in out.iterdir())
    assert files == ["第一督导组问题清单_2011年第三季度.xlsx", "第二督导组问题清单_2011年第三季度.xlsx"]
    for name, codes in (("第一督导组", {"QS001", "QS002", "QS003"}), ("第二督导组", {"QS004", "QS005"})):
        rows = table(out / f"{name}问题清单_2011年第三季度.xlsx", "问题清单", header_row=1)
        assert rows and {r["党组织编码"] for r in rows} <= codes
    two = table(out / "第二督导组问题清单_2011年第三季度.xlsx", "问题清单", header_row=1)
    assert any(r["代码"] == "MISSING_SUBMISSION" and r["党组织编码"] == "QS005" for r in two)
    one = table(out / "第一督导组问题清单_2011年第三季度.xlsx", "问题清单", header_row=1)
    assert {"COMMITMENT_VANISHED", "LATE_SUBMISSION"} <= {r["代码"] for r in one}


def test_by_group_without_groups_in_the_registry_is_refused(tmp_path):
    branches = town_branches("QT", "石桥镇党委", 2, groups=False)
    inbox, reg = write_quarter(tmp_path, branches, {}, "石桥镇党委", "2011年第二季度", dt.date(2011, 7, 5),
                               skip=("QT001", "QT002"))
    result = CliRunner().invoke(main, ["check", str(inbox), "--registry", str(reg), "--by-group", str(tmp_path / "g")])
    assert result.exit_code == 2 and "督导组" in result.output and not (tmp_path / "g").exists()


# --- a county over two quarters ------------------------------------------------------------------

def test_a_county_roll_up_with_its_previous_result_equals_all_branches_at_once(town, tmp_path):
    other = "石桥镇党委"
    branches = town_branches("SQ", other, 3, groups=False)
    q2 = quarter_two(branches, other, 23)
    in2, reg2 = write_quarter(tmp_path / "s2", branches, q2, other, "2011年第二季度", dt.date(2011, 7, 5))
    s2 = write_result(aggregate(read_folder(in2, reg2)), tmp_path / "s2.xlsx")
    q3 = quarter_three(q2, [b.code for b in branches])
    in3, reg3 = write_quarter(tmp_path / "s3", branches, q3, other, "2011年第三季度", dt.date(2011, 10, 5))
    s3 = write_result(aggregate(read_folder(in3, reg3, previous=[s2])), tmp_path / "s3.xlsx")

    county2 = write_result(rollup([town["r2"], s2], unit="新邵县委组织部"), tmp_path / "c2.xlsx")
    county3 = rollup([town["r3"], s3], unit="新邵县委组织部", previous=[county2])
    before = {r["单位名称"]: r for r in table(county2, "下级汇总") if r["单位名称"] != "合计"}
    units = county3.by_unit.set_index("单位名称")
    ranks = units["综合得分"].rank(ascending=False, method="min")
    for unit, was in before.items():
        assert units.loc[unit, "上期综合得分"] == pytest.approx(was["综合得分"], rel=1e-12)
        assert units.loc[unit, "排名"] == ranks[unit]
        assert units.loc[unit, "上期排名"] == int(pd_rank(before)[unit])
        assert units.loc[unit, "排名变化"] == units.loc[unit, "上期排名"] - units.loc[unit, "排名"]
    # the county's figures are those of all the branches read at once
    everything = tmp_path / "all"
    for i, folder in enumerate((town["in3"], in3)):
        shutil.copytree(folder, everything / str(i))
    at_once = aggregate(read_folder(everything)).total.iloc[0]
    total = county3.total.iloc[0]
    for name in ("党员数", "承诺数", "已兑现承诺数", "民情件数", "实际参加人次", "示范岗数"):
        assert int(total[name]) == int(at_once[name]), name
    for name in ("承诺兑现率", "参学率", "办结率", "投入资金（万元）"):
        assert math.isclose(float(total[name]), float(at_once[name]), rel_tol=1e-12), name
    path = write_result(county3, tmp_path / "c3.xlsx")
    rows = [r for r in table(path, "下级汇总") if r["单位名称"] != "合计"]
    assert {r["单位名称"]: r["上期排名"] for r in rows} == {u: int(pd_rank(before)[u]) for u in before}


def pd_rank(rows: dict[str, dict]) -> dict[str, int]:
    """Rank by 综合得分, best first, ties sharing the better rank (as the result ranks)."""
    scores = {u: r["综合得分"] for u, r in rows.items()}
    return {u: 1 + sum(1 for v in scores.values() if v > s) for u, s in scores.items()}


def test_an_earlier_result_whose_detail_header_was_edited_is_compared_on_the_rest(town, tmp_path):
    wb = openpyxl.load_workbook(town["r2"])
    wb["_公开承诺"].protection.sheet = False
    wb["_公开承诺"]["A1"] = None  # 党组织编码's header gone: whose rows are whose can no longer be told
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    batch = read_folder(town["in3"], town["reg3"], previous=[edited])
    skipped = [f for f in of(batch.findings, Code.SKIPPED) if f.file == "edited.xlsx"]
    assert [(f.sheet, f.severity.value) for f in skipped] == [("公开承诺", "info")]
    assert "未与上期比对" in skipped[0].message
    assert not of(batch.findings, Code.COMMITMENT_VANISHED)
    assert len(of(batch.findings, Code.CONCERN_VANISHED)) == len(of(batch.findings, Code.MEMBER_GONE)) == 1
