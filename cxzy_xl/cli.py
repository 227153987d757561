"""The `cxzy` command: thin click wrappers around the library's public functions."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .read import Unreadable, read_registry
from .templates import write_branch_templates, write_branch_workbook, write_registry

TEMPLATE_FILE = "支部填报表.xlsx"
REGISTRY_FILE = "支部名单.xlsx"


def _fail(message: str) -> None:
    click.echo(f"错误：{message}", err=True)
    sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cxzy_xl")
def main() -> None:
    """创先争优报表工具：生成支部填报表，检查、汇总各支部报送的表格，逐级上报。"""


@main.command()
@click.option("-o", "--output", "outdir", type=click.Path(file_okay=False, path_type=Path), default=".",
              show_default=True, help="输出文件夹")
@click.option("--registry", type=click.Path(path_type=Path), help="支部名单.xlsx：为名单中每个支部生成预填好的填报表")
@click.option("--period", help="报告期，如 2011年第二季度（默认取支部名单“设置”中的报告期）")
def template(outdir: Path, registry: Path | None, period: str | None) -> None:
    """生成空白支部填报表和空白支部名单；给出 --registry 时，为每个支部生成预填好的填报表。"""
    if registry is None:
        paths = [write_branch_workbook(outdir / TEMPLATE_FILE), write_registry(outdir / REGISTRY_FILE)]
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
        paths = write_branch_templates(outdir, reg.branches, reg.settings.committee, use_period)
    for p in paths:
        click.echo(str(p))
    click.echo(f"共生成 {len(paths)} 个文件。", err=True)


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), default="cxzy-demo")
@click.option("--branches", "n_branches", type=click.IntRange(16, 2000), default=31, show_default=True,
              help="支部个数")
@click.option("--seed", type=int, default=2011, show_default=True, help="随机种子（相同种子生成相同数据）")
def demo(folder: Path, n_branches: int, seed: int) -> None:
    """生成一个示例乡镇：支部名单和各支部填好的报表（含几处常见填报错误），然后运行检查和汇总。"""
    from .demo import make_demo

    d = make_demo(folder, n_branches=n_branches, seed=seed)
    click.echo(f"示例乡镇已生成：{d.folder}")
    click.echo(f"  支部名单：{d.registry}")
    click.echo(f"  收件箱：  {d.inbox}（{len(d.files)} 个支部报表，另有重复报送、锁文件等）")


if __name__ == "__main__":  # pragma: no cover
    main()
