"""Figures an official can sign (contract 1.2): invalid input never reaches a figure. A form or row with
an error on one of a figure's declared inputs (schema.FIGURE_INPUTS) is left out of that figure only;
the figure shows what the valid inputs give, marked 待核实 in 支部汇总; a 综合得分 with a part left out
is shown but not ranked; 数据 says how much was left out, so a roll-up recomputes the same."""

from __future__ import annotations

import copy

import openpyxl
import pandas as pd
import pytest
from helpers import clean_data, write_clean

from cxzy_xl import schema
from cxzy_xl.aggregate import aggregate, shown
from cxzy_xl.findings import Code
from cxzy_xl.output import write_result
from cxzy_xl.pipeline import read_folder
from cxzy_xl.resultbook import read_result
from cxzy_xl.rollup import rollup


def _votes_too_many():
    """The slip of the issue: 满意18 + 基本满意3 + 不满意1 = 22 votes from 20 voters."""
    data = clean_data("T001", "石门村党支部")
    data["考核测评"].update({"民主测评参评人数": 20, "满意票": 18, "基本满意票": 3, "不满意票": 1})
    return data


@pytest.fixture(scope="module")
def township(tmp_path_factory):
    root = tmp_path_factory.mktemp("signable")
    inbox = root / "收件箱"
    inbox.mkdir()
    write_clean(inbox / "T001.xlsx", _votes_too_many(), "T001", "石门村党支部")
    other = clean_data("T002", "金龙村党支部")
    other["考核测评"].update({"民主测评参评人数": 40, "满意票": 30, "基本满意票": 6, "不满意票": 4})
    write_clean(inbox / "T002.xlsx", other, "T002", "金龙村党支部")
    batch = read_folder(inbox, isolate=False)
    summary = aggregate(batch)
    return batch, summary, write_result(summary, root / "result.xlsx")


def test_the_checks_find_the_slip(township):
    batch, _, _ = township
    [f] = [f for f in batch.findings if f.code is Code.INCONSISTENT]
    assert f.sheet == "考核测评" and f.column == "民主测评参评人数" and f.branch_code == "T001"


def test_an_impossible_rate_is_never_published(township):
    _, s, _ = township
    rows = s.by_branch.set_index(schema.CODE_COL)
    assert pd.isna(rows.loc["T001", "测评满意率"])  # its only vote count is in doubt: no rate, not 105 %
    assert (s.by_branch[["承诺兑现率", "参学率", "办结率", "测评满意率", "填报完整率"]].astype("float64").fillna(0) <= 1).all().all()
    # the township's rate is the other branch's alone: 36 of 40, not (21 + 36) / 60
    assert s.total.iloc[0]["测评满意率"] == pytest.approx(36 / 40)


def test_the_branch_is_shown_but_not_ranked(township):
    _, s, _ = township
    rows = s.by_branch.set_index(schema.CODE_COL)
    assert "测评满意率" in rows.loc["T001", "待核实项目"] and "综合得分" in rows.loc["T001", "待核实项目"]
    assert rows.loc["T001", "综合得分"] == rows.loc["T001", "综合得分"]  # shown, from the other parts
    assert str(rows.loc["T001", "排名"]) == "<NA>" and rows.loc["T001", "等次"] == "待核实"
    assert rows.loc["T002", "排名"] == 1 and rows.loc["T002", "待核实项目"] == ""


def test_data_says_what_was_left_out_and_a_rollup_recomputes_the_same(township, tmp_path):
    _, s, path = township
    child = read_result(path)
    assert child.base.set_index(schema.CODE_COL).loc["T001", "测评待核实数"] == 1
    assert not [f for f in child.findings if f.code is Code.RESULT_EDITED]
    up = rollup([path], unit="县", isolate=False)
    assert up.total.iloc[0]["测评满意率"] == s.total.iloc[0]["测评满意率"]
    assert int(up.base["测评待核实数"].sum()) == 1


def test_the_printed_cell_is_marked_with_its_reason(township):
    _, s, path = township
    ws = openpyxl.load_workbook(path)["支部汇总"]
    header = [c.value for c in ws[2]]
    row = next(r for r in ws.iter_rows(min_row=3) if r[0].value == "T001")
    cell = row[header.index("测评满意率")]
    assert cell.fill.fgColor.rgb.endswith("FCE4D6")
    assert cell.comment is not None and "考核测评!" in cell.comment.text and "待核实" in cell.comment.text
    assert row[header.index("排名")].value == "待核实" and row[header.index("等次")].value == "待核实"
    link = row[header.index("待核实项目")]
    assert link.hyperlink is not None and "问题清单" in (link.hyperlink.location or link.hyperlink.target or "")


def test_only_that_figure_is_left_out(township):
    _, s, _ = township
    rows = s.by_branch.set_index(schema.CODE_COL)
    # the branch's other figures are whole: 3 members, 2 commitments, 1 done
    assert (rows.loc["T001", "党员数"], rows.loc["T001", "承诺数"], rows.loc["T001", "已兑现承诺数"]) == (3, 2, 1)


def test_one_display_per_figure():
    assert shown(89.65, "综合得分") == "89.7"  # as a spreadsheet shows 89.65 with 0.0, not Python's 89.6
    assert shown(0.96774, "承诺兑现率") == "96.8%"
    assert shown(353, "学时合计") == "353" and shown(374.5, "学时合计") == "374.5"  # 学时: decimals only when needed
    assert shown(1066.2, "投入资金（万元）") == "1,066.20"
    assert shown(None, "综合得分") == ""


def test_a_row_with_an_error_leaves_its_rate_but_not_the_count(tmp_path):
    data = copy.deepcopy(clean_data())
    data["活动记录"][1].update({"应参加人数": 3, "实际参加人数": 5})  # 5 of 3 came: INCONSISTENT
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_clean(inbox / "T001.xlsx", data)
    s = aggregate(read_folder(inbox, isolate=False))
    row = s.by_branch.iloc[0]
    assert row["活动次数"] == 2 and row["参学率"] == pytest.approx(1.0)  # only the first activity: 3 of 3
    assert "参学率" in row["待核实项目"] and "活动次数" not in row["待核实项目"]


def test_the_console_says_which_branches_are_unverified(township):
    from cxzy_xl.pipeline import headline

    _, s, _ = township
    [line] = [x for x in headline(s) if "待核实" in x]
    assert "1 个党支部" in line and "石门村党支部" in line and "暂不排名" in line
