"""Each fact lives once: moving a rule's boundary in its one place changes the findings, the figures
and the written outputs together. Period 2011年第二季度 ends 2011-06-30."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from helpers import clean_data, write_clean

from cxzy_xl import schema
from cxzy_xl.aggregate import aggregate, submissions
from cxzy_xl.findings import Code
from cxzy_xl.output import write_result
from cxzy_xl.pipeline import headline, read_folder
from cxzy_xl.report import report_context

D = dt.date
END = D(2011, 6, 30)


def _inbox(tmp_path):
    data = clean_data()
    promises = data["公开承诺"]
    base = {k: v for k, v in promises[1].items() if k not in ("计划完成日期", "完成情况")}
    promises[:] = [
        {**base, "序号": 1, "承诺内容": "修路", "计划完成日期": D(2011, 6, 29), "完成情况": "推进中"},  # overdue
        {**base, "序号": 2, "承诺内容": "通水", "计划完成日期": END, "完成情况": "未开始"},  # due on the last day
        {**base, "序号": 3, "承诺内容": "架桥", "计划完成日期": D(2011, 6, 1), "完成情况": "已完成",
         "实际完成日期": D(2011, 5, 30)},
    ]
    concerns = data["民情台账"]
    concerns[1] = {**concerns[1], "办结时限": END}  # open, due on the last day
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_clean(inbox / "T001.xlsx", data)
    return inbox


def _counted(tmp_path, inbox, name):
    batch = read_folder(inbox, isolate=False)
    summary = aggregate(batch)
    overdue = [f for f in batch.findings if f.code is Code.OVERDUE]
    result = write_result(summary, tmp_path / f"{name}.xlsx")
    ctx = report_context(result, today=D(2011, 7, 10))
    t = summary.total.iloc[0]
    said = {r["名称"]: r["数量"] for r in ctx["超期承诺支部"]}, {r["名称"]: r["数量"] for r in ctx["超期民情支部"]}
    items = sum(len(r["事项"]) for r in ctx["超期承诺支部"]) if ctx["超期承诺支部"] else 0
    return {
        "findings": (sum(f.sheet == "公开承诺" for f in overdue), sum(f.sheet == "民情台账" for f in overdue)),
        "figures": (int(t["超期承诺数"]), int(t["超期未办结件数"])),
        "report": (sum(said[0].values()), sum(said[1].values())),
        "report items": items,
    }


def test_the_overdue_boundary_moves_findings_figures_and_documents_together(tmp_path, monkeypatch):
    inbox = _inbox(tmp_path)
    before = _counted(tmp_path, inbox, "before")
    assert before == {"findings": (1, 0), "figures": (1, 0), "report": (1, 0), "report items": 1}

    original = schema.Deadline.overdue

    def due_on_the_last_day_too(self, df, end):  # the boundary moved: "<" became "<=" in its one place
        return original(self, df, end + dt.timedelta(days=1))

    monkeypatch.setattr(schema.Deadline, "overdue", due_on_the_last_day_too)
    after = _counted(tmp_path, inbox, "after")
    assert after == {"findings": (2, 1), "figures": (2, 1), "report": (2, 1), "report items": 2}


def test_what_is_open_is_one_declaration_for_carry_over_and_vanishing():
    carried = {c.sheet: c.keep for c in schema.CARRY_OVER if c.keep is not None}
    checked = {v.sheet: v.open for v in schema.VANISHED if v.open is not None}
    assert carried == checked == schema.OPEN
    rows = pd.DataFrame({"完成情况": ["未开始", "推进中", "已完成", "未兑现", None, ""]})
    assert list(schema.OPEN["公开承诺"].rows(rows)) == [True, True, False, False, False, False]
    dates = pd.DataFrame({"办结日期": [pd.Timestamp(2011, 6, 1), pd.NaT, "", "  ", D(2011, 6, 1), None]})
    assert list(schema.OPEN["民情台账"].rows(dates)) == [False, True, True, True, False, True]


@pytest.fixture(scope="module")
def township(tmp_path_factory):
    from cxzy_xl.demo import make_demo

    demo = make_demo(tmp_path_factory.mktemp("sent"), n_branches=16, seed=9, quarters=1)
    summary = aggregate(read_folder(demo.inbox, demo.registry))
    return summary, write_result(summary, demo.folder / "result.xlsx")


def test_submission_counts_are_one_arithmetic_everywhere(township):
    summary, result = township
    sent = submissions(summary)
    assert sent.expected == sent.reported + sent.missing == 16
    assert sent.missing == len(summary.missing) >= 1 and sent.late == sent.reported - sent.on_time
    ctx = report_context(result)
    assert (ctx["应报数"], ctx["已报数"], ctx["未报数"], ctx["逾期数"], ctx["按时数"]) == \
        (sent.expected, sent.reported, sent.missing, sent.late, sent.on_time)
    assert ctx["按时报送率"] == pytest.approx(sent.on_time / 16)
    line = headline(summary)[1]
    assert f"应报 {sent.expected}，已报 {sent.reported}" in line and line.endswith(f"未报 {sent.missing}")
