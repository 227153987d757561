"""Figures by branch, by branch type and in total.

Every figure is computed from additive *base* columns (counts, sums, numerators, denominators) that
are kept per branch. Rates are always recomputed from summed numerators and denominators, never
averaged, and the base columns travel in the result workbook's 数据 sheet, so a roll-up one level up
recomputes every figure exactly as if it had read all the branches at once.

综合得分 (documented in README): a weighted mean of 五个好得分 (0–100) and the rates 承诺兑现率, 参学率,
办结率, 测评满意率, 填报完整率 (each as 0–100), with the weights of the registry's 设置 (defaults in
schema.SCORE_WEIGHTS). A figure a branch has no denominator for is left out and the remaining weights
are rescaled, so a branch with no 民情 is neither rewarded nor punished for it. 等次 comes from the
thresholds in 设置: 好 ≥ 90, 较好 ≥ 80, 一般 ≥ 60, else 较差 by default.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any, Literal

import numpy as np
import pandas as pd

from . import schema
from .checks import departed
from .findings import Code, Finding, Severity
from .history import compared
from .model import Batch, Previous, Summary
from .normalize import period_end, period_start
from .schema import Settings
from .tallies import LATE_COUNT, TALLY_COLUMNS, tally_base


@dataclass(frozen=True)
class Display:
    """How a figure is shown, everywhere (支部汇总, 分类汇总, 总览, charts, the written outputs): the
    spreadsheet number format and the same text for the documents (:func:`shown`). ``fit``: no
    decimals where the value is whole (学时: 353, 374.5)."""

    digits: int = 0
    percent: bool = False
    grouped: bool = True  # thousands separators
    fit: bool = False

    def places(self, value: Any = None) -> int:
        whole = value is not None and not pd.isna(value) and float(value) * (100 if self.percent else 1) % 1 == 0
        return 0 if self.fit and whole else self.digits

    def format_for(self, value: Any = None) -> str:
        """The spreadsheet number format for ``value`` (for any value of this display without ``fit``)."""
        places = self.places(value)
        return ("#,##0" if self.grouped else "0") + ("." + "0" * places if places else "") + ("%" if self.percent else "")

    @property
    def num_format(self) -> str:
        return self.format_for(None)


DISPLAYS = {
    "int": Display(),
    "num": Display(2),  # 万元
    "hours": Display(1, fit=True),  # 学时: half hours are common, hundredths never
    "pct": Display(1, percent=True, grouped=False),
    "score": Display(1, grouped=False),
}


@dataclass(frozen=True)
class Figure:
    name: str
    kind: Literal["count", "amount", "rate", "mean", "rank", "grade"]
    num: str = ""  # base column: the numerator of a rate, or the sum of a mean
    den: str = ""  # base column: the denominator of a rate, or the count of a mean
    shown_as: str = ""  # a key of DISPLAYS; by default from the kind
    # a working figure (what a rate is of, the campaign so far, warnings): its column in 支部汇总, 分类汇总
    # and 下级汇总 is folded (Excel's column outline, “+” to open) and so not printed; on screen it is a
    # click away, and 数据 and roll-ups carry it as before
    folded: bool = False

    @property
    def display_key(self) -> str:
        return self.shown_as or {"rate": "pct", "mean": "score", "amount": "num"}.get(self.kind, "int")

    @property
    def display(self) -> Display:
        return DISPLAYS[self.display_key]

    @property
    def base(self) -> tuple[str, ...]:
        if self.kind in ("count", "amount"):
            return (self.name,)
        if self.kind in ("rate", "mean"):
            return (self.num, self.den)
        return ()


FIGURES: tuple[Figure, ...] = (
    Figure("党员数", "count"),
    Figure("预备党员数", "count", folded=True),
    Figure("流动党员数", "count", folded=True),
    Figure("承诺数", "count"),
    Figure("已兑现承诺数", "count", folded=True),
    Figure("承诺兑现率", "rate", "已兑现承诺数", "承诺数"),
    Figure("超期承诺数", "count"),
    Figure("本期新增承诺", "count", folded=True),
    Figure("本期兑现承诺", "count", folded=True),
    Figure("活动次数", "count"),
    Figure("累计活动次数", "count", folded=True),
    Figure("应参加人次", "count", folded=True),
    Figure("实际参加人次", "count", folded=True),
    Figure("参学率", "rate", "实际参加人次", "应参加人次"),
    Figure("学时合计", "amount", shown_as="hours"),
    Figure("累计学时", "amount", shown_as="hours", folded=True),
    Figure("办实事项目数", "count"),
    Figure("投入资金（万元）", "amount"),
    Figure("争取上级资金（万元）", "amount", folded=True),
    Figure("受益户数", "count", folded=True),
    Figure("民情件数", "count"),
    Figure("已办结件数", "count", folded=True),
    Figure("办结率", "rate", "已办结件数", "民情件数"),
    Figure("超期未办结件数", "count"),
    Figure("本期新登记民情", "count", folded=True),
    Figure("本期办结民情", "count", folded=True),
    Figure("示范岗数", "count"),
    Figure("五个好得分", "mean", "五个好得分合计", "五个好得分支部数"),
    Figure("测评满意率", "rate", "满意及基本满意票", "测评参评人数"),
    Figure("填报完整率", "rate", "已填必填项数", "必填项数", folded=True),
    Figure("错误数", "count"),
    Figure("警告数", "count", folded=True),
    Figure("综合得分", "mean", "综合得分合计", "综合得分支部数"),
    Figure("排名", "rank"),
    Figure("等次", "grade"),
)
FIGURE = {f.name: f for f in FIGURES}
# 本期 and 累计 (contract 1.2): flow figures count the rows dated in the report quarter; each 累计 figure
# is its 本期 figure since the campaign began (the previous result's 累计 + this 本期, or the file's own
# rows since 活动开始日期); the rest are stock as at the quarter's end. 环比 compares like with like.
FLOW_FIGURES = ("本期新增承诺", "本期兑现承诺", "活动次数", "应参加人次", "实际参加人次", "参学率", "学时合计",
                "本期新登记民情", "本期办结民情")
CUMULATIVE = {"累计活动次数": "活动次数", "累计学时": "学时合计"}
# base columns 数据 gained with contract 1.2; a result without them is read with them as 0, and its
# flow figures counted every row of its files (not its quarter's): no 环比 or 累计 is taken from it
NEW_IN_1_2 = ("本期新增承诺", "本期兑现承诺", "累计活动次数", "累计学时", "本期新登记民情", "本期办结民情")


def shown(value: Any, figure: str) -> str:
    """``value`` of ``figure`` as a spreadsheet shows it with the figure's number format: rounded half
    away from zero on the 15 significant digits a spreadsheet keeps (so 89.65 shows 89.7 here as in
    Excel, WPS and LibreOffice), percent and thousands separators as declared; blank for no value."""
    if value is None or isinstance(value, str) or pd.isna(value):
        return "" if value is None or not isinstance(value, str) else value
    return show(value, FIGURE[figure].display if figure in FIGURE else DISPLAYS["int"])


def as_shown(value: Any, key: str) -> float:
    """``value`` as display ``key`` shows it, as a number in the display's units (a rate in percent):
    the changes 环比 states are differences of these, so a reader's own subtraction agrees."""
    d = DISPLAYS[key]
    return float(show(value, d).rstrip("%").replace(",", ""))


def show(value: Any, d: Display) -> str:
    """A number as display ``d`` shows it (see :func:`shown`)."""
    x = Decimal(f"{float(value) * (100 if d.percent else 1):.15g}")
    if not x.is_finite():
        return ""
    places = d.places(value)
    with localcontext() as ctx:
        ctx.prec = 400  # a double's whole range with its decimals (the default 28 digits end at 1e26)
        q = x.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if q == 0:
        q = abs(q)  # never "-0.0"
    text = f"{q:,.{places}f}" if d.grouped else f"{q:.{places}f}"
    return text + ("%" if d.percent else "")
GROUP_FIGURES = tuple(f for f in FIGURES if f.kind not in ("rank", "grade"))
FIGURE_BASE: tuple[str, ...] = tuple(dict.fromkeys(c for f in FIGURES for c in f.base))
# 数据's columns: what the figures are computed from, then the 分项统计 counts (tallies.py), which are
# summed and rolled up like the others but are not figures of 支部汇总 or 分类汇总.
# How many rows each group of figures left out (schema.FIGURE_INPUTS): additive, so a roll-up knows.
LEFT_OUT_COLUMNS: tuple[str, ...] = tuple(g.left_out for g in schema.FIGURE_INPUTS)
BASE_COLUMNS: tuple[str, ...] = (*FIGURE_BASE, *LEFT_OUT_COLUMNS, *TALLY_COLUMNS)
# 综合得分's parts (weights in 设置): a part with inputs left out leaves the score shown but unranked.
SCORE_PARTS = ("五个好得分", "承诺兑现率", "参学率", "办结率", "测评满意率", "填报完整率")
UNVERIFIED_COL = "待核实项目"  # 支部汇总: the figures of the row computed with inputs left out
ID_COLUMNS = (schema.CODE_COL, "党组织名称", "党组织类型")
TYPE_OTHER = "其他"
FIVE = tuple(f.label for f in schema.BRANCH_SHEET["考核测评"].fields if f.max == 20)  # the “五个好” scores


def _fsum(values: Any) -> float:
    return math.fsum(float(v) for v in values if v is not None and not pd.isna(v))


def _count_by(df: pd.DataFrame, mask: Any, key: str = schema.FILE_COL) -> pd.Series:
    if df.empty:
        return pd.Series(dtype="int64")
    return df[mask.fillna(False).astype(bool)].groupby(key).size()


def _left_out(batch: Batch, files: pd.Index) -> tuple[dict[str, pd.Series], dict[str, pd.Series]]:
    """For each group of :data:`schema.FIGURE_INPUTS`: which rows of its sheet's DataFrame it keeps (an
    error finding on one of its inputs leaves a row, or a form's fields, out), and how many each file
    left out."""
    table = {s.name for s in schema.TABLE_SHEETS}
    bad_rows: dict[str, set[tuple[str, int, str]]] = {}
    bad_fields: dict[str, set[tuple[str, str]]] = {}
    for f in batch.findings:
        if f.severity is not Severity.ERROR or not f.column or not f.sheet:
            continue
        if f.sheet in table and f.row is not None:
            bad_rows.setdefault(f.sheet, set()).add((f.file, int(f.row), f.column))
        else:
            bad_fields.setdefault(f.sheet, set()).add((f.file, f.column))
    keep: dict[str, pd.Series] = {}
    counts: dict[str, pd.Series] = {}
    for g in schema.FIGURE_INPUTS:
        df = batch.tables[g.sheet]
        if g.sheet in table:
            bad = bad_rows.get(g.sheet, set())
            hit = [any((file, int(row), label) in bad for label in g.fields) if bad and not pd.isna(row) else False
                   for file, row in zip(df[schema.FILE_COL], df[schema.ROW_COL], strict=True)]
        else:
            bad_f = bad_fields.get(g.sheet, set())
            hit = [any((file, label) in bad_f for label in g.fields) for file in df[schema.FILE_COL]]
        out = pd.Series(hit, index=df.index, dtype=bool)
        keep[g.name] = ~out
        per_file = out.groupby(df[schema.FILE_COL]).sum() if len(df) else pd.Series(dtype="int64")
        counts[g.name] = per_file.reindex(files, fill_value=0).astype("int64")
    return keep, counts


def branch_base(batch: Batch) -> pd.DataFrame:
    """One row per used submission with the additive base columns."""
    t = batch.tables
    info = t[schema.INFO_SHEET]
    files = list(info[schema.FILE_COL])
    reg = {b.code: b for b in batch.registry.branches} if batch.registry else {}
    out = pd.DataFrame(index=pd.Index(files, name=schema.FILE_COL))
    out[schema.CODE_COL] = list(info[schema.CODE_COL].fillna(""))
    out["党组织名称"] = [reg[c].name if c in reg and reg[c].name else (n if isinstance(n, str) else "")
                    for c, n in zip(out[schema.CODE_COL], info["党组织名称"], strict=True)]
    types = []
    for c, ty in zip(out[schema.CODE_COL], info["党组织类型"], strict=True):
        chosen = ty if isinstance(ty, str) and ty else (reg[c].type if c in reg else "")
        types.append(chosen or TYPE_OTHER)
    out["党组织类型"] = types

    def size(sheet: str, mask: Any = None) -> pd.Series:
        df = t[sheet]
        counts = df.groupby(schema.FILE_COL).size() if mask is None else _count_by(df, mask)
        return counts.reindex(out.index, fill_value=0).astype("int64")

    def total(sheet: str, col: str, mask: Any = None) -> pd.Series:
        df = t[sheet]
        if mask is not None:
            df = df[mask.fillna(False).astype(bool)]
        sums = df.groupby(schema.FILE_COL)[col].agg(_fsum) if not df.empty else pd.Series(dtype=float)
        return sums.reindex(out.index, fill_value=0.0).astype("float64")

    roster, promises, acts = t["党员名册"], t["公开承诺"], t["活动记录"]
    concerns = t["民情台账"]
    ok, left_out = _left_out(batch, out.index)  # rows kept by each group of figures (schema.FIGURE_INPUTS)
    end = pd.Timestamp(batch.period_end)
    start = pd.Timestamp(period_start(batch.period)) if batch.period else pd.Timestamp(batch.settings.campaign_start)
    since = pd.Timestamp(batch.settings.campaign_start)

    def dated(df: pd.DataFrame, col: str, first: pd.Timestamp) -> pd.Series:
        return ((df[col] >= first) & (df[col] <= end)).fillna(False).astype(bool)

    # a row dated after the period's end is counted in no figure of it (OUT_OF_PERIOD “晚于报告期”)
    for name in ("公开承诺", "活动记录", "为民办实事", "民情台账", "示范岗"):
        sheet = schema.BRANCH_SHEET[name]
        early = pd.Series(True, index=t[name].index, dtype=bool)
        for col in sheet.dated:
            early &= ~(t[name][col] > end).fillna(False).astype(bool)
        for g in schema.FIGURE_INPUTS:
            if g.sheet == name:
                ok[g.name] = ok[g.name] & early
        ok.setdefault(name, early)
    current = ~departed(roster)  # a departure record (备注 转出、去世…) stays in the roster, uncounted
    out["党员数"] = size("党员名册", current & ok["党员"])
    out["预备党员数"] = size("党员名册", current & ok["预备党员"] & (roster["党员类别"] == "预备党员"))
    out["流动党员数"] = size("党员名册", current & ok["流动党员"] & (roster["是否流动党员"] == "是"))
    out["承诺数"] = size("公开承诺", ok["承诺"])
    out["已兑现承诺数"] = size("公开承诺", ok["承诺"] & (promises["完成情况"] == "已完成"))
    out["超期承诺数"] = size("公开承诺", ok["超期承诺"] & schema.DEADLINE["公开承诺"].overdue(promises, batch.period_end))
    out["本期新增承诺"] = size("公开承诺", ok["本期承诺"] & dated(promises, "承诺日期", start))
    out["本期兑现承诺"] = size("公开承诺", ok["本期承诺"] & (promises["完成情况"] == "已完成")
                         & dated(promises, "实际完成日期", start))
    this_quarter = dated(acts, "活动日期", start)
    out["活动次数"] = size("活动记录", ok["活动"] & this_quarter)
    both = ok["参学"] & this_quarter & acts["应参加人数"].notna() & acts["实际参加人数"].notna()  # a rate needs both
    out["应参加人次"] = total("活动记录", "应参加人数", both).astype("int64")
    out["实际参加人次"] = total("活动记录", "实际参加人数", both).astype("int64")
    out["学时合计"] = total("活动记录", "学时", ok["学时"] & this_quarter)
    # 累计 from the file's own rows; aggregate() adds this 本期 to the previous result's 累计 instead
    out["累计活动次数"] = size("活动记录", ok["活动"] & dated(acts, "活动日期", since))
    out["累计学时"] = total("活动记录", "学时", ok["学时"] & dated(acts, "活动日期", since))
    out["办实事项目数"] = size("为民办实事", ok["为民办实事"])
    out["投入资金（万元）"] = total("为民办实事", "投入资金（万元）", ok["投入资金"])
    out["争取上级资金（万元）"] = total("为民办实事", "其中争取上级资金（万元）", ok["投入资金"])
    out["受益户数"] = total("为民办实事", "受益户数", ok["受益户"]).astype("int64")
    out["民情件数"] = size("民情台账", ok["民情"])
    out["本期新登记民情"] = size("民情台账", ok["本期民情"] & dated(concerns, "登记日期", start))
    out["本期办结民情"] = size("民情台账", ok["本期民情"] & dated(concerns, "办结日期", start))
    out["已办结件数"] = size("民情台账", ok["民情"] & concerns["办结日期"].notna())
    out["超期未办结件数"] = size("民情台账", ok["超期民情"] & schema.DEADLINE["民情台账"].overdue(concerns, batch.period_end))
    out["示范岗数"] = size("示范岗", ok["示范岗"])
    form = t["考核测评"]
    votes = form.set_index(schema.FILE_COL).reindex(out.index)
    kept = {name: pd.Series(ok[name].to_numpy(), index=form[schema.FILE_COL]).reindex(out.index, fill_value=True)
            for name in ("五个好", "测评")}
    five = votes[list(FIVE)].astype("Float64")
    complete = five.notna().all(axis=1) & kept["五个好"]
    out["五个好得分合计"] = [(_fsum(r) if ok else 0.0) for r, ok in zip(five.to_numpy(), complete, strict=True)]
    out["五个好得分支部数"] = complete.astype("int64").to_numpy()
    cast = votes[["满意票", "基本满意票", "民主测评参评人数"]]
    usable = cast.notna().all(axis=1) & (cast["民主测评参评人数"].fillna(0) > 0) & kept["测评"]
    out["满意及基本满意票"] = (cast["满意票"].fillna(0) + cast["基本满意票"].fillna(0)).where(usable, 0).astype("int64")
    out["测评参评人数"] = cast["民主测评参评人数"].fillna(0).where(usable, 0).astype("int64")
    results = batch.results
    out["必填项数"] = [results[f].required_total if f in results else 0 for f in out.index]
    out["已填必填项数"] = [results[f].required_filled if f in results else 0 for f in out.index]
    errors: dict[str, int] = {}
    warnings: dict[str, int] = {}
    for f in batch.findings:
        if f.code is Code.MISSING_SUBMISSION or not f.branch_code:
            continue
        if f.severity is Severity.ERROR:
            errors[f.branch_code] = errors.get(f.branch_code, 0) + 1
        elif f.severity is Severity.WARNING:
            warnings[f.branch_code] = warnings.get(f.branch_code, 0) + 1
    out["错误数"] = [errors.get(c, 0) for c in out[schema.CODE_COL]]
    out["警告数"] = [warnings.get(c, 0) for c in out[schema.CODE_COL]]
    for g in schema.FIGURE_INPUTS:
        out[g.left_out] = left_out[g.name].to_numpy()
    scores = [branch_score(row, batch.settings) for _, row in out.iterrows()]
    out["综合得分合计"] = [s if s is not None else 0.0 for s in scores]
    out["综合得分支部数"] = [0 if s is None else 1 for s in scores]
    # the 分项统计 counts split the figures as shown: the same members and commitments
    out = out.join(tally_base(batch, out.index, current & ok["党员"], kept={"公开承诺": ok["承诺"]}))
    return out.reset_index(drop=True)


def _ratio(num: float, den: float) -> float | None:
    return None if not den else num / den


def branch_score(base: pd.Series, settings: Settings) -> float | None:
    """综合得分 of one branch from its base columns (see the module docstring)."""
    parts: dict[str, float | None] = {}
    for name in SCORE_PARTS:
        f = FIGURE[name]
        value = _ratio(base[f.num], base[f.den])
        parts[name] = None if value is None else value * 100 if f.kind == "rate" else value
    weighed = [(settings.weights.get(k, 0.0), v) for k, v in parts.items() if v is not None]
    weight = math.fsum(w for w, _ in weighed)
    if not weight:
        return None
    # Rounded so that the score survives the trip through a workbook cell bit for bit (roll-ups).
    return round(math.fsum(w * v for w, v in weighed) / weight, 6)


def grade(score: float | None, settings: Settings) -> str:
    if score is None or pd.isna(score):
        return ""
    for name, threshold in sorted(settings.thresholds, key=lambda x: -x[1]):
        if score >= threshold - 1e-9:
            return name
    return schema.LOWEST_GRADE


def figures(base: pd.DataFrame) -> pd.DataFrame:
    """The figure columns from (summed) base columns; rates from numerators and denominators."""
    out = pd.DataFrame(index=base.index)
    for f in GROUP_FIGURES:
        if f.kind == "count":
            out[f.name] = base[f.name].astype("int64")
        elif f.kind == "amount":
            out[f.name] = base[f.name].astype("float64").round(6)
        else:
            num, den = base[f.num].astype("float64"), base[f.den].astype("float64")
            out[f.name] = (num / den.where(den != 0)).astype("Float64")
    return out


def group_sum(base: pd.DataFrame, key: str | None) -> pd.DataFrame:
    cols = list(FIGURE_BASE)
    # The tally columns are whole counts, so a plain float sum of them is exact; fsum (a Python loop
    # per cell) is kept for the amounts and would cost seconds over a county's 126 tally columns.
    counts = base.reindex(columns=[*LEFT_OUT_COLUMNS, *TALLY_COLUMNS], fill_value=0).astype("float64")
    if key is None:
        sums = pd.DataFrame({c: [_fsum(base[c])] for c in cols})
        return pd.concat([sums, counts.sum().to_frame().T], axis=1)
    return base.groupby(key, sort=False)[cols].agg(_fsum).join(counts.groupby(base[key], sort=False).sum())


def left_out_findings(findings: Sequence[Finding]) -> dict[tuple[str, str], list[Finding]]:
    """(branch code, group of schema.FIGURE_INPUTS) → the error findings that left its rows out."""
    groups: dict[tuple[str, str], list[str]] = {}
    for g in schema.FIGURE_INPUTS:
        for label in g.fields:
            groups.setdefault((g.sheet, label), []).append(g.name)
    out: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        if f.severity is Severity.ERROR and f.branch_code:
            for name in groups.get((f.sheet, f.column), ()):
                out.setdefault((f.branch_code, name), []).append(f)
    return out


def unverified(base: pd.DataFrame) -> list[tuple[str, ...]]:
    """For each branch row of ``base``: the figures computed with inputs left out (待核实), in the order
    of 支部汇总, 综合得分 when one of its parts is among them."""
    hit: dict[str, Any] = {}
    for g in schema.FIGURE_INPUTS:
        if g.left_out in base:
            flag = base[g.left_out].to_numpy(dtype="float64") > 0
            for f in g.figures:
                hit[f] = hit[f] | flag if f in hit else flag
    parts = [hit[p] for p in SCORE_PARTS if p in hit]
    if parts:
        hit["综合得分"] = np.logical_or.reduce(parts)
    order = [f.name for f in FIGURES if f.name in hit]
    if not order:
        return [()] * len(base)
    grid = np.column_stack([hit[f] for f in order])
    return [tuple(f for f, on in zip(order, row, strict=True) if on) if row.any() else () for row in grid]


def summarise(base: pd.DataFrame, settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """支部汇总, 分类汇总 (with its 合计 row) and the total, from branch base rows."""
    by_branch = base[list(ID_COLUMNS)].copy()
    figs = figures(base)
    for c in figs.columns:
        by_branch[c] = figs[c]
    flagged = unverified(base)
    ranked = ["综合得分" not in f for f in flagged]
    by_branch["排名"] = by_branch["综合得分"].where(ranked).rank(ascending=False, method="min").astype("Int64")
    by_branch["等次"] = [grade(s, settings) if ok or s is None or pd.isna(s) else schema.UNVERIFIED
                       for s, ok in zip(by_branch["综合得分"], ranked, strict=True)]
    by_branch[UNVERIFIED_COL] = ["、".join(f) for f in flagged]
    by_branch = by_branch.sort_values([schema.CODE_COL], kind="stable").reset_index(drop=True)

    order = [t for t in schema.ORG_TYPES if t in set(base["党组织类型"])]
    order += sorted(set(base["党组织类型"]) - set(order))
    sums = group_sum(base, "党组织类型").reindex(order)
    by_type = pd.DataFrame({"党组织类型": order, "党组织数": base.groupby("党组织类型").size().reindex(order).to_numpy()})
    figs = figures(sums.reset_index(drop=True))
    for c in figs.columns:
        by_type[c] = figs[c].to_numpy()
    total_base = group_sum(base, None)
    total = pd.DataFrame({"党组织类型": ["合计"], "党组织数": [len(base)]})
    figs = figures(total_base)
    for c in figs.columns:
        total[c] = figs[c].to_numpy()
    return by_branch, pd.concat([by_type, total], ignore_index=True), total


def _chart_data(batch: Batch) -> dict[str, pd.DataFrame]:
    projects = batch.tables["为民办实事"]
    cats = schema.BRANCH_SHEET["为民办实事"].field("项目类别").choices
    funds = pd.DataFrame({"项目类别": list(cats), "投入资金（万元）": [
        round(_fsum(projects.loc[projects["项目类别"] == c, "投入资金（万元）"]), 6) for c in cats]})
    funds = funds[funds["投入资金（万元）"] > 0].reset_index(drop=True)
    acts = batch.tables["活动记录"]
    months = acts["活动日期"].dropna().dt.to_period("M")
    per_month = months.value_counts().sort_index()
    activity = pd.DataFrame({"月份": [f"{p.year}.{p.month:02d}" for p in per_month.index],
                             "活动次数": per_month.to_numpy().astype("int64")})
    return {"funds": funds, "activity": activity}


def missing_branches(batch: Batch) -> pd.DataFrame:
    cols = list(schema.MISSING_COLUMNS)
    if not batch.registry:
        return pd.DataFrame(columns=cols)
    reported = set(batch.tables[schema.INFO_SHEET][schema.CODE_COL].dropna())
    rows = [(b.code, b.name, b.type, b.secretary, b.phone) for b in batch.registry.branches if b.code not in reported]
    return pd.DataFrame(rows, columns=cols)


def accumulated(base: pd.DataFrame, previous: Sequence[Previous], period: str) -> pd.DataFrame:
    """``base`` with each branch's 累计 figures carried on from the last earlier result, when that is the
    quarter just before this one and has them (written since contract 1.2): its 累计 plus this 本期, so
    the rows of earlier quarters a file keeps are not counted twice. Otherwise 累计 stays what the
    file's own rows give."""
    if not previous or not period:
        return base
    last = previous[-1]
    before = last.summary.base
    if not last.period or period_end(last.period) + dt.timedelta(days=1) != period_start(period) \
            or any(c in last.summary.absent or c not in before for c in CUMULATIVE):
        return base
    carried = before.drop_duplicates(schema.CODE_COL).set_index(schema.CODE_COL)
    out = base.copy()
    known = out[schema.CODE_COL].isin(carried.index)
    for total, flow in CUMULATIVE.items():
        was = out.loc[known, schema.CODE_COL].map(carried[total]).astype("float64")
        out.loc[known, total] = (was + out.loc[known, flow].astype("float64")).astype(out[total].dtype)
    return out


def aggregate(batch: Batch) -> Summary:
    """Figures by branch, by 党组织类型 and in total for one township's batch; beside last quarter's
    when the batch was read with earlier results (:func:`cxzy_xl.history.compared`)."""
    base = accumulated(branch_base(batch), batch.previous, batch.period)
    by_branch, by_type, total = summarise(base, batch.settings)
    missing = missing_branches(batch)
    expected = len(batch.registry.branches) if batch.registry else len(base)
    summary = Summary(by_branch=by_branch, by_type=by_type, total=total, base=base, settings=batch.settings,
                      findings=list(batch.findings), missing=missing, expected=expected, batch=batch,
                      unit=batch.settings.committee, extras=_chart_data(batch))
    return compared(summary, batch.previous)


def unit_rows(parts: list[tuple[str, pd.DataFrame]]) -> pd.DataFrame:
    """下级汇总: one row per child unit, its figures recomputed from its branches' base rows."""
    rows = []
    for unit, base in parts:
        figs = figures(group_sum(base, None))
        row: dict[str, Any] = {"单位名称": unit, "党组织数": len(base)}
        row.update({f.name: figs[f.name].iloc[0] for f in GROUP_FIGURES})
        rows.append(row)
    return pd.DataFrame(rows)



@dataclass(frozen=True)
class Submissions:
    """报送情况 of a summary, the one place its arithmetic lives (headline, 总览, 督导组汇总, documents):
    应报 = 已报 + 未报; 已报 = 按时 + 逾期; 按时报送率 = 按时 ÷ 应报."""

    expected: int  # 应报
    reported: int  # 已报
    missing: int  # 未报
    late: int  # 逾期 (0 for a result written before 数据 had 逾期报送数)

    @property
    def on_time(self) -> int:
        return self.reported - self.late

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.expected if self.expected else None


def late_count(base: pd.DataFrame) -> int:
    """Branches of ``base`` (数据 rows) that reported late."""
    return int(base[LATE_COUNT].sum()) if LATE_COUNT in base else 0


def submissions(summary: Summary) -> Submissions:
    """:class:`Submissions` of a township's summary or a roll-up's. Without an 应报 (no registry, an
    older child), the branches reported are what was expected."""
    missing = len(summary.missing)
    reported = summary.expected - missing if summary.expected else summary.reported
    return Submissions(summary.expected or summary.reported, reported, missing, late_count(summary.base))


def unverified_branches(summary: Summary) -> tuple[int, list[str]]:
    """How many branches have figures 待核实, and who they are (a roll-up: their units): 总览 and the console say so."""
    if summary.by_unit is None:
        rows = summary.by_branch
        if UNVERIFIED_COL not in rows:
            return 0, []
        names = [str(n) for n, f in zip(rows["党组织名称"], rows[UNVERIFIED_COL], strict=True) if f]
        return len(names), names
    flagged = unverified(summary.base)
    units = summary.base[schema.UNIT_COL] if schema.UNIT_COL in summary.base else [""] * len(flagged)
    return sum(bool(f) for f in flagged), list(dict.fromkeys(str(u) for u, f in zip(units, flagged, strict=True) if f))
