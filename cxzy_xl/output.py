"""Styled workbooks written with xlsxwriter: the problem list (问题清单)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .findings import Finding, Severity
from .templates import FONT, atomic_target, close_atomic, new_workbook, text_width

FINDING_HEADERS = ("序号", "党组织编码", "文件", "工作表", "单元格", "类别", "代码", "问题及修改要求", "填写内容")
FINDING_WIDTHS = (6, 10, 30, 11, 8, 6, 20, 64, 22)


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


def write_findings_sheet(wb: Any, st: Styles, findings: Sequence[Finding], name: str = "问题清单") -> Any:
    ws = wb.add_worksheet(name)
    for c, (head, width) in enumerate(zip(FINDING_HEADERS, FINDING_WIDTHS, strict=True)):
        ws.write_string(0, c, head, st.header)
        ws.set_column(c, c, width)
    longest = 64.0
    for r, f in enumerate(findings, 1):
        ws.write_number(r, 0, r, st.text)
        ws.write_string(r, 1, f.branch_code, st.text)
        ws.write_string(r, 2, f.file, st.text)
        ws.write_string(r, 3, f.sheet, st.text)
        ws.write_string(r, 4, f.cell, st.text)
        ws.write_string(r, 5, f.severity.label, st.severity[f.severity])
        ws.write_string(r, 6, f.code.name, st.text)
        ws.write_string(r, 7, f.message, st.wrap)
        ws.write_string(r, 8, f.value, st.text)
        longest = max(longest, min(text_width(f.file), 40))
    ws.set_column(2, 2, longest if findings else 30)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(1, len(findings)), len(FINDING_HEADERS) - 1)
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    ws.set_footer(f"&C&\"{FONT}\"{name}　第 &P 页，共 &N 页")
    return ws


def write_findings(findings: Sequence[Finding], path: str | os.PathLike[str]) -> Path:
    """The problem list as its own styled workbook (``cxzy check -o``)."""
    tmp, final = atomic_target(Path(path))
    wb = new_workbook(tmp)
    st = Styles(wb)
    write_findings_sheet(wb, st, findings)
    return close_atomic(wb, tmp, final)
