"""The written outputs: a 工作总结（草稿） and a 情况通报 (.docx) from a result workbook, every figure filled in.

A result workbook (a township's 汇总表 or a county's roll-up) is read the way a roll-up reads it: every
figure recomputed from its 数据 sheet (:func:`cxzy_xl.history.summary_of`), names and items from its
detail sheets, 督导组汇总, 未报送 and 问题清单, last period's figures from what ``_meta`` recorded when
the result was made with ``--previous``. From that comes one dictionary of named variables
(:func:`report_context`, listed in :data:`VARIABLES`), which the Word templates (docx_templates/, built by
tools/report_templates.py; docxtpl) turn into prose. A figure the data cannot give is ``None`` or an empty
list, and the templates leave its sentence part out.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
from docxtpl import DocxTemplate

from . import schema
from .aggregate import (
    CUMULATIVE,
    DISPLAYS,
    FIGURE_BASE,
    FLOW_FIGURES,
    UNVERIFIED_COL,
    as_shown,
    figures,
    grade,
    show,
    shown,
    submissions,
    unverified,
)
from .files import AUTHOR, atomic, safe_filename
from .findings import Code, Severity
from .model import ChildResult, RollupError, Summary
from .normalize import is_blank, normalize_value, period_end, period_label
from .read import RawBook
from .resultbook import kept_sheet, open_result, recorded_requirements, summary_of
from .review import area_word, praise, requirements
from .tallies import LATE_COUNT, tally_totals

REPORT_MARK = "cxzy-report"
# The standard Word templates, shipped as package data (tools/report_templates.py writes them).
TEMPLATE_DIR = Path(__file__).parent / "docx_templates"
SUMMARY_TEMPLATE, NOTICE_TEMPLATE, COMMENT_TEMPLATE = "工作总结模板.docx", "情况通报模板.docx", "支部点评模板.docx"
KINDS = ("总结", "通报", "点评")
# The figures a 点评 opens with, as 支部汇总 shows them.
COMMENT_FIGURES = ("党员数", "活动次数", "参学率", "承诺数", "承诺兑现率", "民情件数", "办结率", "办实事项目数", "综合得分")
TOP_PROJECTS = 3  # the largest projects named, as seed 002 names them
LOW_RATES = 3  # branches named as lowest on a rate
ITEMS_NAMED = 3  # overdue commitments or concerns named per branch
ITEM_CHARS = 24  # an item's text is cut to this many characters in the prose
NAMED = 5  # names listed in a sentence before 等
STARTED = ("实施中", "已完成")  # projects that may be named as 成效 (a planned one is not yet one)


class ReportError(Exception):
    """A result workbook or a template that cannot be used; the message is for the office (Chinese)."""


@dataclass
class Reports:
    """What :func:`write_reports` wrote, and what the office should know about the result it read."""

    summary: Path
    notice: Path
    notes: list[str] = field(default_factory=list)
    comments: Path | None = None  # the 点评, when asked for


# --- formats: one filter per kind of figure --------------------------------------------------------

def _fixed(x: Any, digits: int, scale: float = 1.0) -> str:
    """``x × scale`` with ``digits`` decimals; "" for no figure (what the templates' ``if`` leaves out)."""
    if _none(x):
        return ""
    y = float(x) * scale
    return f"{y:.{digits}f}" if math.isfinite(y) else ""


def _as(x: Any, display: str) -> str:
    """``x`` as the result workbook shows it (aggregate.DISPLAYS): the same text in both."""
    return "" if _none(x) or not math.isfinite(float(x)) else show(x, DISPLAYS[display])


def _pct(rate: Any) -> str:
    return _as(rate, "pct")


def _wan(x: Any) -> str:
    # the 汇总表's digits and rounding; prose in a 公文 writes 1066.20, without the table's 1,066.20
    return "" if _none(x) or not math.isfinite(float(x)) else show(x, replace(DISPLAYS["num"], grouped=False))


def _score(x: Any) -> str:
    return _as(x, "score") or "未评"


def _number(x: Any) -> str:
    if _none(x):
        return ""
    x = float(x)
    return str(int(x)) if x.is_integer() else _fixed(x, 2).rstrip("0").rstrip(".")


def _change(d: Any, unit: str) -> str:
    shown = _fixed(abs(float(d)), 1) if not _none(d) else ""
    if not shown or shown == "0.0":
        return "持平"
    return f"{'提高' if d > 0 else '下降'}{shown}{unit}"


def _points(d: Any) -> str:
    """A change of a rate in 百分点 (the argument is already ×100)."""
    return _change(d, "个百分点")


def _score_change(d: Any) -> str:
    return _change(d, "分")


def _two(x: Any) -> str:
    return _fixed(x, 2) or "未评"


def _named(names: Any) -> str:
    """Names in a sentence: all of them up to :data:`NAMED`, else the first ones and 等 (the table has the rest)."""
    names = [str(n) for n in names]
    return _listing(names) if len(names) <= NAMED else f"{_listing(names[:NAMED])}等（见上表）"


def _rank_change(n: Any) -> str:
    if _none(n):
        return "无"
    n = int(n)
    return "持平" if n == 0 else f"上升{n}" if n > 0 else f"下降{-n}"


def _listing(items: Any) -> str:
    return "、".join(str(i) for i in items)


FILTERS: dict[str, Any] = {
    "百分比": _pct,  # 0.748 → 74.8%
    "万元": _wan,  # 1066.2 → 1066.20
    "分": _score,  # 87.24 → 87.2 (no score: 未评)
    "两位小数": _two,  # 87.236 → 87.24 (the ranking table: scores that look equal are not)
    "数": _number,  # 1234.0 → 1234, 12.5 → 12.5
    "百分点": _points,  # 6.8 → 提高6.8个百分点
    "升降": _score_change,  # 0.9 → 提高0.9分
    "名次": _rank_change,  # 3 → 上升3
    "顿号": _listing,  # [甲, 乙] → 甲、乙
    "列举": _named,  # more than five names: the first five and 等（见上表）
}


def _none(v: Any) -> bool:
    """No figure: None, NA, NaN, or a number no sentence can state (±inf)."""
    if v is None or v is pd.NA:
        return True
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return not math.isfinite(v)
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _num(v: Any) -> float | None:
    return None if _none(v) else float(v)


def _int(v: Any) -> int:
    return 0 if _none(v) else int(round(float(v)))


# --- reading the result ----------------------------------------------------------------------------

def _child_word(level: int) -> str:
    return "党支部" if level <= 1 else "乡镇" if level == 2 else "县（市、区）"


def _cn_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _detail(book: Any, name: str) -> pd.DataFrame:
    """A detail sheet of a township result as values: dates as dates, numbers as numbers."""
    raw = kept_sheet(book, name)
    sheet = schema.BRANCH_SHEET[name]
    if raw is None or not raw.rows:
        return pd.DataFrame()
    header = [str(h).strip() if not is_blank(h) else "" for h in raw.rows[0]]
    records = []
    for row in raw.rows[1:]:
        if not any(not is_blank(v) for v in row):
            continue
        rec = {}
        for c, h in enumerate(header):
            v = row[c] if c < len(row) else None
            if h in sheet.labels and not is_blank(v):
                f = sheet.field(h)
                if f.kind in (schema.Kind.DATE, schema.Kind.NUMBER, schema.Kind.INT):
                    norm = normalize_value(f, v)
                    v = norm.value if norm.ok else None
            rec[h] = None if is_blank(v) else v
        records.append(rec)
    return pd.DataFrame(records)


def _groups(book: Any) -> list[dict[str, Any]]:
    raw = book.sheet("督导组汇总")
    if raw is None:
        return []
    at = next((r for r, row in enumerate(raw.rows[:10]) if "督导组" in [str(v).strip() for v in row]), None)
    if at is None:
        return []
    header = [str(v).strip() if not is_blank(v) else "" for v in raw.rows[at]]
    out = []
    for row in raw.rows[at + 1:]:
        rec = {h: (row[c] if c < len(row) else None) for c, h in enumerate(header) if h}
        name = "" if is_blank(rec.get("督导组")) else str(rec["督导组"]).strip()
        if not name or name in ("合计", "未分组"):
            continue
        out.append({"名称": name, "联系领导": "" if is_blank(rec.get("联系领导")) else re.sub(r"\s+", "", str(rec["联系领导"])),
                    "联系支部数": _int(rec.get("联系支部数"))})
    return out


def _cut(text: Any) -> str:
    t = re.sub(r"\s+", "", str(text))
    return t if len(t) <= ITEM_CHARS else t[: ITEM_CHARS - 1] + "…"


def _overdue_items(df: pd.DataFrame, end: dt.date, d: schema.Deadline, what: str) -> dict[str, list[str]]:
    """Per branch code: the first :data:`ITEMS_NAMED` rows overdue at ``end`` by ``d``, quoted."""
    if df.empty or d.due not in df or d.column not in df or what not in df:
        return {}
    out: dict[str, list[str]] = {}
    for _, row in df[d.overdue(df, end)].iterrows():
        if _none(row.get(what)):
            continue
        mine = out.setdefault(str(row.get(schema.CODE_COL) or ""), [])
        if len(mine) < ITEMS_NAMED:
            mine.append(f"“{_cut(row[what])}”")
    return out


def report_context(result: str | os.PathLike[str], *, today: dt.date | None = None) -> dict[str, Any]:
    """The named variables of the written outputs for a result workbook (README lists them)."""
    return _context(result, today)[0]


def _read(path: Path) -> tuple[ChildResult, RawBook, Summary]:
    try:
        child, book = open_result(path)
    except RollupError as exc:
        why = str(exc).replace("，不能用于逐级汇总", "")
        raise ReportError(f"{path.name} 不能用来生成总结和通报：{why}") from exc
    return child, book, summary_of(child, book.meta)


def _context(result: str | os.PathLike[str], today: dt.date | None) -> tuple[dict[str, Any], list[str]]:
    path = Path(result)
    child, book, s = _read(path)
    meta = book.meta
    notes = [f.message for f in child.findings if f.code in (Code.RESULT_EDITED, Code.SKIPPED)
             and not f.file.startswith(f"{child.unit}/")]
    level = s.level
    county = level > 1
    t = s.total.iloc[0]
    tallies = tally_totals(s.base)
    period = period_label(s.period) if s.period else ""
    end = period_end(s.period) if s.period else dt.date.today()
    missing = s.missing
    sent = submissions(s)
    ctx: dict[str, Any] = {
        "单位": s.unit, "报告期": period, "辖区": area_word(s.unit), "是汇总": county, "下级称谓": _child_word(level),
        "下级数": len(s.by_unit) if county and s.by_unit is not None else sent.reported,
        "成文日期": _cn_date(today or dt.date.today()),
        "应报数": sent.expected, "已报数": sent.reported, "未报数": sent.missing, "逾期数": sent.late,
        "按时数": sent.on_time, "按时报送率": sent.on_time_rate,
    }
    # 基本情况
    types = s.by_type[s.by_type["党组织类型"] != "合计"]
    ctx["支部类型"] = [{"类型": ty, "个数": _int(n)} for ty, n in zip(types["党组织类型"], types["党组织数"], strict=True)
                   if _int(n)]
    for name in ("党员数", "预备党员数", "流动党员数", "承诺数", "已兑现承诺数", "超期承诺数", "活动次数", "应参加人次",
                 "实际参加人次", "办实事项目数", "受益户数", "民情件数", "已办结件数", "超期未办结件数", "示范岗数", "错误数",
                 "警告数"):
        ctx[name] = _int(t[name])
    for name in ("承诺兑现率", "参学率", "办结率", "测评满意率"):
        ctx[name] = _num(t[name])
    ctx["学时合计"] = _num(t["学时合计"]) or 0.0
    ctx["投入资金"] = _num(t["投入资金（万元）"]) or 0.0
    ctx["争取上级资金"] = _num(t["争取上级资金（万元）"]) or 0.0
    ctx["五个好平均得分"] = _num(t["五个好得分"])
    ctx["综合平均得分"] = _num(t["综合得分"])
    ctx["女党员数"] = tallies["性别·女"]
    ctx["老年党员数"] = tallies["年龄·61岁及以上"]
    ctx["督导组"] = [] if county else _groups(book)
    ctx["督导组数"] = len(ctx["督导组"])
    ctx["成立领导小组数"] = tallies["成立领导小组支部数"]
    ctx["制定实施方案数"] = tallies["制定实施方案支部数"]
    ctx["召开动员大会数"] = tallies["召开动员大会支部数"]
    ctx["按期召开动员大会数"] = tallies["按期召开动员大会支部数"]
    by = meta.get("mobilised_by", "")
    ctx["动员大会截止日期"] = _cn_date(dt.date.fromisoformat(by)) if by else ""
    ctx["特色党支部"] = [{"类型": c.split("·")[1], "个数": n} for c, n in tallies.items()
                    if c.startswith("特色党支部·") and not c.endswith("·未填") and n]
    # 主要做法和成效
    ctx["作出承诺党员数"] = tallies["作出承诺党员数"]
    ctx["认领示范岗党员数"] = tallies["认领示范岗党员数"]
    ctx["参与党员数"] = tallies["参与党员数"]
    ctx["参与率"] = tallies["参与党员数"] / ctx["党员数"] if ctx["党员数"] else None
    ctx["承诺类别"] = [{"类别": c.split("·")[1], "项数": n} for c, n in tallies.items()
                   if c.startswith("公开承诺·") and not c.endswith("·未填") and n]
    ctx["表彰已获评"], ctx["表彰推荐中"] = _awards(tallies, "已获评"), _awards(tallies, "推荐中")
    ctx["民主评议"] = [{"等次": c.split("·")[1], "人数": n} for c, n in tallies.items()
                   if c.startswith("民主评议·") and not c.endswith("·未填") and n]
    rows, key, name_col = _rows(s)
    details = {} if county else {n: _detail(book, n) for n in ("为民办实事", "公开承诺", "民情台账")}
    ctx["重点项目"] = _top_projects(rows, details.get("为民办实事"), county)
    # 与上期相比
    prev = _previous(meta)
    ctx.update(_compared(t, prev))
    if not child.tallies:
        _unknown_tallies(ctx)
    ranks = prev.get("ranks", {}) if prev else {}
    ctx.update(_ranking(rows, key, name_col, ranks, s, county))
    ctx["待核实"] = _unverified(s, rows, name_col, county)
    # 存在的问题
    ctx["兑现率偏低"] = _lowest(rows, name_col, "承诺兑现率", "承诺数", ctx["承诺兑现率"])
    ctx["参学率偏低"] = _lowest(rows, name_col, "参学率", "应参加人次", ctx["参学率"])
    promises = _overdue_items(details.get("公开承诺", pd.DataFrame()), end, schema.DEADLINE["公开承诺"], "承诺内容")
    concerns = _overdue_items(details.get("民情台账", pd.DataFrame()), end, schema.DEADLINE["民情台账"], "反映问题")
    ctx["超期承诺支部"] = _overdue(rows, key, name_col, "超期承诺数", promises)
    ctx["超期民情支部"] = _overdue(rows, key, name_col, "超期未办结件数", concerns)
    ctx["未报送"] = [(f"{n}（{u}）" if county and not _none(u) else str(n))
                  for u, n in zip(missing.get("单位名称", [""] * len(missing)), missing["党组织名称"], strict=True)]
    if county:
        late_rows = s.base[s.base[LATE_COUNT] > 0] if LATE_COUNT in s.base else s.base.iloc[0:0]
        ctx["逾期报送"] = [f"{n}（{u}）" for u, n in zip(late_rows["单位名称"], late_rows["党组织名称"], strict=True)]
    else:
        ctx["逾期报送"] = [r["党组织名称"] for _, r in s.base.iterrows() if _int(r.get(LATE_COUNT, 0))]
    ctx["有问题单位"] = [str(r[name_col]) for _, r in rows.iterrows() if _int(r["错误数"]) or _int(r["警告数"])]
    ctx["有问题"] = bool(ctx["兑现率偏低"] or ctx["参学率偏低"] or ctx["超期承诺支部"] or ctx["超期民情支部"]
                      or ctx["未报送"] or ctx["逾期报送"] or ctx["错误数"] or ctx["警告数"] or ctx["偏低等次名单"]
                      or ctx["待核实"])
    ctx["整改"] = _fixes(rows, key, name_col, s, ctx, county)
    return ctx, notes


def _unknown_tallies(ctx: dict[str, Any]) -> None:
    """A result written before 数据 had the 分项统计 columns: those read as 0, which the documents
    must not state as facts (“0个成立了领导小组”, “均按时报送”); they are left unsaid instead."""
    for name in ("女党员数", "老年党员数", "成立领导小组数", "制定实施方案数", "召开动员大会数", "按期召开动员大会数",
                 "作出承诺党员数", "认领示范岗党员数", "参与党员数", "参与率", "逾期数", "按时数", "按时报送率"):
        ctx[name] = None
    for name in ("特色党支部", "承诺类别", "表彰已获评", "表彰推荐中", "民主评议", "逾期报送"):
        ctx[name] = []
    ctx["动员大会截止日期"] = ""


def _awards(tallies: Mapping[str, int], result: str) -> list[dict[str, Any]]:
    cats = schema.BRANCH_SHEET["评选表彰"].field("表彰类别").choices
    out = []
    for cat in cats:
        n = sum(v for c, v in tallies.items() if c.startswith(f"评选表彰·{cat}·{result}·"))
        if n:
            out.append({"类别": cat, "数量": n, "量词": "个" if "组织" in cat else "名"})
    return out


def _unverified(s: Any, rows: pd.DataFrame, name_col: str, county: bool) -> list[dict[str, Any]]:
    """Who has figures 待核实 (inputs left out): each branch with the figures, or in a roll-up each unit
    with how many of its branches."""
    if not county:
        if UNVERIFIED_COL not in rows:
            return []
        return [{"名称": str(r[name_col]), "项目": str(r[UNVERIFIED_COL])} for _, r in rows.iterrows()
                if not _none(r[UNVERIFIED_COL]) and str(r[UNVERIFIED_COL])]
    flagged = [bool(f) for f in unverified(s.base)]
    if not any(flagged) or schema.UNIT_COL not in s.base:
        return []
    per_unit = pd.Series(flagged, index=s.base.index).groupby(s.base[schema.UNIT_COL], sort=False).sum()
    return [{"名称": str(u), "项目": f"{int(n)}个党支部"} for u, n in per_unit.items() if n]


def _rows(s: Any) -> tuple[pd.DataFrame, str, str]:
    """The rows the documents rank and name: branches, or a roll-up's units."""
    if s.by_unit is not None:
        rows = s.by_unit.copy()
        rows["等次"] = [grade(v, s.settings) for v in rows["综合得分"]]
        return rows, "单位名称", "单位名称"
    return s.by_branch, schema.CODE_COL, "党组织名称"


def _top_projects(rows: pd.DataFrame, projects: pd.DataFrame | None, county: bool) -> list[dict[str, Any]]:
    if county:
        top = rows[rows["投入资金（万元）"] > 0].sort_values("投入资金（万元）", ascending=False, kind="stable")
        return [{"党组织": r["单位名称"], "项目": "", "情况": "", "项目数": _int(r["办实事项目数"]),
                 "资金": float(r["投入资金（万元）"])}
                for _, r in top.head(TOP_PROJECTS).iterrows()]
    if projects is None or projects.empty or "投入资金（万元）" not in projects:
        return []
    started = projects["完成情况"].isin(STARTED) if "完成情况" in projects else False
    df = projects[(pd.to_numeric(projects["投入资金（万元）"], errors="coerce").fillna(0) > 0) & started]
    df = df.assign(_f=pd.to_numeric(df["投入资金（万元）"])).sort_values("_f", ascending=False, kind="stable")
    return [{"党组织": r.get(schema.NAME_COL) or "", "项目": _cut(r["项目名称"]) if not _none(r.get("项目名称")) else "",
             "情况": "已完成" if r["完成情况"] == "已完成" else "正在实施", "项目数": None, "资金": float(r["_f"])}
            for _, r in df.head(TOP_PROJECTS).iterrows()]


def _previous(meta: Mapping[str, str]) -> dict[str, Any] | None:
    try:
        prev = json.loads(meta["previous"]) if meta.get("previous") else None
    except ValueError:
        return None
    if not isinstance(prev, dict):
        return None
    prev["ranks"] = {str(k): (score, rank) for k, score, rank in prev.get("ranks", [])}
    return prev


_CHANGES = (  # (指标, figure, kind, unit): what 与上期相比 speaks of, all of them in 总览's 环比 block
    ("党员", "党员数", "count", "名"), ("承诺兑现率", "承诺兑现率", "pct", ""), ("参学率", "参学率", "pct", ""),
    ("民情办结率", "办结率", "pct", ""), ("综合平均得分", "综合得分", "score", "分"),
)


def _compared(t: Any, prev: dict[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {"上期": "", "环比": [], "综合得分变化": None, "兑现率变化": None, "参学率变化": None,
                           "办结率变化": None, "党员增减": None}
    if not prev or not isinstance(prev.get("total"), dict):
        return out
    base = pd.DataFrame([{c: float(prev["total"].get(c, 0.0)) for c in FIGURE_BASE}])
    before = figures(base).iloc[0]
    out["上期"] = prev.get("label") or period_label(prev.get("period", ""))
    like = all(c in prev["total"] for c in CUMULATIVE)  # an older result's flows counted its whole files
    for label, fig, kind, unit in _CHANGES:
        if fig in FLOW_FIGURES and not like:
            continue
        now, was = _num(t[fig]), _num(before[fig])
        if now is None or was is None:
            continue
        if kind == "pct":  # the change of the figures as shown, so that a reader's subtraction agrees
            d = round(as_shown(now, "pct") - as_shown(was, "pct"), 6)
            said = f"由{_pct(was)}{'提高到' if d > 0 else '下降到' if d < 0 else '保持在'}{_pct(now)}"
            said += f"（{_points(d)}）" if round(d, 1) else ""
        elif kind == "score":
            d = round(as_shown(now, "score") - as_shown(was, "score"), 6)
            said = f"由{_score(was)}分{'提高到' if d > 0 else '下降到' if d < 0 else '保持在'}{_score(now)}分"
        else:
            d = now - was
            fmt = _wan if kind == "num" else _number
            said = (f"由{fmt(was)}{unit}{'增加到' if d > 0 else '减少到' if d < 0 else '保持在'}{fmt(now)}{unit}")
        if kind in ("pct", "score") and round(d, 1) == 0 or kind != "pct" and kind != "score" and d == 0:
            said = f"与上期持平（{_pct(now) if kind == 'pct' else fmt(now) + unit if kind != 'score' else _score(now) + '分'}）"
        out["环比"].append({"指标": label, "本期": now, "上期": was, "变化": d, "说法": said})
        key = {"综合得分": "综合得分变化", "承诺兑现率": "兑现率变化", "参学率": "参学率变化", "办结率": "办结率变化",
               "党员数": "党员增减"}.get(fig)
        if key:
            out[key] = d
    return out


def _ranking(rows: pd.DataFrame, key: str, name_col: str, ranks: Mapping[str, Any], s: Any,
             county: bool) -> dict[str, Any]:
    table = []
    for _, r in rows.iterrows():
        rank = None if _none(r.get("排名")) else int(r["排名"])
        was = ranks.get(str(r[key]))
        prev_rank = None if was is None or was[1] is None else int(was[1])
        change = prev_rank - rank if prev_rank is not None and rank is not None else None
        if rank is None and not county:
            continue  # an unranked branch (综合得分 待核实) is named apart, not ranked
        table.append({"排名": rank if rank is not None else "未评", "名称": str(r[name_col]),
                      "综合得分": _num(r["综合得分"]), "等次": r.get("等次") or "未评",
                      "上期排名": prev_rank if prev_rank is not None else "无", "排名变化": change,
                      "_sort": (rank is None, rank or 0, str(r[key]))})
    table.sort(key=lambda x: x["_sort"])
    for row in table:
        del row["_sort"]
    grades = sorted(s.settings.thresholds, key=lambda x: -x[1])
    top = grades[0][0] if grades else ""
    up = sorted((r for r in table if r["排名变化"] is not None and r["排名变化"] >= 3),
                key=lambda r: -r["排名变化"])[:3]
    names = [n for n, _ in grades] + [schema.LOWEST_GRADE]
    low = set(names[len(names) // 2:])  # 一般 and 较差 of the four
    return {"排名表": table, "对象列": "单位" if county else "党组织", "有上期排名": bool(ranks),
            "偏低等次名单": [{"等次": g, "名称": [r["名称"] for r in table if r["等次"] == g]}
                       for g in names if g in low and any(r["等次"] == g for r in table)],
            "最高等次": top, "最低等次": schema.LOWEST_GRADE,
            "最高等次名单": [r["名称"] for r in table if top and r["等次"] == top],
            "最低等次名单": [r["名称"] for r in table if r["等次"] == schema.LOWEST_GRADE],
            "进步较大": [{"名称": r["名称"], "变化": r["排名变化"]} for r in up]}


def _lowest(rows: pd.DataFrame, name_col: str, rate: str, den: str, whole: float | None) -> list[dict[str, Any]]:
    if whole is None:
        return []
    df = rows[(rows[den] > 0) & rows[rate].notna()]
    df = df[df[rate].astype("float64") <= whole - schema.CLEAR_GAP + 1e-12].sort_values(rate, kind="stable")
    return [{"名称": str(r[name_col]), "值": float(r[rate])} for _, r in df.head(LOW_RATES).iterrows()]


def _overdue(rows: pd.DataFrame, key: str, name_col: str, col: str, items: Mapping[str, list[str]]
             ) -> list[dict[str, Any]]:
    df = rows[rows[col] > 0].sort_values(col, ascending=False, kind="stable")
    return [{"名称": str(r[name_col]), "数量": _int(r[col]), "事项": items.get(str(r[key]), [])} for _, r in df.iterrows()]


def _fixes(rows: pd.DataFrame, key: str, name_col: str, s: Any, ctx: Mapping[str, Any],
           county: bool) -> list[dict[str, Any]]:
    """通报's 整改要求: per branch (unit), what it must put right, in the order of the ranking."""
    sheets: dict[str, list[str]] = {}
    order = {sh.name: i for i, sh in enumerate(schema.BRANCH_SHEETS)}
    for f in s.findings:
        if f.severity is Severity.ERROR and f.branch_code and f.sheet:
            mine = sheets.setdefault(f.branch_code, [])
            if f.sheet not in mine:
                mine.append(f.sheet)
    late = set(ctx["逾期报送"])
    lowest = set(ctx["最低等次名单"])
    out = []
    ranked = {r["名称"]: i for i, r in enumerate(ctx["排名表"])}
    for _, r in sorted(rows.iterrows(), key=lambda x: ranked.get(str(x[1][name_col]), 0)):
        name, asks = str(r[name_col]), []
        if name in lowest:
            asks.append(f"综合得分评为“{schema.LOWEST_GRADE}”，请认真查找原因，制定整改措施")
        if _int(r["错误数"]):
            where = sorted(sheets.get(str(r[key]), []), key=lambda x: order.get(x, 99))
            asks.append(f"报表有填报错误{_int(r['错误数'])}处" + (f"（{_listing(where)}）" if where else "")
                        + ("，请督促有关党支部修改" if county else "，请对照问题清单修改后重新报送"))
        if _int(r["警告数"]):
            asks.append(f"有需要核实的问题{_int(r['警告数'])}处，请逐项核实")
        if _int(r["超期承诺数"]):
            asks.append(f"超期未兑现承诺{_int(r['超期承诺数'])}项，请加快推进、尽快兑现")
        if _int(r["超期未办结件数"]):
            asks.append(f"超期未办结民情{_int(r['超期未办结件数'])}件，请限期办结并回复群众")
        if not county and name in late:
            asks.append("本期报表逾期报送，下期请在截止日期前报送")
        if county and any(x.endswith(f"（{name}）") for x in late):
            asks.append("有党支部逾期报送，请督促按时报送")
        if asks:
            out.append({"名称": name, "要求": asks})
    if not county:
        out += [{"名称": n, "要求": ["本期未报送，请尽快补报"]} for n in ctx["未报送"]]
    else:
        units: dict[str, list[str]] = {}
        for u, n in zip(s.missing.get("单位名称", []), s.missing["党组织名称"], strict=False):
            units.setdefault(str(u), []).append(str(n))
        for entry in out:
            if entry["名称"] in units:
                entry["要求"].append(f"{_listing(units.pop(entry['名称']))}未报送，请督促尽快补报")
        out += [{"名称": u, "要求": [f"{_listing(ns)}未报送，请督促尽快补报"]} for u, ns in units.items()]
    return out


# --- 点评: a page per branch ----------------------------------------------------------------------

def comment_context(result: str | os.PathLike[str], *, today: dt.date | None = None) -> dict[str, Any]:
    """The named variables of the 点评 for a township's result workbook (README lists them): ``点评``, one
    entry per branch that reported, each sentence's figures as 支部汇总 shows them."""
    return _comment_context(Path(result), today)[0]


def _comment_context(path: Path, today: dt.date | None) -> tuple[dict[str, Any], list[str]]:
    child, book, s = _read(path)
    if s.level > 1:
        raise ReportError(f"{path.name} 是逐级汇总的汇总表：点评按党支部逐个写，请用乡镇的汇总表")
    notes = []
    asked = recorded_requirements(book)
    if asked is None:
        asked = requirements(s)
        notes.append(f"{path.name} 是旧版本生成的，没有记录整改要求：点评中的整改要求按汇总表中的数字重新得出，"
                     "下季度无法据此跟进，请用新版本重新汇总")
    prev = _previous(book.meta)
    ranks = prev.get("ranks", {}) if prev else {}
    rows = s.by_branch.copy()
    rows[schema.RANK_CHANGE] = [
        (int(ranks[str(c)][1]) - int(r)) if str(c) in ranks and ranks[str(c)][1] is not None and not _none(r) else None
        for c, r in zip(rows[schema.CODE_COL], rows["排名"], strict=True)]
    good = praise(replace(s, by_branch=rows))
    end = period_end(s.period) if s.period else dt.date.today()
    items = {"超期承诺": _overdue_items(_detail(book, "公开承诺"), end, schema.DEADLINE["公开承诺"], "承诺内容"),
             "超期民情": _overdue_items(_detail(book, "民情台账"), end, schema.DEADLINE["民情台账"], "反映问题")}
    ranked = int(rows["排名"].notna().sum())
    branches = []
    for _, r in rows.sort_values(schema.CODE_COL, kind="stable").iterrows():
        code = str(r[schema.CODE_COL])
        doubtful = set(str(r.get(UNVERIFIED_COL) or "").split("、")) - {""}
        figs = {name: shown(r[name], name) for name in COMMENT_FIGURES}
        mine = asked[asked[schema.CODE_COL].astype(str) == code]
        now = mine[mine["提出报告期"] == s.period]
        before = mine[mine["提出报告期"] != s.period]
        branches.append({
            "名称": str(r["党组织名称"]), "编码": code, **figs,
            "排名": "" if _none(r["排名"]) else int(r["排名"]), "等次": str(r.get("等次") or ""),
            "待核实": [n for n in COMMENT_FIGURES if n in doubtful and n != "综合得分"],
            "成绩": good.get(code, []),
            "问题": [{"事项": str(q["事项"]), "问题": str(q["问题"]), "要求": str(q["要求"]),
                    "期限": _cn_date(dt.date.fromisoformat(str(q["期限"])[:10])),
                    "内容": items.get(str(q["事项"]), {}).get(code, [])} for _, q in now.iterrows()],
            "跟进": [{"要求": str(q["要求"]), "跟进": str(q["跟进"]), "指标": str(q["指标"]),
                    "当时": shown(q["当时"], str(q["指标"])), "本期": shown(q["本期"], str(q["指标"]))}
                   for _, q in before.iterrows()],
        })
    ctx = {"单位": s.unit, "报告期": period_label(s.period) if s.period else "", "辖区": area_word(s.unit),
           "成文日期": _cn_date(today or dt.date.today()), "排名数": ranked, "点评": branches}
    return ctx, notes


def comment_filename(ctx: Mapping[str, Any]) -> str:
    return safe_filename(f"{ctx['单位']}创先争优活动支部点评（草稿）_{ctx['报告期'] or '未知报告期'}", suffix=".docx")


@dataclass
class Comments:
    """What :func:`write_comments` wrote, and what the office should know about the result it read."""

    path: Path
    notes: list[str] = field(default_factory=list)


def write_comments(result: str | os.PathLike[str], outdir: str | os.PathLike[str] | None = None, *,
                   template: str | os.PathLike[str] | None = None, today: dt.date | None = None) -> Comments:
    """Write the 点评 (``<单位>创先争优活动支部点评（草稿）_<报告期>.docx``, a page per branch) for a township's
    result workbook into ``outdir`` (default: the result's folder), from ``template`` (an office's own)
    or the standard one. Replaced only if ours and untouched, as the 总结 and 通报. Raises
    :class:`ReportError` (Chinese) for a result or template that cannot be used."""
    ctx, notes = _comment_context(Path(result), today)
    folder = Path(outdir) if outdir is not None else Path(result).parent
    name = comment_filename(ctx)
    with atomic(folder / name, replace=False, mark=REPORT_MARK, what="支部点评") as target:
        _render(Path(template) if template else TEMPLATE_DIR / COMMENT_TEMPLATE, ctx, target.tmp, Path(name).stem)
    return Comments(target.path, notes)


# --- writing ---------------------------------------------------------------------------------------

VARIABLES: dict[str, str] = {
    "单位": "汇总单位（所属党委）", "报告期": "如 2011年第二季度", "成文日期": "生成日期，如 2026年11月23日",
    "辖区": "全镇／全乡／全县……", "是汇总": "县级逐级汇总时为真", "下级称谓": "党支部／乡镇／县（市、区）",
    "下级数": "汇总的下级单位数（镇级为已报送支部数）",
    "应报数、已报数、未报数、按时数、逾期数": "报送情况（个）", "按时报送率": "按时报送的支部数 ÷ 应报支部数",
    "支部类型": "列表：类型、个数（已报送支部按党组织类型）",
    "党员数、预备党员数、流动党员数、女党员数、老年党员数": "党员（名；老年为61岁及以上；不含转出、去世的）",
    "督导组": "列表：名称、联系领导、联系支部数", "督导组数": "督导组个数",
    "成立领导小组数、制定实施方案数、召开动员大会数、按期召开动员大会数": "组织建设（个支部）",
    "动员大会截止日期": "设置中的动员大会截止日期（没有则为空）", "特色党支部": "列表：类型、个数",
    "承诺数、已兑现承诺数、超期承诺数、作出承诺党员数": "公开承诺", "承诺兑现率": "已兑现 ÷ 承诺数",
    "承诺类别": "列表：类别（五带头）、项数",
    "活动次数、应参加人次、实际参加人次、学时合计": "学习活动", "参学率": "实际参加人次 ÷ 应参加人次",
    "办实事项目数、投入资金、争取上级资金、受益户数": "为民办实事（资金单位万元）",
    "重点项目": "列表：党组织、项目、情况、项目数、资金（已开工项目中投入最多的3个；县级为投入最多的3个单位）",
    "民情件数、已办结件数、超期未办结件数": "民情台账", "办结率": "已办结 ÷ 民情件数",
    "示范岗数、认领示范岗党员数、参与党员数": "示范岗；参与党员为作出承诺或认领示范岗的党员",
    "参与率": "参与党员数 ÷ 党员数", "表彰已获评、表彰推荐中": "列表：类别、数量、量词",
    "民主评议": "列表：等次、人数", "测评满意率、五个好平均得分、综合平均得分": "考核测评",
    "上期": "上期报告期（汇总表用 --previous 生成时）",
    "环比": "列表：指标、本期、上期、变化、说法（如“由68.0%提高到74.8%（提高6.8个百分点）”）",
    "综合得分变化、兑现率变化、参学率变化、办结率变化、党员增减": "与上期相比的变化（比率为百分点）",
    "排名表": "列表：排名、名称、综合得分、等次、上期排名、排名变化（镇级只列参加排名的支部）", "对象列": "排名表第二列的表头",
    "待核实": "列表：名称、项目（有填报错误、相应数字未计入的支部和这些数字；县级为各乡镇的这类支部数），综合得分待核实的暂不排名",
    "有上期排名": "有上期排名时为真", "最高等次、最低等次": "如 好、较差",
    "最高等次名单、最低等次名单": "评为最高／最低等次的名称列表", "进步较大": "列表：名称、变化（上升3位及以上，最多3个）",
    "兑现率偏低、参学率偏低": "列表：名称、值（比全辖区低5个百分点以上的最低3个）",
    "超期承诺支部、超期民情支部": "列表：名称、数量、事项（镇级列出前3项内容）",
    "未报送、逾期报送": "名称列表", "有问题单位": "有填报错误或需要核实问题的名称列表",
    "偏低等次名单": "列表：等次、名称（评为较低两个等次的，按等次分组）", "错误数、警告数": "问题清单中的错误、警告个数",
    "有问题": "存在上述任何问题时为真", "整改": "列表：名称、要求（每个单位需整改的事项）",
}


def report_filenames(ctx: Mapping[str, Any]) -> tuple[str, str]:
    period = ctx["报告期"] or "未知报告期"
    return (safe_filename(f"{ctx['单位']}创先争优活动工作总结（草稿）_{period}", suffix=".docx"),
            safe_filename(f"{ctx['单位']}创先争优活动情况通报_{period}", suffix=".docx"))


def template_kind(path: str | os.PathLike[str]) -> str:
    """Which document an office's own template is for, from its file name (…总结… or …通报…)."""
    name = Path(path).name
    kinds = [k for k in KINDS if k in name]
    if len(kinds) != 1:
        raise ReportError(f"模板 {name} 的文件名中应含“总结”“通报”或“点评”（只含其一），以便知道它是哪一份文件的模板")
    return kinds[0]


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    env.filters.update(FILTERS)
    return env


def _render(template: Path, ctx: Mapping[str, Any], target: Path, title: str) -> None:

    try:
        tpl = DocxTemplate(str(template))
        tpl.render(dict(ctx), _environment())
    except jinja2.UndefinedError as exc:
        raise ReportError(f"模板 {template.name} 用了不存在的变量或写法（{exc}），请对照 README 中的变量表修改") from exc
    except jinja2.TemplateError as exc:
        raise ReportError(f"模板 {template.name} 中的域代码有误（{exc}），请检查 {{% %}} 和 {{{{ }}}} 是否成对") from exc
    except (OSError, KeyError, ValueError) as exc:
        if isinstance(exc, OSError) and not template.exists():
            raise ReportError(f"找不到模板 {template}") from exc
        raise ReportError(f"模板 {template.name} 不是可以使用的 Word 文档（.docx）：{exc}") from exc
    props = tpl.docx.core_properties
    props.title, props.author = title, str(ctx["单位"])
    props.comments = f"{REPORT_MARK} v{schema.VERSION}"
    props.last_modified_by = AUTHOR
    now = dt.datetime.now().replace(microsecond=0)
    props.created = props.modified = now
    props.revision = 1
    tpl.save(str(target))


def write_reports(result: str | os.PathLike[str], outdir: str | os.PathLike[str] | None = None, *,
                  templates: Mapping[str, str | os.PathLike[str]] | None = None,
                  today: dt.date | None = None, comments: bool = False) -> Reports:
    """Write ``<单位>创先争优活动工作总结（草稿）_<报告期>.docx`` and ``<单位>创先争优活动情况通报_<报告期>.docx``
    for a result workbook into ``outdir`` (default: the result's folder). ``templates``: an office's own
    Word templates by kind (总结, 通报; see :func:`template_kind`). A file of the same name is replaced
    only if we wrote it and nobody has saved it since; otherwise ours is saved beside it (files.py).
    With ``comments`` (or a 点评 template given) also the 点评 (:func:`write_comments`).
    Raises :class:`ReportError` (Chinese) for a result or template that cannot be used."""
    ctx, notes = _context(result, today)
    folder = Path(outdir) if outdir is not None else Path(result).parent
    chosen = {"总结": TEMPLATE_DIR / SUMMARY_TEMPLATE, "通报": TEMPLATE_DIR / NOTICE_TEMPLATE}
    own = dict(templates or {})
    comment_template = own.pop("点评", None)
    for kind, p in own.items():
        if kind not in chosen:
            raise ReportError(f"模板种类应为“总结”“通报”或“点评”，不是“{kind}”")
        chosen[kind] = Path(p)
    names = report_filenames(ctx)
    written = []
    for (kind, template), name in zip(chosen.items(), names, strict=True):
        what = "工作总结" if kind == "总结" else "情况通报"
        with atomic(folder / name, replace=False, mark=REPORT_MARK, what=what) as target:
            _render(template, ctx, target.tmp, Path(name).stem)
        written.append(target.path)
    if not (comments or comment_template):
        return Reports(written[0], written[1], notes)
    said = write_comments(result, folder, template=comment_template, today=today)
    return Reports(written[0], written[1], notes + [n for n in said.notes if n not in notes], said.path)


__all__ = ["COMMENT_FIGURES", "COMMENT_TEMPLATE", "Comments", "FILTERS", "REPORT_MARK", "VARIABLES", "ReportError", "Reports",
           "comment_context", "comment_filename", "report_context", "report_filenames", "template_kind", "write_comments",
           "write_reports"]
