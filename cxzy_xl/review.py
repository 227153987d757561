"""点评 and 整改要求 (contract 1.2, "Talking with branches"; seed 004's 领导点评: "实事求是肯定取得的成绩，
指出存在的问题和努力方向，督促整改提高"): per branch, from its figures and the area's only.

- 成绩 (:data:`~cxzy_xl.schema.PRAISE`): a rate clearly above the area's, the highest 等次, a rank well up.
- 问题 with their 整改要求 (:data:`~cxzy_xl.schema.RECTIFY`): errors in the report, late, overdue
  commitments and concerns, a rate clearly below the area's, what the plan asks for not yet done;
  each 整改要求 with a deadline.
- Next quarter each 整改要求 is followed up by the same figure: 已改进 / 未改进 (待核实 when the figure
  cannot be told, 本期未报送 when the branch sent nothing).

A figure marked 待核实 (computed with inputs left out) is neither praised nor named: an official signs
what the 点评 says. Everything here is pure: a Summary in, new frames out.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import pandas as pd

from . import schema
from .aggregate import FIGURE, FIGURES, UNVERIFIED_COL, as_shown, shown
from .model import Previous, Summary
from .normalize import period_end
from .schema import (
    FOLLOW_NO_FIGURE,
    FOLLOW_NOT_IN,
    FOLLOW_UNVERIFIED,
    FOLLOW_UP,
    IMPROVED,
    NOT_IMPROVED,
    PRAISE,
    RANK_CHANGE,
    RANK_UP,
    RECTIFY,
    RECTIFY_COLUMNS,
    SOON_DAYS,
    Rectify,
)

RECTIFY_BY_KEY = {r.key: r for r in RECTIFY}


def area_word(unit: str) -> str:
    """全镇, 全乡, 全县…: how the documents speak of the unit's whole area."""
    for word in ("街道", "镇", "乡", "县", "区", "市", "州", "省"):
        if word in unit:
            return f"全{word}"
    return "全辖区"


def _value(x: Any) -> float | None:
    if x is None or x is pd.NA or isinstance(x, str):
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _as_read(x: float | None, figure: str) -> float | None:
    """``x`` as an official reads it in 支部汇总 (a rate to its shown decimal): a change too small to
    show is no change."""
    if x is None or figure not in FIGURE:
        return x
    return as_shown(x, FIGURE[figure].display_key)


def next_quarter_end(period: str) -> dt.date:
    """The last day of the quarter after ``period``: when most 整改要求 are due."""
    first = period_end(period) + dt.timedelta(days=1)
    return period_end(f"{first.year}Q{(first.month - 1) // 3 + 1}")


def deadline(rule: Rectify, summary: Summary) -> dt.date:
    """When a 整改要求 of ``rule`` is due: a report to correct :data:`~cxzy_xl.schema.SOON_DAYS` after the
    报送截止日期 (or the quarter's end, without one); anything else by the next quarter's end."""
    if rule.soon:
        start = summary.settings.deadline or period_end(summary.period)
        return start + dt.timedelta(days=SOON_DAYS)
    return next_quarter_end(summary.period)


def _rows(summary: Summary) -> pd.DataFrame:
    """Each branch's figures (支部汇总) beside the counts of 数据 they do not show (by 党组织编码)."""
    rows = summary.by_branch.set_index(schema.CODE_COL, drop=False)
    base = summary.base.set_index(schema.CODE_COL)
    extra = [c for c in base.columns if c not in rows.columns]
    return rows.join(base[extra]) if extra else rows


def _unverified(row: Mapping[str, Any]) -> set[str]:
    text = row.get(UNVERIFIED_COL) or ""
    return set(str(text).split("、")) if text else set()


SHOWN_DOUBTFUL = 3  # figures named in 报表错误's 问题 before 等N项


def _doubtful_words(flagged: Sequence[str]) -> str:
    """（参学率、承诺兑现率等5项数字待核实）: what the report's errors left out, the first few by name."""
    if not flagged:
        return ""
    more = f"等{len(flagged)}项" if len(flagged) > SHOWN_DOUBTFUL else ""
    return f"（{'、'.join(flagged[:SHOWN_DOUBTFUL])}{more}数字待核实）"


def requirements(summary: Summary) -> pd.DataFrame:
    """This quarter's 问题 and 整改要求, one row per branch and :data:`~cxzy_xl.schema.RECTIFY` rule that
    finds one (columns :data:`~cxzy_xl.schema.RECTIFY_COLUMNS`; 本期 and 跟进 left for next quarter).
    A township's result only: a roll-up's rows are townships, whose 点评 is not this one."""
    if summary.level > 1 or summary.by_branch.empty or not summary.period:
        return pd.DataFrame(columns=list(RECTIFY_COLUMNS))
    total = summary.total.iloc[0]
    area = area_word(summary.unit)
    out = []
    for code, row in _rows(summary).iterrows():
        doubtful = _unverified(row)
        for rule in RECTIFY:
            if rule.figure not in row.index or rule.figure in summary.absent:
                continue
            value = _value(row[rule.figure])
            whole = _value(total[rule.figure]) if rule.test == "below" and rule.figure in total.index else None
            if value is None:
                continue
            if rule.test == "some":
                hit = value > 0
            elif rule.test == "none":
                hit = value == 0
            else:
                hit = rule.figure not in doubtful and whole is not None and value <= whole - schema.CLEAR_GAP + 1e-12
            if not hit:
                continue
            flagged = [f.name for f in FIGURES if f.name in doubtful and f.name != "综合得分"]
            words = {"value": shown(value, rule.figure), "whole": shown(whole, rule.figure) if whole is not None else "",
                     "area": area, "unverified": _doubtful_words(flagged) if rule.key == "报表错误" else ""}
            out.append({"提出报告期": summary.period, schema.CODE_COL: code, "党组织名称": str(row["党组织名称"]),
                        "事项": rule.key, "指标": rule.figure, "当时": value, "全镇": whole,
                        "问题": rule.problem.format(**words), "要求": rule.ask.format(**words),
                        "期限": deadline(rule, summary).isoformat(), "本期": None, "跟进": ""})
    return pd.DataFrame(out, columns=list(RECTIFY_COLUMNS))


def follow_up(asked: pd.DataFrame, summary: Summary) -> pd.DataFrame:
    """``asked`` (last quarter's 整改要求) with 本期 (the figure now) and 跟进: 已改进, 未改进, 待核实 (the
    figure now computed with inputs left out) or 本期未报送. Rules whose key this version no longer
    knows are left as they were."""
    if asked.empty:
        return asked.copy()
    rows = _rows(summary)
    out = asked.copy()
    now_values: list[float | None] = []
    verdicts: list[str] = []
    for _, req in asked.iterrows():
        rule = RECTIFY_BY_KEY.get(str(req["事项"]))
        code = str(req[schema.CODE_COL])
        if rule is None:
            now_values.append(_value(req["本期"]))
            verdicts.append(str(req["跟进"] or ""))
            continue
        if code not in rows.index:
            now_values.append(None)
            verdicts.append(FOLLOW_NOT_IN)
            continue
        row = rows.loc[code]
        now = _value(row[rule.figure]) if rule.figure in row.index else None
        then = _value(req["当时"])
        now_values.append(now)
        if rule.figure in _unverified(row):
            verdicts.append(FOLLOW_UNVERIFIED)
            continue
        if now is None:  # e.g. no commitment at all this quarter: a rate of nothing
            verdicts.append(FOLLOW_NO_FIGURE)
            continue
        a, b = _as_read(now, rule.figure), _as_read(then, rule.figure)
        better = {"zero": a == 0, "some": a > 0, "lower": b is not None and a < b,
                  "higher": b is not None and a > b}[rule.better]
        verdicts.append(IMPROVED if better else NOT_IMPROVED)
    out["本期"] = now_values
    out["跟进"] = verdicts
    return out


def asked_before(previous: Sequence[Previous]) -> pd.DataFrame:
    """Last quarter's 整改要求: as recorded in its 汇总表, else worked out again from its figures (a
    result written before they were recorded)."""
    if not previous:
        return pd.DataFrame(columns=list(RECTIFY_COLUMNS))
    last = previous[-1]
    recorded = last.summary.requirements
    if recorded is not None:
        return recorded[recorded["提出报告期"] == last.period].reset_index(drop=True)
    return requirements(last.summary)


def reviewed(summary: Summary, previous: Sequence[Previous] = ()) -> Summary:
    """``summary`` with its 整改要求 (``requirements``: this quarter's, then last quarter's followed up)
    and, when last quarter asked anything, 支部汇总's :data:`~cxzy_xl.schema.FOLLOW_UP` column
    ("已改进2项，未改进1项"). ``summary`` itself is unchanged."""
    if summary.level > 1:
        return summary
    now = requirements(summary)
    followed = follow_up(asked_before(previous), summary)
    parts = [df for df in (now, followed) if not df.empty]
    table = pd.concat(parts, ignore_index=True) if parts else now
    by_branch = summary.by_branch
    if not followed.empty:
        by_branch = by_branch.copy()
        words = {}
        for code, grp in followed.groupby(schema.CODE_COL):
            counts = grp["跟进"].value_counts()
            words[code] = "，".join(f"{v}{int(counts[v])}项" for v in (IMPROVED, NOT_IMPROVED, FOLLOW_UNVERIFIED,
                                                                  FOLLOW_NO_FIGURE) if v in counts) or (
                FOLLOW_NOT_IN if FOLLOW_NOT_IN in counts else "")
        by_branch[FOLLOW_UP] = by_branch[schema.CODE_COL].map(lambda c: words.get(c, "")).astype(object)
    return replace(summary, requirements=table, by_branch=by_branch)


def with_states(summary: Summary, states: Mapping[str, str]) -> Summary:
    """``summary`` with 支部汇总's :data:`~cxzy_xl.schema.STATE_COL`: each reported branch's state in the
    conversation (已报有错 / 已退回 / 已改 / 通过, from the inbox register). ``summary`` is unchanged."""
    if summary.level > 1 or not states:
        return summary
    by_branch = summary.by_branch.copy()
    by_branch[schema.STATE_COL] = by_branch[schema.CODE_COL].map(lambda c: states.get(str(c), "")).astype(object)
    return replace(summary, by_branch=by_branch)


def praise(summary: Summary) -> dict[str, list[str]]:
    """Per branch code, its 成绩 (:data:`~cxzy_xl.schema.PRAISE`), in that order."""
    if summary.by_branch.empty:
        return {}
    total = summary.total.iloc[0]
    area = area_word(summary.unit)
    ranked = int(summary.by_branch["排名"].notna().sum()) if "排名" in summary.by_branch else 0
    top = max(summary.settings.thresholds, key=lambda x: x[1])[0] if summary.settings.thresholds else ""
    out: dict[str, list[str]] = {}
    for code, row in _rows(summary).iterrows():
        doubtful = _unverified(row)
        mine = []
        for p in PRAISE:
            if p.figure in doubtful or (p.test == "top" and "综合得分" in doubtful):
                continue
            value = _value(row.get(p.figure))
            words: dict[str, Any] = {"area": area, "n": ranked, "grade": row.get("等次", ""),
                                     "rank": row.get("排名"), "value": shown(value, p.figure) if value is not None else ""}
            if p.test == "top":
                hit = bool(top) and row.get("等次") == top and value is not None and _value(row.get("排名")) is not None
                if hit:
                    words["rank"] = int(row["排名"])
            elif p.test == "rank_up":
                up = _value(row.get(RANK_CHANGE))
                hit = up is not None and up >= RANK_UP
                words["up"] = int(up) if hit else 0
            else:
                whole = _value(total.get(p.figure))
                hit = value is not None and whole is not None and value >= whole + schema.CLEAR_GAP - 1e-12
                words["whole"] = shown(whole, p.figure) if whole is not None else ""
            if hit:
                mine.append(p.words.format(**words))
        out[str(code)] = mine
    return out


__all__ = ["RECTIFY_BY_KEY", "area_word", "asked_before", "deadline", "follow_up", "next_quarter_end", "praise",
           "requirements", "reviewed", "with_states"]
