"""From bytes on disk to raw cell values with their positions.

A file is sniffed by its bytes, guarded against zip and XML bombs, and read with python-calamine
(xlsx, xls, ods). Sheets are found by name and tables by their header text, so inserted title rows,
reordered and extra columns and blank rows still read. Nothing here judges a value: the cells go
on, with their A1 positions, to normalisation and checks.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlsxwriter.utility import xl_rowcol_to_cell

from . import schema
from .findings import Code, Finding, make
from .normalize import is_blank, squeeze
from .schema import Sheet

HEADER_SEARCH_ROWS = 10
SERIAL = "序号"  # a row holding nothing but its pre-typed 序号 is not a data row
MAX_FILE_BYTES = 50 * 2**20
MAX_UNZIPPED_BYTES = 200 * 2**20
MAX_RATIO = 200
MAX_ROWS = 100_000
MAX_COLS = 200

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".et", ".ods", ".xltx"}


class Unreadable(Exception):
    """The file cannot be read as a workbook; the message is for the clerk (Chinese)."""


def a1(row0: int, col0: int) -> str:
    return xl_rowcol_to_cell(row0, col0)


@dataclass
class RawSheet:
    name: str
    rows: list[list[Any]]  # from A1: rows[r][c] is the cell at row r, column c (0-based)
    missing_cache: set[tuple[int, int]] = field(default_factory=set)  # formulas without a cached value

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
    """The file's real format, from its first bytes."""
    head = data[:8]
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "encrypted" if "EncryptedPackage".encode("utf-16-le") in data else "ole"
    if not data.strip():
        return "empty"
    text = data[:512].lstrip().lower()
    if text.startswith((b"<html", b"<!doctype html", b"<?xml", b"<table")) or b"<html" in text:
        return "html"
    return "other"


def _guard_zip(data: bytes) -> None:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise Unreadable("文件已损坏（不是完整的Excel文件），请重新保存后报送") from exc
    total = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if total > MAX_UNZIPPED_BYTES or total / packed > MAX_RATIO and total > 10 * 2**20:
        raise Unreadable("文件解压后过大，疑似异常文件，请重新保存后报送")
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names:
        raise Unreadable("文件已损坏（不是完整的Excel文件），请重新保存后报送")
    for info in infos:
        if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
            _guard_extent(zf.read(info))
        if info.filename.endswith(".xml") and info.file_size < 4 * 2**20:
            head = zf.read(info)[:4096]
            # Entity declarations have no place in an Office file: this is how XML bombs and
            # external-entity attacks start.
            if b"<!ENTITY" in head or b"<!DOCTYPE" in head:
                raise Unreadable("文件含有异常内容，无法读取，请用Excel重新保存后报送")


_ROW_REF = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"')
_FAR_CELL = re.compile(rb' r="[A-Z]{3}\d')  # a cell in column AAA (703) or beyond
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _guard_extent(xml: bytes) -> None:
    """Refuse a sheet reaching past our limits before calamine sizes a grid for it: a single cell
    at XFD1048576 makes some calamine versions abort the whole process (tafia/calamine#693).
    Rows are scanned (there are few); of the cells only three-letter columns are looked for, since
    scanning every cell reference would cost more than reading the file."""
    last_row = max((int(m) for m in _ROW_REF.findall(xml)), default=0)
    if last_row > MAX_ROWS or _FAR_CELL.search(xml):
        raise Unreadable("工作表行列数过多，请删除多余的行列后重新报送")


def _missing_caches(data: bytes, sheet_names: list[str]) -> dict[str, set[tuple[int, int]]]:
    """Formula cells with no cached value, per sheet (xlsx only). openpyxl wrote such files; Excel
    would recompute them, we cannot, and reading them as blank would lose a figure silently."""
    out: dict[str, set[tuple[int, int]]] = {}
    zf = zipfile.ZipFile(io.BytesIO(data))
    paths = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet") and n.endswith(".xml")]
    if not paths:
        return out
    wb_xml = zf.read("xl/workbook.xml").decode("utf-8", "replace")
    rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace") if \
        "xl/_rels/workbook.xml.rels" in zf.namelist() else ""
    rid_target = dict(re.findall(r'Id="([^"]+)"[^>]*Target="([^"]+)"', rels))
    rid_target.update({k: v for v, k in re.findall(r'Target="([^"]+)"[^>]*Id="([^"]+)"', rels)})
    for name, rid in re.findall(r'<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', wb_xml):
        target = rid_target.get(rid, "").lstrip("/")
        path = target if target.startswith("xl/") else f"xl/{target}"
        if path not in zf.namelist():
            continue
        xml = zf.read(path)
        if not _FORMULA.search(xml):
            continue
        from defusedxml.ElementTree import fromstring

        root = fromstring(xml)
        ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
        cells = set()
        for c in root.iterfind(".//m:sheetData/m:row/m:c", ns):
            f = c.find("m:f", ns)
            v = c.find("m:v", ns)
            if f is not None and (v is None or v.text in (None, "")) and c.get("t") != "str":
                cells.add(parse_a1(c.get("r", "")))
        out[_unescape(name)] = cells
    return out


def _unescape(name: str) -> str:
    return name.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')


def parse_a1(ref: str) -> tuple[int, int]:
    """'C5' -> (4, 2), 0-based; (-1, -1) for anything else."""
    m = re.match(r"([A-Z]+)(\d+)", ref)
    if not m:
        return (-1, -1)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


def load_book(path: str | Path, sheets: tuple[str, ...] | None = None) -> RawBook:
    """Read every cell of the named sheets (all if None). Raises :class:`Unreadable`."""
    import python_calamine as pc

    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise Unreadable(f"文件过大（{size // 2**20} MB），请删除无关内容后重新报送")
        data = path.read_bytes()
    except OSError as exc:
        raise Unreadable(f"文件打不开（{exc.strerror or exc}）") from exc
    kind = sniff(data)
    if kind == "empty":
        raise Unreadable("文件是空的，请重新报送")
    if kind == "encrypted":
        raise Unreadable("文件已加密，请取消密码后重新报送")
    if kind == "html":
        raise Unreadable("文件是网页格式另存的，不是真正的Excel文件，请用Excel打开后“另存为”xlsx格式再报送")
    if kind == "other":
        raise Unreadable("不是Excel文件（可能是文本或其他格式），请用下发的模板填写后报送")
    if kind == "zip":
        _guard_zip(data)
    try:
        wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except pc.PasswordError as exc:
        raise Unreadable("文件已加密，请取消密码后重新报送") from exc
    except Exception as exc:  # calamine's errors are many and untyped; all mean the same to a clerk
        raise Unreadable("文件已损坏，无法读取，请用Excel打开检查后重新保存报送") from exc
    missing: dict[str, set[tuple[int, int]]] = {}
    if kind == "zip":
        try:
            missing = _missing_caches(data, wb.sheet_names)
        except Exception as exc:
            raise Unreadable("文件已损坏，无法读取，请用Excel打开检查后重新保存报送") from exc
    out: dict[str, RawSheet] = {}
    meta: dict[str, str] = {}
    try:
        for name in wb.sheet_names:
            if sheets is not None and squeeze(name) not in {squeeze(s) for s in sheets} \
                    and name != schema.META_SHEET:
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
            out[name] = RawSheet(name, rows, missing.get(name, set()))
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
    if not isinstance(text, str):
        return ""
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
    from .normalize import normalize_value

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
                if not vals.get("党组织编码"):
                    findings.append(make(Code.REQUIRED, path.name, sheet=names_sheet.name, row=r + 1,
                                         column="党组织编码", cell=a1(r, table.columns.get("党组织编码", 0))))
                    continue
                branches.append(schema.Branch(
                    code=str(vals["党组织编码"]), name=str(vals.get("党组织名称") or ""),
                    type=str(vals.get("党组织类型") or ""), parent=str(vals.get("上级党组织") or ""),
                    secretary=str(vals.get("书记姓名") or ""), phone=str(vals.get("联系电话") or "")))
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
    for name in settings.weights:
        if values.get(f"{name}权重") is not None:
            settings.weights[name] = float(values[f"{name}权重"])
    settings.thresholds = tuple(
        (g, t if values.get(f"{g}等次最低分") is None else float(values[f"{g}等次最低分"]))
        for g, t in settings.thresholds)
    return Registry(path, branches, settings, findings)
