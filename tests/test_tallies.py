"""分项统计: the counts the seeds quote, checked against a small batch counted by hand, the award cube
summing to its rows over the demo, a roll-up equal to aggregating all branches at once, an older
result without the counts still rolling up, and the 分项统计 sheet."""

import dataclasses
import datetime as dt
import importlib
from dataclasses import replace
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from helpers import clean_data, two_townships, write_clean

from cxzy_xl.aggregate import FIGURE_BASE, LEFT_OUT_COLUMNS, aggregate, summarise
from cxzy_xl.demo import make_demo
from cxzy_xl.findings import Code
from cxzy_xl.history import compared
from cxzy_xl.normalize import id_check_digit
from cxzy_xl.output import write_result
from cxzy_xl.pipeline import read_folder
from cxzy_xl.resultbook import read_result
from cxzy_xl.rollup import rollup
from cxzy_xl.schema import Branch
from cxzy_xl.tallies import TALLIES, TALLY_COLUMNS, tally_base, tally_table, tally_totals
from cxzy_xl.templates import write_registry

D = dt.date
FIXED = dt.datetime(2011, 7, 6, 9, 0)
OLD_RESULT = Path(__file__).parent / "data" / "resaved" / "result.xlsx"  # written before the tallies


def _id(born: str, seq: str) -> str:
    first = "430522" + born + seq
    return first + id_check_digit(first)


def _member(n, name, sex, born=None, rating=None, school=None, **more):
    return {"序号": n, "姓名": name, "性别": sex, "出生日期": born, "入党日期": D(2000, 7, 1), "党员类别": "正式党员",
            "民主评议等次": rating, "学历": school, **more}


def _promise(n, who, kind, by="党员"):
    return {"序号": n, "承诺主体": by, "承诺人": who, "承诺类别": kind, "承诺内容": "为群众办一件实事",
            "承诺日期": D(2011, 5, 20), "计划完成日期": D(2011, 12, 31), "完成情况": "推进中"}


def _post(n, who):
    return {"序号": n, "岗位类型": "致富带富示范岗", "认领党员": who, "认领日期": D(2011, 5, 20)}


def _award(n, kind, who, level, result):
    return {"序号": n, "表彰类别": kind, "对象名称": who, "推荐级别": level, "评选结果": result}


def branch_a():
    """石门村: eight roster rows, one of them a member who died (not counted), one with only an ID number."""
    d = clean_data("T001", "石门村党支部")
    d["基本信息"].update({"特色党支部类型": "致富型", "是否成立领导小组": "是", "是否制定实施方案": "是",
                      "动员大会日期": D(2011, 5, 10), "填报日期": D(2011, 6, 28), "党员总数": 7, "正式党员数": 6,
                      "预备党员数": 1, "流动党员数": 1})
    d["党员名册"] = [
        _member(1, "王建国", "男", D(1968, 3, 12), "优秀", "高中"),  # 43
        _member(2, "李红", "女", D(1975, 9, 1), "合格", "大学本科"),  # 35: birthday not yet reached
        _member(3, "赵强", "男", None, "合格", None, 党员类别="预备党员", 入党日期=D(2011, 1, 1)),  # no age
        _member(4, "孙丽", "女", D(1981, 6, 30), "基本合格", "大学专科"),  # 30 on the period's last day
        _member(5, "周伟", "男", D(1955, 7, 1), "合格", "初中"),  # 55: 56 the day after
        _member(6, "吴刚", "男", None, None, "小学及以下", 身份证号=_id("19510115", "011")),  # 60, from the ID
        _member(7, "郑老", "男", D(1940, 2, 2), "合格", "初中", 是否流动党员="是", 备注="2011年5月去世"),
        _member(8, "钱多", "女", D(1949, 12, 31), "合格", "中专", 是否流动党员="是"),  # 61
    ]
    d["公开承诺"] = [
        _promise(1, "李红", "带头服务群众"),
        _promise(2, "石门村党支部", "带头争创佳绩", by="党组织"),
        _promise(3, "李红", "带头学习提高"),  # 李红 again: one member
        _promise(4, "王建国", "带头遵纪守法"),
        _promise(5, "郑老", "带头弘扬正气"),  # died: not a current member
        _promise(6, "外人", "带头弘扬正气"),  # not in the roster
    ]
    d["示范岗"] = [_post(1, "王建国"), _post(2, "孙丽"), _post(3, "孙丽"), _post(4, "外人")]
    d["评选表彰"] = [
        _award(1, "先进基层党组织", "石门村党支部", "县", "已获评"),
        _award(2, "优秀共产党员", "王建国", "县", "已获评"),
        _award(3, "优秀共产党员", "李红", "乡镇", "推荐中"),
        _award(4, "优秀党务工作者", "孙丽", None, "已获评"),
        _award(5, "优秀共产党员", "周伟", "镇", None),  # 镇 reads as 乡镇
    ]
    return d


def branch_b():
    """大坪社区: sent late, mobilised after 设置's 动员大会截止日期, a few blank or unreadable choices."""
    d = clean_data("T002", "大坪社区党支部")
    d["基本信息"].update({"党组织类型": "社区", "特色党支部类型": None, "是否成立领导小组": "是", "是否制定实施方案": "否",
                      "动员大会日期": D(2011, 5, 20), "填报日期": D(2011, 7, 8), "党员总数": 3, "正式党员数": 3,
                      "预备党员数": 0, "流动党员数": 0})
    d["党员名册"] = [
        _member(1, "陈一", "男", D(1990, 1, 1), "优秀", "研究生"),  # 21
        _member(2, "陈二", "未知", D(1980, 1, 1), "合格", None),  # 31; 性别 unreadable
        _member(3, "陈三", "女", D(1970, 6, 30), "不合格", "高中", 备注="2010年调入"),  # 41; 调入 is no departure
    ]
    d["公开承诺"] = [_promise(1, "陈一", "带头学习提高"), _promise(2, "陈一", "其他"), _promise(3, "陈三", None)]
    d["示范岗"] = [_post(1, "陈一")]
    d["评选表彰"] = [_award(1, "优秀共产党员", "陈一", "县", "已获评"), _award(2, "劳动模范", "陈二", "市", "未获评")]
    return d


# What the two branches give, counted by hand from the rows above.
HAND = {
    "评选表彰": {"先进基层党组织·已获评·县": 1, "优秀共产党员·已获评·县": 2, "优秀共产党员·推荐中·乡镇": 1,
             "优秀党务工作者·已获评·未填": 1, "优秀共产党员·未填·乡镇": 1, "未填·未获评·市": 1},
    "组织建设": {"成立领导小组支部数": 2, "制定实施方案支部数": 1, "召开动员大会支部数": 2, "按期召开动员大会支部数": 1},
    "特色党支部": {"致富型": 1, "服务型": 0, "学习型": 0, "和谐型": 0, "廉洁型": 0, "其他": 0, "未填": 1},
    "民主评议": {"优秀": 2, "合格": 5, "基本合格": 1, "不合格": 1, "未填": 1},
    "公开承诺": {"带头学习提高": 2, "带头争创佳绩": 1, "带头服务群众": 1, "带头遵纪守法": 1, "带头弘扬正气": 2, "其他": 1,
             "未填": 1},
    "参与活动党员": {"作出承诺党员数": 4, "认领示范岗党员数": 3, "参与党员数": 5},
    "性别": {"男": 5, "女": 4, "未填": 1},
    "学历": {"研究生": 1, "大学本科": 1, "大学专科": 1, "中专": 1, "高中": 2, "初中": 1, "小学及以下": 1, "未填": 2},
    "年龄": {"30岁及以下": 2, "31至35岁": 2, "36至45岁": 2, "46至55岁": 1, "56至60岁": 1, "61岁及以上": 1, "未填": 1},
    "报送情况": {"按时报送数": 1, "逾期报送数": 1},
}
PLAIN = {"组织建设", "参与活动党员", "报送情况"}  # columns named as they are, not 分项·类别


def column(group, category):
    return category if group in PLAIN else f"{group}·{category}"


@pytest.fixture(scope="module")
def two(tmp_path_factory):
    root = tmp_path_factory.mktemp("two")
    inbox = root / "inbox"
    inbox.mkdir()
    write_clean(inbox / "T001.xlsx", branch_a(), code="T001", name="石门村党支部")
    write_clean(inbox / "T002.xlsx", branch_b(), code="T002", name="大坪社区党支部")
    registry = write_registry(root / "支部名单.xlsx", [Branch("T001", "石门村党支部", "村"),
                                                    Branch("T002", "大坪社区党支部", "社区")],
                              {"所属党委": "德新镇党委", "报告期": "2011年第二季度", "报送截止日期": D(2011, 7, 5),
                               "动员大会截止日期": D(2011, 5, 15)})
    batch = read_folder(inbox, registry, isolate=False)
    return root, batch, aggregate(batch)


def test_the_two_branches_counted_by_hand(two):
    _, _, s = two
    totals = tally_totals(s.base)
    for group, counts in HAND.items():
        for category, n in counts.items():
            assert totals[column(group, category)] == n, (group, category)
    # every award combination not listed above is 0: the cube holds the sheet's seven rows and nothing else
    awards = {c: n for c, n in totals.items() if c.startswith("评选表彰·") and n}
    assert awards == {f"评选表彰·{k}": v for k, v in HAND["评选表彰"].items()}


def test_counts_per_branch(two):
    _, _, s = two
    base = s.base.set_index("党组织编码")
    a, b = base.loc["T001"], base.loc["T002"]
    assert (a["逾期报送数"], a["按时报送数"], b["逾期报送数"], b["按时报送数"]) == (0, 1, 1, 0)
    assert (a["按期召开动员大会支部数"], b["按期召开动员大会支部数"], b["召开动员大会支部数"]) == (1, 0, 1)
    assert (a["作出承诺党员数"], a["认领示范岗党员数"], a["参与党员数"]) == (2, 2, 3)
    assert (b["作出承诺党员数"], b["认领示范岗党员数"], b["参与党员数"]) == (2, 1, 2)
    assert (a["特色党支部·致富型"], b["特色党支部·未填"]) == (1, 1)
    assert (a["年龄·56至60岁"], a["年龄·未填"], a["年龄·61岁及以上"]) == (1, 1, 1)  # 吴刚 by his ID number


def test_a_departed_member_is_not_counted(two):
    _, batch, s = two
    roster = batch["党员名册"]
    assert (roster["党组织编码"] == "T001").sum() == 8  # the departure record stays in the roster
    row = s.by_branch.set_index("党组织编码").loc["T001"]
    assert (row["党员数"], row["预备党员数"], row["流动党员数"]) == (7, 1, 1)  # 郑老 was 流动 too
    assert s.total.iloc[0]["党员数"] == 10
    # nor in the member structure: each roster breakdown sums to the current members
    totals = tally_totals(s.base)
    for group in ("性别", "学历", "年龄", "民主评议"):
        assert sum(v for c, v in totals.items() if c.startswith(f"{group}·")) == 10, group
    # nor among those who made a commitment (郑老's commitment is still counted as a commitment)
    assert totals["公开承诺·带头弘扬正气"] == 2 and totals["作出承诺党员数"] == 4
    assert not [f for f in batch.findings if f.code is Code.COUNT_MISMATCH and f.branch_code == "T001"]


def test_without_a_mobilisation_deadline_every_branch_that_held_one_counts(two):
    _, batch, s = two
    assert batch.settings.mobilised_by == D(2011, 5, 15)
    files = s.batch["基本信息"]["来源文件"].tolist()
    loose = dataclasses.replace(batch, settings=dataclasses.replace(batch.settings, mobilised_by=None))
    assert tally_base(loose, files)["按期召开动员大会支部数"].tolist() == [1, 1]
    assert tally_base(batch, files)["按期召开动员大会支部数"].tolist() == [1, 0]


def test_tally_columns_are_in_data_but_not_among_the_figures(two, tmp_path):
    _, _, s = two
    assert not set(TALLY_COLUMNS) & set(s.by_branch.columns)
    assert not set(TALLY_COLUMNS) & set(s.by_type.columns)
    assert "评选表彰·优秀共产党员·已获评·县" in TALLY_COLUMNS and "成立领导小组支部数" in TALLY_COLUMNS
    path = write_result(s, tmp_path / "r.xlsx", generated_at=FIXED)
    header = next(openpyxl.load_workbook(path, read_only=True)["数据"].values)
    assert list(header[-len(TALLY_COLUMNS):]) == list(TALLY_COLUMNS)


def test_the_tally_sheet(two, tmp_path):
    _, _, s = two
    path = write_result(s, tmp_path / "r.xlsx", generated_at=FIXED)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:4] == ["总览", "支部汇总", "分类汇总", "分项统计"]
    ws = wb["分项统计"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    at = next(i for i, r in enumerate(rows) if r[:4] == ["分项", "类别", "数量", "占比"])
    table = pd.DataFrame([r[:4] for r in rows[at + 1:] if r[0]], columns=["分项", "类别", "数量", "占比"])
    assert list(dict.fromkeys(table["分项"])) == [t.name for t in TALLIES]
    for group, counts in HAND.items():
        mine = table[table["分项"] == group]
        assert mine["数量"].sum() == sum(counts.values()), group
        got = dict(zip(mine["类别"], mine["数量"], strict=True))
        assert {k: v for k, v in got.items() if v} == {k: v for k, v in counts.items() if v}, group
    sex = table[table["分项"] == "性别"].set_index("类别")["占比"]
    assert sex["男"] == pytest.approx(5 / 10) and sex["未填"] == pytest.approx(1 / 10)
    built = table[table["分项"] == "组织建设"].set_index("类别")["占比"]
    assert built["制定实施方案支部数"] == pytest.approx(1 / 2)  # of the branches, not of the group's sum
    active = table[table["分项"] == "参与活动党员"].set_index("类别")["占比"]
    assert active["参与党员数"] == pytest.approx(5 / 10)  # of the current members
    assert ws.page_setup.paperSize == 9 and ws.print_title_rows == "$1:$3"
    assert ws.cell(at + 2, 4).number_format == "0.0%"


def test_each_breakdown_sums_to_what_it_splits_over_the_demo(tmp_path):
    demo = make_demo(tmp_path / "demo", n_branches=16, quarters=1)
    batch = read_folder(demo.inbox, demo.registry, isolate=False)
    base = aggregate(batch).base
    base.index = pd.Index(batch["基本信息"]["来源文件"].tolist())  # branch_base's rows are 基本信息's
    award_cols = [c for c in TALLY_COLUMNS if c.startswith("评选表彰·")]
    rows = batch["评选表彰"].groupby("来源文件").size().reindex(base.index, fill_value=0)
    assert rows.sum() > 0
    pd.testing.assert_series_equal(base[award_cols].sum(axis=1), rows, check_names=False, check_dtype=False)
    promises = [c for c in TALLY_COLUMNS if c.startswith("公开承诺·")]
    assert (base[promises].sum(axis=1) == base["承诺数"]).all()
    for group in ("性别", "学历", "年龄", "民主评议"):
        cols = [c for c in TALLY_COLUMNS if c.startswith(f"{group}·")]
        assert (base[cols].sum(axis=1) == base["党员数"]).all(), group
    kinds = [c for c in TALLY_COLUMNS if c.startswith("特色党支部·")]
    assert (base[kinds].sum(axis=1) == 1).all() and (base["按时报送数"] + base["逾期报送数"] == 1).all()
    assert (base["参与党员数"] <= base["作出承诺党员数"] + base["认领示范岗党员数"]).all()
    assert (base["参与党员数"] >= base[["作出承诺党员数", "认领示范岗党员数"]].max(axis=1)).all()


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    root = tmp_path_factory.mktemp("county")
    return root, two_townships(root, (16, 16), isolate=False, generated_at=FIXED)


def test_a_county_rollup_gives_the_totals_of_all_branches_at_once(county):
    _, towns = county
    up = rollup([t[2] for t in towns], unit="新邵县委组织部", isolate=False)
    rolled = tally_totals(up.base)
    direct = tally_totals(pd.concat([t[1].base for t in towns], ignore_index=True))
    assert rolled == direct
    assert not [f for f in up.findings if f.code is Code.SKIPPED and "旧版本" in f.message]
    # and against the raw rows, counted without the tally code
    rosters = pd.concat([t[0]["党员名册"] for t in towns])
    assert rolled["性别·男"] == (rosters["性别"] == "男").sum() and rolled["性别·女"] == (rosters["性别"] == "女").sum()
    info = pd.concat([t[0]["基本信息"] for t in towns])
    assert rolled["成立领导小组支部数"] == (info["是否成立领导小组"] == "是").sum()
    assert rolled["特色党支部·致富型"] == (info["特色党支部类型"] == "致富型").sum()
    awards = pd.concat([t[0]["评选表彰"] for t in towns])
    assert sum(v for c, v in rolled.items() if c.startswith("评选表彰·")) == len(awards)
    won = awards[(awards["表彰类别"] == "优秀共产党员") & (awards["评选结果"] == "已获评") & (awards["推荐级别"] == "县")]
    assert rolled["评选表彰·优秀共产党员·已获评·县"] == len(won)
    # one level further up, still the same
    city = rollup([write_result(up, towns[0][2].parent / "县.xlsx", generated_at=FIXED)], unit="市", isolate=False)
    assert tally_totals(city.base) == direct
    assert tally_table(city.base).equals(tally_table(up.base))


def _older(summary, dst, monkeypatch):
    """``summary`` written as a result was before the tally columns (contract 1): 数据 without them,
    and nothing left out of a figure (contract 1.2 came later still)."""
    base = summary.base.drop(columns=list(LEFT_OUT_COLUMNS))
    by_branch, by_type, total = summarise(base, summary.settings)
    summary = compared(replace(summary, base=base, by_branch=by_branch, by_type=by_type, total=total), [])
    with monkeypatch.context() as m:
        m.setattr(importlib.import_module("cxzy_xl.output"), "BASE_COLUMNS", FIGURE_BASE)
        return write_result(summary, dst, generated_at=FIXED)


def test_an_older_result_without_the_counts_still_rolls_up(county, tmp_path):
    _, towns = county
    old = read_result(OLD_RESULT)  # a real one, written by the code before this change
    notes = [f for f in old.findings if f.code is Code.SKIPPED and f.sheet == "数据"]
    assert len(notes) == 1 and notes[0].severity.value == "info" and notes[0].sheet == "数据"
    assert "旧版本" in notes[0].message and "分项统计" in notes[0].message
    assert not [f for f in old.findings if f.code is Code.RESULT_EDITED]
    assert set(TALLY_COLUMNS) <= set(old.base.columns) and not old.base[list(TALLY_COLUMNS)].to_numpy().any()
    # with a new one: the figures of both, the counts of the new one, one note about the old
    new = towns[1]
    up = rollup([OLD_RESULT, new[2]], unit="县", isolate=False, allow_mixed_periods=True)
    assert up.total.iloc[0]["党员数"] == old.base["党员数"].sum() + new[1].total.iloc[0]["党员数"]
    assert tally_totals(up.base) == tally_totals(new[1].base)
    assert len([f for f in up.findings if f.code is Code.SKIPPED and "旧版本" in f.message]) == 1


def test_a_result_written_without_the_tally_columns_rolls_up(county, tmp_path, monkeypatch):
    _, towns = county
    path = _older(towns[0][1], tmp_path / "old.xlsx", monkeypatch)
    header = next(openpyxl.load_workbook(path, read_only=True)["数据"].values)
    assert "成立领导小组支部数" not in header and "党员数" in header
    child = read_result(path)
    assert [f.code for f in child.findings if f.code is Code.RESULT_EDITED or f.sheet == "数据"] == [Code.SKIPPED]
    up = rollup([path, towns[1][2]], unit="县", isolate=False)
    assert up.total.iloc[0]["党员数"] == sum(t[1].total.iloc[0]["党员数"] for t in towns)
    assert tally_totals(up.base) == tally_totals(towns[1][1].base)


def test_a_township_without_awards_still_shows_the_breakdown():
    base = pd.DataFrame(0, index=range(3), columns=[*TALLY_COLUMNS, "党员数"])
    table = tally_table(base)
    assert table[table["分项"] == "评选表彰"][["类别", "数量"]].values.tolist() == [["无", 0]]
    assert (table[table["分项"] == "性别"]["类别"] == ["男", "女", "未填"]).all()  # one-field ones list every choice
    assert (table.loc[table["分项"] == "组织建设", "占比"] == 0).all()  # 0 of 3 branches
    assert table.loc[table["分项"] == "性别", "占比"].isna().all()  # no members: no share
