"""From bytes on disk to raw cell values with their positions.

A file is sniffed by its bytes, guarded against zip and XML bombs (OOXML and ODS alike), and read with
python-calamine (xlsx, xlsm, xlsb, xls, ods); other spreadsheet formats are refused with the format to
save in. Sheets are found by name and tables by their header text, so inserted title rows,
reordered and extra columns and blank rows still read. Nothing here judges a value: the cells go
on, with their A1 positions, to normalisation and checks.
"""

from __future__ import annotations

import functools
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_calamine as pc
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring, iterparse
from xlsxwriter.utility import xl_rowcol_to_cell

from . import schema
from .findings import Code, Finding, make
from .normalize import is_blank, normalize_value, squeeze
from .schema import Sheet

HEADER_SEARCH_ROWS = 10
SERIAL = "序号"  # a row holding nothing but its pre-typed 序号 is not a data row
MAX_FILE_BYTES = 50 * 2**20
MAX_UNZIPPED_BYTES = 200 * 2**20
MAX_RATIO = 200
MAX_ROWS = 100_000
MAX_COLS = 200

# Read (calamine), or refused with a finding that says which format to save in: never skipped as
# "not a spreadsheet" (batch.collect_files passes every suffix here on to load_book).
READ_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".xls", ".et", ".ods", ".xltx", ".xltm"}
OTHER_SPREADSHEETS = {
    ".numbers": "苹果Numbers", ".fods": "OpenDocument单文件（.fods）", ".ots": "OpenDocument模板",
    ".ett": "WPS表格模板", ".xlt": "Excel 97–2003模板", ".csv": "CSV文本",
    ".wk1": "Lotus 1-2-3", ".wk3": "Lotus 1-2-3", ".wk4": "Lotus 1-2-3", ".wks": "Lotus/Works",
    ".123": "Lotus 1-2-3", ".qpw": "Quattro Pro", ".wb2": "Quattro Pro", ".sxc": "OpenOffice 1.x",
    ".gnumeric": "Gnumeric", ".dif": "DIF", ".slk": "SYLK", ".uos": "永中Office",
}
SPREADSHEET_SUFFIXES = READ_SUFFIXES | set(OTHER_SPREADSHEETS)
SAVE_AS = "请用Excel或WPS打开后“另存为”xlsx格式（Excel工作簿）再报送"
ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"


class Unreadable(Exception):
    """The file cannot be read as a workbook; the message is for the clerk (Chinese)."""


def a1(row0: int, col0: int) -> str:
    return xl_rowcol_to_cell(row0, col0)


@dataclass
class RawSheet:
    name: str
    rows: list[list[Any]]  # from A1: rows[r][c] is the cell at row r, column c (0-based)
    missing_cache: set[tuple[int, int]] = field(default_factory=set)  # formulas without a cached value
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # cells holding #DIV/0!, #REF!…

    def cell(self, r: int, c: int) -> Any:
        if r < len(self.rows) and c < len(self.rows[r]):
            return self.rows[r][c]
        return None


@dataclass
class RawBook:
    path: Path
    sheets: dict[str, RawSheet]
    meta: dict[str, str]

    def sheet(self, name: str) -> RawSheet | None:
        if name in self.sheets:
            return self.sheets[name]
        key = squeeze(name)
        for real, sh in self.sheets.items():
            if squeeze(real) == key:
                return sh
        return None


def sniff(data: bytes) -> str:
    """The file's real format, from its bytes: "ooxml" (xlsx/xlsm), "xlsb", "ods", "ole" (xls, WPS
    et), "encrypted", "numbers", "document" (Word, PowerPoint or ODF text), "zip" (another zip), "html", "xml2003" (Excel 2003 XML), "fods",
    "empty" or "other"."""
    head = data[:8]
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(data)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "encrypted" if "EncryptedPackage".encode("utf-16-le") in data else "ole"
    if not data.strip():
        return "empty"
    text = data[:4096].lstrip().lower()
    if b"urn:schemas-microsoft-com:office:spreadsheet" in text:
        return "xml2003"
    if b"<office:document" in text and ODS_MIME in text:
        return "fods"
    if text.startswith((b"<html", b"<!doctype html", b"<?xml", b"<table")) or b"<html" in text:
        return "html"
    return "other"


def _sniff_zip(data: bytes) -> str:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        names = set(zf.namelist())
        mimetype = zf.read("mimetype")[:100].strip() if "mimetype" in names else b""
    except (zipfile.BadZipFile, ValueError, OSError, RuntimeError, NotImplementedError, EOFError):
        return "zip"  # _guard_zip says it is damaged
    if "[Content_Types].xml" in names:
        if "xl/workbook.bin" in names:
            return "xlsb"
        if any(n.startswith("xl/workbook") for n in names):
            return "ooxml"
        return "document" if any(n.startswith(("word/", "ppt/")) for n in names) else "zip"
    if mimetype == ODS_MIME and "content.xml" in names:
        return "ods"
    if mimetype.startswith(b"application/vnd.oasis.opendocument.") and mimetype != ODS_MIME:
        return "document"  # an ODF text or presentation
    if "Index/Document.iwa" in names or any(n.startswith("Index/") and n.endswith(".iwa") for n in names):
        return "numbers"
    return "zip"


def _guard_zip(data: bytes, kind: str) -> dict[str, bytes]:
    """Zip bombs and XML bombs are refused before calamine sees the file. Returns the XML parts it
    unpacked, so that later scans do not unpack them again."""
    damaged = "文件已损坏（不是完整的Excel文件），请重新保存后报送"
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise Unreadable(damaged) from exc
    total = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if total > MAX_UNZIPPED_BYTES or total / packed > MAX_RATIO and total > 10 * 2**20:
        raise Unreadable("文件解压后过大，疑似异常文件，请重新保存后报送")
    if kind not in ("ooxml", "xlsb", "ods"):
        raise Unreadable(damaged)
    parts: dict[str, bytes] = {}
    try:
        for info in infos:
            if not info.filename.endswith((".xml", ".rels")):
                continue
            xml = parts[info.filename] = zf.read(info)
            # Entity declarations have no place in an Office file: this is how XML bombs and
            # external-entity attacks start. The whole member is searched (a long comment can push a
            # DOCTYPE past any head); in text and attributes "<" is always escaped, so this is exact.
            if b"<!ENTITY" in xml or b"<!DOCTYPE" in xml:
                raise Unreadable("文件含有异常内容，无法读取，请用Excel重新保存后报送")
            if kind == "ooxml" and info.filename.startswith("xl/worksheets/"):
                _guard_extent(xml)
            elif kind == "ods" and info.filename == "content.xml":
                _guard_ods_extent(xml)
    except (zipfile.BadZipFile, ValueError, OSError, RuntimeError, EOFError) as exc:  # bad CRC, bad deflate
        raise Unreadable(damaged) from exc
    return parts


# Patterns open with a literal so that re scans for it instead of trying at every "<" (a 77 KB sheet:
# 0.5 ms against 0.08 ms); only a row reference is r=" followed by digits (cell references start with letters).
_FAR_ROW_REF = re.compile(rb'r="(\d{6,})"')
# A cell in column AAA (703) or beyond that holds something: its tag is not self-closed and the next
# tag opens <v>, <is> or <f>. Styled empty cells (<c r="AAA1" s="3"/>, Gnumeric writes 16,384 of them
# for a formatted row) do not count. Only three-letter columns are looked at: one search, no per-cell work.
_FAR_VALUE = re.compile(rb'r="[A-Z]{3}\d+"[^>]*(?<!/)>\s*<(?!/)')
_VALUE_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*(?<!/)>\s*<(?!/)')
_ROW_END = re.compile(rb"</(?:\w+:)?row>|<(?:\w+:)?row\b")
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
# Either of the two above could match only where this does: one scan instead of two for ordinary sheets.
_FAR_ANY = re.compile(rb'r="(?:[A-Z]{3}|\d{6})')
TOO_LARGE = "工作表行列数过多，请删除多余的行列后重新报送"


def _guard_extent(xml: bytes) -> None:
    """Refuse a sheet whose values reach past our limits before calamine sizes a grid for it: a single
    cell at XFD1048576 makes some calamine versions abort the whole process (tafia/calamine#693).
    Only cells holding something count: formatting whole rows or sheets is not an extent."""
    if not _FAR_ANY.search(xml):
        return
    if any(xml[m.start() - 1:m.start()].isspace() for m in _FAR_VALUE.finditer(xml)):
        raise Unreadable(TOO_LARGE)
    for m in _FAR_ROW_REF.finditer(xml):
        if int(m.group(1)) <= MAX_ROWS:
            continue
        # a far row: refused if it holds a value cell (styled empty rows are skipped, one by one)
        start = xml.find(b">", m.end())
        if start < 0 or xml[start - 1:start] == b"/":
            continue
        end = _ROW_END.search(xml, start + 1)
        if _VALUE_CELL.search(xml, start + 1, end.start() if end else len(xml)):
            raise Unreadable(TOO_LARGE)


_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def _guard_ods_extent(xml: bytes) -> None:
    """ODS compresses runs: table:number-rows-repeated / number-columns-repeated. LibreOffice closes
    every sheet with an empty row repeated ~1,048,000 times, Gnumeric repeats styled rows; those are
    not an extent. A repeated cell that holds a value is: its last row and column are what a reader
    would have to fill. Parsed with defusedxml, which refuses DTDs and entities."""
    row_tag, cell_tags = f"{_TABLE}table-row", {f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell"}
    table_tag = f"{_TABLE}table"
    value_attrs = (f"{_OFFICE}value-type", f"{_TABLE}formula")
    row = col = last_row = last_col = 0
    row_has_value = False
    try:
        for event, el in iterparse(io.BytesIO(xml), events=("start", "end"), forbid_dtd=True):
            tag = el.tag
            if event == "start":
                if tag == table_tag:
                    row = 0
                elif tag == row_tag:
                    col, row_has_value = 0, False
                continue
            if tag in cell_tags:
                repeat = int(el.get(f"{_TABLE}number-columns-repeated") or 1)
                if any(el.get(a) is not None for a in value_attrs) or len(el):
                    row_has_value = True
                    last_col = max(last_col, col + repeat)
                col += repeat
                el.clear()
            elif tag == row_tag:
                repeat = int(el.get(f"{_TABLE}number-rows-repeated") or 1)
                if row_has_value:
                    last_row = max(last_row, row + repeat)
                row += repeat
                el.clear()
            if last_row > MAX_ROWS or last_col > MAX_COLS:
                raise Unreadable(TOO_LARGE)
    except DefusedXmlException as exc:
        raise Unreadable("文件含有异常内容，无法读取，请用Excel重新保存后报送") from exc
    except (SyntaxError, ValueError) as exc:  # ParseError is a SyntaxError; a repeat that is not a number
        raise Unreadable("文件已损坏，无法读取，请用Excel打开检查后重新保存报送") from exc


def _unusable_cells(parts: dict[str, bytes]) -> dict[str, tuple[set[tuple[int, int]], dict[tuple[int, int], str]]]:
    """Per sheet (xlsx only): formula cells with no cached value, and cells holding an error value
    (#DIV/0!, #REF!…). openpyxl writes the first kind; Excel would recompute them, we cannot. calamine
    hands both over as "", so without this scan a figure, or a row holding only an error, would be
    lost silently. ``parts``: the XML parts, as the zip guard already unpacked them."""
    out: dict[str, tuple[set[tuple[int, int]], dict[tuple[int, int], str]]] = {}
    if not any(n.startswith("xl/worksheets/sheet") for n in parts) or "xl/workbook.xml" not in parts:
        return out
    wb_xml = parts["xl/workbook.xml"].decode("utf-8", "replace")
    rels = parts.get("xl/_rels/workbook.xml.rels", b"").decode("utf-8", "replace")
    rid_target = dict(re.findall(r'Id="([^"]+)"[^>]*Target="([^"]+)"', rels))
    rid_target.update({k: v for v, k in re.findall(r'Target="([^"]+)"[^>]*Id="([^"]+)"', rels)})
    for name, rid in re.findall(r'<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', wb_xml):
        target = rid_target.get(rid, "").lstrip("/")
        path = target if target.startswith("xl/") else f"xl/{target}"
        xml = parts.get(path)
        if xml is None:
            continue
        # cheap tests first: a formula with content ends in </f> (or </x:f>; a shared formula's other
        # cells are self-closed but its first cell is not), an error cell carries t="e"
        if not (b't="e"' in xml or ((b"</f>" in xml or b":f>" in xml) and _FORMULA.search(xml))):
            continue
        root = fromstring(xml)
        ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
        cells: set[tuple[int, int]] = set()
        errors: dict[tuple[int, int], str] = {}
        for c in root.iterfind(".//m:sheetData/m:row/m:c", ns):
            f = c.find("m:f", ns)
            v = c.find("m:v", ns)
            if c.get("t") == "e":
                errors[parse_a1(c.get("r", ""))] = (v.text if v is not None and v.text else "#错误")
            elif f is not None and (v is None or v.text in (None, "")) and c.get("t") != "str":
                cells.add(parse_a1(c.get("r", "")))
        out[_unescape(name)] = (cells, errors)
    return out


def _unescape(name: str) -> str:
    return name.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')


@functools.lru_cache(maxsize=1 << 16)  # the same cells come back in every file's findings
def parse_a1(ref: str) -> tuple[int, int]:
    """'C5' -> (4, 2), 0-based; (-1, -1) for anything else."""
    m = re.match(r"([A-Z]+)(\d+)", ref)
    if not m:
        return (-1, -1)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


# Whitespace-only text next to a table:* tag. Insignificant in ODF (text lives in text:p), but calamine
# rejects it ("Expecting 'table-cell', found Text"): Gnumeric indents its content.xml.
_ODS_INDENT = re.compile(rb"(</?table:[^>]*>)\s+(?=<)|>\s+(?=</?table:)")


def _tidy_ods(data: bytes) -> bytes:
    """The ODS with its table markup's indentation removed, so calamine reads what Gnumeric writes."""
    with zipfile.ZipFile(io.BytesIO(data)) as zin:
        content = zin.read("content.xml")
        tidy = _ODS_INDENT.sub(lambda m: m.group(1) or b">", content)
        if tidy == content:
            return data
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                body = tidy if info.filename == "content.xml" else zin.read(info)
                zout.writestr(info.filename, body,
                              zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _refuse_unread_formats(kind: str, suffix: str) -> None:
    """Every file that is not a workbook calamine reads gets a reason and the format to save in."""
    if kind == "empty":
        raise Unreadable("文件是空的，请重新报送")
    if kind == "encrypted":
        raise Unreadable("文件已加密，请取消密码后重新报送")
    if kind == "html":
        raise Unreadable(f"文件是网页格式另存的，不是真正的Excel文件，{SAVE_AS}")
    if kind == "xml2003":
        raise Unreadable(f"文件是“XML电子表格2003”格式，本工具不能读取，{SAVE_AS}")
    if kind == "fods":
        raise Unreadable(f"文件是OpenDocument单文件（.fods）格式，本工具不能读取，{SAVE_AS}，或另存为ods格式")
    if kind == "document":
        raise Unreadable("这是Word文档或演示文稿，不是Excel表格（可能改了扩展名），请用下发的Excel模板填写后报送")
    if kind == "numbers":
        raise Unreadable("文件是苹果Numbers格式，本工具不能读取，请在Numbers中“导出为”Excel（xlsx）格式再报送")
    if kind == "other":
        what = OTHER_SPREADSHEETS.get(suffix)
        if what:
            raise Unreadable(f"文件是{what}格式，本工具不能读取，{SAVE_AS}")
        raise Unreadable("不是Excel文件（可能是文本或其他格式），请用下发的模板填写后报送")
    if kind == "zip" and suffix in OTHER_SPREADSHEETS:
        raise Unreadable(f"文件是{OTHER_SPREADSHEETS[suffix]}格式，本工具不能读取，{SAVE_AS}")


def load_book(path: str | Path, sheets: tuple[str, ...] | None = None) -> RawBook:
    """Read every cell of the named sheets (all if None). Raises :class:`Unreadable`."""

    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise Unreadable(f"文件过大（{size // 2**20} MB），请删除无关内容后重新报送")
        data = path.read_bytes()
    except OSError as exc:
        raise Unreadable(f"文件打不开（{exc.strerror or exc}）") from exc
    kind = sniff(data)
    _refuse_unread_formats(kind, path.suffix.lower())
    parts: dict[str, bytes] = {}
    if kind in ("ooxml", "xlsb", "ods", "zip"):
        parts = _guard_zip(data, kind)
    try:
        wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(_tidy_ods(data) if kind == "ods" else data))
    except pc.PasswordError as exc:
        raise Unreadable("文件已加密，请取消密码后重新报送") from exc
    except Exception as exc:  # calamine's errors are many and untyped; all mean the same to a clerk
        if path.suffix.lower() in (".et", ".ett"):
            raise Unreadable("WPS表格（.et）格式的文件无法读取，请在WPS中“另存为”xlsx格式（Excel工作簿）再报送") from exc
        raise Unreadable("文件已损坏，无法读取，请用Excel打开检查后重新保存报送") from exc
    unusable: dict[str, tuple[set[tuple[int, int]], dict[tuple[int, int], str]]] = {}
    if kind == "ooxml":
        try:
            unusable = _unusable_cells(parts)
        except Exception as exc:
            raise Unreadable("文件已损坏，无法读取，请用Excel打开检查后重新保存报送") from exc
    out: dict[str, RawSheet] = {}
    meta: dict[str, str] = {}
    wanted = None if sheets is None else {squeeze(s) for s in sheets}
    try:
        for name in wb.sheet_names:
            if wanted is not None and squeeze(name) not in wanted and name != schema.META_SHEET:
                continue
            sh = wb.get_sheet_by_name(name)
            r1, c1 = sh.end or (0, 0)
            if r1 + 1 > MAX_ROWS or c1 + 1 > MAX_COLS:
                raise Unreadable(f"工作表“{name}”行列数过多（{r1 + 1}行×{c1 + 1}列），请删除多余的行列后重新报送")
            rows = _rows_from_a1(sh)
            _fill_merged(rows, sh)
            if name == schema.META_SHEET:
                meta = {str(r[0]).strip(): _meta_value(r[1]) for r in rows if len(r) > 1 and r[0]}
                continue
            no_cache, errors = unusable.get(name, (set(), {}))
            for (r, c), text in errors.items():  # the error's text keeps its row from reading as blank
                if r < len(rows):
                    rows[r].extend([None] * (c + 1 - len(rows[r])))
                    rows[r][c] = text
            out[name] = RawSheet(name, rows, no_cache, errors)
    except Unreadable:
        raise
    except Exception as exc:
        raise Unreadable("文件已损坏，无法读取，请用Excel打开检查后重新保存报送") from exc
    return RawBook(path, out, meta)


def _meta_value(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return "" if v is None else str(v).strip()


def _rows_from_a1(sh: Any) -> list[list[Any]]:
    body = sh.to_python(skip_empty_area=False)
    r0, c0 = sh.start if sh.start else (0, 0)
    if c0:
        body = [[None] * c0 + list(r) for r in body]
    return [[] for _ in range(r0)] + [list(r) for r in body]


def _fill_merged(rows: list[list[Any]], sh: Any) -> None:
    """A merged area's value applies to every cell of it."""
    for rng in getattr(sh, "merged_cell_ranges", None) or ():
        (r1, c1), (r2, c2) = rng
        if r1 >= len(rows) or c1 >= len(rows[r1]):
            continue
        value = rows[r1][c1]
        for r in range(r1, min(r2, len(rows) - 1) + 1):
            row = rows[r]
            if len(row) <= c2:
                row.extend([None] * (c2 + 1 - len(row)))
            for c in range(c1, c2 + 1):
                if (r, c) != (r1, c1) and is_blank(row[c]):
                    row[c] = value


def _label_key(text: Any) -> str:
    """Labels compare without spaces, width differences and the marks staff add (*, ※, （必填）)."""
    return _text_key(text) if isinstance(text, str) else ""


@functools.lru_cache(maxsize=8192)  # the header search meets the same labels in every file
def _text_key(text: str) -> str:
    key = squeeze(text).replace("*", "").replace("※", "")
    return key.replace("(必填)", "").replace("(选填)", "")


@dataclass
class TableRead:
    header_row: int  # 0-based
    columns: dict[str, int]  # label -> 0-based column
    rows: list[int]  # 0-based rows that hold data


def locate_table(raw: RawSheet, sheet: Sheet) -> TableRead | None:
    """The header row is the one, within the first rows, that names most of the sheet's columns."""
    wanted = {_label_key(f.label): f.label for f in sheet.fields}
    best: tuple[int, int, dict[str, int]] | None = None
    for r in range(min(HEADER_SEARCH_ROWS, len(raw.rows))):
        cols: dict[str, int] = {}
        for c, v in enumerate(raw.rows[r]):
            label = wanted.get(_label_key(v))
            if label and label not in cols:
                cols[label] = c
        if cols and (best is None or len(cols) > best[1]):
            best = (r, len(cols), cols)
    if best is None or best[1] < 2:
        return None
    header, _, columns = best
    serial = columns.get(SERIAL)
    data_rows = []
    for r in range(header + 1, len(raw.rows)):
        row = raw.rows[r]
        # calamine gives "" for empty cells; whitespace-only text is blank too (is_blank's rule)
        filled = [c for c, v in enumerate(row) if v is not None and v != "" and not (type(v) is str and v.isspace())]
        if not filled or filled == [serial]:
            continue
        data_rows.append(r)
    return TableRead(header, columns, data_rows)


def locate_form(raw: RawSheet, sheet: Sheet) -> dict[str, tuple[int, int]]:
    """Each field's value cell (row, column), found by its label in column A."""
    wanted = {_label_key(f.label): f.label for f in sheet.fields}
    found: dict[str, tuple[int, int]] = {}
    for r, row in enumerate(raw.rows):
        if not row:
            continue
        label = wanted.get(_label_key(row[0]))
        if label and label not in found:
            found[label] = (r, 1)
    return found


@dataclass
class Registry:
    path: Path
    branches: list[schema.Branch]
    settings: schema.Settings
    findings: list[Finding]


def read_registry(path: str | Path) -> Registry:
    """Read 支部名单 + 设置; problems become findings, defaults fill an empty 设置."""

    path = Path(path)
    findings: list[Finding] = []
    names_sheet, form_sheet = schema.REGISTRY_SHEETS
    book = load_book(path)
    branches: list[schema.Branch] = []
    raw = book.sheet(names_sheet.name)
    if raw is None:
        findings.append(make(Code.SHEET_MISSING, path.name, sheet=names_sheet.name))
    else:
        table = locate_table(raw, names_sheet)
        if table is None:
            findings.append(make(Code.COLUMN_MISSING, path.name, sheet=names_sheet.name, column="表头"))
        else:
            for r in table.rows:
                vals: dict[str, Any] = {}
                for f in names_sheet.fields:
                    c = table.columns.get(f.label)
                    norm = normalize_value(f, raw.cell(r, c)) if c is not None else None
                    vals[f.label] = norm.value if norm is not None and norm.ok else None
                    if norm is not None and not norm.ok:
                        findings.append(make(norm.error or Code.BAD_TYPE, path.name, sheet=names_sheet.name,
                                             row=r + 1, column=f.label, cell=a1(r, c or 0),
                                             value=raw.cell(r, c or 0), detail=norm.detail))
                if not vals.get(schema.CODE_COL):
                    findings.append(make(Code.REQUIRED, path.name, sheet=names_sheet.name, row=r + 1,
                                         column=schema.CODE_COL, cell=a1(r, table.columns.get(schema.CODE_COL, 0))))
                    continue
                branches.append(schema.Branch(
                    code=str(vals[schema.CODE_COL]), name=str(vals.get("党组织名称") or ""),
                    type=str(vals.get("党组织类型") or ""), parent=str(vals.get("上级党组织") or ""),
                    secretary=str(vals.get("书记姓名") or ""), phone=str(vals.get("联系电话") or ""),
                    group=str(vals.get("督导组") or ""), leader=str(vals.get("联系领导") or "")))
    settings = schema.Settings()
    raw = book.sheet(form_sheet.name)
    values: dict[str, Any] = {}
    if raw is not None:
        for label, (r, c) in locate_form(raw, form_sheet).items():
            f = form_sheet.field(label)
            norm = normalize_value(f, raw.cell(r, c))
            if norm.ok:
                values[label] = norm.value
            else:
                findings.append(make(norm.error or Code.BAD_TYPE, path.name, sheet=form_sheet.name, row=r + 1,
                                     column=label, cell=a1(r, c), value=raw.cell(r, c), detail=norm.detail))
    settings.committee = values.get("所属党委") or ""
    settings.period = values.get("报告期") or ""
    settings.campaign_start = values.get("活动开始日期") or settings.campaign_start
    settings.campaign_end = values.get("活动结束日期") or settings.campaign_end
    settings.deadline = values.get("报送截止日期")
    settings.mobilised_by = values.get("动员大会截止日期")
    for name in settings.weights:
        if values.get(f"{name}权重") is not None:
            settings.weights[name] = float(values[f"{name}权重"])
    settings.thresholds = tuple(
        (g, t if values.get(f"{g}等次最低分") is None else float(values[f"{g}等次最低分"]))
        for g, t in settings.thresholds)
    return Registry(path, branches, settings, findings)
