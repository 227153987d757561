"""Quarter after quarter: this quarter's figures beside the earlier results' (``--previous``), read
and recomputed by :mod:`cxzy_xl.resultbook`: 报送情况, 上期综合得分, 上期排名, 排名变化 and the totals over
time for the trend chart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pandas as pd

from . import schema
from .model import Previous, Summary
from .normalize import period_label
from .schema import LATE, ON_TIME, PREV_RANK, PREV_SCORE, RANK_CHANGE, SUBMITTED
from .tallies import LATE_COUNT

# --- figures beside last quarter's ----------------------------------------------------------------


def submission_column(summary: Summary) -> pd.Series | None:
    """报送情况 (按时 / 逾期) of each branch row, from 数据's 逾期报送数 (None before that column existed)."""
    if LATE_COUNT not in summary.base.columns:
        return None
    late = dict(zip(summary.base[schema.CODE_COL], summary.base[LATE_COUNT], strict=True))
    return summary.by_branch[schema.CODE_COL].map(lambda c: LATE if late.get(c, 0) else ON_TIME)


def compared(summary: Summary, previous: Sequence[Previous]) -> Summary:
    """``summary`` with 报送情况 and, given earlier results, 上期综合得分, 上期排名 and 排名变化 (上期排名 − 排名:
    positive means moved up; blank for a branch or unit that was not in the last result)."""
    by_branch, by_unit = summary.by_branch, summary.by_unit
    if by_unit is not None:
        by_unit = with_rank(by_unit)
    elif len(by_branch):
        status = submission_column(summary)
        if status is not None:
            by_branch = by_branch.assign(**{SUBMITTED: status})
    last = previous[-1] if previous else None
    if last is not None:
        if by_unit is not None and last.summary.by_unit is not None:
            by_unit = _beside(by_unit, last.summary.by_unit, "单位名称")
        elif by_unit is None and len(by_branch) and len(last.summary.by_branch):
            by_branch = _beside(by_branch, last.summary.by_branch, schema.CODE_COL)
    return replace(summary, by_branch=by_branch, by_unit=by_unit, previous=list(previous))


def _beside(now: pd.DataFrame, before: pd.DataFrame, key: str) -> pd.DataFrame:
    score = dict(zip(before[key], before["综合得分"], strict=True))
    rank = dict(zip(before[key], before["排名"], strict=True))
    out = now.copy()
    out[PREV_SCORE] = out[key].map(lambda k: score.get(k)).astype("Float64")
    out[PREV_RANK] = out[key].map(lambda k: rank.get(k)).astype("Int64")
    out[RANK_CHANGE] = (out[PREV_RANK] - out["排名"].astype("Int64")).astype("Int64")
    return out


def totals_over_time(summary: Summary) -> pd.DataFrame:
    """One row per report period (the earlier results, then this one) with the headline totals: the
    trend chart's data."""
    rows = []
    for s in [p.summary for p in summary.previous] + [summary]:
        t = s.total.iloc[0]
        rows.append({"报告期": period_label(s.period) if s.period else "", **{k: t[k] for k in s.total.columns}})
    return pd.DataFrame(rows)


def with_rank(by_unit: pd.DataFrame) -> pd.DataFrame:
    """下级汇总 with 排名 by 综合得分 (the units of a roll-up are ranked as branches are)."""
    out = by_unit.copy()
    if len(out) and "综合得分" in out:
        out["排名"] = out["综合得分"].rank(ascending=False, method="min").astype("Int64")
    return out


__all__ = ["compared", "submission_column", "totals_over_time", "with_rank"]
