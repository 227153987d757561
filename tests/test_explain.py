"""情况说明 (contract 1.2, "Talking with branches"): a warning the branch explains — same sheet, position and
code, a 说明 given — becomes EXPLAINED: listed and printed with the explanation, counted as no warning; an
error "explained" stays an error. The feedback file pre-fills 情况说明 with each warning to explain, for
every format a branch sends (an .ods or .xls comes back as an .xlsx with its own values, cells marked).

The clerk's side here is typed with openpyxl; tests/data/conversation/ holds the same conversation typed in
LibreOffice (tests/data/make_conversation_files.py)."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from cxzy_xl import schema
from cxzy_xl.batch import process_file
from cxzy_xl.checks import NOT_EXPLAINABLE, explain
from cxzy_xl.demo import make_demo
from cxzy_xl.feedback import EXPLAIN_HINT
from cxzy_xl.findings import Code, Finding, Severity, for_reading, make
from cxzy_xl.model import FileResult, SheetRecords
from cxzy_xl.pipeline import run_aggregate, run_check

SAMPLE = Path(__file__).parent.parent / "workbooks" / "示例"
CONVERSATION = Path(__file__).parent / "data" / "conversation"


# --- the matching, as a plain table -------------------------------------------------------------------

def _said(rows: list[tuple[str, str, str, str]], file: str = "a.xlsx") -> FileResult:
    """A file whose 情况说明 holds ``rows`` (工作表, 位置, 问题代码, 说明) from Excel row 3 on."""
    labels = ("工作表", "位置", "问题代码", "说明")
    rec = SheetRecords(columns={k: i for i, k in enumerate(labels)}, rows=[i + 3 for i in range(len(rows))],
                       values={k: [r[i] or None for r in rows] for i, k in enumerate(labels)}, header_row=2)
    return FileResult(path=file, file=file, sheets={schema.EXPLAIN_SHEET: rec})


COUNT = make(Code.COUNT_MISMATCH, "a.xlsx", branch_code="DX009", sheet="基本信息", row=17, column="党员总数",
             cell="B17", detail="党员总数填31人，党员名册中有30人")
GONE = make(Code.MEMBER_GONE, "a.xlsx", branch_code="DX009", sheet="党员名册", row=5, detail="上季度的党员张三不在名册中")
WHOLE = make(Code.LATE_SUBMISSION, "a.xlsx", branch_code="DX009", detail="填报日期2011-07-09，截止日期2011-07-05")
WRONG_ID = make(Code.BAD_ID_NUMBER, "a.xlsx", branch_code="DX009", sheet="党员名册", row=4, column="身份证号", cell="F4",
                value="430522196803121234", detail="校验位不对")


@pytest.mark.parametrize(("sheet", "where", "code"), [
    ("基本信息", "B17", "COUNT_MISMATCH"),
    ("基本信息", "$b$17", "count_mismatch"),
    (" 基本信息 ", "Ｂ17", "人数与名册不符"),  # spaces, full width, the 问题类型 instead of the code
    ("", "B17", "COUNT_MISMATCH"),  # the sheet left out: the cell and code say enough
])
def test_a_warning_is_explained_by_its_sheet_position_and_code_as_clerks_write_them(sheet, where, code):
    got = explain([COUNT], [_said([(sheet, where, code, "两名党员本季度转出，名册已注明")])])
    assert [f.code for f in got] == [Code.EXPLAINED]
    f = got[0]
    assert (f.severity, f.sheet, f.cell, f.branch_code, f.value) == (Severity.INFO, "基本信息", "B17", "DX009",
                                                                      "两名党员本季度转出，名册已注明")
    assert COUNT.message in f.message and "两名党员本季度转出" in f.message and "人数与名册不符" in f.message


@pytest.mark.parametrize("where", ["5", "第5行", "5行"])
def test_a_row_warning_is_explained_by_its_row_number(where):
    got = explain([GONE], [_said([("党员名册", where, "MEMBER_GONE", "张三已转往县直机关党委")])])
    assert [f.code for f in got] == [Code.EXPLAINED]


def test_a_warning_about_the_whole_file_is_explained_without_a_position():
    got = explain([WHOLE], [_said([("", "", "LATE_SUBMISSION", "书记住院，推迟报送经镇党委同意")])])
    assert [f.code for f in got] == [Code.EXPLAINED]


def test_an_error_cannot_be_explained_away():
    got = explain([WRONG_ID], [_said([("党员名册", "F4", "BAD_ID_NUMBER", "身份证号是对的")])])
    assert [(f.code, f.severity) for f in got] == [(Code.BAD_ID_NUMBER, Severity.ERROR)]
    assert got[0].message.endswith(NOT_EXPLAINABLE)


def test_what_explains_nothing_is_a_note_on_its_own_row_and_changes_nothing_else():
    findings = [COUNT, GONE]
    said = _said([("基本信息", "B18", "COUNT_MISMATCH", "写错了位置"),  # no warning there
                  ("党员名册", "5", "COUNT_MISMATCH", "代码不对"),  # a warning there, of another code
                  ("基本信息", "B17", "COUNT_MISMATCH", "")])  # 说明 left blank: explains nothing
    got = explain(findings, [said])
    assert got[:2] == findings
    notes = got[2:]
    assert [(f.code, f.severity, f.sheet, f.cell) for f in notes] == [
        (Code.SKIPPED, Severity.INFO, schema.EXPLAIN_SHEET, "D3"), (Code.SKIPPED, Severity.INFO, schema.EXPLAIN_SHEET, "D4")]
    assert "找不到对应的警告" in notes[0].message
    # another file's 情况说明 explains nothing here
    assert explain([COUNT], [_said([("基本信息", "B17", "COUNT_MISMATCH", "别的支部")], file="b.xlsx")])[0] == COUNT


def test_explained_warnings_are_read_and_printed_right_after_the_warnings():
    explained = explain([COUNT], [_said([("基本信息", "B17", "COUNT_MISMATCH", "两名党员转出")])])[0]
    hint = make(Code.NORMALISED, "a.xlsx", sheet="党员名册", column="学历", value="大专", detail="大学专科")
    rows = for_reading([hint, explained, GONE, WRONG_ID])
    assert [f.code for f in rows] == [Code.MEMBER_GONE, Code.BAD_ID_NUMBER, Code.EXPLAINED, Code.NORMALISED]


# --- the conversation, typed with openpyxl --------------------------------------------------------------

@pytest.fixture(scope="module")
def township(tmp_path_factory):
    return make_demo(tmp_path_factory.mktemp("explain") / "d", n_branches=16, quarters=1)


def _explain_sheet(path: Path) -> list[tuple]:
    ws = openpyxl.load_workbook(path)[schema.EXPLAIN_SHEET]
    rows = [tuple(c.value for c in row[:4]) for row in ws.iter_rows(min_row=3)]
    return [r for r in rows if any(v not in (None, "") for v in r)]


def _resubmit(feedback: Path, into: Path, said: dict[tuple[str, str], str]) -> None:
    """The clerk opens the feedback file, writes a 说明 on the pre-filled rows named in ``said`` ((code,
    position) → text), deletes 问题清单 as told, and mails the file back: it replaces the old one."""
    wb = openpyxl.load_workbook(feedback)
    ws = wb[schema.EXPLAIN_SHEET]
    for row in ws.iter_rows(min_row=3):
        text = said.get((row[2].value, row[1].value))
        if text:
            row[3].value = text
    del wb[schema.FINDINGS_SHEET]
    wb.save(into)


def _first_round(source: Path, registry: Path, tmp_path: Path, code: Code):
    """The township's inbox copied and checked with feedback: (inbox, the run, the first finding of
    ``code``, its branch's feedback file)."""
    inbox = tmp_path / "收件箱"
    shutil.copytree(source, inbox)
    run = run_check(inbox, registry, feedback=tmp_path / "反馈")
    found = next(f for f in run.batch.findings if f.code is code)
    return inbox, run, found, next(p for p in run.feedback if p.name.startswith(found.branch_code))


def _warnings(findings: list[Finding], code: str) -> Counter:
    return Counter(f.code.name for f in findings if f.branch_code == code and f.severity is Severity.WARNING)


def test_a_warning_explained_in_the_feedback_file_leaves_the_warning_count(township, tmp_path):
    inbox, first, count, feedback = _first_round(township.inbox, township.registry, tmp_path, Code.COUNT_MISMATCH)
    code = count.branch_code
    before = _warnings(first.batch.findings, code)
    # the feedback file lists every warning of the branch in 情况说明, 说明 left to the clerk
    wb = openpyxl.load_workbook(feedback)
    assert EXPLAIN_HINT in wb[schema.FINDINGS_SHEET]["A1"].value
    listed = _explain_sheet(feedback)
    assert sorted((r[2], r[0]) for r in listed) == sorted(
        (f.code.name, f.sheet) for f in first.batch.findings if f.branch_code == code and f.severity is Severity.WARNING)
    assert all(r[3] is None for r in listed)
    # explain the count, fix nothing else, send it back in place of the old file
    original = next(inbox / f.file for f in first.batch.findings if f is count)
    _resubmit(feedback, original, {("COUNT_MISMATCH", count.cell): "本季度两名党员组织关系转出，名册已注明"})
    again = run_check(inbox, township.registry)
    after = _warnings(again.batch.findings, code)
    assert after == before - Counter({"COUNT_MISMATCH": 1})
    explained = [f for f in again.batch.findings if f.code is Code.EXPLAINED]
    assert [(f.branch_code, f.sheet, f.cell) for f in explained] == [(code, count.sheet, count.cell)]
    assert "组织关系转出" in explained[0].message
    # the other branches' findings are untouched
    others = Counter((f.code, f.branch_code, f.cell) for f in first.batch.findings if f.branch_code != code)
    assert others == Counter((f.code, f.branch_code, f.cell) for f in again.batch.findings if f.branch_code != code)
    # in the result: the 问题清单 sheet shows it, on paper; the branch's 警告数 (支部汇总, 数据, 通报) one fewer
    run = run_aggregate(inbox, township.registry, output=tmp_path / "汇总.xlsx", detail=False)
    ws = openpyxl.load_workbook(run.path)[schema.FINDINGS_SHEET]
    kinds = [r[7].value for r in ws.iter_rows(min_row=2)]
    last_printed = int(re.search(r"(\d+)$", ws.print_area[0] if isinstance(ws.print_area, list) else ws.print_area)[1])
    assert 0 <= kinds.index("EXPLAINED") < last_printed - 1, "the explained warning is printed"
    warned = dict(zip(run.summary.base[schema.CODE_COL], run.summary.base["警告数"], strict=True))
    assert warned[code] == sum(before.values()) - 1


def test_an_error_explained_in_the_feedback_file_stays_an_error(township, tmp_path):
    inbox, _, bad, feedback = _first_round(township.inbox, township.registry, tmp_path, Code.BAD_ID_NUMBER)
    wb = openpyxl.load_workbook(feedback)
    ws = wb[schema.EXPLAIN_SHEET]
    ws.append([bad.sheet, bad.cell, bad.code.name, "身份证号是从户口本上抄的，没有错"])
    del wb[schema.FINDINGS_SHEET]
    wb.save(inbox / bad.file)
    again = run_check(inbox, township.registry).batch.findings
    still = [f for f in again if f.code is Code.BAD_ID_NUMBER and f.branch_code == bad.branch_code]
    assert len(still) == 1 and still[0].severity is Severity.ERROR and still[0].message.endswith(NOT_EXPLAINABLE)
    assert not [f for f in again if f.code is Code.EXPLAINED]


def test_a_template_made_before_the_sheet_gets_it_in_its_feedback(tmp_path):
    assert all(schema.EXPLAIN_SHEET not in openpyxl.load_workbook(p, read_only=True).sheetnames
               for p in (SAMPLE / "收件箱").glob("DX009*.xlsx")), "the 示例 township was typed into templates without 情况说明"
    inbox, _, count, feedback = _first_round(SAMPLE / "收件箱", SAMPLE / "支部名单.xlsx", tmp_path, Code.COUNT_MISMATCH)
    assert (count.sheet, count.cell, "COUNT_MISMATCH") in [r[:3] for r in _explain_sheet(feedback)]
    _resubmit(feedback, inbox / count.file, {("COUNT_MISMATCH", count.cell): "一名党员去世，名册已注明"})
    again = run_check(inbox, SAMPLE / "支部名单.xlsx").batch.findings
    assert [f.cell for f in again if f.code is Code.EXPLAINED] == [count.cell]
    assert not [f for f in again if f.code is Code.COUNT_MISMATCH]
    assert not [f for f in again if f.code is Code.SHEET_MISSING]


def test_an_unused_pre_filled_row_is_no_error(township, tmp_path):
    """The feedback lists every warning; a row the clerk leaves without 说明 is neither REQUIRED nor a note."""
    inbox, _, count, feedback = _first_round(township.inbox, township.registry, tmp_path, Code.COUNT_MISMATCH)
    _resubmit(feedback, inbox / count.file, {})
    again = run_check(inbox, township.registry).batch.findings
    mine = [f for f in again if f.file == count.file and f.sheet == schema.EXPLAIN_SHEET]
    assert mine == []


# --- feedback for every format ------------------------------------------------------------------------

def _values(res: FileResult) -> dict:
    return {name: {k: list(v) for k, v in rec.values.items()} for name, rec in res.sheets.items()
            if name != schema.EXPLAIN_SHEET}


@pytest.mark.parametrize("name", ["DX009.ods", "DX007.xls"])
def test_feedback_for_an_ods_or_xls_is_an_xlsx_with_the_branchs_values_and_marked_cells(name, tmp_path):
    source = CONVERSATION / name
    if not source.exists():
        pytest.skip(f"{source} is made by tests/data/make_conversation_files.py")
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    shutil.copy(source, inbox / name)
    run = run_check(inbox, feedback=tmp_path / "反馈")
    (feedback,) = run.feedback
    assert feedback.suffix == ".xlsx"
    wb = openpyxl.load_workbook(feedback)
    first_line = wb[schema.FINDINGS_SHEET]["A1"].value
    assert f"“{name}”转换而来" in first_line and ".xlsx" in first_line
    marked = [f for f in run.batch.findings if f.severity is not Severity.INFO and f.cell and f.sheet]
    assert marked
    for f in marked:
        cell = wb[f.sheet][f.cell]
        assert cell.fill.fgColor.rgb in ("FFFFC7CE", "FFFFEB9C"), (f.sheet, f.cell)
        assert f.message in cell.comment.text
    warnings = [f for f in run.batch.findings if f.severity is Severity.WARNING and f.sheet]
    assert [(r[0], r[2]) for r in _explain_sheet(feedback)] == [(f.sheet, f.code.name) for f in warnings]
    # the branch's own values, read back from the .xlsx exactly as from what it sent
    del wb[schema.FINDINGS_SHEET]
    back = tmp_path / "back.xlsx"
    wb.save(back)
    assert _values(process_file(str(back), "back.xlsx")) == _values(process_file(str(source), name))
    codes = Counter((f.code, f.sheet, f.cell) for f in process_file(str(source), name).findings)
    assert Counter((f.code, f.sheet, f.cell) for f in process_file(str(back), "back.xlsx").findings) == codes


# --- the conversation, typed in LibreOffice --------------------------------------------------------------

def _check_alone(path: Path, tmp_path: Path) -> list[Finding]:
    inbox = tmp_path / "收件箱"
    inbox.mkdir(parents=True)
    shutil.copy(path, inbox / path.name)
    return run_check(inbox).batch.findings


def test_a_warning_explained_in_libreoffice_is_explained(tmp_path):
    got = _check_alone(CONVERSATION / "DX009_explained.xlsx", tmp_path)
    before = _check_alone(CONVERSATION / "DX009.ods", tmp_path / "before")
    assert Counter(f.code.name for f in before if f.severity is Severity.WARNING) == Counter(
        {"COUNT_MISMATCH": 1, "UNKNOWN_MEMBER": 1})
    assert Counter(f.code.name for f in got if f.severity is Severity.WARNING) == Counter({"UNKNOWN_MEMBER": 1})
    (explained,) = [f for f in got if f.code is Code.EXPLAINED]
    count = next(f for f in before if f.code is Code.COUNT_MISMATCH)
    assert (explained.sheet, explained.cell) == (count.sheet, count.cell)
    assert "组织关系转出" in explained.value and count.message in explained.message
    assert not [f for f in got if f.severity is Severity.ERROR]


def test_an_error_explained_in_libreoffice_stays_an_error(tmp_path):
    got = _check_alone(CONVERSATION / "DX007_explained.xlsx", tmp_path)
    wrong = [f for f in got if f.code is Code.BAD_ID_NUMBER]
    assert len(wrong) == 1 and wrong[0].severity is Severity.ERROR and wrong[0].message.endswith(NOT_EXPLAINABLE)
    assert not [f for f in got if f.code is Code.EXPLAINED]


def test_a_file_that_cannot_be_read_gets_its_list_and_is_not_opened_again(tmp_path, monkeypatch):
    import cxzy_xl.feedback as feedback

    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    (inbox / "坏文件.ods").write_bytes(b"PK\x03\x04" + b"\x00" * 200)  # a zip header and nothing else
    monkeypatch.setattr(feedback, "load_book", lambda *a, **k: pytest.fail("reopened outside the worker"))
    monkeypatch.setattr(feedback, "load_workbook", lambda *a, **k: pytest.fail("reopened outside the worker"))
    run = run_check(inbox, feedback=tmp_path / "反馈")
    (written,) = run.feedback
    ws = openpyxl.load_workbook(written)[schema.FINDINGS_SHEET]
    assert "无法打开" in ws["A1"].value
    assert ws["F3"].value == "FILE_UNREADABLE"
