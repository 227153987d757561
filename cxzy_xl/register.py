"""The inbox register 收件登记.xlsx (TEMPLATE-SPEC.md 1.2, "Talking with branches"): beside the inbox,
never in it, the history an office keeps of its conversation with the branches.

Every version of every file the runs have seen (known by its SHA-256, so a corrected file saved under
the old name is a new version), when it first arrived, which version counts for a branch and which it
replaced, and per resubmission which errors and warnings were fixed, which remain and which are new.
Each branch's state this quarter (:data:`~cxzy_xl.schema.BRANCH_STATES`) is derived from it.

:func:`record` is pure (a register and a batch in, a new register out); :func:`update_register` is the
one place that touches the file, and it never loses it: one run at a time (a lock file beside it), an
atomic write, a register open in Excel saved beside and merged back next time, a damaged one kept aside
under a new name and rebuilt, a deleted one rebuilt from the inbox (only the history is lost).
"""

from __future__ import annotations

import datetime as dt
import numbers
import os
import shutil
import warnings
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import xlsxwriter
from filelock import FileLock, Timeout
from python_calamine import CalamineWorkbook

from . import schema
from .batch import COUNTED, NOT_COUNTED_REASONS
from .files import AUTHOR, OutputNotice, WriteRefused, atomic, inside, is_ours, meta_mark
from .findings import Code, Finding, Severity
from .model import Batch
from .schema import (
    BRANCH_STATES,
    CORRECTED,
    EXPLAINED_NOW,
    FIXED,
    HAS_ERRORS,
    NEW,
    NOT_IN,
    PASSED,
    REGISTER_HIDDEN,
    REGISTER_ID,
    REGISTER_NAME,
    REGISTER_SHEETS,
    REMAINING,
    RETURNED,
)

BRANCHES, FILES, CHANGES, PROBLEMS = REGISTER_SHEETS
TIME = "%Y-%m-%d %H:%M:%S"
LOCK_TIMEOUT = 120.0  # seconds another run may hold the register before this one goes on without it
COUNTS = ("报送版本数", "错误数", "警告数", "退回次数", "已改正", "仍存在", "新出现")
IN, GONE, REPLACED, LEFT = "计入", "未计入", "已被替换", "已不在收件箱"  # 收件登记's 登记状态
YES, NO = "是", "否"


def _empty(sheet: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="Int64" if c in COUNTS else "object") for c in REGISTER_SHEETS[sheet]})


@dataclass(frozen=True)
class Register:
    """The register's sheets as DataFrames (columns as :data:`~cxzy_xl.schema.REGISTER_SHEETS`)."""

    tables: dict[str, pd.DataFrame] = field(default_factory=lambda: {s: _empty(s) for s in REGISTER_SHEETS})

    def __getitem__(self, sheet: str) -> pd.DataFrame:
        return self.tables[sheet]

    def states(self, inbox: str, period: str) -> dict[str, str]:
        """党组织编码 → state, for the quarter ``period`` of the inbox named ``inbox``."""
        b = self[BRANCHES]
        b = b[(b["收件箱"] == inbox) & (b["报告期"] == period)]
        return dict(zip(b["党组织编码"], b["状态"], strict=True))

    def arrivals(self, inbox: str) -> dict[str, dt.datetime]:
        """摘要 → when that version first reached the inbox named ``inbox`` (for the duplicate rule)."""
        f = self[FILES]
        f = f[(f["收件箱"] == inbox) & (f["摘要"].fillna("") != "")]
        first = pd.to_datetime(f["首次收到"], format=TIME, errors="coerce")
        out: dict[str, dt.datetime] = {}
        for digest, when in zip(f["摘要"], first, strict=True):
            if pd.notna(when):
                out[digest] = min(out.get(digest, dt.datetime.max), when.to_pydatetime())
        return out


class RegisterDamaged(ValueError):
    """A register that cannot be read as ours; ``str(exc)`` says why (Chinese)."""


def register_path(inbox: str | os.PathLike[str]) -> Path:
    """Where an inbox's register lives: :data:`~cxzy_xl.schema.REGISTER_NAME` in the inbox's parent folder."""
    p = Path(inbox)
    return (p.parent if p.name not in ("", ".", "..") else p.resolve().parent) / REGISTER_NAME


def what_else(path: str | os.PathLike[str]) -> str:
    """What a file is when it is a readable workbook but not a register ("汇总表", "其他工作簿"…), or ""
    (no such file, a register, or a file that cannot be read at all: a damaged register, most likely)."""
    p = Path(path)
    if not p.is_file():
        return ""
    try:
        CalamineWorkbook.from_path(str(p))
    except Exception:  # noqa: BLE001 - unreadable: damaged, not something else
        return ""
    mark = meta_mark(p)
    return "" if mark == REGISTER_ID else schema.WORKBOOK_KINDS.get(mark, "其他工作簿")


def lock_path(path: str | os.PathLike[str]) -> Path:
    """The lock file beside a register that keeps two runs from writing it at once."""
    p = Path(path)
    return p.with_name(f".{p.name}.lock")


def inbox_key(inbox: str | os.PathLike[str]) -> str:
    """How the register names an inbox: its folder name (one register may serve several inboxes)."""
    return Path(inbox).resolve().name


# --- reading and merging ------------------------------------------------------------------------------

def read_register(path: str | os.PathLike[str]) -> Register:
    """The register at ``path``; an empty one when there is none. Raises :class:`RegisterDamaged` for a
    file that is not a register of ours or cannot be read."""
    p = Path(path)
    if not p.exists():
        return Register()
    try:
        sheets = pd.read_excel(p, sheet_name=None, engine="calamine", dtype=object, header=0)
    except Exception as exc:  # noqa: BLE001 - calamine's errors are many; all mean "damaged" here
        raise RegisterDamaged("文件已损坏，无法读取") from exc
    meta = sheets.get(schema.META_SHEET)
    if meta is None or meta.columns[:2].tolist() != ["template_id", REGISTER_ID]:
        raise RegisterDamaged("不是本工具的收件登记（缺少 _meta 标记）")
    tables = {}
    for sheet, columns in REGISTER_SHEETS.items():
        df = sheets.get(sheet)
        if df is None or any(c not in df.columns for c in columns):
            raise RegisterDamaged(f"缺少“{sheet}”工作表或其中的列")
        df = df.loc[:, list(columns)].copy()
        for c in columns:
            if c in COUNTS:
                df[c] = pd.to_numeric(df[c], errors="coerce").astype("Int64")
            else:
                df[c] = df[c].map(lambda v: "" if v is None or (isinstance(v, float) and v != v) else
                                  v.strftime(TIME) if isinstance(v, (dt.datetime, pd.Timestamp)) else str(v))
        tables[sheet] = df.reset_index(drop=True)
    return Register(tables)


def merge(a: Register, b: Register) -> Register:
    """Two copies of a register as one (a copy saved beside a locked register, a concurrent run): every
    version from both, with its earliest first arrival and its latest state; every state and change."""
    files = pd.concat([a[FILES], b[FILES]], ignore_index=True)
    key = ["收件箱", "文件", "摘要"]
    first = files.groupby(key, sort=False)["首次收到"].transform("min")
    files = files.assign(首次收到=first).sort_values("最近一次", kind="stable").drop_duplicates(key, keep="last")
    branches = pd.concat([a[BRANCHES], b[BRANCHES]], ignore_index=True).sort_values("更新于", kind="stable")
    branches = branches.drop_duplicates(["收件箱", "报告期", "党组织编码"], keep="last")
    changes = pd.concat([a[CHANGES], b[CHANGES]], ignore_index=True).drop_duplicates()
    problems = pd.concat([a[PROBLEMS], b[PROBLEMS]], ignore_index=True).drop_duplicates()
    return Register({FILES: files.reset_index(drop=True), BRANCHES: branches.reset_index(drop=True),
                     CHANGES: changes.reset_index(drop=True), PROBLEMS: problems.reset_index(drop=True)})


# --- recording a run (pure) -----------------------------------------------------------------------------

def position(f: Finding) -> str:
    """Where a finding is, as the register compares versions: its cell, else its row, else nothing."""
    return f.cell or (f"第{f.row}行" if f.row else "")


def _problems(findings: Iterable[Finding], digest_of: Mapping[str, str]) -> pd.DataFrame:
    rows = [{"摘要": digest_of[f.file], "严重程度": f.severity.value, "代码": f.code.name, "问题类型": f.code.kind,
             "工作表": f.sheet, "位置": position(f), "说明": f.message}
            for f in findings if f.file in digest_of and (f.severity is not Severity.INFO or f.code is Code.EXPLAINED)]
    return pd.DataFrame(rows, columns=list(REGISTER_SHEETS[PROBLEMS]))


def compare(before: pd.DataFrame, after: pd.DataFrame) -> list[tuple[str, dict[str, str]]]:
    """What a resubmission did: (结果, problem row) for each error or warning of ``before`` (fixed,
    explained or remaining) and each of ``after`` that ``before`` did not have (new). Problems are the
    same when their code, sheet and position are (a row inserted above moves them: they count as fixed
    and new)."""
    def key(r: Mapping[str, str]) -> tuple[str, str, str]:
        return r["代码"], r["工作表"], r["位置"]

    old = [r for r in before.to_dict("records") if r["代码"] != Code.EXPLAINED.name]
    new = [r for r in after.to_dict("records") if r["代码"] != Code.EXPLAINED.name]
    explained = {(r["工作表"], r["位置"]) for r in after.to_dict("records") if r["代码"] == Code.EXPLAINED.name}
    now = {key(r) for r in new}
    was = {key(r) for r in old}
    out: list[tuple[str, dict[str, str]]] = []
    for r in old:
        out.append((REMAINING if key(r) in now else EXPLAINED_NOW if (r["工作表"], r["位置"]) in explained else FIXED, r))
    out.extend((NEW, r) for r in new if key(r) not in was)
    return out


def _state(row: Mapping[str, object] | None, returned_before: bool) -> str:
    if row is None:
        return NOT_IN
    if not row["错误数"]:
        return PASSED
    if row["退回反馈"]:
        return RETURNED
    return CORRECTED if returned_before else HAS_ERRORS


def _text(v: object) -> str:
    return "" if v is None or v is pd.NA or (isinstance(v, float) and v != v) else str(v)


def record(register: Register, batch: Batch, *, inbox: str, now: dt.datetime,
           returned: Collection[str] = ()) -> Register:
    """``register`` with the run of ``batch`` on the inbox named ``inbox`` at ``now`` added; ``returned``:
    the files whose feedback (反馈表) this run wrote. Returns a new register; ``register`` is unchanged."""
    stamp = now.strftime(TIME)
    period = batch.period
    rows: list[dict[str, object]] = register[FILES].to_dict("records")
    for r in rows:
        if r["收件箱"] == inbox:
            r["在收件箱"] = NO
    seen = batch.files[batch.files["摘要"].fillna("") != ""].to_dict("records")
    errors: dict[str, int] = {}
    warns: dict[str, int] = {}
    for f in batch.findings:
        if f.severity is Severity.ERROR:
            errors[f.file] = errors.get(f.file, 0) + 1
        elif f.severity is Severity.WARNING:
            warns[f.file] = warns.get(f.file, 0) + 1
    duplicate = NOT_COUNTED_REASONS[Code.DUPLICATE_SUBMISSION]
    # a duplicate's findings were demoted to 提示: what it had when it counted stays on record
    fresh = {r[schema.FILE_COL]: r["摘要"] for r in seen if r["未计入原因"] != duplicate}
    problems = register[PROBLEMS]
    problems = pd.concat([problems[~problems["摘要"].isin(set(fresh.values()))],
                          _problems(batch.findings, fresh)], ignore_index=True)
    index = {(r["文件"], r["摘要"]): r for r in rows if r["收件箱"] == inbox}
    # which version counted for each branch before this run (the latest, should there be several)
    counted_before: dict[str, dict[str, object]] = {}
    for r in sorted(index.values(), key=lambda r: str(r["最近一次"])):
        if r["报告期"] == period and r["登记状态"] == IN:
            counted_before[str(r["党组织编码"])] = r
    counted_now: dict[str, dict[str, object]] = {}
    for r in seen:
        file, digest = r[schema.FILE_COL], r["摘要"]
        counted = r["状态"] == COUNTED
        code = _text(r["计入支部"]) if counted else _text(r[schema.CODE_COL])
        filled = r["填报日期"]
        values = {"收件箱": inbox, "文件": file, "摘要": digest, "最近一次": stamp, "在收件箱": YES,
                  "党组织编码": code, "党组织名称": _text(r[schema.NAME_COL]), "报告期": _text(r["报告期"]),
                  "填报日期": filled.isoformat() if isinstance(filled, dt.date) else "",
                  "登记状态": IN if counted else GONE, "未计入原因": _text(r["未计入原因"]),
                  "错误数": errors.get(file, 0), "警告数": warns.get(file, 0)}
        row = index.get((file, digest))
        if row is None:
            row = {c: "" for c in REGISTER_SHEETS[FILES]} | {"首次收到": stamp}
            for c in ("已改正", "仍存在", "新出现"):
                row[c] = None
            rows.append(row)
            index[(file, digest)] = row
        row.update(values)
        if file in returned:
            row["退回反馈"] = stamp
        if counted:
            counted_now[code] = row
    changes = [register[CHANGES]]
    for code, row in counted_now.items():
        prev = counted_before.get(code)
        if prev is None or prev is row:
            continue
        prev["登记状态"] = REPLACED
        row["替换了"], row["替换摘要"] = prev["文件"], prev["摘要"]
        done = compare(problems[problems["摘要"] == prev["摘要"]], problems[problems["摘要"] == row["摘要"]])
        row["已改正"] = sum(w in (FIXED, EXPLAINED_NOW) for w, _ in done)
        row["仍存在"] = sum(w == REMAINING for w, _ in done)
        row["新出现"] = sum(w == NEW for w, _ in done)
        changes.append(pd.DataFrame([{"收件箱": inbox, "报告期": period, "党组织编码": code, "文件": row["文件"],
                                      "上一版": prev["文件"], "结果": w, "问题类型": p["问题类型"], "代码": p["代码"],
                                      "工作表": p["工作表"], "位置": p["位置"], "说明": p["说明"]} for w, p in done],
                                    columns=list(REGISTER_SHEETS[CHANGES])))
    for code, prev in counted_before.items():
        if code not in counted_now and prev["在收件箱"] == NO:
            prev["登记状态"] = LEFT
    files = pd.DataFrame(rows, columns=list(REGISTER_SHEETS[FILES]))
    for c in COUNTS:
        if c in files:
            files[c] = pd.to_numeric(files[c], errors="coerce").astype("Int64")
    branches = _branches(index, period, batch, counted_now, inbox, stamp)
    old = register[BRANCHES]
    old = old[~((old["收件箱"] == inbox) & (old["报告期"] == period))]
    changed = pd.concat([c for c in changes if len(c)], ignore_index=True).drop_duplicates() if any(
        len(c) for c in changes) else register[CHANGES]
    return Register({BRANCHES: pd.concat([b for b in (old, branches) if len(b)], ignore_index=True)
                     if len(old) else branches, FILES: files, CHANGES: changed, PROBLEMS: problems})


def _branches(index: Mapping[tuple[str, str], Mapping[str, object]], period: str, batch: Batch,
              counted_now: Mapping[str, Mapping[str, object]], inbox: str, stamp: str) -> pd.DataFrame:
    versions: dict[str, list[Mapping[str, object]]] = {}
    for r in index.values():
        if r["报告期"] == period and r["党组织编码"]:
            versions.setdefault(str(r["党组织编码"]), []).append(r)
    names = {b.code: b.name for b in batch.registry.branches} if batch.registry else {}
    rows = []
    for code in [*names, *sorted(c for c in counted_now if c not in names)]:
        mine = versions.get(code, [])
        row = counted_now.get(code)
        replaced = [v for v in mine if row is not None and row["替换摘要"] and v["摘要"] == row["替换摘要"]]
        arrived = sorted(str(v["首次收到"]) for v in mine)
        rows.append({"收件箱": inbox, "报告期": period, "党组织编码": code,
                     "党组织名称": names.get(code) or (row["党组织名称"] if row is not None else ""),
                     "状态": _state(row, any(bool(v["退回反馈"]) for v in replaced)),
                     "计入文件": row["文件"] if row is not None else "",
                     "报送版本数": len({v["摘要"] for v in mine}),
                     "首次收到": arrived[0] if arrived else "", "最近收到": arrived[-1] if arrived else "",
                     "错误数": row["错误数"] if row is not None else 0, "警告数": row["警告数"] if row is not None else 0,
                     "退回次数": sum(bool(_text(v["退回反馈"])) for v in mine), "更新于": stamp})
    df = pd.DataFrame(rows, columns=list(REGISTER_SHEETS[BRANCHES]))
    for c in COUNTS:
        if c in df:
            df[c] = df[c].astype("Int64")
    return df


# --- writing ------------------------------------------------------------------------------------------

WIDTHS = {"收件箱": 14, "文件": 34, "计入文件": 34, "替换了": 30, "上一版": 30, "摘要": 18, "替换摘要": 18,
          "党组织名称": 22, "说明": 60, "未计入原因": 20, "首次收到": 19, "最近一次": 19, "最近收到": 19, "更新于": 19,
          "退回反馈": 19}


def write_register(register: Register, path: str | os.PathLike[str]) -> Path:
    """Write ``register`` to ``path`` (atomically; a locked file saved beside, :mod:`cxzy_xl.files`)."""
    with atomic(path, replace=True, mark=REGISTER_ID, what="收件登记") as target:
        wb = xlsxwriter.Workbook(str(target.tmp), {"strings_to_numbers": False, "strings_to_formulas": False,
                                                   "strings_to_urls": False, "nan_inf_to_errors": True})
        wb.set_properties({"title": "收件登记", "author": AUTHOR, "comments": f"{REGISTER_ID} v{schema.VERSION}"})
        head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "vcenter"})
        cell = wb.add_format({"border": 1, "valign": "top"})
        wrap = wb.add_format({"border": 1, "valign": "top", "text_wrap": True})
        for sheet, columns in REGISTER_SHEETS.items():
            ws = wb.add_worksheet(sheet)
            df = register[sheet]
            ws.write_row(0, 0, columns, head)
            for r, values in enumerate(df.itertuples(index=False), 1):
                for c, v in enumerate(values):
                    fmt = wrap if columns[c] == "说明" else cell
                    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
                        ws.write_blank(r, c, None, fmt)
                    elif isinstance(v, numbers.Number) and not isinstance(v, bool):
                        ws.write_number(r, c, float(v), fmt)
                    else:
                        ws.write_string(r, c, str(v), fmt)
            for c, name in enumerate(columns):
                ws.set_column(c, c, WIDTHS.get(name, 10))
            ws.freeze_panes(1, 0)
            ws.autofilter(0, 0, max(len(df), 1), len(columns) - 1)
            ws.set_landscape()
            ws.set_paper(9)
            ws.fit_to_pages(1, 0)
            ws.repeat_rows(0)
            ws.protect("", {"autofilter": True, "sort": True, "format_columns": True, "select_locked_cells": True,
                            "select_unlocked_cells": True})
            if sheet in REGISTER_HIDDEN:
                ws.hide()
        meta = wb.add_worksheet(schema.META_SHEET)
        meta.write_row(0, 0, ["template_id", REGISTER_ID])
        meta.write_row(1, 0, ["version", str(schema.VERSION)])
        meta.hide()
        wb.close()
    return target.path


# --- the file, safely -------------------------------------------------------------------------------------

@dataclass
class RegisterRun:
    """What :func:`update_register` did: the register written (None: not written this time), the
    branches' states this quarter, and what the office should know (Chinese lines)."""

    path: Path | None
    states: dict[str, str]
    notices: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {s: sum(v == s for v in self.states.values()) for s in BRANCH_STATES}


def _siblings(path: Path) -> list[Path]:
    """Copies saved beside a register that was open in another program: 收件登记（2）.xlsx…"""
    return sorted(p for p in path.parent.glob(f"{path.stem}（*）{path.suffix}") if p.is_file())


def _aside(path: Path, now: dt.datetime) -> Path:
    target = path.with_name(f"{path.stem}（无法读取，{now:%Y%m%d-%H%M%S}）{path.suffix}")
    n = 2
    while target.exists():
        target = path.with_name(f"{path.stem}（无法读取，{now:%Y%m%d-%H%M%S}-{n}）{path.suffix}")
        n += 1
    return target


def _readable(p: Path) -> Register:
    """What can be read of the register at ``p`` and the copies beside it, without writing anything."""
    known = Register()
    for q in [p, *_siblings(p)]:
        try:
            known = merge(known, read_register(q))
        except RegisterDamaged:
            continue
    return known


def read_arrivals(path: str | os.PathLike[str], inbox: str | os.PathLike[str]) -> dict[str, dt.datetime]:
    """The first arrivals the register at ``path`` knows for ``inbox`` ({} when it has none or cannot be
    read: the duplicate rule then goes on to its next tie-break)."""
    return _readable(Path(path)).arrivals(inbox_key(inbox))


def update_register(path: str | os.PathLike[str], batch: Batch, inbox: str | os.PathLike[str], *,
                    now: dt.datetime | None = None, returned: Collection[str] = ()) -> RegisterRun:
    """Record the run of ``batch`` on ``inbox`` in the register at ``path`` and return the branches'
    states. Never raises for the register's sake and never loses it: another run holding it for
    :data:`LOCK_TIMEOUT` seconds, a disk that refuses, a damaged file — each is a notice and the run
    goes on (a damaged file is renamed aside, kept, and the register rebuilt)."""
    p = Path(path)
    now = (now or dt.datetime.now()).replace(microsecond=0)
    key = inbox_key(inbox)
    notices: list[str] = []
    if inside(p, inbox):
        raise ValueError("the register must not be inside the inbox")  # pipeline refuses this before

    def unwritten(why: str, known: Register | None = None) -> RegisterRun:
        reg = record(_readable(p) if known is None else known, batch, inbox=key, now=now, returned=returned)
        return RegisterRun(None, reg.states(key, batch.period), [*notices, why])

    try:
        lock = FileLock(str(lock_path(p)), timeout=LOCK_TIMEOUT)
        lock.acquire()
    except Timeout:
        return unwritten(f"{p.name} 正被另一次运行使用，本次收件未登记（下次运行会补记）")
    except OSError as exc:
        return unwritten(f"无法在 {p.parent} 建立收件登记（{exc.strerror or exc}），本次收件未登记")
    try:
        try:
            known = read_register(p)
        except RegisterDamaged as exc:
            aside = _aside(p, now)
            try:
                p.rename(aside)
                notices.append(f"{p.name} 无法读取（{exc}），已改名保留为 {aside.name}，收件登记已重新建立")
            except OSError:
                return unwritten(f"{p.name} 无法读取（{exc}），也无法改名（可能正被打开），本次收件未登记", Register())
            known = Register()
        merged: list[Path] = []
        for q in _siblings(p):
            try:
                known = merge(known, read_register(q))
                merged.append(q)
            except RegisterDamaged:
                continue
        reg = record(known, batch, inbox=key, now=now, returned=returned)
        if p.exists() and not is_ours(p, REGISTER_ID):
            # saved in Excel/WPS since (perhaps with notes typed in): a copy stays as it was
            backup = p.with_name(f"{p.stem}（{now:%Y%m%d-%H%M%S} 前）{p.suffix}")
            shutil.copy2(p, backup)
            notices.append(f"{p.name} 在本工具之外保存过，更新前的样子已另存为 {backup.name}")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", OutputNotice)
            written = write_register(reg, p)
        notices.extend(str(w.message) for w in caught if issubclass(w.category, OutputNotice))
        for q in merged:
            if q != written and is_ours(q, REGISTER_ID):
                q.unlink(missing_ok=True)
        return RegisterRun(written, reg.states(key, batch.period), notices)
    except (WriteRefused, OSError) as exc:
        return unwritten(f"收件登记未能写入（{exc}），本次收件未登记")
    finally:
        lock.release()


__all__ = ["Register", "RegisterDamaged", "RegisterRun", "compare", "inbox_key", "lock_path", "merge", "position",
           "read_arrivals", "read_register", "record", "register_path", "update_register", "what_else", "write_register"]
