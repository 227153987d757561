"""Figures an official can sign, from files typed as a clerk types them: each situation of the issue is a
workbook filled in LibreOffice Calc through UNO (values typed with setString/setFormula into a template
the library wrote) and saved by Calc, committed in tests/data/typed with the script that made it
(tests/data/make_typed_files.py). The township's registry there has DX001 石门村党支部 and DX002
金龙村党支部, 2011年第二季度, 报送截止日期 2011-07-05, the campaign 2010-05-01 to 2012-06-30.

The tests need no LibreOffice: they read copies of the committed files (inputs are never modified).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from cxzy_xl import schema
from cxzy_xl.aggregate import aggregate
from cxzy_xl.cli import main
from cxzy_xl.findings import SHOWN_LIMIT, Code, Severity, brief
from cxzy_xl.output import write_result
from cxzy_xl.pipeline import headline, read_folder
from cxzy_xl.report import report_context

TYPED = Path(__file__).parent / "data" / "typed"
REGISTRY = "支部名单.xlsx"
RATES = ["承诺兑现率", "参学率", "办结率", "测评满意率", "填报完整率"]
LONG_LENGTH = 32_000  # make_typed_files.LONG_LENGTH


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def township(tmp_path: Path, *names: str) -> tuple[Path, Path]:
    """A township's inbox holding copies of the typed ``names``, and a copy of its registry."""
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    for name in names:
        shutil.copyfile(TYPED / name, inbox / name)
    return inbox, Path(shutil.copyfile(TYPED / REGISTRY, tmp_path / REGISTRY))


def read(tmp_path: Path, *names: str):  # type: ignore[no-untyped-def]
    """The batch of a township inbox of ``names``; reading leaves every copy as it was."""
    inbox, registry = township(tmp_path, *names)
    batch = read_folder(inbox, registry, isolate=False)
    for name in names:
        assert _digest(inbox / name) == _digest(TYPED / name), f"reading changed {name}"
    return batch


def of(batch, code: Code, file: str | None = None) -> list:  # type: ignore[no-untyped-def]
    return [f for f in batch.findings if f.code is code and (file is None or f.file == file)]


def by_code(summary) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return summary.by_branch.set_index(schema.CODE_COL)


def test_the_typed_files_are_as_calc_saved_them():
    """Every file of the situations was saved by LibreOffice Calc, not written by the library."""
    names = sorted(p.name for p in TYPED.iterdir() if p.name != REGISTRY)
    assert names == ["clean.xlsx", "dup_a.xlsx", "dup_b.ods", "long_cell.xlsx", "nocode.xlsx", "typo_date.xlsx",
                     "votes.xlsx"]
    for name in names:
        with zipfile.ZipFile(TYPED / name) as z:
            said = z.read("meta.xml" if name.endswith(".ods") else "docProps/app.xml").decode("utf-8")
        assert "LibreOffice" in said, name


def test_the_companion_branch_is_clean(tmp_path):
    """clean.xlsx (DX002, typed complete) has nothing to say: what the other files show is their slip."""
    batch = read(tmp_path, "clean.xlsx")
    mine = [f for f in batch.findings if f.file == "clean.xlsx" and f.severity is not Severity.INFO]
    assert mine == []


# --- 1. votes: 18 + 3 + 1 = 22 votes from 20 voters -----------------------------------------------

def test_votes_over_the_turnout_are_inconsistent_and_no_rate_is_over_100_percent(tmp_path):
    batch = read(tmp_path, "votes.xlsx", "clean.xlsx")
    (f,) = of(batch, Code.INCONSISTENT)
    assert (f.file, f.branch_code, f.sheet, f.column, f.cell) == ("votes.xlsx", "DX001", "考核测评", "民主测评参评人数", "B7")
    assert f.severity is Severity.ERROR and "合计22" in f.message and "20" in f.message

    s = aggregate(batch)
    rows = by_code(s)
    assert pd.isna(rows.loc["DX001", "测评满意率"])  # not 21/20 = 105 %
    assert str(rows.loc["DX001", "排名"]) == "<NA>" and rows.loc["DX001", "等次"] == schema.UNVERIFIED
    assert "测评满意率" in rows.loc["DX001", "待核实项目"] and "综合得分" in rows.loc["DX001", "待核实项目"]
    assert rows.loc["DX002", "排名"] == 1 and rows.loc["DX002", "等次"] != schema.UNVERIFIED
    # the township's rate is DX002's alone (48 of 50), never above 100 %
    assert s.total.iloc[0]["测评满意率"] == pytest.approx(48 / 50)
    for table in (s.by_branch, s.by_type):
        assert (table[RATES].astype("float64").fillna(0) <= 1).all().all()

    ws = openpyxl.load_workbook(write_result(s, tmp_path / "汇总.xlsx"))["支部汇总"]
    header = [c.value for c in ws[2]]
    row = next(r for r in ws.iter_rows(min_row=3) if r[0].value == "DX001")
    assert row[header.index("测评满意率")].value in (None, "")
    assert row[header.index("排名")].value == schema.UNVERIFIED and row[header.index("等次")].value == schema.UNVERIFIED


# --- 2. nocode: no 党组织编码, 党组织名称 金龙村支部 -----------------------------------------------

def test_a_file_without_its_code_counts_for_the_branch_its_name_names(tmp_path):
    batch = read(tmp_path, "nocode.xlsx")
    (f,) = of(batch, Code.NAME_MATCHED)
    assert f.file == "nocode.xlsx" and f.branch_code == "DX002" and "DX002" in f.message
    assert "金龙村支部" in f.message and "金龙村党支部" in f.message
    (row,) = batch.files.to_dict("records")
    assert (row["状态"], row["计入支部"]) == ("已计入", "DX002")

    s = aggregate(batch)
    rows = by_code(s)
    assert list(rows.index) == ["DX002"] and rows.loc["DX002", "党组织名称"] == "金龙村党支部"
    assert rows.loc["DX002", "党员数"] == 5 and s.total.iloc[0]["党员数"] == 5  # its roster is in the totals
    assert list(s.missing[schema.CODE_COL]) == ["DX001"]  # counted, so not chased
    missing = [f.branch_code for f in batch.findings if f.code is Code.MISSING_SUBMISSION]
    assert missing == ["DX001"]

    line = next(x for x in headline(s) if "应报" in x)
    expected, reported, absent = (int(re.search(rf"{w} (\d+)", line).group(1)) for w in ("应报", "已报", "未报"))
    assert (expected, reported, absent) == (2, 1, 1) and expected == reported + absent


# --- 3. typo_date: 填报日期 2026.3.5 in a 2011 report -----------------------------------------------

def test_a_filled_date_typed_wrong_is_out_of_range_not_late(tmp_path):
    batch = read(tmp_path, "typo_date.xlsx")
    (f,) = of(batch, Code.OUT_OF_RANGE)
    assert (f.file, f.branch_code, f.sheet, f.column, f.cell) == ("typo_date.xlsx", "DX001", "基本信息", "填报日期", "B10")
    assert f.value == "2026-03-05" and "不用于判断是否逾期报送" in f.message
    assert of(batch, Code.LATE_SUBMISSION) == []

    s = aggregate(batch)
    assert "DX001" in set(s.by_branch[schema.CODE_COL])  # still counted
    ctx = report_context(write_result(s, tmp_path / "汇总.xlsx"))
    assert ctx["逾期报送"] == [] and ctx["逾期数"] == 0
    assert not any("石门村" in name for name in ctx["逾期报送"])


# --- 4. twins: one branch, one 填报日期, two files -------------------------------------------------

@pytest.mark.parametrize("newer", ["dup_a.xlsx", "dup_b.ods"])
def test_of_two_files_with_one_filled_date_the_one_with_fewer_errors_counts(tmp_path, newer):
    inbox, registry = township(tmp_path, "dup_a.xlsx", "dup_b.ods")
    older = ({"dup_a.xlsx", "dup_b.ods"} - {newer}).pop()
    os.utime(inbox / older, (1_300_000_000, 1_300_000_000))  # 2011-03-13
    os.utime(inbox / newer, (1_310_000_000, 1_310_000_000))  # 2011-07-07, after the deadline
    batch = read_folder(inbox, registry, isolate=False)

    files = batch.files.set_index(schema.FILE_COL)
    assert files.loc["dup_a.xlsx", "填报日期"] == files.loc["dup_b.ods", "填报日期"]
    assert (files.loc["dup_b.ods", "状态"], files.loc["dup_b.ods", "计入支部"]) == ("已计入", "DX001")
    assert (files.loc["dup_a.xlsx", "状态"], files.loc["dup_a.xlsx", "未计入原因"]) == ("未计入", "重复报送未采用")
    (dup,) = of(batch, Code.DUPLICATE_SUBMISSION)
    assert dup.file == "dup_a.xlsx" and dup.branch_code == "DX001"
    assert "“dup_b.ods”（填报日期相同，采用错误较少的）" in dup.message
    # dup_a's missing 实际参加人数 is listed but counts against nobody; dup_b's figures are the branch's
    (left,) = of(batch, Code.REQUIRED, "dup_a.xlsx")
    assert left.column == "实际参加人数" and left.severity is Severity.INFO
    assert not [f for f in batch.findings if f.severity is Severity.ERROR and f.branch_code == "DX001"]
    s = aggregate(batch)
    assert by_code(s).loc["DX001", "实际参加人次"] == 13 and by_code(s).loc["DX001", "错误数"] == 0
    assert of(batch, Code.LATE_SUBMISSION) == []  # its 填报日期 says when, not the file's time


# --- 5. long_cell: 32,000 characters pasted into a cell ---------------------------------------------

def test_a_32000_character_topic_is_read_whole(tmp_path):
    """活动主题 is free text: a 32,000-character one is read as typed, and no finding is about it."""
    batch = read(tmp_path, "long_cell.xlsx")
    acts = batch["活动记录"]
    topic = acts.loc[acts[schema.ROW_COL] == 3, "活动主题"].iloc[0]
    assert len(topic) == LONG_LENGTH and topic.startswith("创先争优主题学习：") and topic.endswith("（全文完）")
    assert [f for f in batch.findings if f.column == "活动主题"] == []


def test_the_same_paste_quoted_by_a_finding_is_cut_on_the_console_and_whole_in_json(tmp_path):
    inbox, registry = township(tmp_path, "long_cell.xlsx")
    batch = read_folder(inbox, registry, isolate=False)
    (f,) = of(batch, Code.BAD_CHOICE)
    assert (f.sheet, f.cell, f.column) == ("活动记录", "C4", "活动类型")
    assert len(f.value) == LONG_LENGTH and f"现为“{brief(f.value)}”" in f.message and "…" in f.message
    assert len(brief(f.value)) <= SHOWN_LIMIT and len(f.message) < SHOWN_LIMIT + 200

    table = CliRunner().invoke(main, ["check", str(inbox), "--registry", str(registry)])
    assert table.exit_code == 1, table.output
    (line,) = [x for x in table.output.splitlines() if "活动记录!C4" in x]
    assert "…" in line and f"现为“{brief(f.value)}”" in line and len(line) < SHOWN_LIMIT + 250
    assert f.value not in table.output and max(len(x) for x in table.output.splitlines()) < SHOWN_LIMIT + 250

    out = CliRunner().invoke(main, ["check", str(inbox), "--registry", str(registry), "--format", "json"])
    assert out.exit_code == 1
    (bad,) = [x for x in json.loads(out.stdout) if x["code"] == "BAD_CHOICE"]
    assert bad["value"] == f.value and bad["message"] == f.message and bad["cell"] == "C4"
    assert _digest(inbox / "long_cell.xlsx") == _digest(TYPED / "long_cell.xlsx")
