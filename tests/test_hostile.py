"""Hostile files cost only their own FILE_UNREADABLE finding: never the run, never the machine."""

import io
import zipfile

import pytest
from helpers import write_clean
from hostile_workers import misbehave

from cxzy_xl.batch import process_file
from cxzy_xl.pipeline import read_folder
from cxzy_xl.workers import read_files_isolated


def rewrite(src, dst, change):
    """Copy an xlsx, replacing members as ``change(name, data)`` says."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item.filename, change(item.filename, zin.read(item)))
    return dst


def sheet_xml(rows_xml: bytes) -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b"<sheetData>" + rows_xml + b"</sheetData></worksheet>")


@pytest.fixture()
def good(tmp_path):
    return write_clean(tmp_path / "good.xlsx")


def unreadable(batch, name):
    found = [f for f in batch.findings if f.file == name]
    assert [f.code.name for f in found] == ["FILE_UNREADABLE"], [(f.code.name, f.message) for f in found]
    return found[0]


def test_entity_bomb_and_external_entities(tmp_path, good):
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              + b"".join(b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10 if i > 1 else b"&lol;" * 10)
                         for i in range(1, 10))
              + b']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1">'
                b"<si><t>&lol9;</t></si></sst>")
    xxe = (b'<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
           b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&xxe;</t></si></sst>')
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rewrite(good, inbox / "bomb.xlsx", lambda n, d: laughs if n == "xl/sharedStrings.xml" else d)
    rewrite(good, inbox / "xxe.xlsx", lambda n, d: xxe if n == "xl/sharedStrings.xml" else d)
    write_clean(inbox / "ok.xlsx")
    batch = read_folder(inbox)
    unreadable(batch, "bomb.xlsx")
    unreadable(batch, "xxe.xlsx")
    assert len(batch["党员名册"]) == 3


def test_zip_bomb_is_refused_before_parsing(tmp_path, good):
    buf = io.BytesIO()
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "xl/worksheets/sheet3.xml":
                with zout.open(item.filename, "w") as big:
                    big.write(data[:-len(b"</worksheet>")])
                    for _ in range(40):
                        big.write(b" " * 2**20)  # 40 MB of nothing, a few dozen KB packed
                    big.write(b"</worksheet>")
            else:
                zout.writestr(item.filename, data)
    path = tmp_path / "zipbomb.xlsx"
    path.write_bytes(buf.getvalue())
    assert path.stat().st_size < 2**20
    res = process_file(str(path), path.name)
    assert [f.code.name for f in res.findings] == ["FILE_UNREADABLE"] and "过大" in res.findings[0].message


def test_a_single_cell_at_xfd1048576(tmp_path, good):
    import openpyxl

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    wb = openpyxl.load_workbook(good)
    wb["党员名册"]["XFD1048576"] = "x"
    wb.save(inbox / "far.xlsx")
    write_clean(inbox / "ok.xlsx")
    batch = read_folder(inbox)  # isolated: even a reader that aborts would cost only this file
    assert "行列数过多" in unreadable(batch, "far.xlsx").message
    assert len(batch["党员名册"]) == 3


def test_a_million_row_sheet(tmp_path, good):
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i) for i in range(3, 1_000_003))
    path = rewrite(good, tmp_path / "million.xlsx",
                   lambda n, d: sheet_xml(rows) if n == "xl/worksheets/sheet3.xml" else d)
    res = process_file(str(path), "million.xlsx")
    assert [f.code.name for f in res.findings] == ["FILE_UNREADABLE"]


def test_a_panic_in_the_reader_is_caught(tmp_path, good, monkeypatch):
    from hostile_workers import PanicException

    def panic(*a, **k):
        raise PanicException("explode")

    monkeypatch.setattr("cxzy_xl.batch.load_book", panic)
    res = process_file(str(good), "good.xlsx")
    assert [f.code.name for f in res.findings] == ["FILE_UNREADABLE"]


def test_crashes_hangs_panics_and_memory_hogs_cost_only_their_own_file(tmp_path):
    names = ["a.xlsx", "abort.xlsx", "b.xlsx", "hang.xlsx", "c.xlsx", "panic.xlsx", "hog.xlsx", "d.xlsx"]
    for n in names:
        write_clean(tmp_path / n)
    tasks = [(str(tmp_path / n), n) for n in names]
    results = read_files_isolated(tasks, workers=2, timeout=5, memory=3 * 2**30, fn=misbehave)
    assert [r.file for r in results] == names
    for r in results:
        if r.file in ("a.xlsx", "b.xlsx", "c.xlsx", "d.xlsx"):
            assert r.readable and r.findings == [] and len(r.sheets["党员名册"].rows) == 3
        else:
            assert not r.readable and [f.code.name for f in r.findings] == ["FILE_UNREADABLE"], r.file
    hang = next(r for r in results if r.file == "hang.xlsx")
    assert "秒" in hang.findings[0].message


def test_a_script_without_a_main_guard_still_gets_its_workers(tmp_path):
    """multiprocessing re-imports __main__ in its children; an analyst's unguarded script (or code
    piped to python) must not re-run there and kill every worker."""
    import subprocess
    import sys

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_clean(inbox / "a.xlsx")
    code = (f"from cxzy_xl import read_folder\nb = read_folder({str(inbox)!r})\n"
            "print(len(b['党员名册']), [f.code.name for f in b.findings])\n")
    script = tmp_path / "analysis.py"
    script.write_text(code, encoding="utf-8")
    for args in ([sys.executable, str(script)], [sys.executable, "-"]):
        out = subprocess.run(args, input=code if args[-1] == "-" else None, capture_output=True, text=True,
                             timeout=120, cwd=tmp_path)
        assert out.stdout.strip() == "3 []", (args, out.stderr[-2000:])


RICH_LOOKALIKE = "<r>石门村 & 张三</r>"  # how xlsxwriter recognises a rich string's ready-made XML


def _runs_without_text(path):
    """Rich-text runs (<r>) in a workbook's cells that hold no <t>: Excel offers to repair such a file."""
    from defusedxml import ElementTree

    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    bad = []
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml") or name == "xl/sharedStrings.xml":
                for holder in ElementTree.fromstring(z.read(name)).iter():
                    if holder.tag in (f"{ns}is", f"{ns}si"):
                        bad += [name for r in holder.findall(f"{ns}r") if r.find(f"{ns}t") is None]
    return bad


def test_text_typed_like_rich_string_xml_stays_text_in_everything_we_write(tmp_path):
    from helpers import BRANCH, cell_of, edit
    from python_calamine import CalamineWorkbook

    from cxzy_xl.aggregate import aggregate
    from cxzy_xl.carryover import write_carried_templates
    from cxzy_xl.detailbook import write_results
    from cxzy_xl.templates import write_registry

    typed = {("公开承诺", "承诺内容", 0), ("党员名册", "备注", 0), ("基本信息", "争创主题", 0),
             ("党员名册", "出生日期", 1)}  # the last is no date: an error whose value 问题清单 shows

    def type_in(wb):
        for sheet, label, i in typed:
            wb[sheet][cell_of(sheet, label, i)] = RICH_LOOKALIKE

    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    edit(write_clean(inbox / "T001.xlsx"), type_in)  # typed in by staff: our own writer is under test below
    registry = write_registry(tmp_path / "支部名单.xlsx", [BRANCH], {"报告期": "2011年第二季度"})
    both = write_results(aggregate(read_folder(inbox, registry, isolate=False)), tmp_path / "汇总表.xlsx")
    result, detail = both.result, both.detail.path
    carried = write_carried_templates(tmp_path / "下季度", registry, inbox, period="2011Q3")
    written = [result, detail, *(tmp_path / "下季度").iterdir()]
    assert len(written) == 3, carried
    for path in written:
        assert _runs_without_text(path) == [], path
    seen = {(name, v) for book, name in ((detail, "公开承诺"), (detail, "党员名册"), (result, "问题清单"))
            for row in CalamineWorkbook.from_path(str(book)).get_sheet_by_name(name).to_python() for v in row
            if RICH_LOOKALIKE in str(v)}
    assert {name for name, _ in seen} == {"公开承诺", "党员名册", "问题清单"}
    assert ("公开承诺", RICH_LOOKALIKE) in seen and ("党员名册", RICH_LOOKALIKE) in seen
    template = CalamineWorkbook.from_path(str(written[2]))
    assert RICH_LOOKALIKE in [v for row in template.get_sheet_by_name("党员名册").to_python() for v in row]
