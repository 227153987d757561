"""`cxzy check`: JSON shape, exit codes, the problem-list workbook and the feedback files."""

import json

import openpyxl
from click.testing import CliRunner
from helpers import clean_data, write_clean

from cxzy_xl.cli import main
from cxzy_xl.schema import Branch
from cxzy_xl.templates import write_registry

KEYS = {"file", "branch_code", "sheet", "cell", "row", "column", "severity", "code", "message", "value"}


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def inbox_with(tmp_path, **files):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name, data in files.items():
        data = data or clean_data(name)
        write_clean(inbox / f"{name}.xlsx", data, code=name)
    return inbox


def test_clean_inbox_exits_0_and_json_is_an_empty_array(tmp_path):
    inbox = inbox_with(tmp_path, T001=None)
    result = run("check", inbox, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []


def test_errors_exit_1_and_json_has_every_key(tmp_path):
    data = clean_data()
    data["党员名册"][0]["性别"] = "未知"
    data["活动记录"][0]["应参加人数"] = "３"
    inbox = inbox_with(tmp_path, T001=data)
    result = run("check", inbox, "--format", "json")
    assert result.exit_code == 1
    items = json.loads(result.stdout)
    assert all(set(i) == KEYS for i in items)
    bad = next(i for i in items if i["code"] == "BAD_CHOICE")
    assert bad == {"file": "T001.xlsx", "branch_code": "T001", "sheet": "党员名册", "cell": "C3", "row": 3,
                   "column": "性别", "severity": "error", "code": "BAD_CHOICE", "value": "未知",
                   "message": bad["message"]}
    assert {i["severity"] for i in items} == {"error", "info"}


def test_table_format_summarises_per_branch(tmp_path):
    data = clean_data()
    data["党员名册"][0]["性别"] = "未知"
    inbox = inbox_with(tmp_path, T001=data)
    result = run("check", inbox)
    assert result.exit_code == 1
    assert "T001" in result.stdout and "石门村党支部" in result.stdout
    assert "[错误] T001.xlsx 党员名册!C3" in result.stdout
    assert "共 1 个错误，0 个警告" in result.stdout


def test_usage_problems_exit_2(tmp_path):
    assert run("check", tmp_path / "nowhere").exit_code == 2
    inbox = inbox_with(tmp_path, T001=None)
    assert run("check", inbox, "--registry", tmp_path / "nope.xlsx").exit_code == 2
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    result = run("check", inbox, "--registry", broken)
    assert result.exit_code == 2 and "支部名单" in result.output
    assert run("check", inbox, "-o", inbox / "问题清单.xlsx").exit_code == 2  # never into the inbox
    reg = write_registry(tmp_path / "reg.xlsx", [Branch("T001", "石门村党支部", "村")])
    before = reg.read_bytes()
    assert run("check", inbox, "--registry", reg, "-o", reg).exit_code == 2  # never over an input
    assert reg.read_bytes() == before


def test_missing_submission_from_registry_exits_1(tmp_path):
    inbox = inbox_with(tmp_path, T001=None)
    reg = write_registry(tmp_path / "reg.xlsx", [Branch("T001", "石门村党支部", "村"), Branch("T002", "光明村党支部", "村")],
                         {"所属党委": "德新镇党委", "报告期": "2011年第二季度"})
    result = run("check", inbox, "--registry", reg, "--format", "json")
    assert result.exit_code == 1
    assert [i["code"] for i in json.loads(result.stdout)] == ["MISSING_SUBMISSION"]


def test_problem_list_workbook(tmp_path):
    data = clean_data()
    data["党员名册"][0]["性别"] = "未知"
    inbox = inbox_with(tmp_path, T001=data)
    out = tmp_path / "问题清单.xlsx"
    result = run("check", inbox, "-o", out)
    assert result.exit_code == 1
    ws = openpyxl.load_workbook(out)["问题清单"]
    assert [c.value for c in ws[1]] == ["序号", "党组织编码", "文件", "工作表", "单元格", "类别", "问题类型", "代码", "问题及修改要求",
                                    "填写内容"]
    assert [c.value for c in ws[2]][1:8] == ["T001", "T001.xlsx", "党员名册", "C3", "错误", "选项有误", "BAD_CHOICE"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref


def test_feedback_marks_cells_and_stays_a_usable_template(tmp_path):
    data = clean_data()
    data["党员名册"][0]["性别"] = "未知"
    data["基本信息"]["正式党员数"] = 3
    other = clean_data("T002")
    for member in other["党员名册"]:
        member["身份证号"] = member["出生日期"] = None  # not the same people as T001's
    inbox = inbox_with(tmp_path, T001=data, T002=other)
    fb = tmp_path / "反馈"
    result = run("check", inbox, "--feedback", fb)
    assert result.exit_code == 1
    assert [p.name for p in fb.iterdir()] == ["T001（问题反馈）.xlsx"]  # the clean branch gets nothing
    wb = openpyxl.load_workbook(fb / "T001（问题反馈）.xlsx")
    assert wb.sheetnames[0] == "问题清单" and wb.active.title == "问题清单"
    listed = [[c.value for c in row] for row in wb["问题清单"].iter_rows(min_row=3)]
    assert [r[1:4] for r in listed] == [["党员名册", "C3", "错误"], ["基本信息", "B18", "警告"]]
    assert wb["问题清单"]["C3"].hyperlink.location == "'党员名册'!C3"
    cell = wb["党员名册"]["C3"]
    assert cell.fill.fgColor.rgb == "FFFFC7CE" and "性别" in cell.comment.text
    assert wb["基本信息"]["B18"].fill.fgColor.rgb == "FFFFEB9C"
    # still their template: hidden _meta, dropdowns, protection
    assert wb["_meta"].sheet_state == "hidden"
    assert wb["党员名册"].protection.sheet and wb["党员名册"].data_validations.dataValidation


def test_table_format_names_the_files_not_counted_and_why(tmp_path):
    inbox = inbox_with(tmp_path, T001=None, X999=clean_data("X999", "外来党支部"))
    reg = write_registry(tmp_path / "reg.xlsx", [Branch("T001", "石门村党支部", "村")],
                         {"所属党委": "德新镇党委", "报告期": "2011年第二季度"})
    result = run("check", inbox, "--registry", reg)
    assert "计入 1 个文件" in result.stdout
    assert "未计入 1 个文件：X999.xlsx（不在支部名单）" in result.stdout


def test_an_inbox_without_a_spreadsheet_is_refused_and_nothing_is_written(tmp_path, monkeypatch):
    import pytest

    from cxzy_xl.pipeline import EmptyInbox, run_aggregate, run_check

    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    (inbox / "~$T001.xlsx").write_bytes(b"lock")  # a lock file and a note are not reports
    (inbox / "报送说明.txt").write_text("请按时报送", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for args, written in ((("aggregate", inbox), tmp_path / "汇总.xlsx"), (("check", inbox), tmp_path / "问题清单.xlsx")):
        result = run(*args, "-o", written)
        assert result.exit_code == 2, result.output
        assert f"收件箱 {inbox} 中没有可读取的报表文件" in result.output and "文件夹是否选对" in result.output
        assert not written.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["收件箱"]  # no result under its own name either
    with pytest.raises(EmptyInbox, match="没有可读取的报表文件"):  # a notebook is told the same
        run_aggregate(inbox, folder=tmp_path)
    with pytest.raises(EmptyInbox):
        run_check(inbox)
