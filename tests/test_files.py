"""Outputs never collide, never destroy, and fail in Chinese: names from cells, locked files, full disks."""

import errno
import os
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from helpers import clean_data, write_clean

from cxzy_xl import files
from cxzy_xl.aggregate import aggregate
from cxzy_xl.cli import main
from cxzy_xl.demo import DemoRefused, make_demo
from cxzy_xl.feedback import write_feedback
from cxzy_xl.files import OutputNotice, WriteRefused, safe_filename
from cxzy_xl.findings import Code, Finding, Severity
from cxzy_xl.output import write_findings, write_result
from cxzy_xl.pipeline import read_folder
from cxzy_xl.resultbook import result_filename
from cxzy_xl.schema import Branch
from cxzy_xl.templates import write_blank_templates, write_branch_templates, write_registry


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.startswith(files.TMP_PREFIX) or p.suffix == ".tmp")


def bad(file: str, code: str) -> Finding:
    return Finding(Code.BAD_CHOICE, file, "性别应为男或女", Severity.ERROR, code, "党员名册", 3, "性别", "C3", "未知")


@pytest.fixture(scope="module")
def township(tmp_path_factory):
    """A small township: its inbox, its summary (for results) and its findings."""
    root = tmp_path_factory.mktemp("town")
    inbox = root / "inbox"
    inbox.mkdir()
    data = clean_data()
    data["党员名册"][0]["性别"] = "未知"
    write_clean(inbox / "T001.xlsx", data)
    batch = read_folder(inbox, isolate=False)
    return inbox, batch, aggregate(batch)


# --- names from cells ------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("德新镇\n党委\r\t", "德新镇党委.xlsx"),             # Alt+Enter and a pasted tab
    ('a\\b/c:d*e?f"g<h>i|j', "a_b_c_d_e_f_g_h_i_j.xlsx"),
    ("红星村党支部. . ", "红星村党支部.xlsx"),             # Windows drops trailing dots and spaces
    ("con", "_con.xlsx"), ("Lpt1", "_Lpt1.xlsx"), ("NUL.备份", "_NUL.备份.xlsx"), ("COM¹", "_COM¹.xlsx"),
    ("CONSOLE", "CONSOLE.xlsx"), ("", "未命名.xlsx"), ("\n\n", "未命名.xlsx"),
])
def test_safe_filename(text, expected):
    assert safe_filename(text) == expected


def test_safe_filename_limits_bytes_and_keeps_the_suffix():
    name = safe_filename("党" * 300, "（问题反馈）.xlsx")
    assert name.endswith("党（问题反馈）.xlsx") and len(name.encode("utf-8")) <= files.NAME_BYTES
    assert len(safe_filename("a" * 300).encode()) == files.NAME_BYTES


def test_result_name_has_no_line_break(township):
    _, _, summary = township
    summary.unit, saved = "德新镇\n党委", summary.unit
    try:
        assert result_filename(summary) == "德新镇党委创先争优汇总_2011年第二季度.xlsx"
    finally:
        summary.unit = saved


def test_a_branch_name_of_300_characters_gives_every_template(tmp_path):
    branches = [Branch("T001", "石门村党支部", "村"), Branch("T002", "长" * 300 + "党支部", "村"),
                Branch("T003", "光明/新华村党支部", "村")]
    paths = write_branch_templates(tmp_path, branches, "德新镇党委", "2011Q2")
    assert [p.name[:5] for p in paths] == ["T001_", "T002_", "T003_"] and all(p.is_file() for p in paths)
    assert paths[2].name == "T003_光明_新华村党支部.xlsx"
    assert len(paths[1].name.encode()) <= files.NAME_BYTES


def test_a_long_path_is_written_with_a_notice(tmp_path):
    deep = tmp_path / ("很长的文件夹名" * 10) / ("子文件夹" * 15) / ("再一层" * 20)
    target = deep / "问题清单.xlsx"
    assert len(str(target)) > files.LONG_PATH
    with pytest.warns(OutputNotice, match="Windows 和 Excel"):
        assert write_findings([], target) == target
    assert target.is_file()


# --- outputs never collide -------------------------------------------------------------------

def test_feedback_names_carry_the_code_and_never_collide(tmp_path):
    inbox = tmp_path / "收件箱"
    for sub in ("红星村", "光明村", "甲", "乙"):
        (inbox / sub).mkdir(parents=True)
    findings = [bad("红星村/支部填报表.xlsx", "T001"), bad("光明村/支部填报表.xlsx", "T002"),
                bad("甲/Report.xlsx", "T003"), bad("乙/report.xlsx", "T003")]
    for f in findings:
        (inbox / f.file).write_bytes(b"not a workbook")  # the list alone goes back
    paths = write_feedback(findings, inbox, tmp_path / "反馈")
    names = sorted(p.name for p in paths)
    assert names == sorted(["T001_支部填报表（问题反馈）.xlsx", "T002_支部填报表（问题反馈）.xlsx",
                            "T003_report（问题反馈）.xlsx", "T003_Report（问题反馈）（2）.xlsx"])
    assert sorted(p.name for p in (tmp_path / "反馈").iterdir()) == names


def test_cli_counts_the_feedback_files_it_wrote(tmp_path):
    inbox = tmp_path / "收件箱"
    for sub, code, name in (("红星村", "T001", "红星村党支部"), ("光明村", "T002", "光明村党支部")):
        data = clean_data(code, name)
        data["党员名册"][0]["性别"] = "未知"
        for m in data["党员名册"]:
            m["身份证号"] = None  # different people in the two branches
        (inbox / sub).mkdir(parents=True)
        write_clean(inbox / sub / "支部填报表.xlsx", data, code=code, name=name)
    result = run("check", inbox, "--feedback", tmp_path / "反馈", "-q")
    assert result.exit_code == 1, result.output
    written = list((tmp_path / "反馈").iterdir())
    assert len(written) == 2 and "反馈表：2 个" in result.output


# --- nothing of the user's is touched -------------------------------------------------------

def office_file(path: Path) -> Path:
    """A workbook the office saved in Excel: Excel puts the user's name into 最后修改者."""
    wb = openpyxl.load_workbook(path)
    wb.properties.lastModifiedBy = "组织办"
    wb.save(path)
    return path


def test_template_keeps_the_offices_filled_registry(tmp_path):
    mine = office_file(write_registry(tmp_path / "支部名单.xlsx", [Branch("T001", "石门村党支部", "村")]))
    before = mine.read_bytes()
    with pytest.warns(OutputNotice, match="未覆盖"):
        paths = write_blank_templates(tmp_path)
    assert mine.read_bytes() == before
    assert [p.name for p in paths] == ["支部填报表.xlsx", "支部名单（2）.xlsx"]
    with pytest.warns(OutputNotice, match="支部名单（3）"):  # still theirs; our own blank template replaced
        assert write_blank_templates(tmp_path)[0] == tmp_path / "支部填报表.xlsx"


def test_default_result_replaces_only_our_own(township, tmp_path):
    _, _, summary = township
    first = write_result(summary, folder=tmp_path)
    assert write_result(summary, folder=tmp_path) == first  # the office re-runs aggregate: same file
    office_file(first)
    with pytest.warns(OutputNotice, match="未覆盖"):
        again = write_result(summary, folder=tmp_path)
    assert again.name.endswith("（2）.xlsx") and first.is_file()
    assert write_result(summary, first) == first  # named by the caller (-o): replaced


def test_demo_refuses_an_office_folder(tmp_path):
    (tmp_path / "收件箱").mkdir()
    theirs = write_clean(tmp_path / "收件箱" / "红星村.xlsx")
    registry = tmp_path / "支部名单.xlsx"
    registry.write_bytes(b"the office's own registry")
    with pytest.raises(DemoRefused, match="收件箱"):
        make_demo(tmp_path, n_branches=16, quarters=1)
    result = run("demo", tmp_path, "--branches", 16)
    assert result.exit_code == 2 and "不是示例生成" in result.output
    assert theirs.is_file() and registry.read_bytes() == b"the office's own registry"


def test_demo_runs_again_over_its_own_folder_only(tmp_path):
    assert run("demo", tmp_path / "d", "--branches", 16).exit_code == 0
    assert run("demo", tmp_path / "d", "--branches", 16).exit_code == 0
    assert not list((tmp_path / "d").glob("*（2）*"))  # its own result replaced, not copied
    (tmp_path / "d" / "我的笔记.txt").write_text("x", encoding="utf-8")
    assert run("demo", tmp_path / "d", "--branches", 16).exit_code == 2
    assert (tmp_path / "d" / "我的笔记.txt").is_file()


# --- when the disk says no -------------------------------------------------------------------

def lock(monkeypatch, locked: Path) -> None:
    """Windows: replacing a file Excel/WPS has open fails with PermissionError; the folder is fine."""
    real = os.replace

    def replace(src, dst):
        if Path(dst).resolve() == locked.resolve():
            raise PermissionError(errno.EACCES, "Permission denied", str(dst))
        return real(src, dst)

    monkeypatch.setattr(os, "replace", replace)


def disk_full(monkeypatch) -> None:
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "write", full)
    monkeypatch.setattr(zipfile.ZipFile, "writestr", full)


def read_only(monkeypatch) -> None:
    # chmod 0o555 does not stop root; the folder refusing the temporary file is what it looks like
    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(files.tempfile, "mkstemp", refuse)


def writers(township, out: Path):
    inbox, batch, summary = township
    return {
        "result": (out / "汇总.xlsx", lambda: write_result(summary, out / "汇总.xlsx")),
        "problem list": (out / "问题清单.xlsx", lambda: write_findings(batch.findings, out / "问题清单.xlsx")),
        "feedback": (out / "T001（问题反馈）.xlsx", lambda: write_feedback(batch.findings, inbox, out)[0]),
        "templates": (out / "T001_石门村党支部.xlsx",
                      lambda: write_branch_templates(out, [Branch("T001", "石门村党支部", "村")], "德新镇党委", "2011Q2")[0]),
    }


KINDS = ("result", "problem list", "feedback", "templates")


@pytest.mark.parametrize("kind", KINDS)
def test_a_locked_file_is_saved_beside(township, tmp_path, monkeypatch, kind):
    target, write = writers(township, tmp_path)[kind]
    assert write() == target  # an earlier run's file, now open in Excel
    before = target.read_bytes()
    files.numbered(target, 2).write_bytes(b"an earlier copy")
    lock(monkeypatch, target)
    with pytest.warns(OutputNotice, match="Excel/WPS"):
        path = write()
    assert path == files.numbered(target, 3) and openpyxl.load_workbook(path)
    assert target.read_bytes() == before and leftovers(tmp_path) == []


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("trouble", "says"), [(disk_full, "磁盘空间不足"), (read_only, "没有写入权限")])
def test_the_disk_says_no(township, tmp_path, monkeypatch, kind, trouble, says):
    target, write = writers(township, tmp_path)[kind]
    trouble(monkeypatch)
    with pytest.raises(WriteRefused, match=says) as exc:
        write()
    assert target.name in str(exc.value) and not target.exists() and leftovers(tmp_path) == []


def test_a_name_too_long_for_the_disk(tmp_path):
    with pytest.raises(WriteRefused, match="太长"):
        write_findings([], tmp_path / ("问" * 100 + ".xlsx"))  # 300 bytes: over the 255 of a file name
    assert leftovers(tmp_path) == []


def test_cli_exit_3_and_saved_beside(township, tmp_path, monkeypatch):
    inbox, _, summary = township
    monkeypatch.chdir(tmp_path)
    default = tmp_path / result_filename(summary)
    write_result(summary, default)
    lock(monkeypatch, default)
    result = run("aggregate", inbox, "-q")
    assert result.exit_code == 1, result.output
    assert "已另存为" in result.output and files.numbered(default, 2).is_file()
    read_only(monkeypatch)
    result = run("check", inbox, "-q", "-o", tmp_path / "问题清单.xlsx")
    assert result.exit_code == 3 and "无法写入" in result.output and "问题清单.xlsx" in result.output
    assert "Traceback" not in result.output


def test_demo_where_no_folder_can_be_made_exits_3(tmp_path, monkeypatch):
    (tmp_path / "报表.txt").write_text("x", encoding="utf-8")
    result = run("demo", tmp_path / "报表.txt" / "示例", "--branches", 16)
    assert result.exit_code == 3 and "无法写入" in result.output and "Traceback" not in result.output
    monkeypatch.chdir(tmp_path)
    read_only(monkeypatch)
    result = run("demo", "d", "--branches", 16)
    assert result.exit_code == 3 and "支部名单.xlsx" in result.output and "没有写入权限" in result.output
