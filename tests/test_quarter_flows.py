"""本期 and 累计 (contract 1.2): a campaign's rows are not compared with a quarter's. One branch reports
quarter two with every activity since the campaign began (as clerks do who keep their rows) and quarter
three with July–September only (as clerks do who start afresh); both ways are right."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from helpers import clean_data, write_clean

from cxzy_xl.aggregate import aggregate
from cxzy_xl.findings import Code
from cxzy_xl.output import write_result
from cxzy_xl.pipeline import read_folder
from cxzy_xl.report import report_context

D = dt.date


def activity(n: int, day: dt.date, expected: int, came: int, hours: float) -> dict:
    return {"序号": n, "活动日期": day, "活动类型": "集中学习", "活动主题": f"学习{n}", "应参加人数": expected,
            "实际参加人数": came, "学时": hours}


# quarter two's file: two activities in 2010 (the campaign began 2010-05-01) and two in April–June
Q2_ROWS = [activity(1, D(2010, 6, 1), 3, 3, 2), activity(2, D(2010, 11, 5), 3, 2, 1),
           activity(3, D(2011, 4, 20), 3, 3, 1.5), activity(4, D(2011, 6, 1), 3, 2, 1)]
# quarter three's file: only July–September, and one typed a year ahead
Q3_ROWS = [activity(1, D(2011, 7, 10), 3, 3, 2), activity(2, D(2011, 9, 1), 3, 1, 1),
           activity(3, D(2012, 8, 1), 3, 3, 4)]


@pytest.fixture(scope="module")
def quarters(tmp_path_factory):
    root = tmp_path_factory.mktemp("flows")
    q2 = copy.deepcopy(clean_data())
    q2["活动记录"] = Q2_ROWS
    (root / "q2").mkdir()
    write_clean(root / "q2" / "T001.xlsx", q2)
    s2 = aggregate(read_folder(root / "q2", isolate=False))
    r2 = write_result(s2, root / "q2.xlsx")
    q3 = copy.deepcopy(q2)
    q3["活动记录"] = Q3_ROWS
    q3["基本信息"].update({"报告期": "2011年第三季度", "填报日期": D(2011, 9, 28)})
    (root / "q3").mkdir()
    write_clean(root / "q3" / "T001.xlsx", q3)
    batch = read_folder(root / "q3", isolate=False, previous=[r2])
    s3 = aggregate(batch)
    return s2, s3, batch, write_result(s3, root / "q3.xlsx")


def test_a_quarter_counts_the_rows_dated_in_it(quarters):
    s2, s3, _, _ = quarters
    q2, q3 = s2.by_branch.iloc[0], s3.by_branch.iloc[0]
    assert (q2["活动次数"], q2["应参加人次"], q2["实际参加人次"], q2["学时合计"]) == (2, 6, 5, 2.5)
    assert q2["参学率"] == pytest.approx(5 / 6)
    assert (q3["活动次数"], q3["应参加人次"], q3["实际参加人次"], q3["学时合计"]) == (2, 6, 4, 3.0)


def test_the_campaign_so_far_adds_this_quarter_to_the_last(quarters):
    s2, s3, _, _ = quarters
    q2, q3 = s2.by_branch.iloc[0], s3.by_branch.iloc[0]
    assert (q2["累计活动次数"], q2["累计学时"]) == (4, 5.5)  # from the file's own rows since 2010-05-01
    assert (q3["累计活动次数"], q3["累计学时"]) == (4 + 2, 5.5 + 3.0)  # quarter two's 累计 + this 本期


def test_a_row_dated_after_the_quarter_is_warned_and_counted_nowhere(quarters):
    _, s3, batch, _ = quarters
    [late] = [f for f in batch.findings if f.code is Code.OUT_OF_PERIOD and f.sheet == "活动记录"]
    assert late.row == 5 and "晚于报告期" in late.message and late.severity.value == "warning"
    assert s3.by_branch.iloc[0]["学时合计"] == 3.0  # not 7.0


def test_the_change_compares_a_quarter_with_a_quarter(quarters):
    _, _, _, r3 = quarters
    ctx = report_context(r3)
    [said] = [c for c in ctx["环比"] if c["指标"] == "参学率"]
    assert said["上期"] == pytest.approx(5 / 6) and said["本期"] == pytest.approx(4 / 6)


def test_the_overview_compares_what_each_quarter_added(quarters):
    """总览's 环比 compares what a quarter added and settled, not the counts a file happens to keep."""
    import openpyxl

    _, _, _, r3 = quarters
    rows = [[c.value for c in row] for row in openpyxl.load_workbook(r3)["总览"].iter_rows()]
    at = next(i for i, row in enumerate(rows) if str(row[0] or "").startswith("与上期比较"))
    block = [row for row in rows[at + 2:] if len(row) > 3 and row[1]]
    said = {row[1]: row[2:4] for row in block}
    assert said["活动（次）"] == [2, 2] and said["学时"] == [3, 2.5]
    assert said["本期新增（项）"] == [0, 2] and "承诺（项）" not in said
