"""Styled workbooks written with xlsxwriter: the problem list (问题清单) and the result workbook (汇总表)."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import schema
from .aggregate import (
    BASE_COLUMNS,
    CUMULATIVE,
    DISPLAYS,
    FIGURE,
    FIGURES,
    SCORE_PARTS,
    UNVERIFIED_COL,
    as_shown,
    left_out_findings,
    submissions,
    unverified_branches,
)
from .files import AUTHOR, NameSet, atomic, safe_filename
from .findings import Code, Finding, Severity, brief, for_reading, printed
from .groups import GROUP_SHEET, group_findings, group_table
from .history import totals_over_time
from .model import Batch, Summary
from .normalize import is_missing, mask_id, mask_phone, period_end, period_label
from .resultbook import (
    DATA_ID,
    FINDING_HEADERS,
    data_digest,
    data_rows,
    figure_rows,
    figure_tables,
    meta_dates,
    previous_meta,
    result_filename,
)
from .tallies import TALLY_HEADERS, TALLY_SHEET, shares_note, tally_table
from .templates import FONT, new_workbook, text_width

# 问题类型 as wide as the longest kind: one line each (about 145 characters: A4 landscape at 9 pt and up)
FINDING_WIDTHS = (5, 9, 22, 9, 9, 5, max(text_width(c.kind) for c in Code) + 1, 17, 46, 14)


class Styles:
    """The few formats every result sheet shares."""

    def __init__(self, wb: Any) -> None:
        def fmt(**kw: Any) -> Any:
            return wb.add_format({"font_name": FONT, "font_size": 10, "valign": "vcenter", **kw})

        border = {"border": 1, "border_color": "#BFBFBF"}
        self.title = fmt(bold=True, font_size=16)
        self.subtitle = fmt(font_color="#595959")
        self.header = fmt(bold=True, bg_color="#1F4E79", font_color="#FFFFFF", text_wrap=True, align="center",
                          **border)
        self.text = fmt(**border)
        self.wrap = fmt(text_wrap=True, valign="top", **border)
        self.int = fmt(num_format="#,##0", **border)
        self.num = fmt(num_format="#,##0.00", **border)
        self.pct = fmt(num_format="0.0%", **border)
        self.date = fmt(num_format="yyyy-mm-dd", **border)
        self.severity = {
            Severity.ERROR: fmt(bg_color="#FFC7CE", font_color="#9C0006", **border),
            Severity.WARNING: fmt(bg_color="#FFEB9C", font_color="#9C5700", **border),
            Severity.INFO: fmt(font_color="#595959", **border),
        }


def finding_rows(findings: Sequence[Finding], every: bool = False) -> list[Finding]:
    """问题清单's rows in order: :func:`~cxzy_xl.findings.for_reading`, or with ``every`` each finding,
    errors first."""
    if not every:
        return for_reading(findings)
    return sorted(findings, key=lambda f: (f.severity is not Severity.ERROR, not printed(f), f.severity is Severity.INFO))


def write_findings_sheet(wb: Any, st: Styles, findings: Sequence[Finding], name: str = schema.FINDINGS_SHEET,
                         every: bool = False, mask: bool = False) -> Any:
    """The problem list: errors and warnings one row each, then normalisations summarised per column
    (:func:`~cxzy_xl.findings.for_reading`); ``every`` lists every finding instead, errors still first.
    ``mask``: 身份证号 and phone numbers in findings masked as in the detail sheets."""
    rows = finding_rows(findings, every)
    if mask:
        rows = [masked_finding(f) for f in rows]
    ws = wb.add_worksheet(name)
    for c, (head, width) in enumerate(zip(FINDING_HEADERS, FINDING_WIDTHS, strict=True)):
        ws.write_string(0, c, head, st.header)
        ws.set_column(c, c, width)
    widest = max((text_width(f.file) for f in rows), default=12.0)
    file_width = min(max(widest, 12), FINDING_WIDTHS[2])  # long paths wrap rather than widen the page
    wrapped = ((2, file_width), (4, FINDING_WIDTHS[4]), (8, FINDING_WIDTHS[8]), (9, FINDING_WIDTHS[9]))
    widths: dict[str, float] = {}  # file names, cell ranges and values repeat from row to row
    for r, f in enumerate(rows, 1):
        # Not every program grows a row to fit wrapped text (LibreOffice prints one line of it), so the
        # height is set here, before the row's cells (constant_memory writes rows as they complete).
        texts = (f.file, f.cell, f.message, brief(f.value))
        lines = max(math.ceil((widths.get(t) or widths.setdefault(t, text_width(t))) / (w - 1)) if t else 1
                    for t, (_, w) in zip(texts, wrapped, strict=True))
        if lines > 1:
            ws.set_row(r, 14 * lines)
        ws.write_number(r, 0, r, st.text)
        ws.write_string(r, 1, f.branch_code, st.text)
        ws.write_string(r, 2, f.file, st.wrap)
        ws.write_string(r, 3, f.sheet, st.text)
        ws.write_string(r, 4, f.cell, st.wrap)
        ws.write_string(r, 5, f.severity.label, st.severity[f.severity])
        ws.write_string(r, 6, f.code.kind, st.text)
        ws.write_string(r, 7, f.code.name, st.text)
        ws.write_string(r, 8, f.message, st.wrap)
        ws.write_string(r, 9, brief(f.value), st.wrap)
    ws.set_column(2, 2, file_width)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(1, len(rows)), len(FINDING_HEADERS) - 1)
    ws.set_paper(9)
    ws.set_landscape()
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    # 提示 rows (values read by normalising, files skipped) come last: on screen for whoever checks, not
    # on paper, where a messy township's thousands of them would bury its errors and warnings
    shown = sum(printed(f) for f in rows)
    hints = len(rows) - shown
    ws.print_area(0, 0, shown if hints else len(rows), len(FINDING_HEADERS) - 1)
    said = f"（另有提示{hints}条不打印，见电子表格）" if hints else ""
    ws.set_footer(f"&C&\"{FONT}\"{name}{said}　第 &P 页，共 &N 页")
    return ws


FINDINGS_ID = "cxzy-findings"


def write_findings(findings: Sequence[Finding], path: str | os.PathLike[str], every: bool = False, *,
                   replace: bool = True) -> Path:
    """The problem list as its own styled workbook (``cxzy check -o``). With ``replace`` (the path is
    the caller's) an existing file there is replaced; without (a name the library chose) only an
    untouched problem list of ours is. Returns where it was written (beside, if the file was open).
    ``every``: every normalisation on its own row instead of one summary row per column."""
    with atomic(path, replace=replace, mark=FINDINGS_ID, what="问题清单") as target:
        wb = new_workbook(target.tmp)
        wb.set_properties({"title": "问题清单", "author": AUTHOR, "comments": f"{FINDINGS_ID} v{schema.VERSION}"})
        write_findings_sheet(wb, Styles(wb), findings, every=every)
        wb.close()
    return target.path


# --- the result workbook (汇总表) -------------------------------------------------------------

RATE_FIGURES = tuple(f.name for f in FIGURES if f.display_key == "pct")
FOLDED = frozenset(f.name for f in FIGURES if f.folded)
OVERDUE_FIGURES = ("超期承诺数", "超期未办结件数")
UNVERIFIED_FILL = "#FCE4D6"  # 待核实: a figure computed with inputs left out
TEXT_FIGURES = (schema.CODE_COL, "党组织名称", "党组织类型", "等次", "单位名称", "报送情况", "督导组", "联系领导", "联系支部",
                schema.FOLLOW_UP, schema.STATE_COL)
WRAPPED_FIGURES = {"联系领导": 16, "联系支部": 48}  # text that wraps in its column (width): printed whole


def figure_display(name: str) -> str:
    """A figure's display (a key of :data:`aggregate.DISPLAYS`), declared with the figure; 上期综合得分
    shows as 综合得分 does."""
    name = "综合得分" if name == "上期综合得分" else name
    f = FIGURE.get(name)
    return f.display_key if f is not None and f.kind not in ("rank", "grade") else "int"


def write_cell(ws: Any, r: int, c: int, v: Any, fmt: Any = None, date_fmt: Any = None) -> None:
    """Typed writes only: text stays text (a note typed as =1+1 is never a formula)."""
    if is_missing(v):
        ws.write_blank(r, c, None, fmt)
    elif isinstance(v, (pd.Timestamp, dt.datetime)):
        ws.write_datetime(r, c, v.to_pydatetime() if isinstance(v, pd.Timestamp) else v, date_fmt or fmt)
    elif isinstance(v, dt.date):
        ws.write_datetime(r, c, dt.datetime.combine(v, dt.time()), date_fmt or fmt)
    elif isinstance(v, bool):
        ws.write_string(r, c, "是" if v else "否", fmt)
    elif isinstance(v, (int, float)) or hasattr(v, "dtype"):
        x = float(v)
        if math.isfinite(x):
            ws.write_number(r, c, x, fmt)
        else:
            ws.write_blank(r, c, None, fmt)
    else:
        ws.write_string(r, c, str(v), fmt)


class ResultStyles(Styles):
    def __init__(self, wb: Any) -> None:
        super().__init__(wb)

        def fmt(**kw: Any) -> Any:
            return wb.add_format({"font_name": FONT, "font_size": 10, "valign": "vcenter", **kw})

        border = {"border": 1, "border_color": "#BFBFBF"}
        total = {"bold": True, "bg_color": "#F2F2F2", "top": 2, "top_color": "#1F4E79", "border": 1,
                 "border_color": "#BFBFBF"}
        self.score = fmt(num_format="0.0", **border)
        self.total_text = fmt(**total)
        self.red = wb.add_format({"font_color": "#C00000", "bold": True})
        self.bad = wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
        self.good = wb.add_format({"bg_color": "#C6EFCE", "font_color": "#006100"})
        self.card_label = fmt(bold=True, bg_color="#DDEBF7", **border)
        self.card_name = fmt(font_color="#404040", **border)
        self.note = fmt(font_color="#7F7F7F", font_size=9)
        self.wrap_figure = fmt(text_wrap=True, **border)  # wrapped, centred on the row like its neighbours
        # 环比: the change signed, rates in 百分点
        self.change = {kind: fmt(num_format=f, **border) for kind, f in (
            ("int", "+#,##0;-#,##0;0"), ("num", "+#,##0.00;-#,##0.00;0.00"), ("score", "+0.0;-0.0;0.0"),
            ("hours", "+#,##0.0;-#,##0.0;0"),
            ("pct", '+0.0"个百分点";-0.0"个百分点";0.0"个百分点"'), ("ratio", "+0.0%;-0.0%;0.0%"))}
        # 待核实: a figure computed with inputs left out
        unverified = {"bg_color": UNVERIFIED_FILL, "font_color": "#7F3F00", "italic": True, **border}
        self._roles = {"plain": border, "total": total, "card": {"bold": True, "font_size": 12, **border},
                       "unverified": unverified}
        self._numbers: dict[tuple[str, str], Any] = {}
        self._fmt = fmt
        self.unverified_text = fmt(**unverified)
        self.unverified_note = fmt(text_wrap=True, valign="top", **unverified)
        self.link = fmt(font_color="#0563C1", underline=1, text_wrap=True, **border)

    def number(self, kind: str, value: Any = None, role: str = "plain") -> Any:
        """The format of a number of display ``kind`` (a key of :data:`aggregate.DISPLAYS`) for ``value``,
        in a table body (``plain``), a 合计 row (``total``), a 总览 card (``card``) or a 待核实 cell."""
        num_format = DISPLAYS[kind].format_for(value)
        key = (num_format, role)
        if key not in self._numbers:
            self._numbers[key] = self._fmt(num_format=num_format, **self._roles[role])
        return self._numbers[key]

    def for_figure(self, name: str, total: bool = False, value: Any = None, unverified: bool = False) -> Any:
        if name in WRAPPED_FIGURES:
            return self.wrap_figure
        if name in TEXT_FIGURES or name == UNVERIFIED_COL:
            return self.unverified_text if unverified else self.total_text if total else self.text
        role = "unverified" if unverified else "total" if total else "plain"
        return self.number(figure_display(name), value, role)


# Wide tables print on A4 landscape at a fixed scale across as many pages as they need, never shrunk
# to one page wide: 10 pt type at 80 % prints at 8 pt, the smallest we print. Fitting 37 columns to
# one page width printed them at about 5 pt.
PRINT_SCALE = 80
_MARGIN_IN = 0.3
_PAGE_PX = (11.69 - 2 * _MARGIN_IN) * 96 * 100 / PRINT_SCALE  # A4 landscape between the margins
# Figures that belong together start a printed page together where they can.
_FIGURE_GROUPS = ("党员数", "承诺数", "活动次数", "办实事项目数", "民情件数", "示范岗数", "五个好得分", "综合得分")


def _column_px(width: float) -> int:
    if width <= 0:
        return 0
    # A character unit of the default font (宋体 11 pt) takes 8 to 10 px at 96 dpi, depending on the
    # program and the font it finds; the wider estimate keeps a planned page from overflowing into a
    # page of its own (LibreOffice measured about 9.5).
    return int(width * 10)


def page_breaks(columns: Sequence[str], widths: Sequence[float], repeated: int,
                folded: Collection[int] = ()) -> list[int]:
    """Columns to start a new printed page at: each page holds the repeated columns and then as many
    whole groups of figures as fit, a group wider than a page is split by column; ``folded`` columns
    (hidden in the column outline) take no room on paper."""
    widths = [0.0 if c in folded else w for c, w in enumerate(widths)]
    room = _PAGE_PX - sum(_column_px(w) for w in widths[:repeated])
    groups: list[list[int]] = []
    for c in range(repeated, len(columns)):
        if not groups or columns[c] in _FIGURE_GROUPS:
            groups.append([])
        groups[-1].append(c)
    breaks: list[int] = []
    used = 0.0
    for group in groups:
        width = sum(_column_px(widths[c]) for c in group)
        if used and used + width > room:
            breaks.append(group[0])
            used = 0.0
        for c in group:
            px = _column_px(widths[c])
            if used and used + px > room:
                breaks.append(c)
                used = 0.0
            used += px
    return breaks


def _print_wide(ws: Any, name: str, columns: Sequence[str], widths: Sequence[float], header_rows: tuple[int, int],
                title_cols: int, header: str = "", folded: Collection[int] = ()) -> None:
    """A4 landscape at :data:`PRINT_SCALE`, header rows and the first ``title_cols`` columns on every page;
    ``folded`` columns are not printed, and the footer says so."""
    ws.set_paper(9)
    ws.set_landscape()
    ws.set_print_scale(PRINT_SCALE)
    ws.repeat_rows(*header_rows)
    ws.repeat_columns(0, title_cols - 1)
    ws.set_v_pagebreaks(page_breaks(columns, widths, title_cols, folded))
    ws.set_margins(left=_MARGIN_IN, right=_MARGIN_IN, top=0.5, bottom=0.4)  # header and footer 0.3 in from the edge
    if header:
        ws.set_header(f"&L&\"{FONT}\"{header}")
    said = FOLDED_NOTE if folded else ""
    ws.set_footer(f"&C&\"{FONT}\"{name}{said}　第 &P 页，共 &N 页")


FOLDED_NOTE = "（分子分母、累计数等明细列已折叠未打印，点列标上方的“+”展开）"


def _figure_width(name: str) -> float:
    if name in WRAPPED_FIGURES:
        return WRAPPED_FIGURES[name]
    if name == "督导组":
        return 10
    if name == "党组织名称":
        return 24
    if name in ("单位名称",):
        return 20
    return max(7.5, min(text_width(name) / 2 + 2, 12))


def _fit_row(ws: Any, r: int, row: Sequence[Any], cols: Sequence[str], widths: Sequence[float]) -> None:
    """Row ``r`` high enough for its wrapped text (:data:`WRAPPED_FIGURES`): not every program grows a
    row to fit (LibreOffice prints one line of it). Set before the row's cells, as constant_memory needs."""
    lines = max((math.ceil(text_width(str(v)) / (widths[c] - 2)) for c, v in enumerate(row)
                 if cols[c] in WRAPPED_FIGURES and isinstance(v, str) and v), default=1)
    if lines > 1:
        ws.set_row(r, 14 * lines)


def _write_figure_table(wb: Any, st: ResultStyles, name: str, title: str, df: pd.DataFrame,
                        total: pd.DataFrame | None, freeze_cols: int, title_cols: int = 1, unit: str = "",
                        marks: dict[tuple[int, str], str] | None = None, links: dict[int, str] | None = None) -> Any:
    """A figure table; ``marks`` (row of ``df``, column) → the comment of a 待核实 cell, ``links`` (row of
    ``df``) → where in 问题清单 its 待核实项目 cell leads."""
    marks, links = marks or {}, links or {}
    ws = wb.add_worksheet(name)
    cols = list(df.columns)
    widths = [_figure_width(col) for col in cols]
    folded = {c for c, col in enumerate(cols) if col in FOLDED}
    ws.set_row(0, 26)
    ws.write_string(0, 0, title, st.title)
    ws.set_row(1, 44)
    for c, col in enumerate(cols):
        ws.write_string(1, c, col, st.header)
        # a run of folded columns: level 1 of the outline, hidden; its “+” on the column after it
        outline = {"level": 1, "hidden": True} if c in folded else {"collapsed": True} if c - 1 in folded else {}
        ws.set_column(c, c, widths[c], None, outline)
    body = figure_rows(df, total)
    for r, row in enumerate(body, start=2):
        _fit_row(ws, r, row, cols, widths)
        is_total = total is not None and len(total) > 0 and r == len(body) + 1
        for c, v in enumerate(row):
            note = None if is_total else marks.get((r - 2, cols[c]))
            fmt = st.for_figure(cols[c], total=is_total, value=v, unverified=note is not None)
            if note is not None and cols[c] == "排名" and is_missing(v):
                ws.write_string(r, c, schema.UNVERIFIED, fmt)  # unranked until the branch resubmits
            elif cols[c] == UNVERIFIED_COL and v and (r - 2) in links:
                ws.write_url(r, c, links[r - 2], st.link, string=str(v), tip="到问题清单查看未计入的原因")
            else:
                write_cell(ws, r, c, v, fmt)
            if note is not None:
                ws.write_comment(r, c, note, {"x_scale": 3, "y_scale": 2, "font_name": FONT})
    last = len(df) + 1
    if len(df):
        for col in cols:
            c = cols.index(col)
            if col in RATE_FIGURES:
                ws.conditional_format(2, c, last, c, {"type": "data_bar", "bar_color": "#A9D08E", "min_type": "num", "min_value": 0,
                                                      "max_type": "num", "max_value": 1})
            elif col == "综合得分":
                ws.conditional_format(2, c, last, c, {"type": "3_color_scale", "min_color": "#F8696B",
                                                      "mid_color": "#FFEB84", "max_color": "#63BE7B"})
            elif col in OVERDUE_FIGURES:
                ws.conditional_format(2, c, last, c, {"type": "cell", "criteria": ">", "value": 0, "format": st.red})
            elif col == "错误数":
                ws.conditional_format(2, c, last, c, {"type": "cell", "criteria": ">", "value": 0, "format": st.bad})
            elif col == "排名变化":
                ws.conditional_format(2, c, last, c, {"type": "cell", "criteria": ">", "value": 0, "format": st.good})
                ws.conditional_format(2, c, last, c, {"type": "cell", "criteria": "<", "value": 0, "format": st.bad})
            elif col == "报送情况":
                ws.conditional_format(2, c, last, c, {"type": "cell", "criteria": "==", "value": '"逾期"',
                                                      "format": st.bad})
            elif col == "等次":
                ws.conditional_format(2, c, last, c, {"type": "cell", "criteria": "==", "value": '"较差"',
                                                      "format": st.bad})
                ws.conditional_format(2, c, last, c, {"type": "cell", "criteria": "==", "value": '"好"',
                                                      "format": st.good})
    ws.freeze_panes(2, freeze_cols)
    ws.autofilter(1, 0, max(last, 2), len(cols) - 1)
    # the header row on every page; the title only on the first (the page header names unit and period)
    _print_wide(ws, name, cols, widths, (1, 1), min(title_cols, len(cols)) or 1, unit, folded)
    return ws


EXCEL_EPOCH = pd.Timestamp(1899, 12, 30)


FRAME_ROWS = 20_000  # rows of a frame made Python values at a time by write_frame


def write_frame(ws: Any, df: pd.DataFrame, first_row: int, st: ResultStyles) -> None:
    """Write a DataFrame row by row (the workbook streams rows to disk) with typed writes: dates as
    serials with a date format, numbers as numbers, everything else as text. Empty cells are not
    written at all: this is the hot path, a county's detail sheets hold hundreds of thousands of cells.
    A frame is taken :data:`FRAME_ROWS` rows at a time: a city's 党员名册 made Python values at once
    (its text columns are Arrow arrays when pyarrow is installed) took about 300 MB."""
    for start in range(0, len(df), FRAME_ROWS):
        _write_rows(ws, df.iloc[start:start + FRAME_ROWS], first_row + start, st)


def _write_rows(ws: Any, df: pd.DataFrame, first_row: int, st: ResultStyles) -> None:
    columns: list[tuple[int, str, list[Any]]] = []
    for c, col in enumerate(df.columns):
        s = df[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            serial = ((s - EXCEL_EPOCH) / pd.Timedelta(days=1)).to_numpy(dtype="float64", na_value=float("nan"))
            columns.append((c, "date", serial.tolist()))
        elif pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            columns.append((c, "num", s.to_numpy(dtype="float64", na_value=float("nan")).tolist()))
        else:
            # Series.isna is pd.isna element by element (the same null check), without a call per cell
            empty = s.isna().to_numpy(dtype=bool).tolist()
            columns.append((c, "text", [None if e or v == "" else str(v)
                                        for v, e in zip(s.tolist(), empty, strict=True)]))
    write_number, write_string, date = ws.write_number, ws.write_string, st.date
    for i in range(len(df)):
        r = first_row + i
        for c, kind, values in columns:
            v = values[i]
            if kind == "text":
                if v is not None:
                    write_string(r, c, v)
            elif v == v and v not in (math.inf, -math.inf):
                if kind == "date":
                    write_number(r, c, v, date)
                else:
                    write_number(r, c, v)


def write_plain_table(wb: Any, st: ResultStyles, name: str, df: pd.DataFrame, widths: dict[str, float] | None = None,
                       empty_note: str = "", title_cols: int = 1, header: str = "") -> Any:
    ws = wb.add_worksheet(name)
    cols = list(df.columns)
    col_widths = [(widths or {}).get(col) or max(8.0, min(text_width(col) + 3, 30)) for col in cols]
    for c, col in enumerate(cols):
        ws.write_string(0, c, col, st.header)
        ws.set_column(c, c, col_widths[c])
    write_frame(ws, df, 1, st)
    if not len(df) and empty_note:
        ws.write_string(1, 0, empty_note, st.note)
    ws.freeze_panes(1, 0)
    if len(df):
        ws.autofilter(0, 0, len(df), len(cols) - 1)
    _print_wide(ws, name, cols, col_widths, (0, 0), max(1, min(title_cols, len(cols))), header)
    return ws


def _maskers() -> dict[str, Callable[[str], str]]:
    return {f.label: mask_id if f.kind is schema.Kind.ID_NUMBER else mask_phone
            for sheet in schema.BRANCH_SHEETS for f in sheet.fields if f.kind in schema.MASKED_KINDS}


MASKERS = _maskers()
FIRST_DATE = pd.Timestamp(1900, 3, 1)  # before it a spreadsheet's dates are not the calendar's (1900 leap day)


def table_frame(df: pd.DataFrame, labels: Sequence[str], mask: bool) -> pd.DataFrame:
    """A branch table's rows as the result workbooks show them: 党组织编码, 党组织名称, then ``labels``;
    身份证号 and phone numbers masked unless ``mask`` is False; a date column holding a date before
    1900-03-01 (which no spreadsheet stores as a date) as text ``YYYY-MM-DD``."""
    out = df[[schema.CODE_COL, schema.NAME_COL, *labels]].copy()
    for label in labels:
        fn = MASKERS.get(label) if mask else None
        if fn is not None:
            out[label] = out[label].map(lambda v, fn=fn: v if is_missing(v) else fn(str(v)))
        s = out[label]
        if pd.api.types.is_datetime64_any_dtype(s) and bool((s < FIRST_DATE).any()):
            out[label] = s.map(lambda v: None if pd.isna(v) else v.strftime("%Y-%m-%d")).astype(object)
    return out.reset_index(drop=True)


def kept_frames(batch: Batch, mask: bool = True) -> dict[str, pd.DataFrame]:
    """The 汇总表's hidden sheets (:data:`schema.KEPT`): the rows next quarter's ``--previous`` and the
    总结/通报 read, laid out as the 明细表's sheets."""
    end = period_end(batch.settings.period) if batch.settings.period else None
    out = {}
    for k in schema.KEPT:
        table = batch.tables[k.sheet]
        if k.every_row:
            rows = pd.Series(True, index=table.index)
        else:
            rows = k.open.rows(table) if k.open is not None else pd.Series(False, index=table.index)
            if k.deadline is not None and end is not None:
                rows = rows | k.deadline.overdue(table, end)
        keep = rows.to_numpy(dtype=bool)
        frame = table_frame(table[keep], k.labels(), mask)
        frame[schema.DETAIL_ROW] = (np.arange(len(table)) + 2)[keep]  # the 明细表's header is row 1
        out[k.name] = packed_frame(frame, k.packed) if k.packed else frame
    return out


PACKED_CELL = 30_000  # characters of a packed cell at most, under a cell's 32,767


def _packed_text(v: Any) -> str:
    if is_missing(v):
        return ""
    if isinstance(v, (pd.Timestamp, dt.datetime, dt.date)):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return " ".join(str(v).split(schema.PACKED_SEPARATOR))  # a line break typed in a value is a space here


def _packed_texts(s: pd.Series) -> list[str]:
    """:func:`_packed_text` of each value, a column at a time where its type allows."""
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.dt.strftime("%Y-%m-%d").fillna("").tolist()
    if pd.api.types.is_integer_dtype(s) and not s.isna().any():
        return s.astype("int64").astype(str).tolist()
    if isinstance(s.dtype, pd.StringDtype):  # text only (object columns may hold anything)
        text = s.astype(object).where(s.notna(), "").astype(str)
        return text.str.replace(schema.PACKED_SEPARATOR, " ", regex=False).tolist()
    return [_packed_text(v) for v in s.tolist()]


def packed_frame(frame: pd.DataFrame, size: int) -> pd.DataFrame:
    """``frame``'s rows of each 党组织编码, ``size`` to a row: every column's values as text, one per line
    (schema.PACKED_SEPARATOR); 党组织名称 once. :func:`cxzy_xl.resultbook.kept_sheet` unpacks them."""
    cols = list(frame.columns)
    texts = {c: _packed_texts(frame[c]) for c in cols}
    codes = texts[schema.CODE_COL]
    out: list[list[str]] = []
    start = 0
    packed = [c for c in cols if c not in (schema.CODE_COL, schema.NAME_COL)]
    while start < len(codes):
        end, used = start, dict.fromkeys(packed, 0)
        # a cell holds 32,767 characters: a branch's long names start another row before they would not fit
        while end < len(codes) and end - start < size and codes[end] == codes[start] \
                and (end == start or all(used[c] + len(texts[c][end]) + 1 <= PACKED_CELL for c in packed)):
            for c in packed:
                used[c] += len(texts[c][end]) + 1
            end += 1
        out.append([texts[c][start] if c in (schema.CODE_COL, schema.NAME_COL)
                    else schema.PACKED_SEPARATOR.join(texts[c][start:end]) for c in cols])
        start = end
    return pd.DataFrame(out, columns=cols, dtype=object)


def masked_finding(f: Finding) -> Finding:
    """A finding about a 身份证号 or phone cell with the number masked, for workbooks that travel upward
    (the office's own problem list and feedback keep it whole to fix). Masking touches values, never
    the reason: the value, and the detail only where it is the value as read (NORMALISED); in the
    message only the quoted value changes, so “12” masked leaves 现为2位 alone."""
    fn = MASKERS.get(f.column)
    if fn is None or not f.value:
        return f
    detail = fn(f.detail) if f.detail and f.code is Code.NORMALISED else f.detail
    message = f.message
    for raw, masked in ((f.value, fn(f.value)), (f.detail, detail)):
        if raw and raw != masked:
            message = message.replace(f"“{brief(raw)}”", f"“{brief(masked)}”")
    return replace(f, text=message, value=fn(f.value), detail=detail)


# 环比's rows of flow figures (aggregate.FLOW_FIGURES): compared only with a result that counted by quarter
FLOW_CARDS = ("活动（次）", "参学率", "学时", "本期新增（项）", "本期兑现（项）", "本期新登记（件）", "本期办结（件）")


def _changes(summary: Summary) -> list[tuple[str, list[tuple[str, Any, str]]]]:
    """环比's rows: the headline's, with what this quarter added and settled in place of the counts of
    commitments and concerns in the files (a branch may keep or drop the ones closed before: both are
    right, so those counts are not compared across quarters)."""
    t = summary.total.iloc[0]
    flows = {"公开承诺": [("本期新增（项）", t.get("本期新增承诺"), "int"), ("本期兑现（项）", t.get("本期兑现承诺"), "int")],
             "民情台账": [("本期新登记（件）", t.get("本期新登记民情"), "int"), ("本期办结（件）", t.get("本期办结民情"), "int")]}
    return [(label, flows[label] + items[2:] if label in flows else items) for label, items in _headline(summary)]


def _headline(summary: Summary) -> list[tuple[str, list[tuple[str, Any, str]]]]:
    t = summary.total.iloc[0]
    sent = submissions(summary)
    return [
        ("报送情况", [("应报（个）", sent.expected, "int"), ("已报（个）", sent.reported, "int"),
                  ("未报（个）", sent.missing, "int")]),
        ("按时报送", [("按时（个）", sent.on_time, "int"), ("逾期（个）", sent.late, "int"),
                  ("按时报送率", sent.on_time_rate, "pct")]),
        ("党员队伍", [("党员（人）", t["党员数"], "int"), ("预备党员（人）", t["预备党员数"], "int"),
                  ("流动党员（人）", t["流动党员数"], "int")]),
        ("公开承诺", [("承诺（项）", t["承诺数"], "int"), ("已兑现（项）", t["已兑现承诺数"], "int"),
                  ("兑现率", t["承诺兑现率"], "pct")]),
        ("学习活动", [("活动（次）", t["活动次数"], "int"), ("参学率", t["参学率"], "pct"),
                  ("学时", t["学时合计"], figure_display("学时合计"))]),
        ("为民办实事", [("项目（个）", t["办实事项目数"], "int"), ("投入资金（万元）", t["投入资金（万元）"], "num"),
                   ("争取上级资金（万元）", t["争取上级资金（万元）"], "num")]),
        ("民情台账", [("民情（件）", t["民情件数"], "int"), ("已办结（件）", t["已办结件数"], "int"),
                  ("办结率", t["办结率"], "pct")]),
        ("考核测评", [("五个好平均得分", t["五个好得分"], "score"), ("测评满意率", t["测评满意率"], "pct"),
                  ("综合平均得分", t["综合得分"], "score")]),
        ("数据质量", [("错误（个）", t["错误数"], "int"), ("警告（个）", t["警告数"], "int"),
                  ("填报完整率", t["填报完整率"], "pct")]),
    ]


def _write_change(ws: Any, st: ResultStyles, summary: Summary, r0: int) -> int:
    """与上期比较（环比）: every headline figure beside the last earlier result's and the change; returns
    the row after the block."""
    last = summary.previous[-1]
    now, before = _changes(summary), _changes(last.summary)
    period = period_label(summary.period) if summary.period else "本期"
    ws.set_row(r0, 22)
    ws.merge_range(r0, 0, r0, 5, f"与上期比较（环比）：本期 {period}，上期 {last.label}", st.card_label)
    for c, head in enumerate(("栏目", "指标", "本期", f"上期（{last.label}）", "增减", "增减幅度")):
        ws.write_string(r0 + 1, c, head, st.header)
    r = r0 + 2
    # like with like: an older result's flow figures counted every row of its files, not its quarter's
    older = any(c in last.summary.absent for c in CUMULATIVE)
    for (label, items), (_, earlier) in zip(now, before, strict=True):
        for j, ((name, value, kind), (_, was, _)) in enumerate(zip(items, earlier, strict=True)):
            if older and name in FLOW_CARDS:
                was = None
            ws.write_string(r, 0, label if j == 0 else "", st.card_label if j == 0 else st.text)
            ws.write_string(r, 1, name, st.card_name)
            write_cell(ws, r, 2, value, st.number(kind, value))
            write_cell(ws, r, 3, was, st.number(kind, was))
            known = not is_missing(value) and not is_missing(was)
            diff = round(as_shown(value, kind) - as_shown(was, kind), 6) if known else None
            write_cell(ws, r, 4, diff, st.change[kind])
            ratio = diff / float(was) if known and kind in ("int", "num", "hours") and float(was) else None
            write_cell(ws, r, 5, ratio, st.change["ratio"])
            r += 1
    return r


OV = schema.OVERVIEW_SHEET  # chart series refer to their data on the overview sheet itself
CHART_BARS = 40  # 总览's score chart: every branch up to this many, else the best and the lowest half of it
OVERVIEW_WIDTHS = (12, 18, 12, 18, 12, 20, 12)
OVERVIEW_PX = sum(int(w * 7 + 5) for w in OVERVIEW_WIDTHS) - 12  # xlsxwriter's character-to-pixel rule, a margin


def _chart(wb: Any, kind: str, title: str, subtype: str | None = None) -> Any:
    chart = wb.add_chart({"type": kind, **({"subtype": subtype} if subtype else {})})
    chart.set_title({"name": title, "name_font": {"name": FONT, "size": 12, "bold": True}})
    chart.set_legend({"font": {"name": FONT, "size": 9}, "position": "bottom"})
    for axis in ("set_x_axis", "set_y_axis"):
        getattr(chart, axis)({"num_font": {"name": FONT, "size": 9}, "name_font": {"name": FONT, "size": 9}})
    chart.set_chartarea({"border": {"color": "#BFBFBF"}})
    return chart


class _RowOrdered:
    """Buffers a sheet's cell writes and replays them in row order, which constant_memory needs;
    the overview writes its cards and its chart-data tables side by side."""

    def __init__(self, ws: Any) -> None:
        self._ws = ws
        self._calls: list[tuple[int, int, int, Any, tuple[Any, ...]]] = []

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._ws, name)
        if name.startswith("write") or name == "merge_range":
            def record(*args: Any) -> None:
                self._calls.append((args[0], args[1], len(self._calls), attr, args))

            return record
        return attr

    def flush(self) -> None:
        for *_, fn, args in sorted(self._calls, key=lambda x: x[:3]):
            fn(*args)
        self._calls.clear()


def _score_axis_start(scores: Any) -> int:
    """Where a chart's 综合得分 axis starts: 5 below the lowest score, down to a multiple of 5 (81.2 →
    75), never below 0; 0 when there is no score."""
    known = [float(x) for x in scores if not is_missing(x)]
    return max(0, 5 * math.floor((min(known) - 5) / 5)) if known else 0


def _write_overview(wb: Any, st: ResultStyles, summary: Summary, generated_at: dt.datetime, rollup: bool) -> Any:
    ws = _RowOrdered(wb.add_worksheet(schema.OVERVIEW_SHEET))
    unit = summary.unit or "本单位"
    period = period_label(summary.period) if summary.period else "报告期未知"
    for c, width in enumerate(OVERVIEW_WIDTHS):
        ws.set_column(c, c, width)
    ws.set_row(0, 30)
    ws.merge_range(0, 0, 0, 6, f"{unit}创先争优活动汇总表", st.title)
    ws.write_string(1, 0, f"报告期：{period}　　生成时间：{generated_at:%Y-%m-%d %H:%M}"
                    + ("　　（由各下级单位汇总表逐级汇总）" if rollup else ""), st.subtitle)
    cards = _headline(summary)
    for i, (label, items) in enumerate(cards):
        r = 3 + i
        ws.set_row(r, 22)
        ws.write_string(r, 0, label, st.card_label)
        for j, (name, value, kind) in enumerate(items):
            ws.write_string(r, 1 + 2 * j, name, st.card_name)
            write_cell(ws, r, 2 + 2 * j, value, st.number(kind, value, "card"))
    r = 3 + len(cards)
    n, flagged = unverified_branches(summary)
    if n:  # what the figures above leave out, said where they are read
        ws.set_row(r, 30)
        ws.merge_range(r, 0, r, 6, f"{schema.UNVERIFIED}：{n}个党支部的报表有填报错误，有关数字未计入上面的合计"
                       f"（{'、'.join(flagged[:10])}{'等' if len(flagged) > 10 else ''}），综合得分待核实的暂不排名；"
                       "详见“支部汇总”的“待核实项目”列和“问题清单”。", st.unverified_note)
        r += 1
    chart_row = r + 1
    breaks = []
    if summary.previous:
        chart_row = _write_change(ws, st, summary, chart_row) + 1
        breaks.append(chart_row)  # the comparison fills page 1; the ranking starts page 2
    # chart source tables to the right of the printed area
    src_col = 9
    ws.set_column(src_col, src_col + 6, 12)
    ws.write_string(2, src_col, "图表数据（供图表引用）", st.subtitle)

    def table(col: int, headers: list[str], rows: list[list[Any]], fmt_cols: dict[int, Any] | None = None) -> int:
        for c, h in enumerate(headers):
            ws.write_string(3, col + c, h, st.header)
        for r, row in enumerate(rows, start=4):
            for c, v in enumerate(row):
                write_cell(ws, r, col + c, v, (fmt_cols or {}).get(c, st.text))
        return 4 + len(rows) - 1

    # 1. 综合得分 by branch (or by child unit), best first
    ranked = summary.by_unit if rollup else summary.by_branch
    name_col = "单位名称" if rollup else "党组织名称"
    beside = bool(summary.previous) and "上期综合得分" in ranked.columns
    shown = [name_col, "综合得分", *(["上期综合得分"] if beside else [])]
    ranked = ranked[shown].dropna(subset=["综合得分"]).sort_values("综合得分", ascending=True, kind="stable")
    scored = len(ranked)
    if scored > CHART_BARS:
        # a bar each for hundreds of branches prints as pages of unreadable lines: the best and the
        # lowest, the rest in 支部汇总
        ranked = pd.concat([ranked.head(CHART_BARS // 2), ranked.tail(CHART_BARS // 2)])
    last = table(src_col, ["名称", "本期" if beside else "综合得分", *(["上期"] if beside else [])],
                 ranked.values.tolist(), {1: st.score, 2: st.score})
    what = "综合得分（按下级单位）" if rollup else "各支部综合得分"
    if scored > CHART_BARS:
        what += f"（前{CHART_BARS // 2}名和后{CHART_BARS // 2}名，共{scored}个）"
    c1 = _chart(wb, "bar", f"{what}：本期与上期" if beside else what)
    c1.add_series({"name": "本期" if beside else "综合得分", "categories": [OV, 4, src_col, last, src_col],
                   "values": [OV, 4, src_col + 1, last, src_col + 1], "fill": {"color": "#2E75B6"},
                   "data_labels": {"value": True, "num_format": "0.0", "font": {"name": FONT, "size": 8}}})
    if beside:
        c1.add_series({"name": f"上期（{summary.previous[-1].label}）", "categories": [OV, 4, src_col, last, src_col],
                       "values": [OV, 4, src_col + 2, last, src_col + 2], "fill": {"color": "#BFBFBF"}})
    # Scores lie close together: from 0 their bars look alike. The axis starts a little below the lowest
    # (a multiple of 5) and its name says so, so nobody reads a bar's length as the score.
    low = _score_axis_start(ranked[shown[1:]].to_numpy(dtype="float64", na_value=float("nan")).ravel())
    c1.set_x_axis({"min": low, "max": 100, "num_font": {"name": FONT, "size": 9},
                   **({"name": f"综合得分（横轴从{low}分起，不是从0分起）", "name_font": {"name": FONT, "size": 9}}
                      if low else {})})
    c1.set_y_axis({"num_font": {"name": FONT, "size": 8}})
    if not beside:
        c1.set_legend({"none": True})
    bars = max(len(ranked), 1) * (2 if beside else 1)
    c1_height = 70 + (18 if bars <= 40 else 12) * bars
    c1.set_size({"width": OVERVIEW_PX, "height": c1_height})

    # 2. 承诺兑现率 by branch type: types of very different size compare by rate, not by count; each
    # type is named with the number of commitments its rate is of
    types = summary.by_type[summary.by_type["党组织类型"] != "合计"]
    rows = [[f"{t}\n{int(n)}项", rate]
            for t, n, rate in zip(types["党组织类型"], types["承诺数"], types["承诺兑现率"], strict=True)]
    col2 = src_col + 3
    last2 = table(col2, ["党组织类型", "承诺兑现率"], rows, {1: st.pct})
    whole = summary.total.iloc[0]["承诺兑现率"]
    c2 = _chart(wb, "column", "承诺兑现率（按党组织类型；合计" + ("—" if is_missing(whole) else f"{float(whole):.1%}") + "）")
    c2.add_series({"name": "承诺兑现率", "categories": [OV, 4, col2, max(last2, 4), col2],
                   "values": [OV, 4, col2 + 1, max(last2, 4), col2 + 1], "fill": {"color": "#70AD47"},
                   "data_labels": {"value": True, "num_format": "0.0%", "font": {"name": FONT, "size": 8}}})
    c2.set_y_axis({"num_format": "0%", "min": 0, "max": 1, "num_font": {"name": FONT, "size": 9}})
    c2.set_x_axis({"num_font": {"name": FONT, "size": 8}})
    c2.set_legend({"none": True})
    c2.set_size({"width": OVERVIEW_PX // 2, "height": 300})

    col3 = col2 + 4
    if rollup:
        # 3. funds by child unit; 4. rates by branch type
        units = summary.by_unit
        last3 = table(col3, ["单位名称", "投入资金（万元）", "争取上级资金（万元）"],
                      units[["单位名称", "投入资金（万元）", "争取上级资金（万元）"]].values.tolist(), {1: st.num, 2: st.num})
        c3 = _chart(wb, "column", "为民办实事资金（按下级单位）")
        for k, color in ((1, "#2E75B6"), (2, "#FFC000")):
            c3.add_series({"name": [OV, 3, col3 + k], "categories": [OV, 4, col3, last3, col3],
                           "values": [OV, 4, col3 + k, last3, col3 + k], "fill": {"color": color}})
        col4 = col3 + 4
        last4 = table(col4, ["党组织类型", "参学率", "承诺兑现率", "办结率"],
                      types[["党组织类型", "参学率", "承诺兑现率", "办结率"]].values.tolist(),
                      {1: st.pct, 2: st.pct, 3: st.pct})
        c4 = _chart(wb, "column", "参学率、承诺兑现率、办结率（按党组织类型）")
        for k, color in ((1, "#2E75B6"), (2, "#70AD47"), (3, "#FFC000")):
            c4.add_series({"name": [OV, 3, col4 + k], "categories": [OV, 4, col4, last4, col4],
                           "values": [OV, 4, col4 + k, last4, col4 + k], "fill": {"color": color}})
        c4.set_y_axis({"num_format": "0%", "min": 0, "max": 1, "num_font": {"name": FONT, "size": 9}})
    else:
        funds = summary.extras.get("funds", pd.DataFrame(columns=["项目类别", "投入资金（万元）"]))
        last3 = table(col3, ["项目类别", "投入资金（万元）"], funds.values.tolist(), {1: st.num})
        c3 = _chart(wb, "pie", "为民办实事投入资金（按项目类别，万元）")
        c3.add_series({"name": "投入资金（万元）", "categories": [OV, 4, col3, max(last3, 4), col3],
                       "values": [OV, 4, col3 + 1, max(last3, 4), col3 + 1],
                       "data_labels": {"category": True, "percentage": True, "leader_lines": True,
                                       "font": {"name": FONT, "size": 9}}})
        c3.set_legend({"none": True})
        col4 = col3 + 3
        acts = summary.extras.get("activity", pd.DataFrame(columns=["月份", "活动次数"]))
        last4 = table(col4, ["月份", "活动次数"], acts.values.tolist(), {1: st.int})
        c4 = _chart(wb, "column", "各月开展活动次数")
        c4.add_series({"name": "活动次数", "categories": [OV, 4, col4, max(last4, 4), col4],
                       "values": [OV, 4, col4 + 1, max(last4, 4), col4 + 1], "fill": {"color": "#5B9BD5"},
                       "data_labels": {"value": True, "font": {"name": FONT, "size": 8}}})
        c4.set_legend({"none": True})
    c3.set_size({"width": OVERVIEW_PX // 2, "height": 300})
    c4.set_size({"width": OVERVIEW_PX, "height": 300})
    # Page 1: the headline figures and the ranking; page 2: the other charts. Rows are 20 px high.
    row = chart_row
    ws.insert_chart(row, 0, c1, {"x_offset": 0, "y_offset": 4})
    row += math.ceil((c1_height + 8) / 20)
    breaks.append(row)
    ws.insert_chart(row, 0, c2, {"x_offset": 0, "y_offset": 10})
    ws.insert_chart(row, 0, c3, {"x_offset": OVERVIEW_PX // 2, "y_offset": 10})
    row += 17
    ws.insert_chart(row, 0, c4, {"x_offset": 0, "y_offset": 4})
    row += 16
    if summary.previous:
        # the trend over every earlier result given, and this one

        trend = totals_over_time(summary)
        col5 = col4 + 5
        rates = ["承诺兑现率", "参学率", "办结率", "测评满意率"]
        last5 = table(col5, ["报告期", *rates], trend[["报告期", *rates]].values.tolist(),
                      {k: st.pct for k in range(1, 5)})
        c5 = _chart(wb, "line", f"主要指标变化趋势（{trend['报告期'].iloc[0]}至{trend['报告期'].iloc[-1]}）")
        for k, color in enumerate(("#2E75B6", "#70AD47", "#FFC000", "#C00000"), start=1):
            c5.add_series({"name": [OV, 3, col5 + k], "categories": [OV, 4, col5, last5, col5],
                           "values": [OV, 4, col5 + k, last5, col5 + k], "line": {"color": color, "width": 2.25},
                           "marker": {"type": "circle", "size": 6, "fill": {"color": color}, "border": {"color": color}}})
        c5.set_y_axis({"num_format": "0%", "min": 0, "max": 1, "num_font": {"name": FONT, "size": 9}})
        c5.set_size({"width": OVERVIEW_PX, "height": 300})
        ws.insert_chart(row, 0, c5, {"x_offset": 0, "y_offset": 4})
        row += 16
    ws.set_h_pagebreaks(breaks)
    ws.print_area(0, 0, row, 6)
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    ws.set_footer(f"&C&\"{FONT}\"{OV}　第 &P 页，共 &N 页")
    ws.activate()
    ws.flush()
    return ws


def write_result(summary: Summary, path: str | os.PathLike[str] | None = None, mask: bool = True,
                 generated_at: dt.datetime | None = None,
                 progress: Callable[[int, int], None] | None = None, *,
                 folder: str | os.PathLike[str] = ".", every_finding: bool = False) -> Path:
    """Write the result workbook (汇总表) for a township's summary or a roll-up; returns where it was
    written. With ``path`` an existing file there is replaced; without, it goes to
    :func:`result_filename` in ``folder``, replacing only an earlier result of ours nobody has saved
    since (else it is saved beside, see :mod:`cxzy_xl.files`). ``progress(done, total)`` is called as
    sheets are written. ``every_finding`` lists every normalisation in 问题清单 instead of one summary
    row per file × sheet × column."""
    generated_at = generated_at or dt.datetime.now().replace(microsecond=0)
    final = Path(path) if path is not None else Path(folder) / result_filename(summary)
    with atomic(final, replace=path is not None, mark=schema.RESULT_ID, what="汇总表") as target:
        _draw_result(target.tmp, summary, mask, generated_at, progress, every_finding)
    if progress:
        progress(1, 1)
    return target.path


NAMED_FINDINGS = 5  # findings a 待核实 cell's comment names before “等”


def _unverified_marks(df: pd.DataFrame, findings: Sequence[Finding], mask: bool,
                      every: bool) -> tuple[dict[tuple[int, str], str], dict[int, str]]:
    """支部汇总's 待核实 cells: each figure computed with inputs left out, its comment naming the
    findings that left them out; 排名 and 等次 of an unranked 综合得分; and each such row's link to its
    branch's first row in 问题清单."""
    if UNVERIFIED_COL not in df or not df[UNVERIFIED_COL].astype(bool).any():
        return {}, {}
    by_group = left_out_findings(findings)
    first: dict[str, int] = {}
    for i, f in enumerate(finding_rows(findings, every)):
        first.setdefault(f.branch_code, i + 2)  # 问题清单's header is row 1
    marks: dict[tuple[int, str], str] = {}
    links: dict[int, str] = {}
    for i, (code, flagged) in enumerate(zip(df[schema.CODE_COL], df[UNVERIFIED_COL], strict=True)):
        if not flagged:
            continue
        names = str(flagged).split("、")
        for figure in names:
            g = schema.INPUTS_OF.get(figure)
            if g is None:  # 综合得分: one of its parts
                parts = "、".join(n for n in names if n in SCORE_PARTS)
                marks[(i, figure)] = f"{schema.UNVERIFIED}：{parts}有数据未计入，综合得分按其余数据计算，暂不排名、不评等次；" \
                                     "改正后重新报送即可参加排名"
                continue
            found = [masked_finding(f) if mask else f for f in by_group.get((str(code), g.name), [])]
            lines = [f"{f.sheet}!{f.cell}：{f.message}" for f in found[:NAMED_FINDINGS]]
            more = f"\n……等{len(found)}处" if len(found) > NAMED_FINDINGS else ""
            marks[(i, figure)] = f"{schema.UNVERIFIED}：以下有错误的{'项' if g.sheet in FORM_NAMES else '行'}未计入本数字，" \
                                 "改正后重新报送：\n" + "\n".join(lines) + more
        if "综合得分" in names:
            for col in ("排名", "等次"):
                marks[(i, col)] = marks[(i, "综合得分")]
        if str(code) in first:
            links[i] = f"internal:'{schema.FINDINGS_SHEET}'!A{first[str(code)]}"
    return marks, links


FORM_NAMES = frozenset(s.name for s in schema.FORM_SHEETS)


def _draw_result(tmp: Path, summary: Summary, mask: bool, generated_at: dt.datetime,
                 progress: Callable[[int, int], None] | None, every_finding: bool = False) -> None:
    rollup = summary.by_unit is not None
    wb = _new_result_workbook(tmp, summary, generated_at)
    st = ResultStyles(wb)
    _write_overview(wb, st, summary, generated_at, rollup)
    period = period_label(summary.period) if summary.period else ""
    header = f"{summary.unit}　{period}" if summary.unit else period
    for name, df, total, title_cols in figure_tables(summary.by_branch, summary.by_unit, summary.by_type,
                                                     summary.total):
        freeze = 3 if name == schema.BRANCHES_SHEET else 1
        marks, links = _unverified_marks(df, summary.findings, mask, every_finding) \
            if name == schema.BRANCHES_SHEET else ({}, {})
        _write_figure_table(wb, st, name, f"{name}（{period}）", df, total, freeze, title_cols, header, marks, links)
    groups = None if rollup else group_table(summary)
    if groups is not None:
        _write_figure_table(wb, st, GROUP_SHEET, f"{GROUP_SHEET}（{period}）", groups, None, 1, 1, header)
    write_tally_sheet(wb, st, summary.base, period, header)
    write_findings_sheet(wb, st, summary.findings, every=every_finding, mask=mask)
    missing = summary.missing
    write_plain_table(wb, st, schema.MISSING_SHEET, missing, {"党组织名称": 26, "联系电话": 14, "单位名称": 20},
                       empty_note="应报送的支部均已报送。", header=header)
    data = summary.base.copy()
    if "单位名称" not in data.columns:
        data.insert(0, "单位名称", summary.unit)
    data = data[[*DATA_ID, *BASE_COLUMNS]]
    ws = wb.add_worksheet(schema.RESULT_DATA_SHEET)
    widths = [24.0 if col == "党组织名称" else max(8.0, min(text_width(col) + 2, 24)) for col in data.columns]
    for c, col in enumerate(data.columns):
        ws.write_string(0, c, col, st.header)
        ws.set_column(c, c, widths[c])
    ws.write_comment(0, 0, DATA_NOTE, {"x_scale": 2.4, "y_scale": 1.6, "font_name": FONT, "author": AUTHOR})
    write_frame(ws, data, 1, st)
    ws.freeze_panes(1, 0)
    # 数据 is what the next level rolls up and whoever checks a figure reads: visible, protected (no
    # password) against slips, and never printed (contract 1.2).
    _never_printed(ws, len(data) + 1)
    ws.protect("")
    meta = {"template_id": schema.RESULT_ID, "template_version": schema.VERSION, "level": summary.level,
            "unit": summary.unit, "report_period": summary.period, "expected": summary.expected,
            "generated_at": generated_at.isoformat(timespec="seconds"), "masked": "1" if mask else "0",
            "data_digest": data_digest(data_rows(data)),
            "grade_thresholds": json.dumps([[n, t] for n, t in summary.settings.thresholds], ensure_ascii=False)}
    meta.update(meta_dates(summary.settings))
    if summary.previous:
        meta["previous"] = previous_meta(summary)
    if summary.by_unit is not None:
        # 数据 holds the children's rows one child after another: the roll-up above needs to know
        # where each ends to recompute 下级汇总 (单位名称 there names the township, not the child).
        meta["children"] = json.dumps([[u, int(n)] for u, n in zip(summary.by_unit["单位名称"],
                                                                   summary.by_unit["党组织数"], strict=True)],
                                      ensure_ascii=False)
    ms = wb.add_worksheet(schema.META_SHEET)
    for r, (k, v) in enumerate(meta.items()):
        ms.write_string(r, 0, k)
        ms.write_string(r, 1, str(v))
    _never_printed(ms, len(meta))
    ms.protect("")
    ms.hide()
    if not rollup and summary.batch is not None:
        # what next quarter's --previous and the 总结/通报 read, so that the 汇总表 alone serves them
        for name, df in kept_frames(summary.batch, mask).items():
            ks = wb.add_worksheet(name)
            for c, col in enumerate(df.columns):
                ks.write_string(0, c, col)
            write_frame(ks, df, 1, st)
            _never_printed(ks, len(df) + 1)
            ks.protect("")
            ks.hide()
    if summary.requirements is not None:
        # the 整改要求 of the 点评, recorded so that next quarter's --previous follows each one up
        rs = wb.add_worksheet(schema.RECTIFY_SHEET)
        for c, col in enumerate(schema.RECTIFY_COLUMNS):
            rs.write_string(0, c, col)
        write_frame(rs, summary.requirements.loc[:, list(schema.RECTIFY_COLUMNS)], 1, st)
        _never_printed(rs, len(summary.requirements) + 1)
        rs.protect("")
        rs.hide()
    wb.close()


DATA_NOTE = ("本表是逐级汇总和核对数字用的原始数据，请勿修改。打印汇总表时本表不打印（打印区域设为一个空白单元格）；"
             "确需打印本表，请先“撤销工作表保护”，再在“页面布局—打印区域”中“取消打印区域”。")


def _never_printed(ws: Any, free_row: int) -> None:
    """A sheet people and programs read but nobody prints (数据, _meta): its print area is one cell
    of ``free_row`` that stays empty (the sheet is protected), so printing the whole workbook prints
    nothing of it. LibreOffice prints no page for it (tested); Excel and WPS leave out pages with no
    content. Hiding it instead would hide it from the people who check a figure against it."""
    ws.print_area(free_row, 0, free_row, 0)
    ws.set_paper(9)
    ws.set_landscape()


# Up to this many cells (as result_cells counts them, blanks included) the result is written with a
# shared-string table, as Excel itself saves: about 10 % faster and a smaller file, for about 115
# bytes of memory a written cell until the file is closed (a township's 1,000 messy branches: 2.4
# million counted, 1.5 million written, 170 MB). Past it the rows stream to disk as they complete.
STREAMED_CELLS = 4_000_000


def result_cells(summary: Summary) -> int:
    """How many cells the result workbook's big sheets can hold, at most: detail sheets, 数据, and
    问题清单 as if it listed every finding."""
    n = len(summary.findings) * len(FINDING_HEADERS) + int(summary.base.shape[0] * summary.base.shape[1])
    if summary.by_unit is None and summary.batch is not None:
        n += sum(len(summary.batch.tables[s.name]) * (len(s.fields) + 2) for s in schema.TABLE_SHEETS)
    return n


def _new_result_workbook(tmp: Path, summary: Summary, generated_at: dt.datetime) -> Any:
    wb = new_workbook(tmp, constant_memory=result_cells(summary) > STREAMED_CELLS)
    wb.set_properties({"title": f"{summary.unit}创先争优汇总", "author": AUTHOR, "created": generated_at,
                       "comments": f"{schema.RESULT_ID} v{schema.VERSION}"})
    wb.set_size(1600, 1000)
    return wb


def write_tally_sheet(wb: Any, st: Any, base: pd.DataFrame, period: str = "", header: str = "") -> Any:
    """The 分项统计 sheet of a result workbook (``st``: output.ResultStyles): :func:`tally_table`
    of ``base`` under a title naming ``period`` (as shown, 2011年第二季度) and a note on what each
    share is of; ``header`` is the printed page header. Printable on A4 portrait."""
    table = tally_table(base)
    ws = wb.add_worksheet(TALLY_SHEET)
    widths = (14.0, 26.0, 10.0, 10.0)
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    ws.set_row(0, 26)
    ws.write_string(0, 0, f"{TALLY_SHEET}（{period}）" if period else TALLY_SHEET, st.title)
    ws.write_string(1, 0, shares_note(), st.note)
    for c, head in enumerate(TALLY_HEADERS):
        ws.write_string(2, c, head, st.header)
    fmts = (st.text, st.text, st.int, st.pct)
    for r, row in enumerate(table.itertuples(index=False), start=3):
        for c, v in enumerate(row):
            write_cell(ws, r, c, v, fmts[c])
    ws.freeze_panes(3, 0)
    ws.autofilter(2, 0, max(2 + len(table), 3), len(TALLY_HEADERS) - 1)
    _print_wide(ws, TALLY_SHEET, TALLY_HEADERS, widths, (0, 2), 1, header)
    ws.set_portrait()  # four narrow columns, a long list: portrait holds more of it per page
    return ws


def write_group_lists(batch: Batch, outdir: str | os.PathLike[str], every: bool = False) -> list[Path]:
    """One problem list per 督导组, ``<督导组>问题清单_<报告期>.xlsx``, written into ``outdir``; a group
    whose branches have no problem gets one too (it says so), so no group is left wondering."""
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    period = period_label(batch.period) if batch.period else ""
    names = NameSet()
    paths = []
    for group, findings in group_findings(batch).items():
        name = names.claim(safe_filename(f"{group}问题清单" + (f"_{period}" if period else "")))
        paths.append(write_findings(findings, out / name, every=every, replace=False))
    return paths
