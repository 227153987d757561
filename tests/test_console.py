"""Chinese Windows consoles: output redirected under cp936 (GBK), and no console at all (pythonw)."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from helpers import clean_data, write_clean

from cxzy_xl import cli

ROOT = Path(__file__).parent.parent
NAME = "䶮村党支部"  # 䶮 (yǎn) is used in names and is not in GBK


def run_cp936(*args):
    env = {**os.environ, "PYTHONIOENCODING": "cp936", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "cxzy_xl", *map(str, args)], capture_output=True, env=env,
                          cwd=ROOT, timeout=120)


def test_cp936_table_replaces_and_json_is_utf8(tmp_path):
    data = clean_data("T001", NAME)
    data["党员名册"][0]["性别"] = "䶮"
    write_clean(tmp_path / "T001.xlsx", data, name=NAME)
    table = run_cp936("check", tmp_path, "-q")
    assert table.returncode == 1, table.stderr.decode("gbk", "replace")
    out = table.stdout.decode("cp936")
    assert "?村党支部" in out and "共 1 个错误" in out  # the whole report, 䶮 shown as ?
    as_json = run_cp936("check", tmp_path, "-q", "--format", "json")
    assert as_json.returncode == 1
    items = json.loads(as_json.stdout.decode("utf-8"))
    assert any(i["value"] == "䶮" for i in items)


class Console(io.TextIOWrapper):
    def isatty(self):
        return True


def test_progress_plain_characters_on_a_gbk_console(monkeypatch):
    raw = io.BytesIO()
    monkeypatch.setattr(sys, "stderr", Console(raw, encoding="cp936"))
    show = cli._progress(False)
    show(3, 3)
    sys.stderr.flush()
    assert "读取 ######################## 3/3" in raw.getvalue().decode("cp936")


def test_no_stderr_no_progress(monkeypatch):
    monkeypatch.setattr(sys, "stderr", None)
    assert cli._progress(False) is None


def test_click_speaks_chinese_in_help_and_usage_errors():
    from click.testing import CliRunner

    from cxzy_xl.cli import main

    runner = CliRunner()
    for args in (["--help"], ["check", "--help"], ["aggregate", "--help"], ["rollup", "--help"], ["demo", "--help"],
                 ["template", "--help"]):
        out = runner.invoke(main, args).output
        assert "用法：" in out and "选项" in out
        for english in ("Usage", "Options", "Show this message", "FILE", "DIRECTORY", "TEXT", "INBOX"):
            assert english not in out, (args, english)
    missing = runner.invoke(main, ["check", "不存在的收件箱"])
    assert missing.exit_code == 2 and "找不到文件夹“不存在的收件箱”" in missing.output and "Error" not in missing.output
    typo = runner.invoke(main, ["chek"])
    assert typo.exit_code == 2 and "没有“chek”这个命令" in typo.output
