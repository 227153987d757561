"""The `cxzy` command: thin click wrappers around the library's public functions.

Exit codes: 0 no errors; 1 errors found in the submissions (outputs written all the same); 2 a usage or
input problem (nothing written); 3 a file could not be written (:class:`cxzy_xl.files.WriteRefused`).
"""

from __future__ import annotations

import importlib
import json
import sys
import time
import unicodedata
import warnings
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import click

from . import schema
from .batch import COUNTED
from .carryover import CarryRefused, write_carried_templates
from .dataset import FINDINGS_TABLE, DatasetRefused, DatasetSummary, MissingExtra
from .demo import DemoRefused, make_demo
from .detailbook import detail_filename
from .files import OutputNotice, PlacementRefused, WriteRefused
from .findings import FINDING_COLUMNS, Code, Severity, brief
from .model import Batch, PreviousError, RollupError, Summary
from .normalize import period_label
from .pipeline import (
    EmptyInbox,
    EngineError,
    engine,
    export_folder,
    headline,
    left_out,
    run_aggregate,
    run_check,
    run_rollup,
)
from .read import Unreadable, read_registry
from .register import RegisterRun, register_path
from .report import ReportError, template_kind, write_reports
from .templates import write_blank_templates, write_branch_templates

EXIT_WRITE = 3


def _fail(message: str) -> None:
    click.echo(f"错误：{message}", err=True)
    sys.exit(2)


def _safe_console() -> None:
    """A Chinese Windows console (cp936/GBK) cannot show every character of a name (䶮): replace what
    it cannot show instead of ending the output. No stream at all (pythonw, a double-click launcher)
    is left alone; click.echo skips it."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="replace")
            except (ValueError, OSError):  # a closed or unusual stream: leave it as it is
                pass


@contextmanager
def _notices() -> Iterator[None]:
    """The library reports files saved beside a locked one, or paths too long for Windows, as
    OutputNotice warnings; a command shows them as plain Chinese lines on stderr."""
    with warnings.catch_warnings():
        warnings.simplefilter("always", OutputNotice)
        shown = warnings.showwarning

        def show(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
            if issubclass(category, OutputNotice):
                click.echo(f"注意：{message}", err=True)
            else:
                shown(message, category, *args, **kwargs)

        warnings.showwarning = show
        yield


# click's own words (usage, help headings, argument errors) are English and it ships no Chinese
# catalogue; its modules look each message up through a module-level gettext ``_``/``ngettext``, so
# those are pointed at this table. Anything not in it stays as click says it.
CLICK_ZH = {
    "Usage:": "用法：", "Options": "选项", "Commands": "命令", "Error: {message}": "错误：{message}",
    "Show this message and exit.": "显示本说明", "Show the version and exit.": "显示版本号",
    "%(prog)s, version %(version)s": "%(prog)s 版本 %(version)s",
    "Try '{command} {option}' for help.": "输入“{command} {option}”查看说明。",
    "No such command {name!r}.": "没有“{name}”这个命令。", "No such option {name!r}.": "没有“{name}”这个选项。",
    "No such option: {name}": "没有“{name}”这个选项。", "Missing command.": "缺少命令。",
    "Missing argument": "缺少参数", "Missing option": "缺少选项", "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少{param_type}", "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Invalid value for {param_hint}: {message}": "{param_hint}有误：{message}", "Invalid value: {message}": "输入有误：{message}",
    "file": "文件", "directory": "文件夹", "path": "路径",
    "{name} {filename!r} does not exist.": "找不到{name}“{filename}”。",
    "{name} {filename!r} is a directory.": "“{filename}”是文件夹，这里要的是文件。",
    "{name} {filename!r} is a file.": "“{filename}”是文件，这里要的是文件夹。",
    "{name} {filename!r} is not readable.": "{name}“{filename}”无法读取。",
    "{name} {filename!r} is not writable.": "{name}“{filename}”无法写入。",
    "{value!r} is not a valid {number_type}.": "“{value}”不是有效的{number_type}。",
    "{value} is not in the range {range}.": "{value} 不在 {range} 范围内。",
    "{value!r} is not {choice}.": "“{value}”不是 {choice}。", "{value!r} is not one of {choices}.": "“{value}”不是 {choices} 之一。",
    "Option {name!r} requires an argument.": "选项 {name} 后面要跟一个值。",
    "Got unexpected extra argument ({args})": "多了参数（{args}）", "Got unexpected extra arguments ({args})": "多了参数（{args}）",
    "Did you mean {possibility}?": "是不是 {possibility}？", "(Did you mean one of: {possibilities}?)": "（是不是其中之一：{possibilities}？）",
    "default: {default}": "默认：{default}", "required": "必填", "Aborted!": "已中止。",
}


def _zh(message: str) -> str:
    return CLICK_ZH.get(message, message)


def _nzh(singular: str, plural: str, n: int) -> str:
    return _zh(singular if n == 1 else plural)


def _chinese_click() -> None:
    for name in ("core", "formatting", "exceptions", "types", "decorators", "parser"):
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = _zh  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = _nzh  # type: ignore[attr-defined]


_chinese_click()


class _Command(click.Command):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)


class _Main(click.Group):
    command_class = _Command

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (WriteRefused, DatasetRefused) as exc:
            click.echo(f"错误：{exc}", err=True)
            ctx.exit(EXIT_WRITE)
        except (MissingExtra, EngineError) as exc:
            click.echo(f"错误：{exc}", err=True)
            ctx.exit(2)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cxzy_xl")
@click.pass_context
def main(ctx: click.Context) -> None:
    """创先争优报表工具：生成支部填报表，检查、汇总各支部报送的表格，逐级上报。

    退出码：0 没有错误；1 发现填报错误（结果照常生成）；2 命令或输入有误；3 有文件无法写入。"""
    _safe_console()
    ctx.with_resource(_notices())


@main.command()
@click.option("-o", "--output", "outdir", type=click.Path(file_okay=False, path_type=Path), default=".",
              show_default=True, help="输出文件夹")
@click.option("--registry", type=click.Path(path_type=Path), help="支部名单.xlsx：为名单中每个支部生成预填好的填报表")
@click.option("--period", metavar="报告期", help="报告期，如 2011年第二季度（默认取支部名单“设置”中的报告期）")
@click.option("--from", "previous", metavar="上季度收件箱", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="上季度收件箱文件夹：按各支部上季度报表预填党员名册、未完成的承诺和民情、示范岗和基本情况"
                   "（须同时给出 --registry）")
def template(outdir: Path, registry: Path | None, period: str | None, previous: Path | None) -> None:
    """生成空白支部填报表和空白支部名单；给出 --registry 时，为每个支部生成预填好的填报表；
    再给出 --from 时，按上季度报表预填（浅绿色底标出，请支部核对更新）。"""
    if previous is not None and registry is None:
        _fail("--from 须同时给出 --registry 支部名单.xlsx")
    if registry is None:
        paths = write_blank_templates(outdir)
    else:
        if not registry.is_file():
            _fail(f"找不到支部名单文件：{registry}")
        try:
            reg = read_registry(registry)
        except Unreadable as exc:
            _fail(f"{registry.name}：{exc}")
        errors = [f for f in reg.findings if f.severity.value == "error"]
        for f in errors:
            click.echo(f"{f.file} {f.sheet}!{f.cell}：{f.message}", err=True)
        if not reg.branches:
            _fail(f"{registry.name} 的“支部名单”中没有支部")
        use_period = period or reg.settings.period
        if not use_period:
            _fail("未指定报告期：请在支部名单的“设置”中填写报告期，或使用 --period")
        if previous is None:
            paths = write_branch_templates(outdir, reg.branches, reg.settings.committee, use_period)
        else:
            try:
                carry = write_carried_templates(outdir, reg, previous, period=use_period,
                                                progress=_progress(False))
            except CarryRefused as exc:
                _fail(str(exc))
            paths = carry.paths
    for p in paths:
        click.echo(str(p))
    if previous is not None:
        names = {b.code: b.name for b in reg.branches}
        when = period_label(carry.previous_period) if carry.previous_period else "上季度"
        line = f"{len(carry.carried)} 个支部按{when}报表预填（浅绿色底标出，请支部核对更新）"
        if carry.ordinary:
            line += f"；{len(carry.ordinary)} 个支部上季度没有可用的报表，生成普通预填表：" + \
                "、".join(names[c] or c for c in carry.ordinary)
        click.echo(line + "。", err=True)
        for f in carry.problems:
            click.echo(f"注意：上季度收件箱 {f.file}：{f.message}", err=True)
    click.echo(f"共生成 {len(paths)} 个文件。", err=True)


def _encodes(stream: TextIO, text: str) -> bool:
    try:
        text.encode(getattr(stream, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _progress(quiet: bool, what: str = "读取"):  # type: ignore[no-untyped-def]
    """A bar on stderr (done / total, elapsed), only when a person is watching: none without a stream
    (pythonw), plain # and - where the console cannot show the block characters (GBK has no ░)."""
    err = sys.stderr
    if quiet or err is None or not err.isatty():
        return None
    full, empty = ("█", "░") if _encodes(err, "█░") else ("#", "-")
    start = time.monotonic()
    last = [0.0]

    def show(done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - last[0] < 0.1:  # redrawing costs more than reading a file
            return
        last[0] = now
        filled = int(24 * done / max(total, 1))
        bar = full * filled + empty * (24 - filled)
        spent = now - start
        rate = done / spent if spent > 0 else 0.0
        left = f"，约剩 {(total - done) / rate:.0f} 秒" if rate and done < total else ""
        click.echo(f"\r{what} {bar} {done}/{total}  {spent:.1f} 秒（{rate:.1f} 个/秒{left}）  ", err=True,
                   nl=done == total)

    return show


@contextmanager
def _refusals(registry: Path | None = None) -> Iterator[None]:
    """What the library refuses before writing anything, as the command's usage errors (exit 2)."""
    try:
        yield
    except (EmptyInbox, PlacementRefused, PreviousError, RollupError) as exc:
        _fail(str(exc))
    except Unreadable as exc:
        _fail(f"支部名单 {registry.name if registry else ''} 无法读取：{exc}")


def _pad(text: str, width: int) -> str:
    """Pad to a terminal width, counting CJK characters as two columns."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(1, width - used)


def _echo_utf8(text: str) -> None:
    """JSON is for programs: UTF-8 bytes whatever the console's encoding (cp936 would lose names)."""
    out = sys.stdout
    buffer = getattr(out, "buffer", None)
    if buffer is None:
        click.echo(text)
        return
    out.flush()
    buffer.write((text + "\n").encode("utf-8"))
    buffer.flush()


def print_findings(batch: Batch, fmt: str, show_all: bool) -> None:
    if fmt == "json":
        _echo_utf8(json.dumps([{k: f.to_dict()[k] for k in FINDING_COLUMNS} for f in batch.findings],
                              ensure_ascii=False, indent=1))
        return
    per: dict[str, Counter[str]] = {}
    names: dict[str, str] = {}
    for f in batch.findings:
        key = f.branch_code  # "" for files no branch could be told from: listed last
        per.setdefault(key, Counter())[f.severity.value] += 1
    for _, row in batch.files.iterrows():
        if row[schema.CODE_COL]:
            names[row[schema.CODE_COL]] = row["党组织名称"] or ""
    if batch.registry:
        names.update({b.code: b.name for b in batch.registry.branches})
    click.echo(f"报告期：{period_label(batch.period) if batch.period else '未知'}　计入 {int((batch.files['状态'] == COUNTED).sum())} 个文件")
    line = left_out(batch)
    if line:
        click.echo(line.strip())
    click.echo(f"{_pad('编码', 10)}{_pad('党组织名称', 30)}{_pad('错误', 6)}{_pad('警告', 6)}提示")
    for code in sorted(per, key=lambda k: (not k, k)):
        c = per[code]
        name = brief(names.get(code, "")) if code else "（其他文件）"  # a name typed into a cell
        click.echo(f"{_pad(code, 10)}{_pad(name, 30)}{c['error']:<6}{c['warning']:<6}{c['info']}")
    click.echo("")
    # errors, then warnings, then (with --all) the notes, each in the batch's order
    shown = sorted((f for f in batch.findings if show_all or f.severity is not Severity.INFO),
                   key=lambda f: (f.severity is not Severity.ERROR, f.severity is Severity.INFO))
    for f in shown:
        where = "!".join(x for x in (f.sheet, f.cell) if x)
        click.echo(f"[{f.severity.label}] {f.file}{' ' + where if where else ''}：{f.message}")
    hidden = len(batch.findings) - len(shown)
    if hidden:
        click.echo(f"另有 {hidden} 条提示（自动纠正的写法、跳过的文件等），加 --all 显示。")
    click.echo(f"共 {batch.count(Severity.ERROR)} 个错误，{batch.count(Severity.WARNING)} 个警告。")


inbox_argument = click.argument("inbox", metavar="收件箱", type=click.Path(exists=True, file_okay=False, path_type=Path))
registry_option = click.option("--registry", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                               help="支部名单.xlsx（应报送的支部和汇总设置，用于催报和核对编码）")
quiet_option = click.option("-q", "--quiet", is_flag=True, help="不显示进度")
parquet_option = click.option(
    "--parquet", type=click.Path(file_okay=False, path_type=Path), metavar="文件夹",
    help="同时把本期数据导出为供分析用的Parquet数据集（需安装 cxzy_xl[parquet]）")
scheduler_option = click.option(
    "--scheduler", metavar="local[:N]|tcp://主机:端口",
    help="在dask集群上读取文件：local:N 为本机N个进程，tcp://主机:端口 为已启动的dask调度器（需安装 cxzy_xl[dask]）")
register_options = (
    click.option("--register", "register_file", type=click.Path(dir_okay=False, path_type=Path), metavar="收件登记.xlsx",
                 help="收件登记的位置（默认：收件箱旁边的 收件登记.xlsx；记录每次收到的文件、替换和整改情况、各支部状态）"),
    click.option("--no-register", is_flag=True, help="本次不记入收件登记"),
)


def register_option(fn: Any) -> Any:
    for option in reversed(register_options):
        fn = option(fn)
    return fn


def _register(register_file: Path | None, no_register: bool) -> bool | Path:
    return False if no_register else register_file or True


def _register_lines(run: RegisterRun | None) -> None:
    if run is None:
        return
    for notice in run.notices:
        click.echo(f"注意：{notice}", err=True)
    counts = "，".join(f"{state} {n}" for state, n in run.counts().items() if n)
    where = f"（收件登记：{run.path}）" if run.path is not None else "（收件登记未写入）"
    click.echo(f"支部状态：{counts or '无'}{where}")


previous_option = click.option(
    "--previous", multiple=True, metavar="上期汇总表", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="上季度（上期）的汇总表：与上期比较排名和主要指标，并找出上期未完成、本期却不见了的承诺、民情和党员；"
         "可重复给出多期，画出变化趋势")


@main.command()
@inbox_argument
@registry_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="输出格式：table 便于阅读，json 供程序使用")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="把问题清单写成Excel文件")
@click.option("--feedback", type=click.Path(file_okay=False, path_type=Path),
              help="为每个有问题的支部生成标出问题单元格的反馈表，写入此文件夹")
@click.option("--by-group", type=click.Path(file_okay=False, path_type=Path),
              help="按督导组分别生成问题清单（每组一个文件），写入此文件夹；支部名单中须填写“督导组”")
@click.option("--all", "show_all", is_flag=True,
              help="也显示提示类信息；-o 的问题清单中逐条列出自动纠正的写法（默认每列汇总为一行）")
@previous_option
@quiet_option
@register_option
def check(inbox: Path, registry: Path | None, fmt: str, output: Path | None, feedback: Path | None,
          by_group: Path | None, show_all: bool, previous: tuple[Path, ...], quiet: bool,
          register_file: Path | None, no_register: bool) -> None:
    """检查收件箱中各支部报送的表格，列出每个问题所在的工作表和单元格。有错误时退出码为1。"""
    with _refusals(registry):
        run = run_check(inbox, registry, previous=previous, output=output, feedback=feedback, by_group=by_group,
                        every=show_all, progress=_progress(quiet), register=_register(register_file, no_register))
    print_findings(run.batch, fmt, show_all)
    if fmt != "json":
        _register_lines(run.register)
    if run.problem_list is not None:
        click.echo(f"问题清单：{run.problem_list}", err=True)
    if feedback is not None:
        click.echo(f"反馈表：{len(run.feedback)} 个，在 {feedback}", err=True)
    if by_group is not None:
        click.echo(f"督导组问题清单：{len(run.group_lists)} 个，在 {by_group}", err=True)
    sys.exit(1 if run.has_errors else 0)


def _detail_beside(result: Path) -> Path | None:
    p = detail_filename(result)
    return p if p.exists() else None


def _headline(summary: Summary, path: Path, detail: Path | None = None) -> None:
    for line in headline(summary):
        click.echo(line)
    click.echo(f"汇总表：{path}")
    if detail is not None:
        click.echo(f"明细表：{detail}")


@main.command()
@inbox_argument
@registry_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="汇总表文件名（默认：<所属党委>创先争优汇总_<报告期>.xlsx，写在当前文件夹）")
@click.option("--no-mask", is_flag=True, help="明细表中不隐藏身份证号和电话号码的中间几位")
@click.option("--all", "show_all", is_flag=True, help="问题清单中逐条列出自动纠正的写法（默认每列汇总为一行）")
@click.option("--no-detail", is_flag=True, help="不生成明细表（各支部名册、承诺、活动等逐行合并的表），只生成汇总表")
@previous_option
@quiet_option
@parquet_option
@scheduler_option
@register_option
def aggregate(inbox: Path, registry: Path | None, output: Path | None, no_mask: bool, show_all: bool,
              no_detail: bool, previous: tuple[Path, ...], quiet: bool, parquet: Path | None,
              scheduler: str | None, register_file: Path | None, no_register: bool) -> None:
    """检查并汇总收件箱中各支部的报表，生成带图表的汇总表（打印、上报用）和明细表（逐行查看用）。
    有错误时退出码为1（汇总表照常生成）。"""
    with _refusals(registry), engine(scheduler) as executor:
        run = run_aggregate(inbox, registry, previous=previous, output=output, mask=not no_mask, every=show_all,
                            progress=_progress(quiet), write_progress=_progress(quiet, "写出"), detail=not no_detail,
                            parquet=parquet, executor=executor, register=_register(register_file, no_register))
    _headline(run.summary, run.path, run.detail)
    _register_lines(run.register)
    if run.dataset is not None:
        _dataset_lines(run.dataset)
    sys.exit(1 if run.batch is not None and run.batch.has_errors else 0)


def _dataset_lines(ds: DatasetSummary) -> None:
    rows = "，".join(f"{t} {n}" for t, n in ds.rows.items())
    click.echo(f"Parquet数据集：{ds.root}（报告期 {'、'.join(ds.periods) or '无'}；行数：{rows}）")
    left = "，".join(f"{why} {n}" for why, n in ds.not_counted().items())
    if left:
        click.echo(f"未计入数据集：{left}（每一处见数据集“{FINDINGS_TABLE}”表）")


@main.command()
@click.argument("source", metavar="源文件夹", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("-o", "--output", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="数据集文件夹（每个表一个子文件夹，按报告期分区；再次导出同一报告期只替换该期）")
@registry_option
@click.option("--unmasked", is_flag=True, help="不隐藏身份证号和电话号码的中间几位（数据集须妥善保管）")
@scheduler_option
@quiet_option
def export(source: Path, out: Path, registry: Path | None, unmasked: bool, scheduler: str | None, quiet: bool) -> None:
    """把一个文件夹（可含市、县、乡镇各级子文件夹）中的支部报表导出为供分析用的Parquet数据集：
    支部（汇总数据）、党员名册、公开承诺等各表和问题清单，可用DuckDB、pandas查询。"""
    with _refusals(registry), engine(scheduler) as executor:
        ds = export_folder(source, out, registry=registry, mask=not unmasked, executor=executor,
                           progress=_progress(quiet, "导出"))
    click.echo(f"读取 {ds.files} 个文件" + (f"，其中 {ds.unreadable} 个无法读取（见数据集“问题清单”表）" if ds.unreadable else ""))
    _dataset_lines(ds)


@main.command()
@click.argument("results", nargs=-1, required=True, metavar="下级汇总表...",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="汇总表文件名")
@click.option("--unit", default="", metavar="单位名称", help="本级单位名称，如 新邵县委组织部")
@click.option("--allow-mixed-periods", is_flag=True, help="允许汇总不同报告期的下级汇总表")
@click.option("--previous", multiple=True, metavar="上期汇总表", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="本级上期的汇总表：各下级单位与上期比较排名和主要指标；可重复给出多期，画出变化趋势")
def rollup(results: tuple[Path, ...], output: Path | None, unit: str, allow_mixed_periods: bool,
           previous: tuple[Path, ...]) -> None:
    """把各下级单位（乡镇、县）的汇总表再汇总一级，所有数字由各支部原始数据重新计算。"""
    with _refusals():
        run = run_rollup(results, unit=unit, allow_mixed_periods=allow_mixed_periods, previous=previous,
                         output=output, progress=_progress(False))
    # What this roll-up found in its inputs; the children's own problem lists go to 问题清单 only.
    names = {r.name for r in results}
    for f in run.summary.findings:
        if f.code in (Code.FILE_UNREADABLE, Code.RESULT_EDITED) and f.file in names:
            click.echo(f"[{f.severity.label}] {f.file}：{f.message}", err=True)
    _headline(run.summary, run.path)
    sys.exit(1 if run.has_errors else 0)


def _said_reports(reports: Any) -> None:
    click.echo(f"工作总结（草稿）：{reports.summary}")
    click.echo(f"情况通报：        {reports.notice}")
    if reports.comments is not None:
        click.echo(f"支部点评（草稿）：{reports.comments}")


@main.command()
@click.argument("result", metavar="汇总表", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", "outdir", type=click.Path(file_okay=False, path_type=Path),
              help="写到这个文件夹（默认：汇总表所在的文件夹）")
@click.option("--template", "templates", multiple=True, metavar="模板.docx",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="自己修改过的Word模板（文件名含“总结”“通报”或“点评”）；不给则用 workbooks/ 中的标准模板")
@click.option("--date", "dated", metavar="成文日期", type=click.DateTime(formats=["%Y-%m-%d", "%Y/%m/%d"]),
              help="文末的成文日期，如 2011-10-12（默认：今天）")
@click.option("--点评", "--comments", "comments", is_flag=True,
              help="另外生成支部点评（草稿）：每个党支部一页，肯定成绩、指出问题、提出带期限的整改要求（乡镇的汇总表）")
def report(result: Path, outdir: Path | None, templates: tuple[Path, ...], dated: Any, comments: bool) -> None:
    """由汇总表（乡镇的或县里逐级汇总的）生成工作总结（草稿）和情况通报两份Word文档，数字全部从汇总表中取得；
    加 --点评 再生成每个党支部一页的点评。"""
    try:
        chosen: dict[str, Path] = {}
        for t in templates:
            kind = template_kind(t)
            if kind in chosen:
                _fail(f"给了两个“{kind}”模板：{chosen[kind].name}、{t.name}")
            chosen[kind] = t
        written = write_reports(result, outdir, templates=chosen, today=dated.date() if dated else None,
                                comments=comments)
    except ReportError as exc:
        _fail(str(exc))
    for note in written.notes:
        click.echo(f"注意：{note}", err=True)
    _said_reports(written)


@main.command()
@click.argument("folder", metavar="[文件夹]", type=click.Path(file_okay=False, path_type=Path), default="cxzy-demo")
@click.option("--branches", "n_branches", type=click.IntRange(16, 2000), default=31, show_default=True,
              help="支部个数")
@click.option("--seed", type=int, default=2011, show_default=True, help="随机种子（相同种子生成相同数据）")
@click.option("--committee", metavar="乡镇党委", default="德新镇党委", show_default=True,
              help="示例乡镇的党委名称；换一个名称再生成一个乡镇，可以试一试县里的逐级汇总（rollup）")
@click.option("--prefix", metavar="编码前缀", default="DX", show_default=True, help="支部编码的前缀，如 GH")
@click.option("--quarters", type=click.IntRange(1, 2), default=2, show_default=True,
              help="季度数：2 为两个季度的日常流程（按上季度预填下发、与上季度比较、按督导组分发问题清单）")
def demo(folder: Path, n_branches: int, seed: int, committee: str, prefix: str, quarters: int) -> None:
    """生成一个示例乡镇：支部名单和各支部填好的报表（含几处常见填报错误），然后运行检查和汇总；
    默认再演示下一季度：按上季度报表预填下发、支部报回、与上季度比较、按督导组分发问题清单。"""
    if quarters > 1:
        click.echo("正在生成两个季度的示例并检查、汇总，请稍候……", err=True)
    try:
        d = make_demo(folder, n_branches=n_branches, seed=seed, committee=committee, prefix=prefix,
                      quarters=quarters)
    except DemoRefused as exc:
        _fail(str(exc))
    click.echo(f"示例乡镇已生成：{d.folder}")
    click.echo(f"  支部名单：{d.registry}")
    click.echo(f"  收件箱：  {d.inbox}（{len(d.files)} 个支部报表，另有重复报送、锁文件等）")
    click.echo("")
    if d.summary is None:
        run = run_aggregate(d.inbox, d.registry, folder=d.folder)
        summary, path, reports = run.summary, run.path, write_reports(run.path, d.folder)
    else:
        summary, path, reports = d.summary, d.result, d.reports
    _headline(summary, path, _detail_beside(path))
    _said_reports(reports)
    click.echo(f"收件登记：{register_path(d.inbox)}（收到的每个文件、替换和整改情况、各支部状态）")
    q = d.next
    if q is None:
        click.echo("")
        click.echo(f"逐条查看问题：cxzy check {d.inbox} --registry {d.registry}")
        return
    click.echo("")
    click.echo(f"下一季度（{period_label(q.period)}）：{q.folder}")
    click.echo(f"  支部名单：{q.registry}（报告期和报送截止日期已改为本季度）")
    click.echo(f"  下发：    {q.templates}（按上季度报表预填的填报表，浅绿色底的内容请支部核对更新）")
    click.echo(f"  收件箱：  {q.inbox}（{len(q.files)} 个支部更新后报回的报表）")
    click.echo(f"  督导组问题清单：{q.groups}（每个督导组一份）")
    click.echo(f"  收件登记：{register_path(q.inbox)}（收到的每个文件、替换和整改情况、各支部状态）")
    click.echo("")
    _headline(q.summary, q.result, _detail_beside(q.result))
    _said_reports(q.reports)
    click.echo("")
    click.echo("接着试一试：")
    click.echo(f"  逐条查看本季度问题（与上季度比较，按督导组分发问题清单）：\n"
               f"    cxzy check {q.inbox} --registry {q.registry} --previous {d.result} --by-group {q.groups}")
    click.echo(f"  按上季度报表预填本季度的填报表（即上面的“下发”）：\n"
               f"    cxzy template --registry {q.registry} --from {d.inbox} -o 下发")


if __name__ == "__main__":  # pragma: no cover
    main()
