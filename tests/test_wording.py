"""Contract 1.2, "Wording": what people read. 问题清单 and feedback files name the 问题类型 before the
stable 代码; masking touches values, never the reason; long values are cut in messages, never in JSON;
the console names periods as people say them (2011年第二季度)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
from click.testing import CliRunner
from helpers import BRANCH, clean_data, write_clean

import cxzy_xl
from cxzy_xl.cli import main
from cxzy_xl.findings import Code
from cxzy_xl.pipeline import read_folder, run_aggregate
from cxzy_xl.resultbook import read_result
from cxzy_xl.templates import write_registry


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


# --- masking touches values, never the reason -------------------------------------------------

def problem_texts(path):
    ws = openpyxl.load_workbook(path)["问题清单"]
    heads = header_row(ws)
    at = heads.index("问题及修改要求"), heads.index("填写内容")
    return [(r[at[0]], r[at[1]]) for r in ws.iter_rows(min_row=2, values_only=True) if r[0] is not None]


def test_masking_hides_the_number_and_keeps_the_reason(tmp_path):
    data = clean_data()
    data["党员名册"][1]["身份证号"] = "430522197509010024"  # wrong check digit
    data["党员名册"][2]["身份证号"] = "43052219680312123X"  # the same person as row 1: DUPLICATE_MEMBER
    data["党员名册"][2]["性别"] = "男"
    data["基本信息"]["联系电话"] = "12"  # BAD_PHONE: a value shorter than the reason's digits
    summary = cxzy_xl.aggregate(read_folder(inbox_of(tmp_path, data), isolate=False))
    masked = dict(problem_texts(cxzy_xl.write_result(summary, tmp_path / "汇总.xlsx")))
    assert "身份证号“430522********0024”有误：校验位不对，请逐位核对" in masked
    assert masked["身份证号“430522********0024”有误：校验位不对，请逐位核对"] == "430522********0024"
    dup = next(m for m in masked if m.startswith("身份证号重复"))
    assert dup == "身份证号重复：与本表第3行相同，同一党员只能登记一次，请核对"
    phone = next(m for m in masked if "电话号码" in m)
    assert phone.startswith("“联系电话”电话号码“**”有误：") and "*" not in phone.split("有误：")[1]
    whole = dict(problem_texts(cxzy_xl.write_result(summary, tmp_path / "完整.xlsx", mask=False)))
    assert "身份证号“430522197509010024”有误：校验位不对，请逐位核对" in whole


def test_a_normalised_number_is_masked_in_both_spellings(tmp_path):
    data = clean_data()
    data["党员名册"][0]["身份证号"] = "43052219680312123x"  # read as …123X: NORMALISED, the value as read in detail
    summary = cxzy_xl.aggregate(read_folder(inbox_of(tmp_path, data), isolate=False))
    texts = " ".join(f"{m} {v}" for m, v in problem_texts(cxzy_xl.write_result(summary, tmp_path / "汇总.xlsx")))
    assert "“身份证号”的“430522********123x”已按“430522********123X”读取" in texts
    assert "19680312" not in texts


def test_the_demo_result_explains_the_check_digit(tmp_path):
    from cxzy_xl.demo import make_demo

    demo = make_demo(tmp_path / "demo", quarters=1)
    run = run_aggregate(demo.inbox, demo.registry, folder=tmp_path)  # what `cxzy demo` writes
    messages = [m for m, _ in problem_texts(run.path)]
    wrong = [m for m in messages if m.startswith("身份证号“")]
    assert wrong and all(m.endswith("有误：校验位不对，请逐位核对") for m in wrong), wrong
    assert all("*" not in m.split("有误：")[1] for m in messages if "有误：" in m)


# --- long values: cut where people read them, whole in JSON -------------------------------------

LONG = "男女" * 16_000  # a 32,000-character cell: a paste gone wrong


def longest_run(text, ch="男女"):
    runs = [len(m) for m in "".join(c if c in ch else " " for c in text).split()]
    return max(runs, default=0)


def test_a_32000_character_cell_is_cut_in_messages_and_whole_in_json(tmp_path):
    data = clean_data()
    data["党员名册"][0]["性别"] = LONG  # BAD_CHOICE quoting it
    data["基本信息"]["党组织名称"] = "石门村" + LONG + "党支部"  # the console's table names the branch
    inbox = inbox_of(tmp_path, data)
    out = tmp_path / "问题清单.xlsx"
    table = run("check", inbox, "--all", "-o", out)
    assert table.exit_code == 1
    assert longest_run(table.output) <= 200 and "…" in table.output
    assert "“性别”应从下拉列表中选择" in table.output
    (bad,) = [f for f in json_findings(inbox) if f["code"] == "BAD_CHOICE"]
    assert bad["value"] == LONG
    assert "…" in bad["message"] and len(bad["message"]) < 300 and bad["message"].endswith(LONG[-40:] + "”")
    for message, value in problem_texts(out):
        assert longest_run(message) <= 200 and longest_run(value or "") <= 200


def json_findings(inbox):
    result = run("check", inbox, "--format", "json")
    return json.loads(result.stdout)


# --- periods as people say them -----------------------------------------------------------------

CODED_PERIOD = re.compile(r"\d{4}[QH][1-4]")


def test_the_console_says_2011年第二季度_never_2011Q2(tmp_path):
    data = clean_data()
    data["党员名册"][0]["性别"] = "未知"
    inbox = inbox_of(tmp_path, data)
    reg = write_registry(tmp_path / "支部名单.xlsx", [BRANCH], {"所属党委": "德新镇党委", "报告期": "2011年第二季度"})
    check = run("check", inbox, "--registry", reg, "--all")
    assert check.exit_code == 1 and "报告期：2011年第二季度" in check.output
    town = tmp_path / "镇.xlsx"
    aggregate = run("aggregate", inbox, "--registry", reg, "-o", town)
    county = run("rollup", town, "--unit", "县", "-o", tmp_path / "县.xlsx")
    for result in (check, aggregate, county):
        assert result.exit_code == 1, result.output
        assert "2011年第二季度" in result.output and not CODED_PERIOD.search(result.output), result.output
