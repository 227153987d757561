"""The result workbook (汇总表) as a format: its facts, reading one back, and the digest of 数据.

The one owner of what a result workbook holds beyond its sheets' looks: the writer (output.py)
takes the names, the figure tables, the meta and the digest from here; the roll-up, the comparison
with earlier quarters (``--previous``) and the written outputs read results only through here.

A result's figures are recomputed from its 数据 sheet, never taken from cells someone may have
edited: what an official sees and may edit is 支部汇总 (下级汇总 in a roll-up's result) and 分类汇总, not
数据; each is recomputed from 数据 and every cell that disagrees is a RESULT_EDITED warning at its
cell. 数据 itself is checked against the digest the writer recorded in _meta. "Equal" means counts
exactly and every other figure to the 15 significant digits spreadsheet programs keep (a result
re-saved by LibreOffice keeps 15).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import numbers
import os
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from . import schema
from .aggregate import (
    BASE_COLUMNS,
    FIGURE,
    FIGURE_BASE,
    FIGURES,
    LEFT_OUT_COLUMNS,
    NEW_IN_1_2,
    summarise,
    unit_rows,
)
from .files import safe_filename
from .findings import Code, Finding, Severity, make
from .history import with_rank
from .model import ChildResult, FileResult, Previous, PreviousError, RollupError, Summary
from .normalize import is_blank, is_missing, period_end, period_label
from .read import RawBook, RawSheet, Unreadable, a1, load_book
from .schema import DATA_ID, PREV_RANK, PREV_SCORE, Settings
from .tallies import LATE_COUNT, TALLY_COLUMNS, TALLY_SHEET
from .vanished import detail_rows

_SEVERITY_BY_LABEL = {s.label: s for s in Severity}
# 数据's base columns every result has had (contract 1); those added since read as 0 when absent
CONTRACT_1_BASE = tuple(c for c in FIGURE_BASE if c not in NEW_IN_1_2)
REL_15 = 1e-14  # two figures within this of each other agree to 15 significant digits


FINDING_KIND = "问题类型"  # contract 1.2: the code's Chinese name, before the stable 代码
FINDING_HEADERS = ("序号", schema.CODE_COL, "文件", "工作表", "单元格", "类别", FINDING_KIND, "代码", "问题及修改要求",
                   "填写内容")
# what a result's 问题清单 must have to be read back: results written before 1.2 have no 问题类型
FINDING_READ = tuple(h for h in FINDING_HEADERS if h != FINDING_KIND)


def figure_rows(df: pd.DataFrame, total: pd.DataFrame | None) -> list[list[Any]]:
    """The body of a figure table (支部汇总, 下级汇总, 分类汇总) as written: one row per row of ``df``,
    then the 合计 row. The roll-up recomputes these from 数据 to find cells edited since."""
    cols = list(df.columns)
    rows = [list(r) for r in df.itertuples(index=False)]
    if total is not None and len(total):
        trow = total.iloc[0]
        rows.append(["合计", *(trow[col] if col in total.columns else None for col in cols[1:])])
    return rows


def figure_tables(by_branch: pd.DataFrame | None, by_unit: pd.DataFrame | None, by_type: pd.DataFrame,
                  total: pd.DataFrame) -> list[tuple[str, pd.DataFrame, pd.DataFrame, int]]:
    """The result's figure sheets: (name, rows, 合计, columns repeated when printed)."""
    first = (schema.ROLLUP_CHILD_SHEET, by_unit, total, 1) if by_unit is not None else \
        (schema.BRANCHES_SHEET, by_branch if by_branch is not None else pd.DataFrame(), total, 2)
    return [first, (schema.TYPES_SHEET, by_type[by_type["党组织类型"] != "合计"], total, 1)]


def result_filename(summary: Summary) -> str:
    """``<所属党委>创先争优汇总_<报告期>.xlsx``, made safe (所属党委 comes from a cell)."""
    unit = summary.unit or "汇总"
    period = period_label(summary.period) if summary.period else "未知报告期"
    return safe_filename(f"{unit}创先争优汇总_{period}")


def meta_dates(settings: Settings) -> dict[str, str]:
    """设置's deadlines, which the written outputs (report.py) quote and 数据 cannot give."""
    dates = {"deadline": settings.deadline, "mobilised_by": settings.mobilised_by}
    return {k: v.isoformat() for k, v in dates.items() if v is not None}


def previous_meta(summary: Summary) -> str:
    """What the last earlier result said, as the written outputs need it once this result travels
    without it: its period, 应报/未报, its totals' base columns (every headline figure is recomputed
    from them, as from 数据) and each row's 综合得分 and 排名 (下级汇总's units in a roll-up)."""
    last = summary.previous[-1]
    s = last.summary
    # only what that result had: a column an older one lacked (read as 0) is not a 0 to compare with
    sums = s.base[[c for c in (*FIGURE_BASE, LATE_COUNT) if c in s.base.columns and c not in s.absent]]
    sums = sums.astype("float64").sum()
    rows = summary.by_unit if summary.by_unit is not None else summary.by_branch
    key = "单位名称" if summary.by_unit is not None else schema.CODE_COL
    ranks = []
    if rows is not None and PREV_RANK in getattr(rows, "columns", ()):
        for k, score, rank in zip(rows[key], rows[PREV_SCORE], rows[PREV_RANK], strict=True):
            if not is_missing(rank):
                ranks.append([str(k), None if is_missing(score) else float(score), int(rank)])
    out = {"period": s.period, "label": last.label, "expected": int(s.expected), "missing": int(len(s.missing)),
           "total": {c: float(v) for c, v in sums.items()}, "ranks": ranks}
    text = json.dumps(out, ensure_ascii=False)
    if len(text) > 30000:  # a cell holds 32,767 characters; the ranks are also in 支部汇总's columns
        out["ranks"] = []
        text = json.dumps(out, ensure_ascii=False)
    return text


def canonical(value: Any) -> str:
    """A 数据 cell's value as the digest sees it, the same whichever program saved the file since:
    numbers to the 15 significant digits spreadsheet programs keep, text without surrounding spaces,
    empty cells empty."""
    if isinstance(value, str):
        return value.strip()
    if type(value) is float:  # most of 数据: the general path below gives the same, a call per cell slower
        if value != value or value in (math.inf, -math.inf):
            return ""
        text = f"{value:.15g}"
        return "0" if text == "-0" else text
    if value is None or is_missing(value):
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, numbers.Real):
        x = float(value)
        if not math.isfinite(x):
            return ""
        text = f"{x:.15g}"
        return "0" if text == "-0" else text
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value).strip()


def data_digest(rows: Iterable[Sequence[Any]]) -> str:
    """sha256 over 数据's rows (header included) as :func:`canonical` values; rows with nothing in
    them and empty cells at a row's end are left out, as programs may keep or drop them. The writer
    records it in _meta; the roll-up recomputes it from what it reads."""
    h = hashlib.sha256()
    for row in rows:
        cells = [canonical(v) for v in row]
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            h.update(("\x1f".join(cells) + "\x1e").encode("utf-8"))
    return h.hexdigest()


def data_rows(data: pd.DataFrame) -> Iterable[list[Any]]:
    """数据 as :func:`write_frame` writes it: the header, then numbers as floats and the rest as text."""
    yield list(data.columns)
    columns = []
    for col in data.columns:
        s = data[col]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            columns.append(s.to_numpy(dtype="float64", na_value=float("nan")).tolist())
        else:
            columns.append([None if is_missing(v) else str(v) for v in s.tolist()])
    yield from (list(r) for r in zip(*columns, strict=True))


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
    return open_result(path)[0]


def open_result(path: str | os.PathLike[str]) -> tuple[ChildResult, RawBook]:
    """:func:`read_result`, and the workbook's sheets as read (for what else a reader takes from it:
    the detail sheets, 督导组汇总), the file read once."""
    path = Path(path)
    try:
        book = load_book(path)
    except Unreadable as exc:
        raise RollupError(f"{path.name}：{exc}") from exc
    meta = book.meta
    if meta.get("template_id") != schema.RESULT_ID:
        kind = schema.WORKBOOK_KINDS.get(meta.get("template_id", ""))
        what = f"这是{kind}" + ("，请用它旁边的汇总表" if kind == "明细表" else "") if kind else "不是由本工具生成的汇总表"
        raise RollupError(f"{path.name} 不是创先争优汇总表（{what}），不能用于逐级汇总")
    if meta.get("template_version") != str(schema.VERSION):
        raise RollupError(f"{path.name} 的汇总表版本为{meta.get('template_version')}，本工具只能汇总第{schema.VERSION}版")
    unit = meta.get("unit") or path.stem
    data = book.sheet(schema.RESULT_DATA_SHEET)
    if data is None:
        raise RollupError(f"{path.name} 缺少“{schema.RESULT_DATA_SHEET}”工作表，不能用于逐级汇总")
    base = _table(data.rows, schema.RESULT_DATA_SHEET, (*DATA_ID, *CONTRACT_1_BASE))
    for c in DATA_ID:
        base[c] = base[c].map(lambda v: "" if is_blank(v) else str(v))
    _refuse_text_in_data(data, path.name)
    # A result written before the 分项统计 counts existed (contract 1) rolls up all the same: its
    # figures are complete, only those counts are missing and count 0, which the office is told once.
    older = [c for c in TALLY_COLUMNS if c not in base.columns]
    # Before contract 1.2 nothing was left out of a figure: those counts are 0.
    absent = older + [c for c in (*FIGURE_BASE, *LEFT_OUT_COLUMNS) if c not in base.columns and c not in older]
    if absent:
        base = pd.concat([base, pd.DataFrame(0.0, index=base.index, columns=absent)], axis=1)
    for c in BASE_COLUMNS:
        base[c] = pd.to_numeric(base[c], errors="coerce").fillna(0).astype("float64")
    findings: list[Finding] = [*_check_digest(data, meta, path.name),
                               *_check_figures(book, base, meta, int(meta.get("level") or 1), path.name, absent)]
    if older:
        findings.append(make(Code.SKIPPED, path.name, sheet=schema.RESULT_DATA_SHEET, detail=(
            f"{unit}的汇总表是旧版本，“{schema.RESULT_DATA_SHEET}”工作表中没有{TALLY_SHEET}所需的数据"
            f"（评选表彰、组织建设、党员结构、报送情况等），本次汇总的{TALLY_SHEET}未计入该单位；"
            "请该单位用新版本重新生成汇总表后再汇总")))
    problems = book.sheet(schema.FINDINGS_SHEET)
    if problems is not None:
        for _, row in _table(problems.rows, schema.FINDINGS_SHEET, FINDING_READ).iterrows():
            code = Code.__members__.get(str(row["代码"]))
            if code is None:
                continue
            findings.append(Finding(
                code=code, file=f"{unit}/{row['文件'] or ''}", text=str(row["问题及修改要求"] or "") or code.kind,
                severity=_SEVERITY_BY_LABEL.get(str(row["类别"]), code.severity),
                branch_code=_text(row[schema.CODE_COL]), sheet=_text(row["工作表"]), cell=_text(row["单元格"]),
                value=_text(row["填写内容"])))
    chase = book.sheet(schema.MISSING_SHEET)
    cols = schema.MISSING_COLUMNS
    missing = _table(chase.rows, schema.MISSING_SHEET, cols) if chase is not None else pd.DataFrame(columns=list(cols))
    # a row of a missing branch has its code and name; the sheet's note (“应报送的支部均已报送。”) has neither
    if len(missing):
        missing = missing[missing[schema.CODE_COL].map(lambda v: not is_blank(v))
                          & missing["党组织名称"].map(lambda v: not is_blank(v))]
    for c in missing.columns:
        missing[c] = missing[c].map(_text)
    if "单位名称" not in missing.columns:
        missing.insert(0, "单位名称", unit)
    return ChildResult(path, unit, meta.get("report_period", ""), int(meta.get("level") or 1),
                       int(float(meta.get("expected") or 0)), base, findings, missing, tallies=not older,
                       absent=tuple(absent)), book


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
                   file: str, absent: Sequence[str] = ()) -> list[Finding]:
    """Each visible figure sheet against what its writer would write from 数据; the figures of base
    columns an older 数据 did not have are not looked for."""
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
            by_unit = unit_rows(parts)
    out: list[Finding] = []
    newer = [f.name for f in FIGURES if set(f.base) & set(absent)]
    for name, df, tot, _ in figure_tables(by_branch, by_unit, by_type, total):
        if by_unit is not None and by_unit.empty and name == schema.ROLLUP_CHILD_SHEET:
            continue
        df = df.drop(columns=[c for c in newer if c in df.columns])
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
    # a column added since (one that says nothing for this result) is not an edit
    said = {col for c, col in enumerate(cols) if any(not _is_blank_figure(row[c]) and row[c] != "" for row in expected)}
    out = [_edited(file, name, f"“{name}”工作表缺少“{col}”列") for col in cols if col not in at and col in said]
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
                                   branch_code=want[e] if key == schema.CODE_COL else ""))
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
    if _is_blank_figure(wanted):  # an unranked branch's 排名 reads 待核实
        return _is_blank_figure(cell) or _text(cell).strip() in ("", schema.UNVERIFIED)
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


def recorded_requirements(book: RawBook) -> pd.DataFrame | None:
    """The 整改要求 a 汇总表 recorded (its hidden :data:`~cxzy_xl.schema.RECTIFY_SHEET`), or None for a
    result written before they were (or with the sheet's header edited)."""
    raw = book.sheet(schema.RECTIFY_SHEET)
    if raw is None or not raw.rows:
        return None
    header = ["" if h is None else str(h) for h in raw.rows[0]]
    if any(c not in header for c in schema.RECTIFY_COLUMNS):
        return None
    at = {c: header.index(c) for c in schema.RECTIFY_COLUMNS}
    rows = [{c: (r[i] if i < len(r) else None) for c, i in at.items()} for r in raw.rows[1:]
            if any(v not in (None, "") for v in r)]
    df = pd.DataFrame(rows, columns=list(schema.RECTIFY_COLUMNS))
    for c in schema.RECTIFY_COLUMNS:
        if c in ("当时", "全镇", "本期"):
            df[c] = pd.to_numeric(df[c].map(lambda v: None if v in ("", None) else v), errors="coerce")
        else:
            df[c] = df[c].map(lambda v: "" if v is None else v.isoformat()[:10] if isinstance(v, dt.date) else str(v))
    return df


def kept_sheet(book: RawBook, sheet: str) -> RawSheet | None:
    """The rows of a branch table a result keeps for later runs: its hidden sheet (schema.KEPT), or in a
    result written before the 明细表 was split off, its detail sheet of the same name."""
    k = schema.KEPT_SHEET.get(sheet)
    hidden = book.sheet(k.name) if k is not None else None
    if hidden is None:
        return book.sheet(sheet)
    return _unpacked(hidden) if k is not None and k.packed else hidden


def _unpacked(raw: RawSheet) -> RawSheet:
    """A packed hidden sheet (schema.Kept.packed) as one row per packed value: 党组织编码 and 党组织名称
    repeated, every other cell split at its line breaks."""
    if not raw.rows:
        return raw
    header = raw.rows[0]
    whole = {c for c, h in enumerate(header) if h in (schema.CODE_COL, schema.NAME_COL)}
    rows: list[list[Any]] = [list(header)]
    for row in raw.rows[1:]:
        cells = [("" if is_blank(v) else str(v)) for v in row] + [""] * (len(header) - len(row))
        parts = {c: cells[c].split(schema.PACKED_SEPARATOR) for c in range(len(header)) if c not in whole}
        n = max((len(p) for p in parts.values()), default=0)
        if not any(cells):
            continue
        for i in range(n):
            rows.append([cells[c] if c in whole else (parts[c][i] if i < len(parts[c]) else "")
                         for c in range(len(header))])
    return RawSheet(raw.name, rows)


def read_previous(path: str | os.PathLike[str]) -> Previous:
    """Read an earlier result workbook (a township's 汇总表 or a roll-up's). Raises
    :class:`PreviousError` when it is not one or cannot be read."""
    p = Path(path)
    try:
        child, book = open_result(p)
    except RollupError as exc:
        raise PreviousError(f"上期汇总表 {p.name} 无法使用：{exc}") from exc
    summary = summary_of(child, book.meta)
    details = {}
    if child.level == 1:
        summary = replace(summary, requirements=recorded_requirements(book))
        for v in schema.VANISHED:
            raw = kept_sheet(book, v.sheet)
            details[v.sheet] = None if raw is None else detail_rows(raw, schema.BRANCH_SHEET[v.sheet], v)
    return Previous(p, summary, details)


def summary_of(child: ChildResult, meta: dict[str, str]) -> Summary:
    """A result workbook's Summary (``child``: :class:`cxzy_xl.rollup.ChildResult`), every figure
    recomputed from its 数据 and graded with the thresholds its ``_meta`` recorded; a roll-up's
    下级汇总 with 排名; its 问题清单 as the findings."""
    settings = replace(_settings(meta) or schema.Settings(), period=child.period, committee=child.unit)
    by_branch, by_type, total = summarise(child.base, settings)
    by_unit = None
    if child.level > 1:
        parts = _segments(child.base, meta, child.level)
        by_unit = with_rank(unit_rows(parts)) if parts else None
    return Summary(by_branch=by_branch, by_type=by_type, total=total, base=child.base, settings=settings,
                   absent=child.absent,
                   findings=list(child.findings), missing=child.missing, expected=child.expected, by_unit=by_unit,
                   level=child.level, unit=child.unit)


def read_previous_all(paths: Iterable[str | os.PathLike[str] | Previous], period: str = "") -> list[Previous]:
    """Several earlier results, oldest first. Each must be of an earlier report period than ``period``
    (when known) and no two of the same period: a mix-up the office is told of, not a comparison
    with the wrong quarter."""
    out = [p if isinstance(p, Previous) else read_previous(p) for p in paths]
    seen: dict[str, Previous] = {}
    for prev in out:
        if period and prev.period and period_end(prev.period) >= period_end(period):
            raise PreviousError(f"上期汇总表 {prev.path.name} 的报告期是{prev.label}，不早于本期"
                                f"{period_label(period)}，请核对是否选错了文件")
        if prev.period in seen:
            raise PreviousError(f"{prev.path.name} 与 {seen[prev.period].path.name} 是同一报告期（{prev.label}）"
                                "的汇总表，请只保留一份")
        seen[prev.period] = prev
    return sorted(out, key=lambda p: period_end(p.period) if p.period else dt.date.min)


__all__ = ["FINDING_HEADERS", "FINDING_KIND", "canonical", "data_digest", "data_rows", "figure_rows", "figure_tables", "kept_sheet", "meta_dates",
           "previous_meta", "read_child", "open_result", "read_previous", "recorded_requirements", "read_previous_all", "read_result", "result_filename",
           "summary_of"]
