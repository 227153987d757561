"""Roll-up: the county over the townships' result workbooks, a city over the counties'.

Each child result workbook carries, in its 数据 sheet, one row per branch with the additive base
columns. The roll-up concatenates those rows and recomputes every figure from them, so its figures
equal exactly what aggregating all the branches at once would give: rates are never averaged.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from . import schema
from .aggregate import BASE_COLUMNS, GROUP_FIGURES, Summary, _group_sum, figures, summarise
from .findings import Code, Finding, Severity
from .normalize import is_blank, period_label
from .output import DATA_ID, FINDING_HEADERS
from .read import Unreadable, load_book
from .schema import Settings

_SEVERITY_BY_LABEL = {s.label: s for s in Severity}


class RollupError(Exception):
    """A child file that cannot be rolled up; the message is for the office (Chinese)."""


@dataclass
class ChildResult:
    path: Path
    unit: str
    period: str
    level: int
    expected: int
    base: pd.DataFrame
    findings: list[Finding]
    missing: pd.DataFrame


def _table(rows: list[list[Any]], name: str, required: tuple[str, ...]) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame(columns=list(required))
    header = [str(h).strip() if not is_blank(h) else "" for h in rows[0]]
    missing = [c for c in required if c not in header]
    if missing:
        raise RollupError(f"“{name}”工作表缺少列：{'、'.join(missing)}")
    body = [r + [None] * (len(header) - len(r)) for r in rows[1:] if any(not is_blank(v) for v in r)]
    df = pd.DataFrame([r[: len(header)] for r in body], columns=header)
    return df.loc[:, [c for c in header if c]]


def read_result(path: str | os.PathLike[str]) -> ChildResult:
    """Read a result workbook written by :func:`cxzy_xl.output.write_result`."""
    path = Path(path)
    try:
        book = load_book(path)
    except Unreadable as exc:
        raise RollupError(f"{path.name}：{exc}") from exc
    meta = book.meta
    if meta.get("template_id") != schema.RESULT_ID:
        what = "这是支部填报表" if meta.get("template_id") == schema.TEMPLATE_ID else "不是由本工具生成的汇总表"
        raise RollupError(f"{path.name} 不是创先争优汇总表（{what}），不能用于逐级汇总")
    if meta.get("template_version") != str(schema.VERSION):
        raise RollupError(f"{path.name} 的汇总表版本为{meta.get('template_version')}，本工具只能汇总第{schema.VERSION}版")
    unit = meta.get("unit") or path.stem
    data = book.sheet(schema.RESULT_DATA_SHEET)
    if data is None:
        raise RollupError(f"{path.name} 缺少“{schema.RESULT_DATA_SHEET}”工作表，不能用于逐级汇总")
    base = _table(data.rows, schema.RESULT_DATA_SHEET, (*DATA_ID, *BASE_COLUMNS))
    for c in DATA_ID:
        base[c] = base[c].map(lambda v: "" if is_blank(v) else str(v))
    for c in BASE_COLUMNS:
        base[c] = pd.to_numeric(base[c], errors="raise").fillna(0).astype("float64")
    findings: list[Finding] = []
    problems = book.sheet(schema.FINDINGS_SHEET)
    if problems is not None:
        for _, row in _table(problems.rows, schema.FINDINGS_SHEET, FINDING_HEADERS).iterrows():
            code = Code.__members__.get(str(row["代码"]))
            if code is None:
                continue
            findings.append(Finding(
                code=code, file=f"{unit}/{row['文件'] or ''}", message=str(row["问题及修改要求"] or ""),
                severity=_SEVERITY_BY_LABEL.get(str(row["类别"]), code.severity),
                branch_code=_text(row["党组织编码"]), sheet=_text(row["工作表"]), cell=_text(row["单元格"]),
                value=_text(row["填写内容"])))
    chase = book.sheet(schema.MISSING_SHEET)
    cols = ("党组织编码", "党组织名称", "党组织类型", "书记姓名", "联系电话")
    missing = _table(chase.rows, schema.MISSING_SHEET, cols) if chase is not None else pd.DataFrame(columns=list(cols))
    missing = missing[missing["党组织编码"].map(lambda v: not is_blank(v))] if len(missing) else missing
    for c in missing.columns:
        missing[c] = missing[c].map(_text)
    if "单位名称" not in missing.columns:
        missing.insert(0, "单位名称", unit)
    return ChildResult(path, unit, meta.get("report_period", ""), int(meta.get("level") or 1),
                       int(float(meta.get("expected") or 0)), base, findings, missing)


def _text(v: Any) -> str:
    if is_blank(v):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def rollup(paths: list[str | os.PathLike[str]], unit: str = "", allow_mixed_periods: bool = False,
           settings: Settings | None = None) -> Summary:
    """Roll result workbooks up one level. Raises :class:`RollupError` for files that cannot be."""
    if not paths:
        raise RollupError("没有指定下级汇总表")
    children = [read_result(p) for p in paths]
    seen: dict[str, Path] = {}
    for child in children:
        if child.unit in seen:
            raise RollupError(f"{child.path.name} 与 {seen[child.unit].name} 是同一单位（{child.unit}）的汇总表，请只保留一份")
        seen[child.unit] = child.path
    periods = sorted({c.period for c in children})
    if len(periods) > 1 and not allow_mixed_periods:
        listing = "；".join(f"{c.path.name}：{period_label(c.period) if c.period else '未知'}" for c in children)
        raise RollupError(f"下级汇总表的报告期不一致（{listing}），请核对；确需合并请加 --allow-mixed-periods")
    settings = settings or Settings()
    settings.period = settings.period or (periods[0] if len(periods) == 1 else "")
    settings.committee = unit or settings.committee or "汇总"
    base = pd.concat([c.base for c in children], ignore_index=True)
    _, by_type, total = summarise(base, settings)
    rows = []
    for child in children:
        sums = _group_sum(child.base, None)
        figs = figures(sums)
        row: dict[str, Any] = {"单位名称": child.unit, "党组织数": len(child.base)}
        row.update({f.name: figs[f.name].iloc[0] for f in GROUP_FIGURES})
        rows.append(row)
    by_unit = pd.DataFrame(rows)
    missing = pd.concat([c.missing for c in children], ignore_index=True) if children else pd.DataFrame()
    findings = [f for c in children for f in c.findings]
    return Summary(by_branch=pd.DataFrame(), by_type=by_type, total=total, base=base, settings=settings,
                   findings=findings, missing=missing, expected=sum(c.expected for c in children),
                   by_unit=by_unit, level=max(c.level for c in children) + 1, unit=settings.committee)
