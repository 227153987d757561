"""Supervision groups (督导组): seed 000's "成立了…个联系督导小组，分别定点联系督导…个党支部".

The registry's optional 督导组 and 联系领导 columns say which group looks after which branch. The result
workbook gains 督导组汇总 (a row per group, its figures pooled from its branches' base rows, never
averaged), and ``cxzy check --by-group`` writes one problem list per group so that each chases its own.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from . import schema
from .aggregate import figures, group_sum, late_count
from .findings import Finding
from .model import Batch, Summary
from .read import Registry

GROUP_SHEET = "督导组汇总"
NO_GROUP = "未分组"
GROUP_RATES = ("承诺兑现率", "参学率", "办结率", "测评满意率")


def has_groups(registry: Registry | None) -> bool:
    return registry is not None and any(b.group for b in registry.branches)


def _groups(registry: Registry) -> dict[str, list[str]]:
    """Group → branch codes, in the registry's order; branches without a group last, as 未分组."""
    out: dict[str, list[str]] = {}
    for b in registry.branches:
        out.setdefault(b.group or NO_GROUP, []).append(b.code)
    if NO_GROUP in out:
        out[NO_GROUP] = out.pop(NO_GROUP)
    return out


def group_table(summary: Summary) -> pd.DataFrame | None:
    """督导组汇总: a row per group (None when the registry names no groups)."""
    registry = summary.batch.registry if summary.batch is not None else None
    if registry is None or not has_groups(registry):
        return None
    leaders: dict[str, str] = {}
    names = {b.code: b.name for b in registry.branches}
    for b in registry.branches:
        if b.group and b.leader:
            leaders.setdefault(b.group, b.leader)
    base = summary.base
    rows = []
    for group, codes in _groups(registry).items():
        mine = base[base[schema.CODE_COL].isin(codes)]
        figs = figures(group_sum(mine, None)).iloc[0]
        late = late_count(mine)
        row = {"督导组": group, "联系领导": leaders.get(group, ""), "联系支部数": len(codes), "已报": len(mine),
               "按时报送": len(mine) - late, "逾期报送": late, "未报": len(codes) - len(mine),
               "错误数": int(mine["错误数"].sum()), "警告数": int(mine["警告数"].sum())}
        row.update({r: figs[r] for r in GROUP_RATES})
        row["综合得分"] = figs["综合得分"]
        row["联系支部"] = "、".join(names.get(c, c) for c in codes)
        rows.append(row)
    return pd.DataFrame(rows)


def group_findings(batch: Batch) -> dict[str, list[Finding]]:
    """Each group's findings: its branches' (the chase list included). Findings no branch could be
    told for (a file named after no registry branch) go to 未分组, so nothing is left out."""
    registry = batch.registry
    if registry is None:
        return {}
    by_code = {code: group for group, codes in _groups(registry).items() for code in codes}
    out: dict[str, list[Finding]] = {group: [] for group in _groups(registry)}
    for f in batch.findings:
        out.setdefault(by_code.get(f.branch_code, NO_GROUP), []).append(f)
    return {g: fs for g, fs in out.items() if fs or g != NO_GROUP}


__all__: Sequence[str] = ("GROUP_SHEET", "group_findings", "group_table", "has_groups")
