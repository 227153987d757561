"""Canonical workbooks generated from the schema with xlsxwriter: the branch template (blank, or
pre-filled for one branch, or filled with data as the demo does) and the branch registry."""

from __future__ import annotations

import datetime as dt
import math
import os
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from . import schema
from .files import AUTHOR, NameSet, atomic, safe_filename
from .normalize import period_label, to_period
from .schema import Branch, Field, Kind, Sheet

FONT = "宋体"
FIXED_TIME = dt.datetime(2011, 1, 1)
BLANK_TEMPLATE_FILE = "支部填报表.xlsx"
BLANK_REGISTRY_FILE = "支部名单.xlsx"
XL_MAX_ROW = 1_048_575  # a sheet's last row, 0-based

SheetData = Mapping[str, Any] | Sequence[Mapping[str, Any]]
# What a carried-over template took from last quarter (cxzy_xl.carryover): per table sheet the indices
# of its carried rows, per form sheet the labels of its carried fields.
Carried = Mapping[str, Collection[int] | Collection[str]]

# Carried rows and cells are told by their fill, never by text in them (text would be read back as
# data). Light green: not the headers' blue, the locked cells' grey, the required labels' orange, nor
# the yellow and red the feedback workbooks mark problems with.
CARRIED_FILL = "#E2EFDA"
CARRIED_COLOUR = "浅绿色底"
TABLE_LEGEND = "红色表头为必填项；有下拉箭头的请从列表中选择；鼠标停在单元格上可看填写要求"
FORM_LEGEND = "红色标签为必填项；灰色单元格已由镇党委填好"
CARRIED_TABLE_LEGEND = (f"{CARRIED_COLOUR}的行是上季度报表带过来的，请逐行核对更新：有变化的改正，不再适用的整行删除，"
                        "新增的在下面空行填写；红色表头为必填项")
CARRIED_FORM_LEGEND = f"{FORM_LEGEND}；{CARRIED_COLOUR}的是上季度填写的内容，请核对，有变化的改正"


class _CharWidths(dict[str, float]):
    def __missing__(self, c: str) -> float:
        self[c] = w = 2.0 if unicodedata.east_asian_width(c) in "WF" else 1.1
        return w


_CHAR_WIDTHS = _CharWidths()


def text_width(text: str) -> float:
    """Excel column width for a string: CJK and full-width characters take two units."""
    # a city's problem list measures millions of characters, and a branch's text uses few distinct ones
    return sum(map(_CHAR_WIDTHS.__getitem__, str(text)))


def column_width(f: Field) -> float:
    if f.width:
        return f.width
    candidates = [text_width(f.label) + 3]
    candidates += [text_width(c) + 3 for c in f.allowed]
    if f.kind is Kind.DATE:
        candidates.append(12)
    if f.kind is Kind.PHONE:
        candidates.append(14)
    if f.example is not None and not isinstance(f.example, dt.date):
        candidates.append(text_width(str(f.example)) + 2)
    return min(max(candidates), 40)


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        def fmt(**kw: Any) -> Any:
            return wb.add_format({"font_name": FONT, "font_size": 11, "valign": "vcenter", **kw})

        border = {"border": 1, "border_color": "#A6A6A6"}
        self.title = fmt(bold=True, font_size=16, align="left")
        self.legend = fmt(font_color="#7F7F7F", font_size=10)
        self.header = fmt(bold=True, bg_color="#DDEBF7", align="center", text_wrap=True, **border)
        self.header_req = fmt(bold=True, bg_color="#FCE4D6", font_color="#C00000", align="center",
                              text_wrap=True, **border)
        self.label = fmt(bold=True, bg_color="#DDEBF7", **border)
        self.label_req = fmt(bold=True, bg_color="#FCE4D6", font_color="#C00000", **border)
        self.hint = fmt(font_color="#7F7F7F", font_size=10, text_wrap=True)
        self.heading = fmt(bold=True, font_size=13, font_color="#1F4E79")
        self.para = fmt(text_wrap=True, valign="top")
        self.cell = fmt(locked=False, **border)
        self.locked_cell = fmt(locked=True, bg_color="#F2F2F2", **border)
        kinds: dict[Kind, dict[str, Any]] = {
            Kind.DATE: {"num_format": "yyyy-mm-dd", "align": "left"},
            Kind.INT: {"num_format": "0"},
            Kind.NUMBER: {"num_format": "0.##"},
            Kind.ID_NUMBER: {"num_format": "@"},
            Kind.PHONE: {"num_format": "@"},
        }
        self.kind = {k: fmt(locked=False, **props, **border) for k, props in kinds.items()}
        # A table's data cells carry no border or shading: Excel prints trailing pages of empty cells
        # that have borders, so 200 pre-formatted roster rows would print as pages of blank grid. Rows
        # that hold something get their border from a conditional format (row_border).
        self.data = {k: fmt(locked=False, **props) for k, props in kinds.items()}
        self.data_cell = fmt(locked=False)
        self.row_border = wb.add_format(border)
        self.table_head = fmt(bold=True, bg_color="#DDEBF7", text_wrap=True, valign="top", **border)
        self.table_cell = fmt(text_wrap=True, valign="top", **border)
        self.table_req = fmt(text_wrap=True, valign="top", font_color="#C00000", bold=True, **border)
        self.plain = fmt()
        self._fmt, self._kinds, self._border = fmt, kinds, border
        self._carried: dict[tuple[Kind | None, bool], Any] = {}

    def for_field(self, f: Field) -> Any:
        return self.kind.get(f.kind, self.cell)

    def for_data(self, f: Field) -> Any:
        return self.data.get(f.kind, self.data_cell)

    def for_carried(self, f: Field, form: bool) -> Any:
        """A carried cell's format: the field's own (number format, 身份证号 as text; a form cell's border)
        with the carried fill. Made on first use, so a template without carried cells is as before."""
        kind = f.kind if f.kind in self._kinds else None
        key = (kind, form)
        if key not in self._carried:
            props = self._kinds.get(kind, {}) if kind else {}
            self._carried[key] = self._fmt(locked=False, bg_color=CARRIED_FILL, **props,
                                           **(self._border if form else {}))
        return self._carried[key]


def _validation(f: Field) -> dict[str, Any]:
    """The data validation for a field: a dropdown, a typed range, or at least an input message."""
    title = f.label[:32]
    v: dict[str, Any] = {"input_title": title, "input_message": f.hint[:255], "error_title": "填写有误"}
    if f.allowed:
        v.update(validate="list", source=list(f.allowed),
                 error_message=f"请从下拉列表中选择：{'、'.join(f.allowed)}"[:255])
    elif f.kind is Kind.DATE:
        v.update(validate="date", criteria="between", minimum=dt.date(1900, 1, 1), maximum=dt.date(2100, 12, 31),
                 error_message="请填写日期，如 2011-05-07")
    elif f.is_numeric:
        kind = "integer" if f.kind is Kind.INT else "decimal"
        lo = f.min if f.min is not None else -1e12
        hi = f.max if f.max is not None else 1e12
        what = "整数" if f.kind is Kind.INT else "数字"
        rng = f"，范围 {lo:g}–{hi:g}" if f.max is not None else (f"，不小于 {lo:g}" if f.min is not None else "")
        v.update(validate=kind, criteria="between", minimum=lo, maximum=hi,
                 error_message=f"请填写{what}{rng}，不要带单位")
    elif f.kind is Kind.ID_NUMBER:
        v.update(validate="length", criteria="==", value=18, error_message="身份证号应为18位")
    else:
        v.update(validate="any")
    return v


def _write_value(ws: Any, row: int, col: int, f: Field, value: Any, cell_fmt: Any) -> None:
    """Typed writes only: staff text is always stored as text, never as a formula or a link."""
    if value is None or value == "":
        ws.write_blank(row, col, None, cell_fmt)
    elif isinstance(value, (dt.datetime, dt.date)) and not isinstance(value, str):
        ws.write_datetime(row, col, value if isinstance(value, dt.datetime) else
                          dt.datetime.combine(value, dt.time()), cell_fmt)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, cell_fmt)
    elif isinstance(value, (int, float)):
        ws.write_number(row, col, value, cell_fmt)
    else:
        ws.write_string(row, col, str(value), cell_fmt)


def _print_setup(ws: Any, sheet: Sheet, header_rows: int) -> None:
    ws.set_paper(9)
    if sheet.landscape:
        ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0, header_rows - 1)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_footer(f"&C&\"{FONT}\"{sheet.name}　第 &P 页，共 &N 页")


def _protect(ws: Any) -> None:
    # No password: the point is that headers and labels are not edited by accident.
    ws.protect("", {"format_columns": True, "format_rows": True, "autofilter": True, "sort": False})


def _write_form(wb: Any, fm: _Formats, sheet: Sheet, values: Mapping[str, Any], locked: set[str],
                carried: Collection[str] = ()) -> None:
    """A form sheet; the fields named in ``carried`` (taken from last quarter) get the carried fill."""
    ws = wb.add_worksheet(sheet.name)
    ws.set_column(0, 0, max(text_width(f.label) for f in sheet.fields) + 4)
    ws.set_column(1, 1, 34)
    ws.set_column(2, 2, 52)
    ws.set_row(0, 28)
    ws.write_string(0, 0, sheet.title, fm.title)
    ws.write_string(0, 2, CARRIED_FORM_LEGEND if carried else FORM_LEGEND, fm.legend)
    for i, f in enumerate(sheet.fields):
        row = i + 1
        ws.set_row(row, 20)
        ws.write_string(row, 0, f.label, fm.label_req if f.required else fm.label)
        cell_fmt = fm.locked_cell if f.label in locked else \
            fm.for_carried(f, form=True) if f.label in carried else fm.for_field(f)
        _write_value(ws, row, 1, f, values.get(f.label), cell_fmt)
        ws.write_string(row, 2, f.hint, fm.hint)
        if f.label not in locked:
            ws.data_validation(row, 1, row, 1, _validation(f))
    ws.freeze_panes(1, 0)
    _print_setup(ws, sheet, 1)
    _protect(ws)


def _write_table(wb: Any, fm: _Formats, sheet: Sheet, rows: Sequence[Mapping[str, Any]],
                 carried: Collection[int] = ()) -> None:
    """A table sheet; the rows whose indices are in ``carried`` (taken from last quarter) get the
    carried fill across the table's width."""
    ws = wb.add_worksheet(sheet.name)
    ncols = len(sheet.fields)
    nrows = max(sheet.rows, len(rows) + 20)
    # Row heights without a row format, and the title row's cells formatted one by one: a row format
    # covers all 16,384 columns, and Gnumeric writes each of them out as a styled empty cell.
    ws.set_row(0, 28)
    ws.set_row(1, 32)
    for c in range(ncols):
        ws.write_blank(0, c, None, fm.plain)  # locked, unlike the columns' format below
    ws.write_string(0, 0, sheet.title, fm.title)
    ws.write_string(0, min(3, ncols - 1), CARRIED_TABLE_LEGEND if carried else TABLE_LEGEND, fm.legend)
    for c, f in enumerate(sheet.fields):
        # the column's format is what a row typed below the pre-formatted ones gets (身份证号 as text)
        ws.set_column(c, c, column_width(f), fm.for_data(f))
        ws.write_string(1, c, f.label, fm.header_req if f.required else fm.header)
        ws.data_validation(2, c, nrows + 1, c, _validation(f))
    for r in range(nrows):
        rec = rows[r] if r < len(rows) else {}
        marked = r in carried
        for c, f in enumerate(sheet.fields):
            _write_value(ws, r + 2, c, f, rec.get(f.label), fm.for_carried(f, form=False) if marked else fm.for_data(f))
    # Every row holding something has borders, down to the sheet's last row: rows typed below the
    # pre-formatted ones too.
    ws.conditional_format(2, 0, XL_MAX_ROW, ncols - 1, {
        "type": "formula", "criteria": f"=COUNTA($A3:${xl_col_to_name(ncols - 1)}3)>0", "format": fm.row_border})
    ws.freeze_panes(2, 0)
    # No print area: Excel, WPS and LibreOffice then print the rows that hold something, however many
    # were typed; a fixed area would cut off what was typed below it.
    _print_setup(ws, sheet, 2)
    _protect(ws)


def _write_instructions(wb: Any, fm: _Formats, sheets: Sequence[Sheet], intro: Sequence[str]) -> None:
    ws = wb.add_worksheet(schema.INSTRUCTIONS_SHEET)
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 8)
    ws.set_column(2, 2, 60)
    ws.set_column(3, 3, 24)
    ws.write_string(0, 0, "创先争优支部填报表　填报说明" if sheets[0].name == schema.INFO_SHEET
                    else "支部名单　填写说明", fm.title)
    row = 2
    for i, line in enumerate(intro, 1):
        ws.merge_range(row, 0, row, 3, f"{i}. {line}", fm.para)
        width = text_width(line)
        # about 110 units a line across the merged A:D; rows cannot grow to fit merged text themselves
        ws.set_row(row, 18 if width <= 120 else 32 if width <= 240 else 16 * math.ceil(width / 110))
        row += 1
    for sheet in sheets:
        row += 1
        ws.write_string(row, 0, f"【{sheet.name}】", fm.heading)
        ws.write_string(row, 2, sheet.purpose + ("　一项一行，从第3行开始填。" if sheet.layout == "table" else
                                                 "　在B列填写。"), fm.para)
        row += 1
        for c, head in enumerate(("栏目", "必填", "填写要求", "示例")):
            ws.write_string(row, c, head, fm.table_head)
        row += 1
        for f in sheet.fields:
            ws.write_string(row, 0, f.label, fm.table_req if f.required else fm.table_cell)
            ws.write_string(row, 1, "是" if f.required else "", fm.table_cell)
            ws.write_string(row, 2, f.hint, fm.table_cell)
            example = f.example.strftime("%Y-%m-%d") if isinstance(f.example, dt.date) else f.example
            ws.write_string(row, 3, "" if example is None else str(example), fm.table_cell)
            if text_width(f.hint) > 110:
                ws.set_row(row, 30)
            row += 1
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.protect("", {"format_columns": True, "format_rows": True})
    ws.activate()


BRANCH_INTRO = (
    "本表由各党支部填写，填好后按镇党委要求的时间报送（电子邮件或U盘均可）。请使用下发的表格，不要另建表格。",
    "不要修改工作表名称、表头和标签，不要删除列。需要多填的行，直接在表格下方空行继续填写。",
    "红色的表头或标签是必填项。带下拉箭头的栏目请从列表中选择；日期请填成 2011-05-07 的样子；"
    "人数、金额只填数字，不要带“人”“万元”等单位。",
    "身份证号、电话号码请按文本填写，不要改成数字格式，否则后几位会丢失。",
    "“五个好”每项满分20分。民主测评的满意票、基本满意票、不满意票之和不能多于参评人数。",
    "镇党委汇总时会自动检查，有问题的单元格会标出来退回，请按提示修改后重新报送。",
)

REGISTRY_INTRO = (
    "本表由镇党委组织办填写：“支部名单”列出本次应报送的全部党组织，“设置”填写本次汇总的报告期、活动起止日期等。",
    "党组织编码在全镇唯一，各支部填报表中的编码必须与此一致，用于汇总和催报。",
    "“设置”中的权重和等次分数线可以留空，留空时使用默认值。",
)


class _TextSheet(Worksheet):
    """A worksheet whose text is always text. xlsxwriter takes any string that starts with ``<r>`` and
    ends with ``</r>`` for a rich string's ready XML and writes it unescaped, so a branch typing such a
    value would get the office a workbook Excel offers to repair. Those few are written as a rich
    string of two plain runs instead: the same text, escaped (xlsxwriter's inheritance examples
    override write methods the same way)."""

    def write_string(self, row: int, col: int, string: str, cell_format: Any = None) -> int:
        if string[:3] == "<r>" and string[-4:] == "</r>":
            run = cell_format or self._text_font
            parts = [run, string[:1], run, string[1:]]
            return self.write_rich_string(row, col, *parts, *([cell_format] if cell_format else []))
        return super().write_string(row, col, string, cell_format)


class _Workbook(xlsxwriter.Workbook):
    worksheet_class = _TextSheet

    def add_worksheet(self, name: str | None = None, worksheet_class: Any = None) -> Any:
        ws = super().add_worksheet(name, worksheet_class)
        ws._text_font = self.formats[0]
        return ws


def new_workbook(path: Path, constant_memory: bool = False) -> xlsxwriter.Workbook:
    """Every workbook we write starts here: text written as text (no formulas, links or numbers made
    of it, and see :class:`_TextSheet`), the default style in a CJK font."""
    # constant_memory streams each finished row to disk: a city's detail sheets would otherwise hold
    # millions of cells in memory. It needs every sheet written in row order.
    wb = _Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "strings_to_numbers": False, "constant_memory": constant_memory})
    wb.formats[0].set_font_name(FONT)  # the default style, so empty cells use a CJK font too
    return wb


def _write_meta(wb: Any, fm: _Formats, meta: Mapping[str, Any]) -> None:
    ws = wb.add_worksheet(schema.META_SHEET)
    for r, (k, v) in enumerate(meta.items()):
        ws.write_string(r, 0, k)
        ws.write_string(r, 1, "" if v is None else str(v))
    ws.set_column(0, 1, 24)
    ws.hide()
    ws.protect()


def write_branch_workbook(path: str | os.PathLike[str], branch: Branch | None = None, *, committee: str = "",
                          period: str = "", data: Mapping[str, SheetData] | None = None,
                          generated_at: dt.datetime | None = None, replace: bool = True,
                          carried: Carried | None = None, carried_from: str = "") -> Path:
    """Write a branch template. With ``branch`` it is pre-filled for that branch; with ``data`` it is
    filled in (the demo uses this). Returns the path written (see :mod:`cxzy_xl.files` for ``replace``).

    A template carried over from last quarter (:mod:`cxzy_xl.carryover`) names in ``carried`` which of
    ``data``'s rows (table sheets: indices) and fields (form sheets: labels) came from there, and in
    ``carried_from`` that quarter: those cells get the carried fill, the legends and 填报说明 say what
    to do with them, and ``_meta`` records ``carried_from``."""
    data = dict(data or {})
    generated_at = generated_at or FIXED_TIME
    period_norm = to_period(period).value if period else ""
    info: dict[str, Any] = dict(data.get(schema.INFO_SHEET, {}))  # type: ignore[arg-type]
    locked: set[str] = set()
    if branch is not None:
        for k, v in _prefill(branch, committee, period_label(period_norm) if period_norm else period).items():
            info.setdefault(k, v)
        locked = set(schema.PREFILLED_LOCKED)
    carried_norm = to_period(carried_from).value if carried_from else ""
    with atomic(path, replace=replace, mark=schema.TEMPLATE_ID, what="填报表") as target:
        _draw_branch_workbook(target.tmp, branch, info, locked, data, period_norm, generated_at,
                              carried or {}, carried_norm or carried_from)
    return target.path


def carried_intro(previous: str = "") -> tuple[str, ...]:
    """The 填报说明 lines of a carried-over template, from schema.CARRY_OVER: what came from last
    quarter (``previous``, normalised like 2011Q2) and what to do with it."""
    when = f"上季度（{period_label(previous)}）" if previous else "上季度"
    took, update = [], []
    for c in schema.CARRY_OVER:
        sheet = schema.BRANCH_SHEET[c.sheet]
        if sheet.layout == "form":
            took.append(f"“{c.sheet}”中的{'、'.join(c.fields[:2])}等{len(c.fields)}项")
        elif c.keep is None:
            left = f"（备注写明{'、'.join(schema.DEPARTED_WORDS[:2])}等的除外）" if c.sheet == schema.ROSTER_SHEET else ""
            took.append(f"“{c.sheet}”全部{left}")
        elif c.keep.values:
            took.append(f"“{c.sheet}”中{c.keep.column}为{'、'.join(c.keep.values)}的")
            update.append(f"“{c.sheet}”请更新{c.keep.column}")
        else:
            took.append(f"“{c.sheet}”中未填{c.keep.column}的")
            update.append(f"“{c.sheet}”已有结果的请填写{c.keep.column}")
    return (
        f"本表{CARRIED_COLOUR}的行和单元格是根据本支部{when}报表预先填好的：{'；'.join(took)}。",
        "请逐项核对更新：有变化的直接改正；" + "；".join(update) +
        "；不再适用的整行删除；新增的在下面空行继续填写。填报人、填报日期请重新填写。",
    )


def _prefill(branch: Branch, committee: str, period: str) -> dict[str, str]:
    """基本信息's pre-filled values, as schema.PREFILLED declares them."""
    given = {"committee": committee, "period": period}

    def value(source: str) -> str:
        found = (given[s] if s in given else getattr(branch, s) for s in source.split("|"))
        return next((v for v in found if v), "")

    return {label: value(source) for label, source in schema.PREFILLED.items()}


def _draw_branch_workbook(tmp: Path, branch: Branch | None, info: dict[str, Any], locked: set[str],
                          data: dict[str, SheetData], period_norm: str, generated_at: dt.datetime,
                          carried: Carried, carried_from: str) -> None:
    wb = new_workbook(tmp)
    wb.set_properties({"title": "创先争优支部填报表", "author": AUTHOR, "created": generated_at,
                       "comments": f"{schema.TEMPLATE_ID} v{schema.VERSION}"})
    fm = _Formats(wb)
    is_carried = bool(carried_from) or any(carried.values())
    # the carried lines come first: this quarter they are what the clerk must read
    intro = (*carried_intro(carried_from), *BRANCH_INTRO) if is_carried else BRANCH_INTRO
    _write_instructions(wb, fm, schema.BRANCH_SHEETS, intro)
    for sheet in schema.BRANCH_SHEETS:
        marked = carried.get(sheet.name, ())
        if sheet.layout == "form":
            values = info if sheet.name == schema.INFO_SHEET else data.get(sheet.name, {})
            _write_form(wb, fm, sheet, values, locked if sheet.name == schema.INFO_SHEET else set(),
                        carried=[x for x in marked if isinstance(x, str)])
        else:
            _write_table(wb, fm, sheet, list(data.get(sheet.name, [])),  # type: ignore[arg-type]
                         carried={x for x in marked if isinstance(x, int)})
    meta: dict[str, Any] = {
        "template_id": schema.TEMPLATE_ID, "template_version": schema.VERSION,
        "branch_code": branch.code if branch else "", "branch_name": branch.name if branch else "",
        "report_period": period_norm or "", "generated_at": generated_at.isoformat(timespec="seconds"),
    }
    if is_carried:
        meta["carried_from"] = carried_from
    _write_meta(wb, fm, meta)
    wb.close()


def write_registry(path: str | os.PathLike[str], branches: Sequence[Branch] = (),
                   settings: Mapping[str, Any] | None = None, generated_at: dt.datetime | None = None,
                   replace: bool = True) -> Path:
    """Write the branch registry workbook (支部名单 + 设置), blank or filled."""
    names, form = schema.REGISTRY_SHEETS
    labels = names.labels
    rows = [dict(zip(labels, (b.code, b.name, b.type, b.parent, b.secretary, b.phone, b.group, b.leader), strict=True))
            for b in branches]
    with atomic(path, replace=replace, mark=schema.REGISTRY_ID, what="支部名单") as target:
        wb = new_workbook(target.tmp)
        wb.set_properties({"title": "支部名单", "author": AUTHOR, "created": generated_at or FIXED_TIME,
                           "comments": f"{schema.REGISTRY_ID} v{schema.VERSION}"})
        fm = _Formats(wb)
        _write_instructions(wb, fm, schema.REGISTRY_SHEETS, REGISTRY_INTRO)
        _write_table(wb, fm, names, rows)
        _write_form(wb, fm, form, dict(settings or {}), set())
        _write_meta(wb, fm, {"template_id": schema.REGISTRY_ID, "template_version": schema.VERSION,
                             "generated_at": (generated_at or FIXED_TIME).isoformat(timespec="seconds")})
        wb.close()
    return target.path


def branch_filename(branch: Branch) -> str:
    """``<编码>_<名称>.xlsx``, made safe: names come from cells (line breaks, slashes, any length)."""
    return safe_filename(f"{branch.code}_{branch.name}")


def write_branch_templates(outdir: str | os.PathLike[str], branches: Sequence[Branch], committee: str,
                           period: str) -> list[Path]:
    """One pre-filled template per registry branch, named ``<编码>_<名称>.xlsx``. The names are the
    library's choice, so a file there that is not an untouched template of ours is kept and the new one
    saved beside it (:mod:`cxzy_xl.files`)."""
    out = Path(outdir)
    names = NameSet()
    return [write_branch_workbook(out / names.claim(branch_filename(b)), b, committee=committee, period=period,
                                  replace=False) for b in branches]


def write_blank_templates(outdir: str | os.PathLike[str]) -> list[Path]:
    """The blank branch template and the blank registry (``cxzy template``), kept beside files of the
    same names that are not untouched blanks of ours: an office's filled 支部名单.xlsx is never replaced."""
    out = Path(outdir)
    return [write_branch_workbook(out / BLANK_TEMPLATE_FILE, replace=False),
            write_registry(out / BLANK_REGISTRY_FILE, replace=False)]
