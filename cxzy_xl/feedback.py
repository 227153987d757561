"""The problem list that goes back down: each branch's own workbook with its problem cells marked.

The copy is made with openpyxl so the branch gets back its own template (dropdowns, protection,
hidden _meta) and can fix it and send it again. The original file is never written.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink

from . import schema
from .files import AUTHOR, FEEDBACK_ID, NameSet, atomic, refuse_placement, refused, safe_filename
from .findings import Code, Finding, Severity, brief, for_reading
from .normalize import squeeze
from .read import Unreadable, load_book
from .resultbook import FINDING_KIND
from .templates import column_width, text_width

SHEET = schema.FINDINGS_SHEET
FILL = {Severity.ERROR: "FFFFC7CE", Severity.WARNING: "FFFFEB9C"}


SUFFIX = "（问题反馈）.xlsx"
EXPLAIN_HINT = "黄色警告如情况属实，不必修改，请在“情况说明”工作表对应行的“说明”栏写明原因"


def _first_line(name: str, converted_from: str, standalone: bool, to_explain: int) -> str:
    """What the branch reads first: which file this is, what to fix, what to explain, what to send back."""
    explain = f"；{EXPLAIN_HINT}（已列出{to_explain}条）" if to_explain else ""
    if standalone:
        return "您报送的文件无法打开，请按下列问题处理后重新报送。"
    if converted_from:
        return (f"本表由您报送的“{converted_from}”转换而来，已标出有问题的单元格。请按下列问题在本表中修改（红色为错误，必须修改）"
                f"{explain}；改好后删除本工作表，将本表（{name}，.xlsx格式）重新报送，不必再报原文件。")
    return f"请按下列问题修改本表（红色为错误，必须修改；黄色为警告，请核对）{explain}；改好后删除本工作表，重新报送。"


def feedback_filename(file: str, code: str) -> str:
    """``<编码>_<原文件名>（问题反馈）.xlsx``: the code tells apart branches that all mailed 支部填报表.xlsx."""
    stem = Path(file).stem
    if code and not stem.casefold().startswith(code.casefold()):
        stem = f"{code}_{stem}"
    return safe_filename(stem, SUFFIX)


def write_feedback(findings: Iterable[Finding], inbox: str | os.PathLike[str], outdir: str | os.PathLike[str],
                   ) -> list[Path]:
    """The paths :func:`feedback_files` writes, one per file."""
    return list(feedback_files(findings, inbox, outdir).values())


def feedback_files(findings: Iterable[Finding], inbox: str | os.PathLike[str], outdir: str | os.PathLike[str],
                   ) -> dict[str, Path]:
    """For each submitted file with findings, write :func:`feedback_filename` into ``outdir`` and return
    the paths written, one per file. Names that would still collide (two subfolders' 支部填报表.xlsx of
    one branch, names differing only in case) get （2）, （3）…; an existing file is replaced only if it
    is an untouched feedback file of ours, else the new one is saved beside it (:mod:`cxzy_xl.files`).
    Returns each submitted file (as findings name it) with the feedback written for it."""
    root = Path(inbox)
    out = Path(outdir)
    refuse_placement([out], inbox=root)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise refused(out, exc) from exc
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        if (root / f.file).is_file():
            by_file[f.file].append(f)
    written: dict[str, Path] = {}
    names = NameSet()
    for file, items in sorted(by_file.items()):
        if not any(f.severity in FILL and f.code is not Code.DUPLICATE_SUBMISSION for f in items):
            continue  # nothing for the branch to fix (an unused older copy only)
        source = root / file
        code = next((f.branch_code for f in items if f.branch_code), "")
        target = out / names.claim(feedback_filename(file, code))
        converted = False
        if any(f.code is Code.FILE_UNREADABLE for f in items):
            wb = None  # not opened again here, outside the guarded worker: it may be what crashed it
        else:
            try:
                wb = load_workbook(source)
            except Exception:  # an .ods or .xls: its values, converted, cell for cell where they were
                wb, converted = _converted(source), True
        written[file] = _write(wb, items, target, file if converted else "")
    return written


def _converted(source: Path):  # type: ignore[no-untyped-def]
    """The branch's own file as a new .xlsx, every sheet's values at the cells they had (so the
    problem list's A1 positions hold), with its ``_meta``; None when even that cannot be read."""
    try:
        book = load_book(source)
    except Unreadable:
        return None
    wb = Workbook()
    wb.remove(wb.active)
    for name, raw in book.sheets.items():
        ws = wb.create_sheet(name[:31])
        for r, row in enumerate(raw.rows, 1):
            for c, v in enumerate(row, 1):
                if v is not None and v != "":
                    if isinstance(v, str):  # control characters an .ods may hold and an .xlsx may not
                        v = ILLEGAL_CHARACTERS_RE.sub("", v)
                    cell = ws.cell(row=r, column=c, value=v.isoformat() if isinstance(v, dt.time) else v)
                    if isinstance(v, dt.datetime | dt.date):
                        cell.number_format = "yyyy-mm-dd"
        _lay_out(ws, schema.BRANCH_SHEET.get(name), raw.rows)
    if book.meta:
        meta = wb.create_sheet(schema.META_SHEET)
        for k, v in book.meta.items():
            meta.append([k, v])
        meta.sheet_state = "hidden"
    return wb


def _lay_out(ws, sheet: schema.Sheet | None, rows: list[list[object]]) -> None:  # type: ignore[no-untyped-def]
    """A converted sheet readable and printable as the template's: its columns as wide as the template's
    (found by their headers), landscape A4, as wide as the page."""
    if sheet is not None and sheet.layout == "form":
        ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 22, 36
    elif sheet is not None:
        fields = {squeeze(f.label): f for f in sheet.fields}
        for row in rows[:5]:
            hits = {c: fields[squeeze(str(v)).rstrip("*")] for c, v in enumerate(row)
                    if isinstance(v, str) and squeeze(v).rstrip("*") in fields}
            if len(hits) >= 2:
                for c, f in hits.items():
                    ws.column_dimensions[get_column_letter(c + 1)].width = column_width(f)
                ws.freeze_panes = ws.cell(row=rows.index(row) + 2, column=1)
                break
    ws.page_setup.paperSize = 9
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _explain_rows(wb, items: list[Finding]) -> int:  # type: ignore[no-untyped-def]
    """情况说明 pre-filled with each warning to explain (工作表, 位置, 问题代码; 说明 left for the branch),
    below what the branch wrote there already; the sheet is added to a workbook made before it existed.
    Returns the rows added."""
    todo = [f for f in items if f.severity is Severity.WARNING and f.code is not Code.DUPLICATE_SUBMISSION]
    if not todo:
        return 0
    sheet = schema.BRANCH_SHEET[schema.EXPLAIN_SHEET]
    labels = sheet.labels
    ws = next((wb[n] for n in wb.sheetnames if squeeze(n) == squeeze(sheet.name)), None)
    header = None
    if ws is not None:
        for row in ws.iter_rows(min_row=1, max_row=5):
            if [squeeze(str(c.value or "")).rstrip("*") for c in row[: len(labels)]] == labels:
                header = row[0].row
                break
    if ws is None or header is None:
        ws = wb.create_sheet(sheet.name) if ws is None else ws
        ws.append([sheet.purpose])
        ws.append(labels)
        header = ws.max_row
        for c, width in zip("ABCD", (14, 10, 22, 60), strict=True):
            ws.column_dimensions[c].width = width
        for cell in ws[header]:
            cell.font = Font(bold=True, name="宋体")
    r = header + 1
    while any(ws.cell(row=r, column=c).value not in (None, "") for c in range(1, len(labels) + 1)):
        r += 1
    for f in todo:
        place = f.cell or ("" if f.row is None else str(f.row))
        for c, v in enumerate((f.sheet, place, f.code.name, None), 1):
            cell = ws.cell(row=r, column=c, value=v)
            cell.protection = Protection(locked=False)
        ws.cell(row=r, column=4).fill = PatternFill("solid", fgColor=FILL[Severity.WARNING])
        r += 1
    return len(todo)


def _write(wb, items: list[Finding], target: Path, converted_from: str = "") -> Path:  # type: ignore[no-untyped-def]

    standalone = wb is None
    if standalone:
        wb = Workbook()
        wb.remove(wb.active)
    marked = 0
    if not standalone:
        for f in items:
            if f.severity not in FILL or not f.sheet or not f.cell or f.sheet not in wb.sheetnames:
                continue
            cell = wb[f.sheet][f.cell]
            if type(cell).__name__ == "MergedCell":
                continue
            cell.fill = PatternFill("solid", fgColor=FILL[f.severity])
            note = f"【{f.severity.label}】{f.message}"
            if cell.comment is not None:
                note = cell.comment.text + "\n" + note
            cell.comment = Comment(note, "镇党委")
            cell.comment.width, cell.comment.height = 300, 120
            marked += 1
    if SHEET in wb.sheetnames:
        del wb[SHEET]
    ws = wb.create_sheet(SHEET, 0)
    head = ["序号", "工作表", "单元格", "类别", FINDING_KIND, "代码", "问题及修改要求", "原填写内容"]
    to_explain = 0 if standalone else _explain_rows(wb, items)
    ws.append([_first_line(Path(target).name, converted_from, standalone, to_explain)])
    # the first line wraps across the list's width: left in A1 it would widen the printed page to its length
    ws.merge_cells("A1:H1")
    ws["A1"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[1].height = 16 * max(2, math.ceil(text_width(ws["A1"].value) / 140))  # A:H is 150 wide
    ws.append(head)
    bold = Font(bold=True, name="宋体")
    for c in ws[2]:
        c.font = bold
        c.fill = PatternFill("solid", fgColor="FFDDEBF7")
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    for i, f in enumerate(sorted(for_reading(items), key=lambda f: order[f.severity]), 1):
        ws.append([i, f.sheet, f.cell, f.severity.label, f.code.kind, f.code.name, f.message, brief(f.value)])
        row = ws.max_row
        if f.cell and f.sheet and not standalone and f.sheet in wb.sheetnames:
            link = ws.cell(row=row, column=3)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{f.sheet}'!{f.cell}")
            link.font = Font(color="FF0563C1", underline="single", name="宋体")
        if f.severity in FILL:
            ws.cell(row=row, column=4).fill = PatternFill("solid", fgColor=FILL[f.severity])
        ws.cell(row=row, column=7).alignment = Alignment(wrap_text=True, vertical="top")
    ws["A1"].font = Font(bold=True, name="宋体", size=12)
    for col, width in zip("ABCDEFGH", (6, 12, 9, 7, 15, 17, 60, 24), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A3"
    ws.print_title_rows = "2:2"
    ws.page_setup.paperSize = 9
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    for sheet in wb.worksheets:
        sheet.sheet_view.tabSelected = False
    wb.active = 0
    ws.sheet_view.tabSelected = True
    # marked as ours and untouched, so the next run may replace it (files.is_ours)
    wb.properties.description = f"{FEEDBACK_ID} v{schema.VERSION}"
    wb.properties.lastModifiedBy = AUTHOR
    with atomic(target, replace=False, mark=FEEDBACK_ID, what="反馈表") as out:
        wb.save(out.tmp)
    return out.path
