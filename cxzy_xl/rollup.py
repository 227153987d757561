"""Roll-up: the county over the townships' result workbooks, a city over the counties'.

Each child result workbook carries, in its 数据 sheet, one row per branch with the additive base
columns. The roll-up concatenates those rows and recomputes every figure from them, so its figures
equal what aggregating all the branches at once would give: rates are never averaged. Children are
read (and checked for edits) by :mod:`cxzy_xl.resultbook`, in the isolated worker processes branch
files are read in: a child that cannot be read, or takes its reader down, costs only its own
FILE_UNREADABLE finding.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import pandas as pd

from .aggregate import summarise, unit_rows
from .findings import Finding
from .history import compared
from .model import ChildResult, FileResult, Previous, PreviousError, RollupError, Summary
from .normalize import period_label
from .resultbook import read_child, read_previous_all
from .schema import Settings
from .workers import read_files_isolated


def rollup(paths: list[str | os.PathLike[str]], unit: str = "", allow_mixed_periods: bool = False,
           settings: Settings | None = None, *, isolate: bool = True,
           progress: Callable[[int, int], None] | None = None,
           reader: Callable[[str, str], ChildResult | FileResult] | None = None,
           previous: Sequence[str | os.PathLike[str] | Previous] = ()) -> Summary:
    """Roll result workbooks up one level; ``previous``: this level's earlier results, to show each
    unit beside last time (上期综合得分, 上期排名, 排名变化) and the totals' 环比.

    Each child is read by ``reader`` (:func:`read_child`) in an isolated worker process (in this one
    with ``isolate=False``); a child that cannot be read is a FILE_UNREADABLE finding and the others
    roll up. Raises :class:`RollupError` when no child can be read, when two children are the same
    unit, or (unless ``allow_mixed_periods``) when their report periods differ."""
    if not paths:
        raise RollupError("没有指定下级汇总表")
    tasks = [(str(p), Path(p).name) for p in paths]
    fn = reader or read_child
    read = read_files_isolated(tasks, fn, progress=progress) if isolate else [fn(*t) for t in tasks]  # type: ignore[arg-type]
    children = [c for c in read if isinstance(c, ChildResult)]
    lost = [f for r in read if isinstance(r, FileResult) for f in r.findings]
    if not children:
        raise RollupError("；".join(_why(f) for f in lost) or "没有可以汇总的下级汇总表")
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
    settings = replace(settings, period=settings.period or (periods[0] if len(periods) == 1 else ""),
                       committee=unit or settings.committee or "汇总")
    base = pd.concat([c.base for c in children], ignore_index=True)
    _, by_type, total = summarise(base, settings)
    by_unit = unit_rows([(c.unit, c.base) for c in children])
    missing = pd.concat([c.missing for c in children], ignore_index=True)
    findings = lost + [f for c in children for f in c.findings]
    summary = Summary(by_branch=pd.DataFrame(), by_type=by_type, total=total, base=base, settings=settings,
                      findings=findings, missing=missing, expected=sum(c.expected for c in children),
                      by_unit=by_unit, level=max(c.level for c in children) + 1, unit=settings.committee)
    try:
        earlier = read_previous_all(previous, settings.period)
    except PreviousError as exc:
        raise RollupError(str(exc)) from exc
    return compared(summary, earlier)


def _why(f: Finding) -> str:
    return f.message if f.file in f.message else f"{f.file}：{f.message}"

