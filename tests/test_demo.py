"""The demo generator's data is realistic and, where nothing was planted, clean."""

import datetime as dt
import random
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from cxzy_xl import demo
from cxzy_xl.cli import main

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def check_digit_by_hand(first17):
    # GB 11643-1999: weights 2^(17-i) mod 11, check = (12 - sum mod 11) mod 11, 10 written X
    s = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    v = (12 - s % 11) % 11
    return "X" if v == 10 else str(v)


@pytest.fixture(scope="module")
def branches():
    rng = random.Random(7)
    regs = demo.registry_branches(31, rng)
    return regs, [demo.branch_data(b, rng) for b in regs]


def test_spread_follows_seed_000(branches):
    regs, _ = branches
    types = [b.type for b in regs]
    assert len(regs) == 31
    for t in ("机关", "村", "社区", "医疗卫生", "学校", "离退休", "非公企业"):
        assert t in types
    assert types.count("村") == 20
    assert len({b.code for b in regs}) == 31 and len({b.name for b in regs}) == 31


def test_id_numbers_valid_and_agree_with_sex_and_birth(branches):
    _, data = branches
    n = 0
    for d in data:
        for m in d["党员名册"]:
            pid = m["身份证号"]
            assert len(pid) == 18 and pid[:17].isdigit()
            assert pid[17] == check_digit_by_hand(pid[:17])
            assert pid[6:14] == m["出生日期"].strftime("%Y%m%d")
            assert ("男" if int(pid[16]) % 2 else "女") == m["性别"]
            n += 1
    assert n > 500


def test_event_dates_inside_the_campaign_and_nothing_overdue(branches):
    _, data = branches
    start, end_campaign = demo.CAMPAIGN
    period_end = dt.date(2011, 6, 30)
    for d in data:
        dated = [(c["承诺日期"]) for c in d["公开承诺"]] + [a["活动日期"] for a in d["活动记录"]]
        dated += [p[k] for p in d["为民办实事"] for k in ("开始日期", "完成日期") if p[k]]
        dated += [c["登记日期"] for c in d["民情台账"]] + [p["认领日期"] for p in d["示范岗"]]
        assert all(start <= x <= min(end_campaign, period_end) for x in dated)
        for c in d["公开承诺"]:
            if c["计划完成日期"] < period_end:
                assert c["完成情况"] == "已完成" and c["实际完成日期"]
        for c in d["民情台账"]:
            if c["办结时限"] < period_end:
                assert c["办结日期"]


def test_counts_votes_and_quotas_are_consistent(branches):
    _, data = branches
    period_end = dt.date(2011, 6, 30)
    for d in data:
        info, roster, votes = d["基本信息"], d["党员名册"], d["考核测评"]
        assert info["党员总数"] == len(roster)
        assert info["预备党员数"] == sum(m["党员类别"] == "预备党员" for m in roster)
        assert votes["满意票"] + votes["基本满意票"] + votes["不满意票"] <= votes["民主测评参评人数"]
        assert all(a["实际参加人数"] <= a["应参加人数"] for a in d["活动记录"])
        assert all(p["其中争取上级资金（万元）"] <= p["投入资金（万元）"] for p in d["为民办实事"])
        assert sum(m["民主评议等次"] == "优秀" for m in roster) * 3 <= len(roster)
        for m in roster:
            if m["党员类别"] == "预备党员":
                assert (period_end - m["入党日期"]).days <= 365
        names = {m["姓名"] for m in roster}
        assert all(p["认领党员"] in names for p in d["示范岗"])


def test_demo_command_writes_registry_inbox_and_planted_files(tmp_path):
    result = CliRunner().invoke(main, ["demo", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    inbox = tmp_path / "d" / "收件箱"
    names = sorted(p.name for p in inbox.iterdir())
    assert (tmp_path / "d" / "支部名单.xlsx").exists()
    assert not any(n.startswith("DX002_") for n in names)  # the branch that never reports
    assert sum(n.startswith("DX008_") for n in names) == 2  # submitted twice
    assert any(n.startswith("~$") for n in names) and "报送说明.txt" in names
    assert sum(n.endswith(".xlsx") and not n.startswith("~$") for n in names) == 31
    # and quarter two: both headlines, the second beside the first, and what to try next
    assert "2011年第二季度" in result.output and "与上期（2011年第二季度）比" in result.output
    assert not re.search(r"\d{4}[QH][1-4]", result.output)  # periods as people say them, never 2011Q2
    assert (tmp_path / "d" / "2011年第三季度" / "督导组问题清单").is_dir()
    assert "--previous" in result.output and "--by-group" in result.output and "--from" in result.output


def test_a_second_demo_township_rolls_up_with_the_first(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from cxzy_xl.cli import main

    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(main, ["demo", "德新镇", "--branches", "16", "--quarters", "1"]).exit_code == 0
    second = runner.invoke(main, ["demo", "古河乡", "--branches", "16", "--committee", "古河乡党委", "--prefix", "GH",
                                  "--seed", "7", "--quarters", "1"])
    assert second.exit_code == 0, second.output
    results = sorted(str(p) for p in tmp_path.glob("*/*汇总_*.xlsx"))
    assert [Path(p).name.split("创先争优")[0] for p in results] == ["古河乡党委", "德新镇党委"]
    county = runner.invoke(main, ["rollup", *results, "--unit", "新邵县委组织部"])
    assert county.exit_code in (0, 1), county.output
    assert "新邵县委组织部" in county.output


# --- two quarters: the quarterly routine ------------------------------------------------------------

PLANTED_CODES = ("COMMITMENT_VANISHED", "CONCERN_VANISHED", "MEMBER_GONE", "LATE_SUBMISSION")


@pytest.fixture(scope="module")
def two(tmp_path_factory):
    return demo.make_demo(tmp_path_factory.mktemp("two") / "d", n_branches=16)


def test_two_quarters_write_both_results(two):
    from cxzy_xl.read import read_registry

    q = two.next
    assert two.result.parent == two.folder and two.result.name.endswith("汇总_2011年第二季度.xlsx")
    assert q.folder == two.folder / "2011年第三季度" and q.result.parent == q.folder
    assert q.result.name.endswith("汇总_2011年第三季度.xlsx") and q.result.is_file()
    reg = read_registry(q.registry)
    assert reg.settings.period == "2011Q3" and reg.settings.deadline == dt.date(2011, 10, 8)
    assert [b.code for b in reg.branches] == [b.code for b in two.branches]
    assert {b.group for b in reg.branches} == set(demo.GROUPS) and all(b.leader for b in reg.branches)
    assert len(list(q.templates.glob("*.xlsx"))) == 16  # DX002 too: an ordinary pre-filled template
    assert sorted(p.name for p in q.inbox.iterdir()) == sorted(p.name for p in q.files.values())
    assert "DX002" not in q.files and len(q.files) == 15  # still never reports


def test_quarter_two_ranks_beside_quarter_one(two):
    by_branch = two.next.summary.by_branch.set_index("党组织编码")
    before = two.summary.by_branch.set_index("党组织编码")
    both = sorted(set(two.files) & set(two.next.files))
    assert len(both) == 15
    for code in both:  # an unranked branch (综合得分 待核实) has no rank, and so no change
        was, now = before.loc[code, "排名"], by_branch.loc[code, "排名"]
        assert pd.isna(by_branch.loc[code, "上期排名"]) if pd.isna(was) else by_branch.loc[code, "上期排名"] == was
        change = by_branch.loc[code, "排名变化"]
        assert pd.isna(change) if pd.isna(was) or pd.isna(now) else change == was - now
    assert (by_branch["排名变化"] != 0).sum() > 3  # ranks move
    import openpyxl

    wb = openpyxl.load_workbook(two.next.result, read_only=True)
    assert "督导组汇总" in wb.sheetnames
    header = next(r for r in wb["支部汇总"].iter_rows(max_row=5, values_only=True) if "上期排名" in r)
    assert "排名变化" in header
    wb.close()


def test_each_planted_quarter_two_finding_once_at_its_branch(two):
    planted = two.next.planted
    assert sorted(planted.values()) == sorted(demo.PLANTED_NEXT)
    at = {kind: code for code, kind in planted.items()}
    assert len(set(at.values())) == len(at)  # one plant a branch
    findings = two.next.summary.findings
    for code in PLANTED_CODES:
        assert [f.branch_code for f in findings if f.code.name == code] == [at[code]], code
    # the departure noted in 备注 is a record, not a vanished member, and not counted as a member
    departed = at["DEPARTED"]
    assert not [f for f in findings if f.branch_code == departed]
    roster = two.next.summary.batch["党员名册"]
    noted = roster[(roster["党组织编码"] == departed) & (roster["备注"] == demo.NEXT_DEPARTED)]
    assert len(noted) == 1
    # otherwise quarter two is clean: the chase list and the planted findings only
    problems = sorted((f.code.name, f.branch_code) for f in findings if f.severity.value != "info")
    assert problems == sorted([("MISSING_SUBMISSION", "DX002"), *((c, at[c]) for c in PLANTED_CODES)])


def test_quarter_one_keeps_its_planted_mistakes(two):
    problems = {(f.code.name, f.branch_code) for f in two.summary.findings if f.severity.value != "info"}
    assert ("MISSING_SUBMISSION", "DX002") in problems and ("BAD_ID_NUMBER", "DX007") in problems
    assert not [f for f in two.summary.findings if f.code.name in PLANTED_CODES]


def test_one_problem_list_per_group(two):
    names = sorted(p.name for p in two.next.groups.iterdir())
    assert names == sorted(f"{g}问题清单_2011年第三季度.xlsx" for g in demo.GROUPS)


def test_the_marker_lists_every_file_the_demo_wrote(two):
    listed = set((two.folder / demo.MARKER).read_text(encoding="utf-8").splitlines())
    written = {p.relative_to(two.folder).as_posix() for p in two.folder.rglob("*") if p.is_file()}
    assert written - {demo.MARKER} == listed


def test_a_demo_runs_again_over_a_two_quarter_demo_and_refuses_foreign_files(two, tmp_path):
    import shutil

    again = tmp_path / "again"
    shutil.copytree(two.folder, again)
    d = demo.make_demo(again, n_branches=16, quarters=1)
    assert d.next is None and not (again / "2011年第三季度").exists()  # quarter two's files and folders gone
    listed = set((again / demo.MARKER).read_text(encoding="utf-8").splitlines())
    assert {p.relative_to(again).as_posix() for p in again.rglob("*") if p.is_file()} - {demo.MARKER} == listed

    foreign = tmp_path / "foreign"
    shutil.copytree(two.folder, foreign)
    mine = foreign / "2011年第三季度" / "收件箱" / "我的报表.xlsx"
    mine.write_bytes(b"the office's own")
    with pytest.raises(demo.DemoRefused, match="我的报表"):
        demo.make_demo(foreign, n_branches=16)
    assert mine.read_bytes() == b"the office's own" and two.next.result.name in {
        p.name for p in (foreign / "2011年第三季度").iterdir()}
