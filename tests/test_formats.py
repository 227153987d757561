"""Files from every spreadsheet program: what LibreOffice and Gnumeric saved (tests/data/real, made by
tests/data/make_real_files.py) reads as the template-written original; ODS gets the OOXML guards; a
spreadsheet format we do not read gets a finding naming the format to save in, never a silent skip."""

from __future__ import annotations

import io
import lzma
import time
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxzy_xl import schema
from cxzy_xl.batch import collect_files, process_file
from cxzy_xl.findings import Severity
from cxzy_xl.pipeline import read_folder, read_workbook
from cxzy_xl.read import SPREADSHEET_SUFFIXES, load_book, read_registry, sniff
from cxzy_xl.resultbook import read_result
from cxzy_xl.rollup import rollup

REAL = Path(__file__).parent / "data" / "real"
ORIGINAL = "branch-original.xlsx"
BRANCH_FILES = ["branch-libreoffice.xlsx", "branch-libreoffice.xls", "branch-libreoffice.ods",
                "branch-gnumeric.xlsx", "branch-gnumeric.ods"]


@pytest.fixture()
def real(tmp_path):
    """A committed real-program file; one stored as <name>.xz (over 300 KB) is unpacked first."""
    def get(name: str) -> Path:
        if (REAL / name).exists():
            return REAL / name
        out = tmp_path / name
        out.write_bytes(lzma.decompress((REAL / f"{name}.xz").read_bytes()))
        return out
    return get


def comparable(batch, sheet: str) -> pd.DataFrame:
    return batch[sheet].drop(columns=["来源文件"]).reset_index(drop=True)


def findings(batch) -> list[tuple]:
    # A program may store a typed value as another type (a phone as a number); the reader's NORMALISED
    # note about that is not a difference in what was filled.
    return sorted((f.code.name, f.sheet, f.cell, str(f.value)) for f in batch.findings if f.code.name != "NORMALISED")


def test_every_programs_branch_file_reads_as_the_original(real):
    original = read_workbook(REAL / ORIGINAL, isolate=False)
    assert len(original["党员名册"]) == 10 and len(original["公开承诺"]) > 0 and len(original["活动记录"]) > 0
    problems = []
    for name in BRANCH_FILES:
        batch = read_workbook(real(name), isolate=False)
        errors = [f.message for f in batch.findings if f.severity is not Severity.INFO]
        if errors or findings(batch) != findings(original):
            problems.append((name, errors or findings(batch)))
            continue
        for sheet in schema.BRANCH_SHEETS:
            try:
                pd.testing.assert_frame_equal(comparable(batch, sheet.name), comparable(original, sheet.name))
            except AssertionError as exc:
                problems.append((name, sheet.name, str(exc)[:300]))
    assert problems == []


# python-calamine reads Gnumeric-written BIFF8 numbers formatted 0.## as dates (18 → 1900-01-18);
# normalize.to_number takes such early dates in a number column back to the number they were stored as.
def test_gnumeric_xls_reads_as_the_original():
    original = read_workbook(REAL / ORIGINAL, isolate=False)
    batch = read_workbook(REAL / "branch-gnumeric.xls", isolate=False)
    assert findings(batch) == findings(original)
    for sheet in schema.BRANCH_SHEETS:
        pd.testing.assert_frame_equal(comparable(batch, sheet.name), comparable(original, sheet.name))


def test_an_ods_branch_file_in_the_inbox_counts_as_reported(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "金龙村.ods").write_bytes((REAL / "branch-libreoffice.ods").read_bytes())
    batch = read_folder(inbox, registry=REAL / "registry-libreoffice.ods")
    code = read_workbook(REAL / ORIGINAL, isolate=False)["基本信息"]["党组织编码"].iloc[0]
    missing = [f for f in batch.findings if f.code.name == "MISSING_SUBMISSION"]
    assert code not in {f.branch_code for f in missing} and len(missing) == 15
    assert not [f for f in batch.findings if f.code.name == "FILE_UNREADABLE"]
    assert len(batch["党员名册"]) == 10


def test_the_registry_saved_as_ods_reads_the_same():
    xlsx, ods = read_registry(REAL / "registry.xlsx"), read_registry(REAL / "registry-libreoffice.ods")
    assert ods.findings == [] and xlsx.findings == []
    assert len(xlsx.branches) == 16
    assert ods.branches == xlsx.branches
    assert ods.settings == xlsx.settings


def close(a, b) -> bool:
    """Equal to the 15 significant digits spreadsheet programs keep."""
    return bool(np.allclose(np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64"), rtol=1e-14, atol=0,
                            equal_nan=True))


def test_a_result_workbook_saved_as_ods_rolls_up():
    xlsx, ods = read_result(REAL / "result.xlsx"), read_result(REAL / "result-libreoffice.ods")
    assert (ods.unit, ods.period, ods.level, ods.expected) == (xlsx.unit, xlsx.period, xlsx.level, xlsx.expected)
    assert list(ods.base.columns) == list(xlsx.base.columns) and len(ods.base) == len(xlsx.base) == 16
    for c in ods.base.columns:
        if ods.base[c].dtype == "float64":
            assert close(ods.base[c], xlsx.base[c]), c
        else:
            assert ods.base[c].tolist() == xlsx.base[c].tolist(), c
    # a finding about the child file itself (these predate the 分项统计 counts) names that file
    assert [replace(f, file="result.xlsx") if f.file == "result-libreoffice.ods" else f for f in ods.findings] \
        == xlsx.findings
    pd.testing.assert_frame_equal(ods.missing, xlsx.missing)
    a, b = rollup([REAL / "result.xlsx"], unit="县"), rollup([REAL / "result-libreoffice.ods"], unit="县")
    numeric = a.total.select_dtypes("number").columns
    assert len(numeric) > 5 and close(a.total[numeric], b.total[numeric])


# --- ODS gets the same guards as OOXML ----------------------------------------------------------

def rewrite(src: Path, dst: Path, member: str, body: bytes | None = None, stream=None) -> Path:  # type: ignore[no-untyped-def]
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            if item.filename != member:
                zout.writestr(item, zin.read(item))
            elif stream is not None:
                with zout.open(item.filename, "w") as out:
                    stream(out)
            else:
                zout.writestr(item.filename, body)
    return dst


def refused(path: Path, words: str) -> float:
    t = time.perf_counter()
    res = process_file(str(path), path.name)
    spent = time.perf_counter() - t
    assert [f.code.name for f in res.findings] == ["FILE_UNREADABLE"], [f.message for f in res.findings]
    assert words in res.findings[0].message, res.findings[0].message
    return spent


def test_an_ods_zip_bomb_is_refused_before_parsing(tmp_path):
    def padded(out):  # type: ignore[no-untyped-def]
        out.write(b'<?xml version="1.0"?><office:document-content>')
        for _ in range(60):
            out.write(b" " * 2**20)  # 60 MB of nothing, a few dozen KB packed
        out.write(b"</office:document-content>")

    assert load_book(REAL / "branch-libreoffice.ods").sheet("党员名册") is not None  # unbombed, it reads
    path = rewrite(REAL / "branch-libreoffice.ods", tmp_path / "bomb.ods", "content.xml", stream=padded)
    assert path.stat().st_size < 2**20
    assert refused(path, "过大") < 2


LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10 if i > 1 else b"&lol;" * 10)
                     for i in range(1, 10))
          + b"]>")


@pytest.mark.parametrize("member", ["content.xml", "styles.xml"])
def test_an_ods_entity_bomb_is_refused(tmp_path, member):
    with zipfile.ZipFile(REAL / "branch-libreoffice.ods") as z:
        xml = z.read(member)
    # the DTD goes after a long comment, past any "look at the first bytes" check
    body = LAUGHS.replace(b"<!DOCTYPE", b"<!--" + b" " * 8192 + b"--><!DOCTYPE") + xml[xml.index(b"?>") + 2:]
    body = body.replace(b"<text:p>", b"<text:p>&lol9;", 1)
    path = rewrite(REAL / "branch-libreoffice.ods", tmp_path / "lol.ods", member, body)
    assert refused(path, "异常内容") < 2


def ods_with_rows(tmp_path: Path, rows: bytes) -> Path:
    """The LibreOffice file with the rows of its 党员名册 replaced by ``rows``."""
    with zipfile.ZipFile(REAL / "branch-libreoffice.ods") as z:
        xml = z.read("content.xml")
    start = xml.index('<table:table table:name="党员名册"'.encode())
    end = xml.index(b"</table:table>", start)
    first_row = min(i for i in (xml.find(b"<table:table-header-rows", start), xml.find(b"<table:table-row", start))
                    if i >= 0)
    xml = xml[:first_row] + rows + xml[end:]
    return rewrite(REAL / "branch-libreoffice.ods", tmp_path / "far.ods", "content.xml", xml)


@pytest.mark.parametrize("rows", [
    # a value repeated down a million rows, and across every column of a row
    b'<table:table-row table:number-rows-repeated="1000000"><table:table-cell office:value-type="float" '
    b'office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>',
    b'<table:table-row><table:table-cell table:number-columns-repeated="16384" office:value-type="string">'
    b"<text:p>x</text:p></table:table-cell></table:table-row>",
    # one value after 1,048,575 empty rows: the XFD1048576 of ODS
    b'<table:table-row table:number-rows-repeated="1048575"><table:table-cell/></table:table-row>'
    b'<table:table-row><table:table-cell table:number-columns-repeated="16383"/><table:table-cell '
    b'office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>',
])
def test_an_ods_extent_bomb_is_refused_quickly(tmp_path, rows):
    assert refused(ods_with_rows(tmp_path, rows), "行列数过多") < 2


def test_ods_repeats_of_empty_cells_are_no_extent(tmp_path):
    """LibreOffice ends every sheet with ~1,048,000 repeated empty rows, Gnumeric repeats styled ones."""
    rows = (b'<table:table-row><table:table-cell office:value-type="string"><text:p>mark</text:p>'
            b'</table:table-cell></table:table-row>'
            b'<table:table-row table:style-name="ro1" table:number-rows-repeated="1048575">'
            b'<table:table-cell table:style-name="ce1" table:number-columns-repeated="16384"/></table:table-row>')
    book = load_book(ods_with_rows(tmp_path, rows))
    assert book.sheet("党员名册").rows[0][0] == "mark"


def test_styled_empty_cells_are_no_extent_but_values_are(tmp_path):
    """Gnumeric writes a formatted row as 16,384 styled empty cells; a value out there is refused."""
    from helpers import write_clean

    good = write_clean(tmp_path / "good.xlsx")
    with zipfile.ZipFile(good) as z:
        xml = z.read("xl/worksheets/sheet3.xml")
    styled = b"".join(b'<c r="%s1" s="1"/>' % col.encode() for col in ("AAA", "XFD"))
    far_row = b'<row r="1048576" s="1" customFormat="1"><c r="A1048576" s="1"/></row>'
    ok = xml.replace(b"</row>", styled + b"</row>", 1).replace(b"</sheetData>", far_row + b"</sheetData>")
    path = tmp_path / "styled.xlsx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, ok if item.filename == "xl/worksheets/sheet3.xml" else zin.read(item))
    res = process_file(str(path), path.name)
    assert res.readable and res.findings == [] and len(res.sheets["党员名册"].rows) == 3
    for bad in (ok.replace(b'<c r="XFD1" s="1"/>', b'<c r="XFD1" s="1"><v>1</v></c>'),
                ok.replace(b'<c r="A1048576" s="1"/>', b'<c r="A1048576" t="inlineStr"><is><t>x</t></is></c>')):
        with zipfile.ZipFile(good) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
            for item in zin.infolist():
                zout.writestr(item, bad if item.filename == "xl/worksheets/sheet3.xml" else zin.read(item))
        assert refused(path, "行列数过多") < 2


# --- no spreadsheet skipped silently ------------------------------------------------------------

def zip_of(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, body in members.items():
            z.writestr(name, body)
    return buf.getvalue()


def test_xlsb_is_sniffed_and_collected(tmp_path):
    """No tool here writes .xlsb (LibreOffice and Gnumeric cannot), so the reading itself (calamine's)
    is not exercised: the file is recognised from its bytes and goes to the reader, not to SKIPPED."""
    xlsb = zip_of({"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\x83\x01\x00"})
    assert sniff(xlsb) == "xlsb" and ".xlsb" in SPREADSHEET_SUFFIXES
    (tmp_path / "DX002.xlsb").write_bytes(xlsb)
    files, skipped = collect_files(tmp_path)
    assert [p.name for p in files] == ["DX002.xlsb"] and skipped == []


@pytest.mark.parametrize(("name", "data", "words"), [
    ("DX002.numbers", zip_of({"Index/Document.iwa": b"\x00", "Metadata/Properties.plist": b""}), "导出为"),
    ("DX002.wk1", b"\x00\x00\x02\x00\x06\x04\x06\x00\x08\x00" + b"\x00" * 64, "Lotus"),
    ("DX002.fods", b'<?xml version="1.0"?><office:document xmlns:office="urn:oasis:names:tc:opendocument:'
                   b'xmlns:office:1.0" office:mimetype="application/vnd.oasis.opendocument.spreadsheet">'
                   b"</office:document>", "fods"),
    ("DX002.xls", b'<?xml version="1.0"?><?mso-application progid="Excel.Sheet"?><Workbook xmlns='
                  b'"urn:schemas-microsoft-com:office:spreadsheet"></Workbook>', "XML电子表格2003"),
    ("DX002.et", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "WPS"),
    ("DX002.csv", "党组织编码,姓名\nDX002,王建国\n".encode("gbk"), "CSV"),
])
def test_a_spreadsheet_we_cannot_read_says_what_to_save_as(tmp_path, name, data, words):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / name).write_bytes(data)
    (inbox / "说明.docx").write_bytes(b"PK\x03\x04 not a spreadsheet")
    batch = read_folder(inbox, isolate=False)
    by_file = {f.file: f for f in batch.findings}
    assert by_file[name].code.name == "FILE_UNREADABLE" and by_file[name].severity is Severity.ERROR
    assert words in by_file[name].message and "xlsx" in by_file[name].message, by_file[name].message
    assert by_file["说明.docx"].code.name == "SKIPPED"


@pytest.mark.parametrize("parts", [
    {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"},
    {"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office:document-content/>"},
])
def test_a_document_renamed_to_xlsx_is_named_as_a_document(tmp_path, parts):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "DX002_金龙村党支部.xlsx").write_bytes(zip_of(parts))
    (finding,) = read_folder(inbox, isolate=False).findings
    assert finding.code.name == "FILE_UNREADABLE" and "这是Word文档" in finding.message
