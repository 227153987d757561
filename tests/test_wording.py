"""Contract 1.2, "Wording": what people read. 问题清单 and feedback files name the 问题类型 before the
stable 代码; masking touches values, never the reason; long values are cut in messages, never in JSON;
the console names periods as people say them (2011年第二季度)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from click.testing import CliRunner
from helpers import clean_data, write_clean

import cxzy_xl
from cxzy_xl.cli import main
from cxzy_xl.findings import Code
from cxzy_xl.pipeline import read_folder
from cxzy_xl.resultbook import read_result


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def inbox_of(tmp_path, data, name="T001.xlsx"):
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    write_clean(inbox / name, data)
    return inbox


def header_row(ws, first_header="序号"):
    return next([c.value for c in row] for row in ws.iter_rows() if row[0].value == first_header)


# --- 问题类型 before 代码 ------------------------------------------------------------------------

def test_problem_list_result_and_feedback_show_the_kind_before_the_code(tmp_path):
    data = clean_data()
    data["党员名册"][0]["性别"] = "未知"  # BAD_CHOICE: 选项有误
    inbox = inbox_of(tmp_path, data)
    out, fb = tmp_path / "问题清单.xlsx", tmp_path / "反馈"
    assert run("check", inbox, "-o", out, "--feedback", fb).exit_code == 1
    result = cxzy_xl.write_result(cxzy_xl.aggregate(read_folder(inbox, isolate=False)), tmp_path / "汇总.xlsx")
    feedback = next(fb.iterdir())
    for path in (out, result, feedback):
        ws = openpyxl.load_workbook(path)["问题清单"]
        heads = header_row(ws)
        k = heads.index("问题类型")
        assert heads[k + 1] == "代码", path.name
        row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[k + 1] == "BAD_CHOICE")
        assert row[k] == Code.BAD_CHOICE.kind == "选项有误", path.name


def test_a_result_with_kinds_reads_back_and_so_does_one_without(tmp_path):
    data = clean_data()
    data["党员名册"][0]["性别"] = "未知"
    summary = cxzy_xl.aggregate(read_folder(inbox_of(tmp_path, data), isolate=False))
    child = read_result(cxzy_xl.write_result(summary, tmp_path / "汇总.xlsx"))
    bad = [f for f in child.findings if f.code is Code.BAD_CHOICE]
    assert len(bad) == 1 and bad[0].cell == "C3" and "性别" in bad[0].message
    older = read_result(Path(__file__).parent / "data" / "resaved" / "result.xlsx")  # no 问题类型 column
    assert older.findings
