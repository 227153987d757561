"""Roll-up: the county over the townships' result workbooks, a city over the counties'.

Each child result workbook carries, in its 数据 sheet, one row per branch with the additive base
columns. The roll-up concatenates those rows and recomputes every figure from them, so its figures
equal what aggregating all the branches at once would give: rates are never averaged. "Equal" means
counts exactly and every other figure to the 15 significant digits spreadsheet programs keep (a
result re-saved by LibreOffice keeps 15).

What an official sees and may edit is 支部汇总 (下级汇总 in a roll-up's result) and 分类汇总, not 数据:
each is recomputed from 数据 and every cell that disagrees is a RESULT_EDITED warning at its cell. 数据
itself is checked against the digest the writer recorded in _meta. The roll-up always goes by 数据.

Children are read in the isolated worker processes branch files are read in: a child that cannot be
read, or takes its reader down, costs only its own FILE_UNREADABLE finding.
"""

from __future__ import annotations

import json
import math
import numbers
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from . import schema
from .aggregate import BASE_COLUMNS, FIGURE, FIGURE_BASE, GROUP_FIGURES, Summary, _group_sum, figures, summarise
from .batch import read_files_isolated
from .checks import FileResult
from .findings import Code, Finding, Severity, make
from .history import Previous, PreviousError, compared, read_previous_all
from .normalize import is_blank, period_label
from .output import DATA_ID, FINDING_HEADERS, data_digest, figure_rows, figure_tables
from .read import RawBook, RawSheet, Unreadable, a1, load_book
from .schema import Settings
from .tallies import TALLY_COLUMNS, TALLY_SHEET

_SEVERITY_BY_LABEL = {s.label: s for s in Severity}
REL_15 = 1e-14  # two figures within this of each other agree to 15 significant digits


class RollupError(Exception):
    """Nothing to roll up, or a refusal (mixed periods, one unit twice); the message is for the office
    (Chinese). :func:`read_result` raises it for a child it cannot read."""


@dataclass
class ChildResult:
    path: Path
    unit: str
    period: str
    level: int
    expected: int
    base: pd.DataFrame
    findings: list[Finding]  # RESULT_EDITED first, then the child's own 问题清单
    missing: pd.DataFrame
    tallies: bool = True  # False: written before 数据 had the 分项统计 columns (they read as 0)


def _table(rows: list[list[Any]], name: str, required: tuple[str, ...]) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame(columns=list(required))
    header = [str(h).strip() if not is_blank(h) else "" for h in rows[0]]
    missing = [c for c in required if c not in header]
    if missing:
        raise RollupError(f"“{name}”工作表缺少列：{'、'.join(missing)}")
    body = [r + [None] * (len(header) - len(r)) for r in rows[1:] if any(not is_blank(v) for v in r)]
    df = pd.DataFrame([r[: len(header)] for r in body], columns=header)
    return df.loc[:, [c for c in header if c]]


def read_result(path: str | os.PathLike[str]) -> ChildResult:
    """Read a result workbook written by :func:`cxzy_xl.output.write_result`."""
    path = Path(path)
    try:
        book = load_book(path)
    except Unreadable as exc:
        raise RollupError(f"{path.name}：{exc}") from exc
    meta = book.meta
    if meta.get("template_id") != schema.RESULT_ID:
        what = "这是支部填报表" if meta.get("template_id") == schema.TEMPLATE_ID else "不是由本工具生成的汇总表"
        raise RollupError(f"{path.name} 不是创先争优汇总表（{what}），不能用于逐级汇总")
    if meta.get("template_version") != str(schema.VERSION):
        raise RollupError(f"{path.name} 的汇总表版本为{meta.get('template_version')}，本工具只能汇总第{schema.VERSION}版")
    unit = meta.get("unit") or path.stem
    data = book.sheet(schema.RESULT_DATA_SHEET)
    if data is None:
        raise RollupError(f"{path.name} 缺少“{schema.RESULT_DATA_SHEET}”工作表，不能用于逐级汇总")
    base = _table(data.rows, schema.RESULT_DATA_SHEET, (*DATA_ID, *FIGURE_BASE))
    for c in DATA_ID:
        base[c] = base[c].map(lambda v: "" if is_blank(v) else str(v))
    _refuse_text_in_data(data, path.name)
    # A result written before the 分项统计 counts existed (contract 1) rolls up all the same: its
    # figures are complete, only those counts are missing and count 0, which the office is told once.
    older = [c for c in TALLY_COLUMNS if c not in base.columns]
    if older:
        base = pd.concat([base, pd.DataFrame(0.0, index=base.index, columns=older)], axis=1)
    for c in BASE_COLUMNS:
        base[c] = pd.to_numeric(base[c], errors="coerce").fillna(0).astype("float64")
    findings: list[Finding] = [*_check_digest(data, meta, path.name),
                               *_check_figures(book, base, meta, int(meta.get("level") or 1), path.name)]
    if older:
        findings.append(make(Code.SKIPPED, path.name, sheet=schema.RESULT_DATA_SHEET, detail=(
            f"{unit}的汇总表是旧版本，“{schema.RESULT_DATA_SHEET}”工作表中没有{TALLY_SHEET}所需的数据"
            f"（评选表彰、组织建设、党员结构、报送情况等），本次汇总的{TALLY_SHEET}未计入该单位；"
            "请该单位用新版本重新生成汇总表后再汇总")))
    problems = book.sheet(schema.FINDINGS_SHEET)
    if problems is not None:
        for _, row in _table(problems.rows, schema.FINDINGS_SHEET, FINDING_HEADERS).iterrows():
            code = Code.__members__.get(str(row["代码"]))
            if code is None:
                continue
            findings.append(Finding(
                code=code, file=f"{unit}/{row['文件'] or ''}", message=str(row["问题及修改要求"] or ""),
                severity=_SEVERITY_BY_LABEL.get(str(row["类别"]), code.severity),
                branch_code=_text(row["党组织编码"]), sheet=_text(row["工作表"]), cell=_text(row["单元格"]),
                value=_text(row["填写内容"])))
    chase = book.sheet(schema.MISSING_SHEET)
    cols = ("党组织编码", "党组织名称", "党组织类型", "书记姓名", "联系电话")
    missing = _table(chase.rows, schema.MISSING_SHEET, cols) if chase is not None else pd.DataFrame(columns=list(cols))
    # a row of a missing branch has its code and name; the sheet's note (“应报送的支部均已报送。”) has neither
    if len(missing):
        missing = missing[missing["党组织编码"].map(lambda v: not is_blank(v))
                          & missing["党组织名称"].map(lambda v: not is_blank(v))]
    for c in missing.columns:
        missing[c] = missing[c].map(_text)
    if "单位名称" not in missing.columns:
        missing.insert(0, "单位名称", unit)
    return ChildResult(path, unit, meta.get("report_period", ""), int(meta.get("level") or 1),
                       int(float(meta.get("expected") or 0)), base, findings, missing, tallies=not older)


def _text(v: Any) -> str:
    if is_blank(v):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _number(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, numbers.Real):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v.strip().replace(",", ""))
        except ValueError:
            return None
    return None


def _refuse_text_in_data(data: RawSheet, file: str) -> None:
    header = [_text(h).strip() for h in (data.rows[0] if data.rows else [])]
    where = [header.index(c) for c in BASE_COLUMNS if c in header]
    for r, row in enumerate(data.rows[1:], start=1):
        for c in where:
            v = row[c] if c < len(row) else None
            if not is_blank(v) and _number(v) is None:
                raise RollupError(f"{file} 的“{schema.RESULT_DATA_SHEET}”工作表{a1(r, c)}应为数字，现为“{v}”，"
                                  "不能用于逐级汇总")


# --- edits since the result was written -------------------------------------------------------

def _edited(file: str, sheet: str, detail: str, *, cell: str = "", column: str = "", value: Any = "",
            branch_code: str = "") -> Finding:
    return make(Code.RESULT_EDITED, file, sheet=sheet, cell=cell, column=column, value=value, detail=detail,
                branch_code=branch_code)


def _check_digest(data: RawSheet, meta: dict[str, str], file: str) -> list[Finding]:
    """数据 against the digest its writer recorded; a result from before digests were recorded has none."""
    recorded = meta.get("data_digest", "")
    if not recorded or data_digest(data.rows) == recorded:
        return []
    name = schema.RESULT_DATA_SHEET
    return [_edited(file, name, f"“{name}”工作表在汇总表生成之后被修改过（与生成时记录的校验值不一致），"
                                "汇总按修改后的数据表计算")]


def _unit_rows(parts: list[tuple[str, pd.DataFrame]]) -> pd.DataFrame:
    """下级汇总: one row per child unit, its figures recomputed from its branches' base rows."""
    rows = []
    for unit, base in parts:
        figs = figures(_group_sum(base, None))
        row: dict[str, Any] = {"单位名称": unit, "党组织数": len(base)}
        row.update({f.name: figs[f.name].iloc[0] for f in GROUP_FIGURES})
        rows.append(row)
    return pd.DataFrame(rows)


def _segments(base: pd.DataFrame, meta: dict[str, str], level: int) -> list[tuple[str, pd.DataFrame]] | None:
    """A roll-up's 数据 split back into its children: by the row counts the writer recorded, or, in a
    county result written before those were, by 单位名称 (the township); None when it cannot be told."""
    try:
        children = json.loads(meta["children"]) if meta.get("children") else None
    except ValueError:
        children = None
    if children and sum(int(n) for _, n in children) == len(base):
        parts, start = [], 0
        for unit, n in children:
            parts.append((str(unit), base.iloc[start:start + int(n)]))
            start += int(n)
        return parts
    if level == 2 and not meta.get("children"):
        return [(str(u), g) for u, g in base.groupby("单位名称", sort=False)]
    return None


def _settings(meta: dict[str, str]) -> Settings | None:
    """The grade thresholds the child was graded with, if it recorded them (等次 is checked only then)."""
    try:
        thresholds = json.loads(meta["grade_thresholds"]) if meta.get("grade_thresholds") else None
        return Settings(thresholds=tuple((str(n), float(t)) for n, t in thresholds)) if thresholds else None
    except (ValueError, TypeError):
        return None


def _check_figures(book: RawBook, base: pd.DataFrame, meta: dict[str, str], level: int,
                   file: str) -> list[Finding]:
    """Each visible figure sheet against what its writer would write from 数据."""
    settings = _settings(meta)
    by_branch, by_type, total = summarise(base, settings or Settings())
    if settings is None:
        by_branch = by_branch.drop(columns=["等次"])
    by_unit = None
    if level > 1:
        parts = _segments(base, meta, level)
        if parts is None:
            by_unit = pd.DataFrame()
        else:
            by_unit = _unit_rows(parts)
    out: list[Finding] = []
    for name, df, tot, _ in figure_tables(by_branch, by_unit, by_type, total):
        if by_unit is not None and by_unit.empty and name == schema.ROLLUP_CHILD_SHEET:
            continue
        out += _compare(book.sheet(name), name, list(df.columns), figure_rows(df, tot), file)
    return out


def _compare(raw: RawSheet | None, name: str, cols: list[str], expected: list[list[Any]], file: str) -> list[Finding]:
    if raw is None:
        return [_edited(file, name, f"“{name}”工作表已被删除")]
    key = cols[0]
    header_at = next((r for r, row in enumerate(raw.rows[:10])
                      if key in [_text(v).strip() for v in row]), None)
    if header_at is None:
        return [_edited(file, name, f"“{name}”工作表的表头“{key}”已被改动或删除，无法与数据表核对")]
    heads = [_text(v).strip() for v in raw.rows[header_at]]
    at = {h: c for c, h in reversed(list(enumerate(heads))) if h}
    out = [_edited(file, name, f"“{name}”工作表缺少“{col}”列") for col in cols if col not in at]
    seen = [(r, row) for r, row in enumerate(raw.rows[header_at + 1:], start=header_at + 1)
            if any(not is_blank(v) for v in row)]
    key_col = at[key]

    def key_of(row: list[Any]) -> str:
        return _text(row[key_col] if key_col < len(row) else None).strip()

    want = [_text(row[0]).strip() for row in expected]
    have = [key_of(row) for _, row in seen]
    if len(set(want)) == len(want) and len(set(have)) == len(have):
        by_key = {k: i for i, k in enumerate(have)}
        pairs = [(e, by_key.get(k)) for e, k in enumerate(want)]
    else:  # keys repeat (branches without a code): row by row
        pairs = [(e, e if e < len(seen) else None) for e in range(len(want))]
    matched = {i for _, i in pairs if i is not None}
    for e, i in pairs:
        if i is None:
            out.append(_edited(file, name, f"“{name}”工作表中“{want[e]}”一行已被删除"))
            continue
        r, row = seen[i]
        for c, col in enumerate(cols):
            if col not in at:
                continue
            cell = row[at[col]] if at[col] < len(row) else None
            wanted = expected[e][c]
            if not _same(cell, wanted):
                ref = a1(r, at[col])
                out.append(_edited(file, name, f"{name}!{ref} 与数据表不一致：{_shown(cell, wanted, col)}，"
                                               "该表可能被手工修改，汇总按数据表计算",
                                   cell=ref, column=col, value=_text(cell),
                                   branch_code=want[e] if key == "党组织编码" else ""))
    for i, (r, row) in enumerate(seen):
        if i not in matched:
            out.append(_edited(file, name, f"{name}!{a1(r, key_col)} 所在的一行（“{key_of(row)}”）不在数据表中，"
                                           "该表可能被手工修改，汇总按数据表计算", cell=a1(r, key_col)))
    return out


def _is_blank_figure(v: Any) -> bool:
    if is_blank(v):
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _same(cell: Any, wanted: Any) -> bool:
    """Counts exactly, other figures to 15 significant digits, text without surrounding spaces."""
    if _is_blank_figure(wanted):
        return _is_blank_figure(cell) or _text(cell).strip() == ""
    if isinstance(wanted, str):
        return _text(cell).strip() == wanted.strip()
    x, w = _number(cell), float(wanted)
    if x is None:
        return False
    if w.is_integer():
        return x == w
    return math.isclose(x, w, rel_tol=REL_15, abs_tol=0.0)


def _shown(cell: Any, wanted: Any, col: str) -> str:
    """“what the cell holds ≠ what 数据 gives”, with as many digits as it takes to tell them apart."""
    rate = col in FIGURE and FIGURE[col].kind == "rate"

    def show(v: Any, digits: int) -> str:
        if _is_blank_figure(v) or (isinstance(v, str) and not v.strip()):
            return "（空）"
        x = _number(v)
        if x is None or isinstance(wanted, str):
            return _text(v).strip()
        return f"{x * 100:.{digits}g}%" if rate else f"{x:.{digits}g}"

    for digits in (4, 6, 10, 15):
        a, b = show(cell, digits), show(wanted, digits)
        if a != b:
            break
    return f"{a} ≠ {b}"


def rollup(paths: list[str | os.PathLike[str]], unit: str = "", allow_mixed_periods: bool = False,
           settings: Settings | None = None, *, isolate: bool = True,
           progress: Callable[[int, int], None] | None = None,
           reader: Callable[[str, str], ChildResult | FileResult] | None = None,
           previous: Sequence[str | os.PathLike[str] | Previous] = ()) -> Summary:
    """Roll result workbooks up one level; ``previous``: this level's earlier results, to show each
    unit beside last time (上期综合得分, 上期排名, 排名变化) and the totals' 环比.

    Each child is read by ``reader`` (:func:`read_child`) in an isolated worker process (in this one
    with ``isolate=False``); a child that cannot be read is a FILE_UNREADABLE finding and the others
    roll up. Raises :class:`RollupError` when no child can be read, when two children are the same
    unit, or (unless ``allow_mixed_periods``) when their report periods differ."""
    if not paths:
        raise RollupError("没有指定下级汇总表")
    tasks = [(str(p), Path(p).name) for p in paths]
    fn = reader or read_child
    read = read_files_isolated(tasks, progress=progress, fn=fn) if isolate else [fn(*t) for t in tasks]  # type: ignore[arg-type]
    children = [c for c in read if isinstance(c, ChildResult)]
    lost = [f for r in read if isinstance(r, FileResult) for f in r.findings]
    if not children:
        raise RollupError("；".join(_why(f) for f in lost) or "没有可以汇总的下级汇总表")
    seen: dict[str, Path] = {}
    for child in children:
        if child.unit in seen:
            raise RollupError(f"{child.path.name} 与 {seen[child.unit].name} 是同一单位（{child.unit}）的汇总表，请只保留一份")
        seen[child.unit] = child.path
    periods = sorted({c.period for c in children})
    if len(periods) > 1 and not allow_mixed_periods:
        listing = "；".join(f"{c.path.name}：{period_label(c.period) if c.period else '未知'}" for c in children)
        raise RollupError(f"下级汇总表的报告期不一致（{listing}），请核对；确需合并请加 --allow-mixed-periods")
    settings = settings or Settings()
    settings.period = settings.period or (periods[0] if len(periods) == 1 else "")
    settings.committee = unit or settings.committee or "汇总"
    base = pd.concat([c.base for c in children], ignore_index=True)
    _, by_type, total = summarise(base, settings)
    by_unit = _unit_rows([(c.unit, c.base) for c in children])
    missing = pd.concat([c.missing for c in children], ignore_index=True)
    findings = lost + [f for c in children for f in c.findings]
    summary = Summary(by_branch=pd.DataFrame(), by_type=by_type, total=total, base=base, settings=settings,
                      findings=findings, missing=missing, expected=sum(c.expected for c in children),
                      by_unit=by_unit, level=max(c.level for c in children) + 1, unit=settings.committee)
    try:
        earlier = read_previous_all(previous, settings.period)
    except PreviousError as exc:
        raise RollupError(str(exc)) from exc
    return compared(summary, earlier)


def _why(f: Finding) -> str:
    return f.message if f.file in f.message else f"{f.file}：{f.message}"


def read_child(path: str, file: str) -> ChildResult | FileResult:
    """:func:`read_result` for a worker process: never raises; a child that cannot be read comes back
    as a FileResult holding its FILE_UNREADABLE finding (what the worker pool gives for a lost one)."""
    try:
        return read_result(path)
    except RollupError as exc:
        detail = str(exc)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # noqa: BLE001 - pyo3's PanicException derives from BaseException
        detail = "文件内容异常，读取时出错，请用Excel打开检查后重新保存"
    return FileResult(path, file, readable=False, findings=[make(Code.FILE_UNREADABLE, file, detail=detail)])
