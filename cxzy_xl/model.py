"""What passes between the stages: one file's reading (FileResult), an inbox's batch (Batch), the
figures (Summary), an earlier result (Previous) and a child result of a roll-up (ChildResult).

Plain records, no behaviour beyond reading their own fields: every stage takes these and returns new
ones, never changing what it was given.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from . import schema
from .findings import FINDING_COLUMNS, Finding, Severity
from .normalize import period_end, period_label
from .read import Registry, a1
from .schema import Settings


@dataclass
class SheetRecords:
    """The typed values of one sheet of one file, column-wise, with where each came from."""

    columns: dict[str, int]  # label -> 0-based column in the submitted file
    rows: list[int] = field(default_factory=list)  # 1-based Excel rows
    values: dict[str, list[Any]] = field(default_factory=dict)  # label -> typed values (None: missing)
    header_row: int = 1  # 1-based; for forms, the row of each field is in ``form_rows``
    form_rows: dict[str, int] = field(default_factory=dict)


@dataclass
class FileResult:
    path: str
    file: str  # the name shown in findings
    mtime: float = 0.0
    digest: str = ""  # SHA-256 of the file's bytes (the inbox register knows a version by it)
    meta: dict[str, str] = field(default_factory=dict)
    sheets: dict[str, SheetRecords] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    readable: bool = True
    required_total: int = 0  # required cells in the workbook (填报完整率's denominator)
    required_filled: int = 0  # of those, filled with a readable value

    def info(self, label: str) -> Any:
        rec = self.sheets.get(schema.INFO_SHEET)
        if rec is None or label not in rec.values or not rec.values[label]:
            return None
        return rec.values[label][0]

    @property
    def code(self) -> str:
        return str(self.info(schema.CODE_COL) or self.meta.get("branch_code") or "")

    @property
    def period(self) -> str:
        return str(self.info("报告期") or self.meta.get("report_period") or "")

    @property
    def filled_on(self) -> dt.date | None:
        return self.info("填报日期")

    def cell(self, sheet: str, label: str, row: int) -> str:
        rec = self.sheets.get(sheet)
        if rec is None:
            return ""
        if label in rec.form_rows:
            return a1(rec.form_rows[label] - 1, 1)
        col = rec.columns.get(label)
        return a1(row - 1, col) if col is not None else ""


@dataclass
class Batch:
    """Everything read from one inbox: a typed DataFrame per template sheet, and the findings."""

    tables: dict[str, pd.DataFrame]
    findings: list[Finding]
    files: pd.DataFrame
    settings: Settings
    registry: Registry | None = None
    results: dict[str, FileResult] = field(default_factory=dict, repr=False)
    previous: list[Previous] = field(default_factory=list, repr=False)  # earlier results, oldest first

    def __getitem__(self, sheet: str) -> pd.DataFrame:
        return self.tables[sheet]

    @property
    def period(self) -> str:
        return self.settings.period

    @property
    def period_end(self) -> dt.date:
        """The day the report period ends: what OVERDUE and 超期 figures are judged against."""
        return period_end(self.settings.period) if self.settings.period else dt.date.today()

    def findings_frame(self) -> pd.DataFrame:
        rows = [f.to_dict() for f in self.findings]
        df = pd.DataFrame(rows, columns=list(FINDING_COLUMNS))
        df["row"] = df["row"].astype("Int64")
        return df

    def count(self, severity: Severity) -> int:
        return sum(f.severity is severity for f in self.findings)

    @property
    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)


@dataclass
class Summary:
    """What `aggregate` returns: DataFrames by branch, by type and in total, and what they came from."""

    by_branch: pd.DataFrame
    by_type: pd.DataFrame
    total: pd.DataFrame
    base: pd.DataFrame  # one row per branch: ID columns + BASE_COLUMNS (+ 单位名称 in roll-ups)
    settings: Settings
    findings: list[Finding] = field(default_factory=list)
    missing: pd.DataFrame = field(default_factory=pd.DataFrame)  # registry branches with no file
    expected: int = 0  # 应报
    batch: Batch | None = None
    by_unit: pd.DataFrame | None = None  # roll-ups: one row per child unit
    level: int = 1
    unit: str = ""
    extras: dict[str, pd.DataFrame] = field(default_factory=dict)  # chart data
    previous: list[Previous] = field(default_factory=list)  # oldest first (``--previous``)
    absent: tuple[str, ...] = ()  # base columns the result this was read from did not have (read as 0)
    # 整改要求 (review.reviewed; schema.RECTIFY_COLUMNS): this quarter's, and last quarter's followed up;
    # None when not worked out (a roll-up, or a result written before they were recorded)
    requirements: pd.DataFrame | None = None

    @property
    def period(self) -> str:
        return self.settings.period

    @property
    def reported(self) -> int:
        return len(self.base)


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


class RollupError(Exception):
    """Nothing to roll up, or a refusal (mixed periods, one unit twice); the message is for the office
    (Chinese). :func:`read_result` raises it for a child it cannot read."""


@dataclass
class ChildResult:
    path: Path
    unit: str
    period: str
    level: int
    expected: int
    base: pd.DataFrame
    findings: list[Finding]  # RESULT_EDITED first, then the child's own 问题清单
    missing: pd.DataFrame
    tallies: bool = True  # False: written before 数据 had the 分项统计 columns (they read as 0)
    absent: tuple[str, ...] = ()  # base columns 数据 did not have (older results; read as 0)


__all__ = ["Batch", "ChildResult", "FileResult", "Previous", "PreviousError", "RollupError", "SheetRecords",
           "Summary"]
