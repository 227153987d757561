"""The inbox register 收件登记.xlsx (contract 1.2, "Talking with branches"), beside the inbox: every file
seen with its first arrival and digest, which counts and which it replaced, what each resubmission fixed,
left and added, and each branch's state (未报 / 已报有错 / 已退回 / 已改 / 通过). It survives being open in
another program, damaged, deleted, and two runs at once.

The clerks' corrections are typed with openpyxl into the branch's own file, as in Excel."""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import os
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from helpers import cell_of, clean_data, edit

from cxzy_xl import schema
from cxzy_xl.batch import TIE_BREAKS
from cxzy_xl.files import PlacementRefused
from cxzy_xl.findings import Code, Severity
from cxzy_xl.pipeline import run_aggregate, run_check
from cxzy_xl.register import Register, read_register, record
from cxzy_xl.schema import Branch
from cxzy_xl.templates import write_branch_workbook, write_registry

D = dt.date
BRANCHES = [Branch("T001", "石门村党支部", "村"), Branch("T002", "金龙村党支部", "村"), Branch("T003", "龙泉村党支部", "村")]
ID_CELL = cell_of("党员名册", "身份证号", 0)  # the first member's 身份证号
NAME_CELL = cell_of("党员名册", "姓名", 1)  # the second member's 姓名 (required)
SEX_CELL = cell_of("党员名册", "性别", 2)


def _township(root: Path) -> tuple[Path, Path]:
    """Three branches in the registry; T001 sends a clean file, T002 one with two errors (a wrong
    身份证号, a member without 姓名), T003 nothing."""
    inbox = root / "收件箱"
    inbox.mkdir(parents=True)
    registry = write_registry(root / "支部名单.xlsx", BRANCHES, {
        "所属党委": "德新镇党委", "报告期": "2011年第二季度", "报送截止日期": D(2011, 7, 5)})
    for b in BRANCHES[:2]:
        write_branch_workbook(inbox / f"{b.code}_{b.name}.xlsx", b, committee="德新镇党委", period="2011Q2",
                              data=clean_data(b.code, b.name))
    edit(inbox / "T002_金龙村党支部.xlsx", lambda wb: (wb["党员名册"].__setitem__(ID_CELL, "430522196803121234"),
                                                   wb["党员名册"].__setitem__(NAME_CELL, None)))
    return inbox, registry


def _sheet(path: Path, name: str) -> pd.DataFrame:
    return pd.read_excel(path, sheet_name=name, engine="calamine", dtype=object).fillna("")


def _state(path: Path, code: str) -> dict:
    rows = _sheet(path, "支部状态")
    return rows[rows["党组织编码"] == code].iloc[-1].to_dict()


def _problems(run, code: str) -> set[tuple[str, str, str]]:
    """(代码, 工作表, 位置) of a branch's errors and warnings in a run, worked out from its findings."""
    return {(f.code.name, f.sheet, f.cell or (f"第{f.row}行" if f.row else "")) for f in run.batch.findings
            if f.branch_code == code and f.severity in (Severity.ERROR, Severity.WARNING)
            and f.code is not Code.DUPLICATE_SUBMISSION}


def test_a_conversation_of_two_resubmissions_is_on_record(tmp_path):
    inbox, registry = _township(tmp_path)
    book = tmp_path / schema.REGISTER_NAME
    first = run_check(inbox, registry, feedback=tmp_path / "反馈")
    assert first.register.path == book and book.exists()
    assert first.register.states == {"T001": "通过", "T002": "已退回", "T003": "未报"}
    assert _state(book, "T002")["错误数"] == 2 and _state(book, "T002")["退回次数"] == 1

    # the clerk fixes the 身份证号, leaves the 姓名 blank, slips on 性别, and saves over the old file
    t002 = inbox / "T002_金龙村党支部.xlsx"
    edit(t002, lambda wb: (wb["党员名册"].__setitem__(ID_CELL, "43052219680312123X"),
                           wb["党员名册"].__setitem__(SEX_CELL, "男女")))
    second = run_check(inbox, registry)
    assert second.register.states["T002"] == "已改"  # corrected after the return, still with errors
    files = _sheet(book, "收件登记")
    versions = files[files["党组织编码"] == "T002"]
    assert len(versions) == 2, "a file saved over under the same name is a new version"
    new = versions[versions["登记状态"] == "计入"].iloc[0]
    old = versions[versions["登记状态"] == "已被替换"].iloc[0]
    assert new["替换了"] == old["文件"] == "T002_金龙村党支部.xlsx" and new["替换摘要"] == old["摘要"] != new["摘要"]
    before, after = _problems(first, "T002"), _problems(second, "T002")
    assert (new["已改正"], new["仍存在"], new["新出现"]) == (len(before - after), len(before & after), len(after - before))
    changes = _sheet(book, "整改情况")
    assert set(zip(changes["结果"], changes["代码"], changes["工作表"], changes["位置"], strict=True)) == {
        *(("已改正", *k) for k in before - after), *(("仍存在", *k) for k in before & after),
        *(("新出现", *k) for k in after - before)}
    assert {("已改正", "BAD_ID_NUMBER", ID_CELL), ("仍存在", "REQUIRED", NAME_CELL), ("新出现", "BAD_CHOICE", SEX_CELL)} <= set(
        zip(changes["结果"], changes["代码"], changes["位置"], strict=True))

    # the second resubmission fixes everything, under a new name beside the old file
    fixed = inbox / "T002_金龙村党支部（改）.xlsx"
    shutil.copy(t002, fixed)
    edit(fixed, lambda wb: (wb["党员名册"].__setitem__(NAME_CELL, "李红"), wb["党员名册"].__setitem__(SEX_CELL, "女"),
                            wb["基本信息"].__setitem__(cell_of("基本信息", "填报日期"), dt.datetime(2011, 7, 2))))
    third = run_check(inbox, registry)
    assert third.register.states["T002"] == "通过"
    state = _state(book, "T002")
    assert (state["计入文件"], state["报送版本数"], state["错误数"]) == (fixed.name, 3, 0)
    files = _sheet(book, "收件登记")
    last = files[files["文件"] == fixed.name].iloc[0]
    then, now = _problems(second, "T002"), _problems(third, "T002")
    assert (last["已改正"], last["仍存在"], last["新出现"]) == (len(then - now), len(then & now), len(now - then))
    assert not {k for k in now if k[0] in ("REQUIRED", "BAD_CHOICE", "BAD_ID_NUMBER")}
    changes = _sheet(book, "整改情况")
    assert len(changes[changes["文件"] == fixed.name]) == len(then | now)
    # the first arrival of each version stays as it was first seen
    assert (files["首次收到"] <= files["最近一次"]).all()


def test_the_register_does_not_change_what_counts_or_the_findings(tmp_path):
    inbox, registry = _township(tmp_path)
    kept = run_check(inbox, registry)
    none = run_check(inbox, registry, register=False)
    assert kept.batch.findings == none.batch.findings
    assert none.register is None


def test_the_later_arrival_settles_a_tie_of_filing_dates(tmp_path):
    """Two versions with the same 填报日期: the one that reached the inbox later is the correction, even with
    more errors (before the register, fewer errors decided)."""
    inbox, registry = _township(tmp_path)
    rule = next(t.words for t in TIE_BREAKS if "后收到" in t.words)
    first = run_check(inbox, registry)
    assert first.register.states["T001"] == "通过"
    later = inbox / "T001_石门村党支部（补）.xlsx"
    shutil.copy(inbox / "T001_石门村党支部.xlsx", later)
    edit(later, lambda wb: wb["党员名册"].__setitem__(ID_CELL, "430522196803121234"))
    again = run_check(inbox, registry)
    dup = [f for f in again.batch.findings if f.code is Code.DUPLICATE_SUBMISSION]
    assert [f.file for f in dup] == ["T001_石门村党支部.xlsx"] and rule in dup[0].message
    assert again.register.states["T001"] == "已报有错"
    # without the register both arrive now: fewer errors decides, as before
    plain = run_check(inbox, registry, register=False)
    assert [f.file for f in plain.batch.findings if f.code is Code.DUPLICATE_SUBMISSION] == [later.name]


def test_a_register_open_in_excel_is_saved_beside_and_merged_back(tmp_path, monkeypatch):
    inbox, registry = _township(tmp_path)
    book = tmp_path / schema.REGISTER_NAME
    run_check(inbox, registry)
    first_seen = _sheet(book, "收件登记").set_index("文件")["首次收到"].to_dict()
    real = os.replace

    def locked(src, dst):  # Windows: a file open in Excel cannot be replaced; its folder is fine
        if Path(dst) == book:
            raise PermissionError(13, "Permission denied", str(dst))
        return real(src, dst)

    monkeypatch.setattr(os, "replace", locked)
    (inbox / "T003_龙泉村党支部.xlsx").write_bytes((inbox / "T001_石门村党支部.xlsx").read_bytes())
    edit(inbox / "T003_龙泉村党支部.xlsx", lambda wb: (wb["基本信息"].__setitem__(cell_of("基本信息", "党组织编码"), "T003"),
                                                    wb["基本信息"].__setitem__(cell_of("基本信息", "党组织名称"), "龙泉村党支部")))
    run = run_check(inbox, registry)
    beside = tmp_path / "收件登记（2）.xlsx"
    assert run.register.path == beside and any("正被" in n for n in run.register.notices)
    assert run.register.states["T003"] == "通过"
    monkeypatch.setattr(os, "replace", real)
    again = run_check(inbox, registry)
    assert again.register.path == book and not beside.exists(), "the copy beside is merged back and removed"
    files = _sheet(book, "收件登记").set_index("文件")
    assert "T003_龙泉村党支部.xlsx" in files.index
    assert all(files.loc[f, "首次收到"] == t for f, t in first_seen.items()), "first arrivals kept"


def test_a_damaged_register_is_kept_aside_and_rebuilt(tmp_path):
    inbox, registry = _township(tmp_path)
    book = tmp_path / schema.REGISTER_NAME
    book.write_bytes(b"PK\x03\x04 not a workbook any more")
    run = run_check(inbox, registry)
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("收件登记（无法读取")]
    assert len(aside) == 1 and aside[0].read_bytes() == b"PK\x03\x04 not a workbook any more"
    assert any("已改名保留" in n for n in run.register.notices)
    assert read_register(book).states("收件箱", "2011Q2") == {"T001": "通过", "T002": "已报有错", "T003": "未报"}


def test_a_spreadsheet_of_the_office_under_the_name_is_not_lost(tmp_path):
    """An office's own 收件登记.xlsx (no mark of ours) is damaged as far as we can tell: kept aside, byte for byte."""
    inbox, registry = _township(tmp_path)
    own = tmp_path / schema.REGISTER_NAME
    wb = openpyxl.Workbook()
    wb.active.append(["日期", "支部", "收到"])
    wb.save(own)
    before = own.read_bytes()
    run_check(inbox, registry)
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("收件登记（无法读取")]
    assert [p.read_bytes() for p in kept] == [before]


def test_a_deleted_register_loses_only_history(tmp_path):
    inbox, registry = _township(tmp_path)
    run_check(inbox, registry, feedback=tmp_path / "反馈")
    (tmp_path / schema.REGISTER_NAME).unlink()
    run = run_check(inbox, registry)
    assert run.register.states == {"T001": "通过", "T002": "已报有错", "T003": "未报"}  # the return is history


def _one_run(inbox: str, registry: str) -> None:
    run_check(inbox, registry)


def test_two_runs_at_once_on_one_register_both_stay_on_record(tmp_path):
    inbox, registry = _township(tmp_path)
    other = tmp_path / "补报"
    other.mkdir()
    shutil.copy(inbox / "T001_石门村党支部.xlsx", other / "T001.xlsx")
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_one_run, args=(str(folder), str(registry))) for folder in (inbox, other)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    files = _sheet(tmp_path / schema.REGISTER_NAME, "收件登记")
    assert sorted(set(files["收件箱"])) == ["收件箱", "补报"]
    assert len(files) == 3


def test_the_register_is_never_put_into_the_inbox(tmp_path):
    inbox, registry = _township(tmp_path)
    with pytest.raises(PlacementRefused):
        run_check(inbox, registry, register=inbox / "收件登记.xlsx")
    assert sorted(p.name for p in inbox.iterdir()) == ["T001_石门村党支部.xlsx", "T002_金龙村党支部.xlsx"]


def test_a_register_named_over_another_workbook_is_refused_and_nothing_is_touched(tmp_path):
    inbox, registry = _township(tmp_path)
    result = run_aggregate(inbox, registry, output=tmp_path / "汇总.xlsx", detail=False, register=False).path
    before = result.read_bytes()
    for named in (result, tmp_path / "汇总.xlsx"):
        with pytest.raises(PlacementRefused, match="汇总表|同名"):
            run_check(inbox, registry, register=named)
    with pytest.raises(PlacementRefused, match="同名"):
        run_aggregate(inbox, registry, output=tmp_path / "新.xlsx", register=tmp_path / "新.xlsx")
    assert result.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if "无法读取" in p.name]


def test_recording_a_run_changes_neither_the_register_nor_the_batch(tmp_path):
    inbox, registry = _township(tmp_path)
    batch = run_check(inbox, registry, register=False).batch
    empty = Register()
    files_before = batch.files.copy()
    first = record(empty, batch, inbox="收件箱", now=dt.datetime(2011, 7, 1, 9))
    second = record(first, batch, inbox="收件箱", now=dt.datetime(2011, 7, 2, 9), returned={"T002_金龙村党支部.xlsx"})
    assert all(len(t) == 0 for t in empty.tables.values())
    assert first["收件登记"]["最近一次"].tolist() == ["2011-07-01 09:00:00"] * 2
    assert second["收件登记"]["首次收到"].tolist() == ["2011-07-01 09:00:00"] * 2
    pd.testing.assert_frame_equal(batch.files, files_before)
    assert second.states("收件箱", "2011Q2")["T002"] == "已退回"


def test_aggregate_records_the_run_and_the_console_shows_the_states(tmp_path):
    from click.testing import CliRunner

    from cxzy_xl.cli import main

    inbox, registry = _township(tmp_path)
    out = CliRunner().invoke(main, ["aggregate", str(inbox), "--registry", str(registry), "-o",
                                    str(tmp_path / "汇总.xlsx"), "--no-detail", "-q"])
    assert out.exit_code == 1, out.output  # T002 has errors
    assert "支部状态：未报 1，已报有错 1，通过 1" in out.output
    assert _state(tmp_path / schema.REGISTER_NAME, "T001")["状态"] == "通过"
    ws = openpyxl.load_workbook(tmp_path / "汇总.xlsx")["支部汇总"]
    header = [c.value for c in ws[2]]
    at = header.index(schema.STATE_COL)
    assert {r[0].value: r[at].value for r in ws.iter_rows(min_row=3) if r[0].value in ("T001", "T002")} == {
        "T001": "通过", "T002": "已报有错"}
    out = CliRunner().invoke(main, ["check", str(inbox), "--registry", str(registry), "--no-register"])
    assert "支部状态" not in out.output


@pytest.mark.parametrize("where", ["lock", "disk"])
def test_a_folder_that_refuses_is_a_notice_and_the_run_goes_on(tmp_path, monkeypatch, where):
    import errno
    import tempfile

    import filelock

    inbox, registry = _township(tmp_path)
    if where == "lock":  # a read-only share: not even the lock file can be made
        monkeypatch.setattr(filelock.FileLock, "acquire", lambda *a, **k: (_ for _ in ()).throw(
            PermissionError(errno.EACCES, "Permission denied")))
    else:  # the disk is full when the register is written
        monkeypatch.setattr(tempfile, "mkstemp", lambda *a, **k: (_ for _ in ()).throw(
            OSError(errno.ENOSPC, "No space left on device")))
    run = run_check(inbox, registry, feedback=tmp_path / "反馈") if where == "lock" else run_check(inbox, registry)
    assert run.register.path is None and len(run.register.notices) == 1 and "未登记" in run.register.notices[0]
    assert run.register.states == {"T001": "通过", "T002": "已退回" if where == "lock" else "已报有错", "T003": "未报"}
    assert not (tmp_path / schema.REGISTER_NAME).exists()


CONVERSATION = Path(__file__).parent / "data" / "conversation"


def test_the_conversation_typed_in_libreoffice_is_on_record(tmp_path):
    """tests/data/conversation (made by make_conversation_files.py): DX009 sends an .ods with two warnings
    and DX007 an .xls with errors; both get their feedback; the clerks answer in LibreOffice with .xlsx
    files (DX009 explains a warning; DX007 "explains" an error) and the office drops the old files."""
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    for name in ("DX009.ods", "DX007.xls"):
        shutil.copy(CONVERSATION / name, inbox / name)
    first = run_check(inbox, feedback=tmp_path / "反馈")
    assert first.register.states == {"DX009": "通过", "DX007": "已退回"}  # warnings only: nothing to correct
    for old, new in (("DX009.ods", "DX009_explained.xlsx"), ("DX007.xls", "DX007_explained.xlsx")):
        (inbox / old).unlink()
        shutil.copy(CONVERSATION / new, inbox / new)
    second = run_check(inbox)
    assert second.register.states == {"DX009": "通过", "DX007": "已改"}
    book = tmp_path / schema.REGISTER_NAME
    files = _sheet(book, "收件登记").set_index("文件")
    assert files.loc["DX009.ods", "登记状态"] == files.loc["DX007.xls", "登记状态"] == "已被替换"
    assert files.loc["DX009.ods", "在收件箱"] == "否"
    assert files.loc["DX009_explained.xlsx", "替换了"] == "DX009.ods"
    assert files.loc["DX007_explained.xlsx", "替换了"] == "DX007.xls"
    changes = _sheet(book, "整改情况")
    dx009 = changes[changes["党组织编码"] == "DX009"]
    assert set(zip(dx009["结果"], dx009["代码"], strict=True)) == {("已说明", "COUNT_MISMATCH"), ("仍存在", "UNKNOWN_MEMBER")}
    dx007 = changes[changes["党组织编码"] == "DX007"]
    assert ("仍存在", "BAD_ID_NUMBER") in set(zip(dx007["结果"], dx007["代码"], strict=True))
    assert files.loc["DX009_explained.xlsx", "已改正"] == 1  # the explained warning counts as dealt with
