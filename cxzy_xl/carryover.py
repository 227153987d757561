"""Next quarter's templates, pre-filled from each branch's last accepted submission
(``cxzy template --registry 支部名单.xlsx --from 上季度收件箱``).

What a template takes from last quarter is declared in ``schema.CARRY_OVER``; this module only reads
the earlier inbox with the library's own reader (so its duplicate and unreadable-file rules hold here
too), picks each branch's rows, and hands them to :func:`cxzy_xl.templates.write_branch_workbook`,
which marks them by their fill. A branch without an accepted submission last quarter gets exactly the
ordinary pre-filled template.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from . import schema
from .batch import inbox_tasks, read_submissions
from .checks import current_members, open_rows
from .files import NameSet, PlacementRefused, refuse_placement
from .findings import Code, Finding
from .model import Batch
from .normalize import period_end, period_label, to_period
from .read import Registry, read_registry
from .schema import Carry, Field, Kind
from .templates import branch_filename, write_branch_workbook

# The running number every table sheet starts with: carried rows are numbered 1..n again, since the
# rows left behind would leave gaps. (schema.py does not declare it; a sheet without it keeps its rows.)
SERIAL = "序号"

# What the earlier inbox said that costs a branch its carry-over, or decides which file it came from.
# Everything else it found (cell errors, missing branches…) was last quarter's business.
REPORTED = (Code.FILE_UNREADABLE, Code.NOT_TEMPLATE, Code.EMPTY_TEMPLATE, Code.DUPLICATE_SUBMISSION,
            Code.WRONG_PERIOD)


class CarryRefused(ValueError):
    """Carrying over cannot be done as asked; ``str(exc)`` is a Chinese message for the user."""


@dataclass
class CarryResult:
    """What :func:`write_carried_templates` wrote and what it met in the earlier inbox."""

    paths: list[Path]
    carried: dict[str, str]  # branch code -> the earlier inbox's file its template was carried from
    ordinary: list[str]  # branch codes that got the ordinary pre-filled template
    period: str  # the new report period, normalised (2011Q3)
    previous_period: str  # the earlier inbox's period, normalised ("" when it had no readable file)
    problems: list[Finding] = field(default_factory=list)  # the earlier inbox's findings of REPORTED codes


def write_carried_templates(outdir: str | os.PathLike[str], registry: Registry | str | os.PathLike[str],
                            previous_inbox: str | os.PathLike[str], period: str | None = None,
                            progress: Callable[[int, int], None] | None = None) -> CarryResult:
    """One template per registry branch in ``outdir``, carried over from that branch's submission in
    ``previous_inbox`` as ``schema.CARRY_OVER`` declares, or the ordinary pre-filled one when it has
    none there. ``period`` is the new report period (default: the registry's 设置). Nothing is ever
    written into ``previous_inbox``, and a file there is never replaced (:mod:`cxzy_xl.files`).

    Raises :class:`CarryRefused` (nothing written) when the earlier inbox is missing, ``outdir`` lies
    inside it, the period is missing or unreadable, or the earlier inbox is not of an earlier period."""
    out, inbox = Path(outdir), Path(previous_inbox)
    if not inbox.is_dir():
        raise CarryRefused(f"找不到上季度收件箱文件夹：{inbox}")
    try:
        refuse_placement([out], inbox=inbox, inbox_name=f"上季度收件箱 {inbox} ")
    except PlacementRefused as exc:
        raise CarryRefused(str(exc)) from exc
    reg = registry if isinstance(registry, Registry) else read_registry(registry)
    wanted = period or reg.settings.period
    if not wanted:
        raise CarryRefused("未指定报告期：请在支部名单的“设置”中填写新的报告期")
    new = to_period(wanted)
    if not new.ok or not new.value:
        raise CarryRefused(f"报告期“{wanted}”无法识别，请填写如 2011年第三季度")
    # The registry's 设置 holds the new period: read with it, every earlier file would be of the
    # wrong period. Without one, the batch takes the period most of the files have.
    earlier = replace(reg, settings=replace(reg.settings, period=""))
    tasks, skipped = inbox_tasks(inbox)
    batch = read_submissions(tasks, earlier, skipped=skipped, progress=progress)
    previous = batch.period
    if previous and period_end(previous) >= period_end(new.value):
        raise CarryRefused(f"上季度收件箱 {inbox} 中报表的报告期是{period_label(previous)}，不早于新的报告期"
                           f"{period_label(new.value)}：请确认支部名单“设置”中的报告期已改为新的一期，"
                           "并且 --from 指定的是上一期的收件箱")
    used = {res.code: file for file, res in batch.results.items() if res.code}
    committee = reg.settings.committee
    names = NameSet()
    paths: list[Path] = []
    carried: dict[str, str] = {}
    ordinary: list[str] = []
    for b in reg.branches:
        target = out / names.claim(branch_filename(b))
        file = used.get(b.code)
        if file is None:
            # exactly what write_branch_templates writes for the branch
            paths.append(write_branch_workbook(target, b, committee=committee, period=new.value, replace=False))
            ordinary.append(b.code)
            continue
        data, marked = carried_data(batch, file)
        paths.append(write_branch_workbook(target, b, committee=committee, period=new.value, data=data,
                                           carried=marked, carried_from=previous, replace=False))
        carried[b.code] = file
    problems = [f for f in batch.findings if f.code in REPORTED]
    return CarryResult(paths, carried, ordinary, new.value, previous, problems)


def carried_data(batch: Batch, file: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The data a carried template is written with, from ``file``'s rows in ``batch``, and which rows
    (table sheets) and fields (form sheets) of it came from there."""
    data: dict[str, Any] = {}
    marked: dict[str, Any] = {}
    for c in schema.CARRY_OVER:
        sheet = schema.BRANCH_SHEET[c.sheet]
        df = batch.tables[c.sheet]
        rows = df[(df[schema.FILE_COL] == file).fillna(False).astype(bool)]
        if sheet.layout == "form":
            values = _form_values(sheet, c, rows)
            data[c.sheet] = values
            marked[c.sheet] = {label for label, v in values.items() if v is not None}
        else:
            records = _table_rows(sheet, c, rows)
            data[c.sheet] = records
            marked[c.sheet] = set(range(len(records)))
    return data, marked


def _form_values(sheet: schema.Sheet, c: Carry, rows: pd.DataFrame) -> dict[str, Any]:
    if rows.empty:
        return {}
    row = rows.iloc[0]
    return {label: _plain(row[label], sheet.field(label)) for label in c.fields}


def _table_rows(sheet: schema.Sheet, c: Carry, rows: pd.DataFrame) -> list[dict[str, Any]]:
    if c.sheet == schema.ROSTER_SHEET:
        rows = current_members(rows)  # a departure is recorded once, in the quarter it happened
    rows = rows[open_rows(rows, c.keep)].sort_values(schema.ROW_COL)
    records = []
    for n, (_, row) in enumerate(rows.iterrows(), 1):
        rec = {f.label: _plain(row[f.label], f) for f in sheet.fields}
        if SERIAL in rec:
            rec[SERIAL] = n
        records.append(rec)
    return records


def _plain(value: Any, f: Field) -> Any:
    """A typed DataFrame value (Int64, Float64, datetime64, string, pd.NA) as the plain Python value
    the template writer takes."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if f.kind is Kind.DATE:
        ts = pd.Timestamp(value)
        return dt.date(ts.year, ts.month, ts.day)
    if f.kind is Kind.INT:
        return int(value)
    if f.kind is Kind.NUMBER:
        return float(value)
    return str(value)


__all__ = ["REPORTED", "CarryRefused", "CarryResult", "carried_data", "write_carried_templates"]
