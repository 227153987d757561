"""Quarter after quarter: earlier result workbooks, what this quarter is compared with, and what
must not quietly vanish between two quarters.

An earlier result (``--previous``) is read the way a roll-up reads a child: its figures are
recomputed from its 数据 sheet, never taken from cells someone may have edited. What a township
result also shows, its 公开承诺, 民情台账 and 党员名册 detail sheets, is what the vanished-item checks
(schema.VANISHED) compare this quarter's submissions with; a roll-up's result has no detail sheets,
so a county is compared on figures only.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import schema
from .findings import Code, Finding, make
from .normalize import display, is_blank, mask_id, normalize_value, period_end, period_label, squeeze
from .read import RawSheet, Unreadable, a1, load_book

if TYPE_CHECKING:
    from .aggregate import Summary
    from .batch import Batch

# The columns a result gains when it is compared with an earlier one (TEMPLATE-SPEC, contract 1.1).
PREV_SCORE, PREV_RANK, RANK_CHANGE = "上期综合得分", "上期排名", "排名变化"
SUBMITTED = "报送情况"
ON_TIME, LATE = "按时", "逾期"
SOURCE_ROW = "汇总表行"  # the row of the earlier result's detail sheet a row was read from


class PreviousError(Exception):
    """An earlier result that cannot be used; the message is for the office (Chinese)."""


@dataclass
class Previous:
    """One earlier result workbook, its figures recomputed from its 数据."""

    path: Path
    summary: Summary
    # a township result's detail sheets; None for one that is missing or whose header was edited
    details: dict[str, pd.DataFrame | None] = field(default_factory=dict)

    @property
    def period(self) -> str:
        return self.summary.period

    @property
    def label(self) -> str:
        return period_label(self.period) if self.period else self.path.stem


def read_previous(path: str | os.PathLike[str]) -> Previous:
    """Read an earlier result workbook (a township's 汇总表 or a roll-up's). Raises
    :class:`PreviousError` when it is not one or cannot be read."""
    from .rollup import RollupError, read_result

    p = Path(path)
    try:
        child = read_result(p)
        book = load_book(p)
    except (RollupError, Unreadable) as exc:
        raise PreviousError(f"上期汇总表 {p.name} 无法使用：{exc}") from exc
    summary = summary_of(child, book.meta)
    details = {}
    if child.level == 1:
        for v in schema.VANISHED:
            raw = book.sheet(v.sheet)
            details[v.sheet] = None if raw is None else _detail(raw, schema.BRANCH_SHEET[v.sheet], v)
    return Previous(p, summary, details)


def summary_of(child: Any, meta: dict[str, str]) -> Summary:
    """A result workbook's Summary (``child``: :class:`cxzy_xl.rollup.ChildResult`), every figure
    recomputed from its 数据 and graded with the thresholds its ``_meta`` recorded; a roll-up's
    下级汇总 with 排名; its 问题清单 as the findings."""
    from .aggregate import Summary, summarise
    from .rollup import _segments, _settings, _unit_rows

    settings = _settings(meta) or schema.Settings()
    settings.period = child.period
    settings.committee = child.unit
    by_branch, by_type, total = summarise(child.base, settings)
    by_unit = None
    if child.level > 1:
        parts = _segments(child.base, meta, child.level)
        by_unit = with_rank(_unit_rows(parts)) if parts else None
    return Summary(by_branch=by_branch, by_type=by_type, total=total, base=child.base, settings=settings,
                   findings=list(child.findings), missing=child.missing, expected=child.expected, by_unit=by_unit,
                   level=child.level, unit=child.unit)


def read_previous_all(paths: Iterable[str | os.PathLike[str] | Previous], period: str = "") -> list[Previous]:
    """Several earlier results, oldest first. Each must be of an earlier report period than ``period``
    (when known) and no two of the same period: a mix-up the office is told of, not a comparison
    with the wrong quarter."""
    out = [p if isinstance(p, Previous) else read_previous(p) for p in paths]
    seen: dict[str, Previous] = {}
    for prev in out:
        if period and prev.period and period_end(prev.period) >= period_end(period):
            raise PreviousError(f"上期汇总表 {prev.path.name} 的报告期是{prev.label}，不早于本期"
                                f"{period_label(period)}，请核对是否选错了文件")
        if prev.period in seen:
            raise PreviousError(f"{prev.path.name} 与 {seen[prev.period].path.name} 是同一报告期（{prev.label}）"
                                "的汇总表，请只保留一份")
        seen[prev.period] = prev
    return sorted(out, key=lambda p: period_end(p.period) if p.period else dt.date.min)


def _detail(raw: RawSheet, sheet: schema.Sheet, v: schema.Vanish) -> pd.DataFrame | None:
    """A detail sheet of a result (header in row 1) as comparable values: text without spaces, dates
    as dates, ID numbers as the result shows them (masked). None when its header no longer says which
    column is which (edited since), so that the comparison is reported as skipped."""
    rows = raw.rows
    if not rows:
        return pd.DataFrame()
    header = [str(h).strip() if not is_blank(h) else "" for h in rows[0]]
    wanted = [schema.CODE_COL, *sheet.labels]
    at = {h: c for c, h in enumerate(header) if h in wanted}
    if schema.CODE_COL not in at or not any(all(k in at for k in key) for key in v.keys):
        return None
    records = []
    for r, row in enumerate(rows[1:], start=2):
        if not any(not is_blank(v) for v in row):
            continue
        rec: dict[str, Any] = {SOURCE_ROW: r}
        for label in wanted:
            c = at.get(label)
            v = row[c] if c is not None and c < len(row) else None
            rec[label] = _value(sheet.field(label), v) if label in sheet.labels else _key_text(v)
        records.append(rec)
    return pd.DataFrame(records)


def _key_text(v: Any) -> str:
    if is_blank(v):
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return squeeze(str(v))


def _value(f: schema.Field, v: Any) -> Any:
    if is_blank(v):
        return ""
    if f.kind is schema.Kind.DATE:
        norm = normalize_value(f, v)
        return norm.value if norm.ok and norm.value is not None else _key_text(v)
    if f.kind is schema.Kind.ID_NUMBER:
        text = _key_text(v).upper()
        return mask_id(text) if len(text) == 18 and "*" not in text else text
    return _key_text(v)


def _current(df: pd.DataFrame, sheet: schema.Sheet) -> pd.DataFrame:
    """This quarter's rows in the same comparable form as :func:`_detail`."""
    out = pd.DataFrame(index=df.index)
    for f in sheet.fields:
        col = df[f.label]
        if f.kind is schema.Kind.DATE:
            out[f.label] = [v.date() if isinstance(v, pd.Timestamp) and not pd.isna(v) else "" for v in col]
        else:
            out[f.label] = [_value(f, v) for v in col.astype(object)]
    return out


def _is_open(df: pd.DataFrame, o: schema.Open | None) -> pd.Series:
    if o is None:
        return pd.Series(True, index=df.index)
    col = df[o.column]
    if o.values:
        return col.isin(o.values)
    return col.map(lambda v: v == "" or is_blank(v))


def _describe(row: Any, labels: Sequence[str]) -> str:
    parts = []
    for label in labels:
        v = row.get(label, "")
        if v == "" or is_blank(v):
            continue
        parts.append(f"{label}{display(v) if isinstance(v, dt.date) else v}")
    return "，".join(parts)


def vanished(batch: Batch, previous: Previous) -> list[Finding]:
    """The rows open in ``previous`` (schema.VANISHED) that this quarter's submission of the same branch
    no longer has; a branch that did not report this quarter is chased as MISSING_SUBMISSION instead.
    A departed member's row (备注 转出、去世…) is still a row: it matches, so it is not missing."""
    out: list[Finding] = []
    files = {res.code: res for res in batch.results.values() if res.code}
    for v in schema.VANISHED:
        if v.sheet in previous.details and previous.details[v.sheet] is None:
            out.append(make(Code.SKIPPED, previous.path.name, sheet=v.sheet,
                            detail=f"上期汇总表的“{v.sheet}”工作表已删除或表头已改动，本期{v.sheet}未与上期比对"))
            continue
        before = previous.details.get(v.sheet)
        if before is None or before.empty:
            continue
        sheet = schema.BRANCH_SHEET[v.sheet]
        now_all = batch.tables[v.sheet]
        now_all = now_all.assign(**{schema.CODE_COL: now_all[schema.CODE_COL].astype(object)})
        before = before[_is_open(before, v.open)]
        code = Code[v.code]
        for branch, rows in before.groupby(schema.CODE_COL, sort=False):
            res = files.get(str(branch))
            if res is None or v.sheet not in res.sheets:
                continue
            mine = now_all[now_all[schema.FILE_COL] == res.file]
            now = _current(mine, sheet)
            seen = [{tuple(r) for r in now[list(key)].itertuples(index=False) if all(x != "" for x in r)}
                    for key in v.keys]
            rec = res.sheets[v.sheet]
            free_row = max(rec.rows, default=rec.header_row) + 1
            col = rec.columns.get(v.keys[0][0], 0)
            for _, row in rows.iterrows():
                usable = [(i, tuple(row[k] for k in key)) for i, key in enumerate(v.keys)
                          if all(row[k] != "" for k in key)]
                if not usable or any(vals in seen[i] for i, vals in usable):
                    continue
                said = (f"上期（{previous.label}）汇总表“{v.sheet}”第{row[SOURCE_ROW]}行："
                        f"{_describe(row, v.describe)}。{v.ask}")
                out.append(make(code, res.file, branch_code=res.code, sheet=v.sheet, row=free_row,
                                column=v.keys[0][0], cell=a1(free_row - 1, col), value=str(row[v.keys[0][0]]),
                                detail=said))
    return out


# --- figures beside last quarter's ----------------------------------------------------------------

def with_rank(by_unit: pd.DataFrame) -> pd.DataFrame:
    """下级汇总 with 排名 by 综合得分 (the units of a roll-up are ranked as branches are)."""
    out = by_unit.copy()
    if len(out) and "综合得分" in out:
        out["排名"] = out["综合得分"].rank(ascending=False, method="min").astype("Int64")
    return out


def submission_column(summary: Summary) -> pd.Series | None:
    """报送情况 (按时 / 逾期) of each branch row, from 数据's 逾期报送数 (None before that column existed)."""
    if "逾期报送数" not in summary.base.columns:
        return None
    late = dict(zip(summary.base["党组织编码"], summary.base["逾期报送数"], strict=True))
    return summary.by_branch["党组织编码"].map(lambda c: LATE if late.get(c, 0) else ON_TIME)


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
            by_branch = _beside(by_branch, last.summary.by_branch, "党组织编码")
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


__all__ = ["PREV_RANK", "PREV_SCORE", "RANK_CHANGE", "SUBMITTED", "Previous", "PreviousError", "compared",
           "read_previous", "read_previous_all", "summary_of", "totals_over_time", "vanished", "with_rank"]
