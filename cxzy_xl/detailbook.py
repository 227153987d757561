"""The 明细表 (contract 1.2): every branch table of a township's inbox combined, one sheet per table,
masked as the 汇总表 was, with filters and frozen headers, written beside the 汇总表; and the two
result workbooks written at once (:func:`write_results`).

The 明细表 is written by rust_xlsxwriter (the ``rustpy-xlsxwriter`` binding) when it is installed:
about 0.7 µs a cell against xlsxwriter's 6, and with the GIL released while it works, so a thread
writes it while xlsxwriter writes the 汇总表. When the binding is missing, or refuses a value,
xlsxwriter writes the same cells instead (:data:`WRITERS`); the values read back are the same.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

try:  # the fast writer; xlsxwriter writes the same cells when it is missing
    import rustpy_xlsxwriter as rx
except ImportError:  # pragma: no cover - installed with the package; a broken install still writes
    rx = None

from . import schema
from .files import atomic
from .findings import Code, Finding, make
from .model import Batch, Summary
from .normalize import period_label
from .output import EXCEL_EPOCH, STREAMED_CELLS, ResultStyles, table_frame, write_plain_table, write_result
from .read import a1
from .resultbook import result_filename
from .templates import FONT, column_width, new_workbook

CELL_TEXT = 32_767  # the most characters a cell holds (Excel, WPS, LibreOffice and both writers)
DETAIL_WORD, RESULT_WORD = "明细", "汇总"


def detail_filename(result: str | Path) -> Path:
    """The 明细表 beside a 汇总表: ``…创先争优汇总_2011年第二季度.xlsx`` → ``…创先争优明细_2011年第二季度.xlsx``;
    a name chosen with ``-o`` gains ``_明细表``."""
    p = Path(result)
    stem = p.stem
    if f"创先争优{RESULT_WORD}" in stem:
        return p.with_name(stem.replace(f"创先争优{RESULT_WORD}", f"创先争优{DETAIL_WORD}", 1) + ".xlsx")
    return p.with_name(f"{stem}_{DETAIL_WORD}表.xlsx")


def detail_frames(batch: Batch, mask: bool = True) -> tuple[dict[str, pd.DataFrame], list[Finding]]:
    """The 明细表's sheets (党组织编码, 党组织名称, then the table's columns), masked unless ``mask`` is
    False; and a finding for each text longer than a cell holds, cut to fit with “…”."""
    frames: dict[str, pd.DataFrame] = {}
    findings: list[Finding] = []
    files = {res.file: res for res in batch.results.values()}
    for sheet in schema.TABLE_SHEETS:
        table = batch.tables[sheet.name]
        df = table_frame(table, sheet.labels, mask)
        for col in df.columns:
            s = df[col]
            if s.dtype != object and not pd.api.types.is_string_dtype(s):
                continue
            long = s.map(lambda v: isinstance(v, str) and len(v) > CELL_TEXT).to_numpy(dtype=bool)
            if not long.any():
                continue
            for i in long.nonzero()[0]:
                text = s.iat[int(i)]
                row = table.iloc[int(i)]
                file, r = str(row.get(schema.FILE_COL, "")), int(row.get(schema.ROW_COL, 0) or 0)
                res = files.get(file)
                c = res.sheets[sheet.name].columns.get(col) if res is not None and sheet.name in res.sheets else None
                findings.append(make(Code.TEXT_CUT, file, branch_code=str(row.get(schema.CODE_COL) or ""),
                                     sheet=sheet.name, column=col, row=r or None,
                                     cell=a1(r - 1, c) if r and c is not None else "",
                                     value=text, detail=str(len(text))))
            df[col] = s.map(lambda v: v[: CELL_TEXT - 1] + "…" if isinstance(v, str) and len(v) > CELL_TEXT else v)
        frames[sheet.name] = df
    return frames, findings


def detail_widths(sheet: schema.Sheet, columns: list[str] | tuple[str, ...] | pd.Index) -> list[float]:
    """Column widths of a 明细表 sheet, as the branch template's."""
    widths = {schema.CODE_COL: 9.0, schema.NAME_COL: 22.0}
    widths.update({f.label: column_width(f) for f in sheet.fields})
    return [widths.get(str(c), 12.0) for c in columns]


def detail_meta(summary: Summary, result: Path, mask: bool, generated_at: dt.datetime) -> dict[str, str]:
    """The 明细表's ``_meta``: what it is, whose, which quarter, and the 汇总表 it belongs to."""
    return {"template_id": schema.DETAIL_ID, "template_version": str(schema.VERSION), "unit": summary.unit,
            "report_period": summary.period, "generated_at": generated_at.isoformat(timespec="seconds"),
            "masked": "1" if mask else "0", "result": result.name}


# --- the two writers --------------------------------------------------------------------------------

HEADER = {"bold": True, "bg_color": "#1F4E79", "font_color": "#FFFFFF", "text_wrap": True, "align": "center",
          "valign": "vcenter", "border": 1, "border_color": "#BFBFBF"}
PRINT = {"scale": 80, "margins_in": (0.3, 0.3, 0.5, 0.4)}  # as the 汇总表's wide tables (output.PRINT_SCALE)


def _page_header(summary_unit: str, period: str) -> str:
    label = period_label(period) if period else ""
    return f"{summary_unit}　{label}" if summary_unit else label


def _write_rust(frames: Mapping[str, pd.DataFrame], meta: Mapping[str, str], tmp: Path, header: str) -> None:
    def fmt() -> Any:
        return rx.Format().set_font_name(FONT).set_font_size(10)

    head = fmt().set_bold().set_background_color(HEADER["bg_color"]).set_font_color(HEADER["font_color"]) \
        .set_text_wrap().set_align("center").set_align("vcenter").set_border("thin") \
        .set_border_color(HEADER["border_color"])
    sheets: list[tuple[str, Any]] = []
    widths, formats, filters, pages = {}, {}, {}, {}
    left, right, top, bottom = PRINT["margins_in"]
    for name, df in frames.items():
        sheet = schema.BRANCH_SHEET[name]
        cols: dict[str, Any] = {}  # converted column by column: a city's copy of the whole frame first cost ~90 MB
        dates = []
        for col in df.columns:
            s = df[col]
            if pd.api.types.is_datetime64_any_dtype(s):
                # as serials with a date format, as xlsxwriter's writer does: the binding takes a blank
                # date (NaT) for the year 1
                dates.append(col)
                cols[col] = ((s - EXCEL_EPOCH) / pd.Timedelta(days=1)).astype("float64").to_numpy()
                continue
            if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
                # infinities are blank, as xlsxwriter's writer leaves them
                cols[col] = pd.to_numeric(s, errors="coerce").astype("float64").replace(
                    [float("inf"), float("-inf")], float("nan")).to_numpy()
            else:
                # as a plain list: a string column's map keeps pd.NA, which the binding would write as "<NA>"
                empty = s.isna().to_numpy(dtype=bool).tolist()
                values = np.empty(len(s), dtype=object)
                values[:] = [None if e or v == "" else str(v) for v, e in zip(s.tolist(), empty, strict=True)]
                cols[col] = values
        out = pd.DataFrame(cols, columns=df.columns, copy=False)
        sheets.append((name, out))
        widths[name] = detail_widths(sheet, list(out.columns))
        formats[name] = [fmt().set_num_format("yyyy-mm-dd") if c in dates else fmt() for c in out.columns]
        filters[name] = len(out) > 0
        pages[name] = {"landscape": True, "paper_size": 9, "scale": PRINT["scale"], "repeat_rows": 0,
                       "repeat_columns": (0, 1),
                       "margins": {"left": left, "right": right, "top": top, "bottom": bottom},
                       "header": f"&L&\"{FONT}\"{header}" if header else "",
                       "footer": f"&C&\"{FONT}\"{name}　第 &P 页，共 &N 页"}
    keys = list(meta)
    meta_df = pd.DataFrame([[k, str(meta[k])] for k in keys[1:]], columns=[keys[0], str(meta[keys[0]])])
    sheets.append((schema.META_SHEET, meta_df))
    rx.write_worksheets(
        sheets, str(tmp), freeze_panes={name: {"row": 1, "col": 0} for name in frames},
        column_widths=widths, column_formats=formats, header_format={name: head for name in frames},
        autofilter=filters, page_setup=pages, sheet_view={schema.META_SHEET: {"hidden": True}},
        # inline strings: its shared-string table writes a text that reads "<r>…</r>" as rich-text XML
        # unescaped (Excel then offers to repair the file); inline strings are escaped
        dedupe_strings={"general": False}, datetime_format="yyyy-mm-dd")


def _write_xlsxwriter(frames: Mapping[str, pd.DataFrame], meta: Mapping[str, str], tmp: Path, header: str,
                      generated_at: dt.datetime) -> None:
    cells = sum(df.size for df in frames.values())
    wb = new_workbook(tmp, constant_memory=cells > STREAMED_CELLS)
    wb.set_properties({"title": f"{meta.get('unit', '')}创先争优明细", "author": "cxzy_xl", "created": generated_at,
                       "comments": f"{schema.DETAIL_ID} v{schema.VERSION}"})
    st = ResultStyles(wb)
    for name, df in frames.items():
        sheet = schema.BRANCH_SHEET[name]
        write_plain_table(wb, st, name, df, dict(zip(df.columns, detail_widths(sheet, df.columns), strict=True)),
                          title_cols=2, header=header)
    ms = wb.add_worksheet(schema.META_SHEET)
    for r, (k, v) in enumerate(meta.items()):
        ms.write_string(r, 0, k)
        ms.write_string(r, 1, str(v))
    ms.hide()
    wb.close()


WRITERS = ("rust_xlsxwriter", "xlsxwriter")


def rust_available() -> bool:
    return rx is not None


def streamed(frames: Mapping[str, pd.DataFrame]) -> bool:
    """A city's 明细表 (over STREAMED_CELLS cells): streamed row by row by xlsxwriter, after the 汇总表."""
    return sum(df.size for df in frames.values()) > STREAMED_CELLS


@dataclass
class DetailWritten:
    """Where the 明细表 went and which writer wrote it (:data:`WRITERS`)."""

    path: Path
    writer: str


def write_detail(frames: Mapping[str, pd.DataFrame], path: str | Path, meta: Mapping[str, str], *,
                 replace: bool = False, header: str = "", generated_at: dt.datetime | None = None,
                 writer: str | None = None) -> DetailWritten:
    """Write the 明细表 (``frames`` from :func:`detail_frames`) to ``path`` under the rules of
    :mod:`cxzy_xl.files` (``replace``: as for the 汇总表). ``writer`` forces one of :data:`WRITERS`;
    by default the fastest installed, falling back to xlsxwriter when it refuses a value; a city's
    (over STREAMED_CELLS cells) is streamed row by row by xlsxwriter, as its 汇总表 is: the binding holds
    the whole workbook until it saves (10,000 messy files, 10.9 million cells: 440–750 MB more)."""
    generated_at = generated_at or dt.datetime.now().replace(microsecond=0)
    use = writer or (WRITERS[0] if rust_available() and not streamed(frames) else WRITERS[1])
    with atomic(path, replace=replace, mark=schema.DETAIL_ID, what="明细表") as target:
        if use == WRITERS[0]:
            try:
                _write_rust(frames, meta, target.tmp, header)
            except (ValueError, TypeError, OverflowError):
                # a value it cannot store (a date out of its range, a type it does not take)
                use = WRITERS[1]
        if use == WRITERS[1]:
            _write_xlsxwriter(frames, meta, target.tmp, header, generated_at)
    return DetailWritten(target.path, use)


@dataclass
class ResultsWritten:
    """The 汇总表 and, for a township, the 明细表 beside it."""

    result: Path
    detail: DetailWritten | None = None


def write_results(summary: Summary, path: str | Path | None = None, mask: bool = True,
                  generated_at: dt.datetime | None = None, progress: Callable[[int, int], None] | None = None, *,
                  folder: str | Path = ".", every_finding: bool = False, detail: bool = True,
                  writer: str | None = None) -> ResultsWritten:
    """Write the 汇总表 (:func:`cxzy_xl.output.write_result`) and, for a township's summary with
    ``detail``, the 明细表 beside it (:func:`detail_filename`), the two at once (the 明细表 in a thread
    while the 汇总表 is written) unless the 明细表 is a city's (:func:`streamed`). A text too long for a
    cell is cut in the 明细表 and listed in the 汇总表's 问题清单 (TEXT_CUT)."""
    generated_at = generated_at or dt.datetime.now().replace(microsecond=0)
    batch = summary.batch
    if not detail or batch is None or summary.by_unit is not None:
        return ResultsWritten(write_result(summary, path, mask, generated_at, progress, folder=folder,
                                           every_finding=every_finding))
    frames, cut = detail_frames(batch, mask)
    if cut:
        summary = replace(summary, findings=[*summary.findings, *cut])
    final = Path(path) if path is not None else Path(folder) / result_filename(summary)
    detail_path = detail_filename(final)
    meta = detail_meta(summary, final, mask, generated_at)
    header = _page_header(summary.unit, summary.period)
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["done"] = write_detail(frames, detail_path, meta, replace=path is not None, header=header,
                                       generated_at=generated_at, writer=writer)
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread below
            box["error"] = exc

    # A city's 明细表 is written after the 汇总表, not beside it: both stream rows through xlsxwriter
    # then, which holds the GIL, so the two at once would gain no time.
    together = not streamed(frames)
    thread = threading.Thread(target=run, name="明细表", daemon=True)
    if together:
        thread.start()
    try:
        result = write_result(summary, path, mask, generated_at, progress, folder=folder,
                              every_finding=every_finding)
    finally:
        if together:
            thread.join()
    if not together:
        run()
    if "error" in box:
        raise box["error"]
    written: DetailWritten = box["done"]
    return ResultsWritten(result, written)


__all__ = ["CELL_TEXT", "DetailWritten", "ResultsWritten", "WRITERS", "detail_filename", "detail_frames", "detail_meta",
           "rust_available", "streamed", "write_detail", "write_results"]
