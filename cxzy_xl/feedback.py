"""The problem list that goes back down: each branch's own workbook with its problem cells marked.

The copy is made with openpyxl so the branch gets back its own template (dropdowns, protection,
hidden _meta) and can fix it and send it again. The original file is never written.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.hyperlink import Hyperlink

from . import schema
from .files import AUTHOR, FEEDBACK_ID, NameSet, atomic, refuse_placement, refused, safe_filename
from .findings import Code, Finding, Severity, brief, for_reading
from .resultbook import FINDING_KIND

SHEET = schema.FINDINGS_SHEET
FILL = {Severity.ERROR: "FFFFC7CE", Severity.WARNING: "FFFFEB9C"}


SUFFIX = "（问题反馈）.xlsx"


def feedback_filename(file: str, code: str) -> str:
    """``<编码>_<原文件名>（问题反馈）.xlsx``: the code tells apart branches that all mailed 支部填报表.xlsx."""
    stem = Path(file).stem
    if code and not stem.casefold().startswith(code.casefold()):
        stem = f"{code}_{stem}"
    return safe_filename(stem, SUFFIX)


def write_feedback(findings: Iterable[Finding], inbox: str | os.PathLike[str], outdir: str | os.PathLike[str],
                   ) -> list[Path]:
    """For each submitted file with findings, write :func:`feedback_filename` into ``outdir`` and return
    the paths written, one per file. Names that would still collide (two subfolders' 支部填报表.xlsx of
    one branch, names differing only in case) get （2）, （3）…; an existing file is replaced only if it
    is an untouched feedback file of ours, else the new one is saved beside it (:mod:`cxzy_xl.files`)."""
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
    written = []
    names = NameSet()
    for file, items in sorted(by_file.items()):
        if not any(f.severity in FILL and f.code is not Code.DUPLICATE_SUBMISSION for f in items):
            continue  # nothing for the branch to fix (an unused older copy only)
        source = root / file
        code = next((f.branch_code for f in items if f.branch_code), "")
        target = out / names.claim(feedback_filename(file, code))
        try:
            wb = load_workbook(source)
        except Exception:  # an .xls, or a file openpyxl cannot take: the list alone still goes back
            wb = None
        written.append(_write(wb, items, target))
    return written


def _write(wb, items: list[Finding], target: Path) -> Path:  # type: ignore[no-untyped-def]

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
    ws.append(["请按下列问题修改本表（红色为错误，必须修改；黄色为警告，请核对），改好后删除本工作表，重新报送。"])
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
