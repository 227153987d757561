"""Tests that kill the mutants a mutation run (mutmut) over the figure and rule code left alive: each
pins a behaviour the other tests passed over, with values worked out by hand from rows as a clerk
types them, never read back from the code."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from helpers import cell_of, clean_data, write_clean

import cxzy_xl
from cxzy_xl import schema
from cxzy_xl.aggregate import (
    DISPLAYS,
    FIGURE_BASE,
    LEFT_OUT_COLUMNS,
    Display,
    Submissions,
    branch_score,
    grade,
    late_count,
    shown,
    summarise,
)
from cxzy_xl.aggregate import show as show_as
from cxzy_xl.pipeline import read_folder, read_workbook
from cxzy_xl.schema import Open, Settings
from cxzy_xl.tallies import LATE_COUNT

D = dt.date


def read(path):
    return read_workbook(path, isolate=False)


def one(batch, code, sheet=None):
    found = [f for f in batch.findings if f.code.name == code and (sheet is None or f.sheet == sheet)]
    assert len(found) == 1, [(f.code.name, f.sheet, f.cell, f.message) for f in batch.findings]
    return found[0]


# --- shown / show: the one display of every figure ------------------------------------------------

def test_text_and_blanks_are_shown_as_they_are():
    assert shown("—", "综合得分") == "—"  # a text cell is shown as typed, never as a number
    assert shown("待核实", "等次") == "待核实"
    assert shown(None, "参学率") == ""
    assert shown(float("nan"), "参学率") == ""
    assert shown(pd.NA, "综合得分") == ""


def test_a_column_that_is_not_a_figure_shows_as_a_whole_number():
    # 党组织数 is a column of 分类汇总, not one of FIGURES: thousands separated, no decimals
    assert shown(1234, "党组织数") == "1,234"
    assert shown(2.5, "党组织数") == "3"  # half away from zero, as a spreadsheet shows it


def test_no_minus_sign_on_a_zero_and_minus_kept_elsewhere():
    assert shown(0, "党员数") == "0"
    assert shown(-0.04, "综合得分") == "0.0"  # rounds to zero: never "-0.0"
    assert shown(-0.0, "参学率") == "0.0%"
    assert shown(-1.25, "投入资金（万元）") == "-1.25"  # a fall from last quarter keeps its sign
    assert shown(-3, "党员数") == "-3"


def test_a_value_no_cell_can_show_is_blank():
    assert shown(float("inf"), "综合得分") == ""
    assert shown(float("-inf"), "投入资金（万元）") == ""


def test_ungrouped_displays_have_no_thousands_separator():
    assert show_as(1234.5, DISPLAYS["score"]) == "1234.5"
    assert show_as(12.345, DISPLAYS["pct"]) == "1234.5%"
    assert show_as(1234.5, Display(1, grouped=False)) == "1234.5"
    assert show_as(1234.5, Display(1)) == "1,234.5"


# --- the declared rules' findings carry the value of the cell they point at ------------------------

def test_date_order_finding_carries_the_late_date(tmp_path):
    data = clean_data()
    data["公开承诺"][0]["计划完成日期"] = D(2011, 5, 1)  # before 承诺日期 2011-05-20
    f = one(read(write_clean(tmp_path / "t.xlsx", data)), "INCONSISTENT")
    assert (f.cell, f.column, f.value) == ("G3", "计划完成日期", "2011-05-01")


def test_vote_sum_finding_carries_the_number_of_voters(tmp_path):
    data = clean_data()
    data["考核测评"]["满意票"] = 48  # 48 + 6 + 2 = 56 > 50
    f = one(read(write_clean(tmp_path / "t.xlsx", data)), "INCONSISTENT")
    assert (f.cell, f.column, f.value) == (cell_of("考核测评", "民主测评参评人数"), "民主测评参评人数", "50")


# --- Open.rows: a boolean Series, whatever the column holds ---------------------------------------

def test_open_rows_by_status_is_a_boolean_mask():
    df = pd.DataFrame({"完成情况": pd.Series(["未开始", "已完成", None, "推进中"], dtype="string")})
    rows = Open("完成情况", ("未开始", "推进中")).rows(df)
    assert rows.dtype == bool
    assert list(rows) == [True, False, False, True]
    assert list(df[rows].index) == [0, 3]


def test_open_rows_by_blank_date_is_a_boolean_mask():
    # a result's detail rows: text, blanks as "" (or spaces), dates as dates
    df = pd.DataFrame({"办结日期": ["", D(2011, 5, 25), "  ", None]})
    rows = schema.OPEN["民情台账"].rows(df)
    assert rows.dtype == bool
    assert list(rows) == [True, False, True, True]


def test_not_more_than_finding_carries_the_part(tmp_path):
    data = clean_data()
    data["活动记录"][1]["实际参加人数"] = 5  # 5 attended of 3 expected
    f = one(read(write_clean(tmp_path / "t.xlsx", data)), "INCONSISTENT")
    assert (f.cell, f.column, f.value) == ("F4", "实际参加人数", "5")


# --- a form's error leaves that form's figures out ----------------------------------------------

def test_votes_that_add_up_to_more_than_the_voters_leave_the_rate_out(tmp_path):
    # 考核测评 is a form: its findings carry a row too, and must still leave the form's fields out
    data = clean_data()
    data["考核测评"]["满意票"] = 48  # 48 + 6 + 2 = 56 votes from 50 voters: INCONSISTENT, an error
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_clean(inbox / "t.xlsx", data)
    row = cxzy_xl.aggregate(read_folder(inbox, isolate=False)).by_branch.iloc[0]
    assert pd.isna(row["测评满意率"])  # not 54 / 50 = 108 %
    assert row["五个好得分"] == 87  # 18 + 17 + 18 + 16 + 18, untouched by the votes
    assert row["待核实项目"] == "测评满意率、综合得分"
    assert row["等次"] == schema.UNVERIFIED
    assert pd.isna(row["排名"])


# --- 综合得分 from its parts ------------------------------------------------------------------------

def _base(**kw):
    # 五个好 87 of one form; 承诺 2 of 7 kept; 参学 5 of 6 attended; 民情 1 of 2 closed; votes 48 of 50;
    # required cells 10 of 10
    values = {"五个好得分合计": 87.0, "五个好得分支部数": 1, "已兑现承诺数": 2, "承诺数": 7, "实际参加人次": 5,
              "应参加人次": 6, "已办结件数": 1, "民情件数": 2, "满意及基本满意票": 48, "测评参评人数": 50,
              "已填必填项数": 10, "必填项数": 10}
    values.update(kw)
    return pd.Series(values)


def test_the_score_is_rounded_to_six_decimals():
    # 40×87 + 15×(200/7) + 15×(500/6) + 10×50 + 10×96 + 10×100 = 7618.5714285…, over 100
    assert branch_score(_base(), Settings()) == 76.185714


def test_a_part_without_a_weight_in_the_settings_weighs_nothing():
    # a notebook's Settings naming two weights: the other parts count 0, the two are rescaled
    s = Settings(weights={"五个好得分": 1.0, "参学率": 1.0})
    assert branch_score(_base(), s) == 85.166667  # (87 + 83.333…) / 2


# --- 等次 from 综合得分 ------------------------------------------------------------------------------

def test_no_score_no_grade():
    # a branch with no 综合得分 (nothing to weigh) is not 较差: it has no 等次
    assert grade(None, Settings()) == ""
    assert grade(float("nan"), Settings()) == ""
    assert grade(pd.NA, Settings()) == ""


def test_a_score_on_a_threshold_reaches_that_grade():
    s = Settings()  # 好 ≥ 90, 较好 ≥ 80, 一般 ≥ 60, else 较差
    assert [grade(x, s) for x in (90, 89.9, 80, 79.9, 60, 59.9, 0)] == ["好", "较好", "较好", "一般", "一般", "较差", "较差"]
    assert grade(90 - 1e-9, s) == "好"  # 90 but for the last bits of a double: shown as 90.0, graded 好


# --- 报送情况: 逾期 from 数据's per-branch counts --------------------------------------------------

def test_late_branches_are_counted_from_the_data_rows():
    base = pd.DataFrame({LATE_COUNT: [1, 0, 1, 0]})  # four branches, two late
    assert late_count(base) == 2
    assert late_count(pd.DataFrame({"党员数": [3, 5]})) == 0  # a result written before 逾期报送数
    sent = Submissions(expected=5, reported=4, missing=1, late=late_count(base))
    assert (sent.on_time, sent.on_time_rate) == (2, 0.4)


# --- 排名: ties share the best place; a 待核实 score is not ranked -----------------------------------

def test_equal_scores_share_a_rank_and_an_unverified_score_is_not_ranked(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    same = (("T001", "石门村党支部"), ("T002", "光明村党支部"), ("T003", "红星村党支部"))
    for code, name in same:  # the same figures: the same score, three-way tie for first place
        write_clean(inbox / f"{code}.xlsx", clean_data(code, name), code, name)
    low = clean_data("T004", "新桥村党支部")
    low["考核测评"]["领导班子好"] = 10  # 五个好 79 instead of 87: a lower score
    write_clean(inbox / "T004.xlsx", low, "T004", "新桥村党支部")
    slip = clean_data("T005", "河口村党支部")
    slip["考核测评"]["满意票"] = 48  # 56 votes from 50 voters: 测评满意率 left out, 综合得分 待核实
    write_clean(inbox / "T005.xlsx", slip, "T005", "河口村党支部")
    summary = cxzy_xl.aggregate(read_folder(inbox, isolate=False))
    assert summary.by_type["党组织类型"].tolist() == ["村", "合计"]
    assert summary.by_type.index.tolist() == [0, 1]  # 合计 is row 1, not a second row 0
    rows = summary.by_branch.set_index("党组织编码")
    assert str(rows["排名"].dtype) == "Int64"  # a place is a whole number
    assert rows["排名"].tolist()[:4] == [1, 1, 1, 4]  # ties share the best place; the next is fourth
    assert pd.isna(rows.loc["T005", "排名"])
    assert rows.loc["T004", "综合得分"] < rows.loc["T001", "综合得分"] == rows.loc["T003", "综合得分"]
    assert rows.loc["T005", "等次"] == schema.UNVERIFIED


def test_a_branch_without_a_score_has_no_grade_even_with_inputs_left_out():
    # every part's denominator 0 (nothing to score), and the votes of its form left out: no 综合得分,
    # so no 等次 at all (blank), not 待核实
    base = pd.DataFrame([{c: 0 for c in (*FIGURE_BASE, *LEFT_OUT_COLUMNS)}])
    base["测评待核实数"] = 1
    base[["党组织编码", "党组织名称", "党组织类型"]] = ["T001", "石门村党支部", "村"]
    row = summarise(base, Settings())[0].iloc[0]
    assert pd.isna(row["综合得分"]) and pd.isna(row["排名"])
    assert row["待核实项目"] == "测评满意率、综合得分"
    assert row["等次"] == ""
