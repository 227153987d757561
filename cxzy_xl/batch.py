"""An inbox's submissions into one batch: each file read and cell-checked (in the guarded worker
pool, :mod:`cxzy_xl.workers`), then deduplicated, matched with the registry, typed into one DataFrame
per template sheet and checked by the rules that need the whole batch.

:func:`build_batch` is pure: it returns a new :class:`~cxzy_xl.model.Batch` and leaves the file
results, the registry and its settings as they were.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing as mp
import os
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from . import schema
from .checks import FILLED_ON, check_book, check_rules, explain, plausible_filled_on
from .findings import Code, Finding, Severity, make
from .model import Batch, FileResult, Previous
from .normalize import branch_key, period_end, period_label, squeeze
from .read import SPREADSHEET_SUFFIXES, Registry, Unreadable, load_book, parse_a1
from .schema import Kind, Settings
from .vanished import vanished
from .workers import map_chunks, read_files_isolated

DTYPES = {Kind.INT: "Int64", Kind.NUMBER: "Float64", Kind.DATE: "datetime64[ns]"}


def dtype_of(kind: Kind) -> str:
    return DTYPES.get(kind, "string")


# --- one file --------------------------------------------------------------------------------

_CHECKED_SHEETS = tuple(s.name for s in schema.BRANCH_SHEETS)


def file_digest(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes, hex ("" when it cannot be read): one version of a submission."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    except OSError:
        return ""
    return h.hexdigest()


def process_file(path: str, file: str) -> FileResult:
    """Read and cell-check one workbook. Never raises: every failure is a FILE_UNREADABLE finding."""
    try:
        mtime = os.stat(path).st_mtime
    except OSError:
        mtime = 0.0
    digest = file_digest(path)
    try:
        book = load_book(path, _CHECKED_SHEETS)  # 填报说明 is not parsed: nothing reads it
        result = check_book(book, file)
    except Unreadable as exc:
        result = FileResult(path, file, readable=False,
                            findings=[make(Code.FILE_UNREADABLE, file, detail=str(exc))])
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # noqa: BLE001 - pyo3's PanicException derives from BaseException
        result = FileResult(path, file, readable=False, findings=[
            make(Code.FILE_UNREADABLE, file, detail="文件内容异常，读取时出错，请用Excel打开检查后重新保存报送")])
    result.mtime, result.digest = mtime, digest
    return result


# --- the batch -------------------------------------------------------------------------------


def _frames(results: Iterable[FileResult]) -> dict[str, pd.DataFrame]:
    """One DataFrame per template sheet, gathered column-wise across all files and typed once."""
    results = list(results)
    out: dict[str, pd.DataFrame] = {}
    for sheet in schema.BRANCH_SHEETS:
        own = {f.label for f in sheet.fields}
        cols: dict[str, list[Any]] = {} if schema.CODE_COL in own else {schema.CODE_COL: [], schema.NAME_COL: []}
        for f in sheet.fields:
            cols[f.label] = []
        cols[schema.FILE_COL], cols[schema.ROW_COL] = [], []
        for res in results:
            rec = res.sheets.get(sheet.name)
            if rec is None:
                continue
            n = len(rec.rows)
            if schema.CODE_COL not in own:
                cols[schema.CODE_COL].extend([res.code] * n)
                cols[schema.NAME_COL].extend([res.info("党组织名称")] * n)
            for f in sheet.fields:
                cols[f.label].extend(rec.values.get(f.label, [None] * n))
            cols[schema.FILE_COL].extend([res.file] * n)
            cols[schema.ROW_COL].extend(rec.rows)
        df = pd.DataFrame(cols)
        for f in sheet.fields:
            if f.kind is Kind.DATE:
                df[f.label] = pd.to_datetime(df[f.label]).astype("datetime64[ns]")
            else:
                df[f.label] = df[f.label].astype(dtype_of(f.kind))
        for c in (schema.CODE_COL, schema.NAME_COL, schema.FILE_COL):
            if c in df and c not in own:
                df[c] = df[c].astype("string")
        df[schema.ROW_COL] = df[schema.ROW_COL].astype("Int64")
        out[sheet.name] = df
    return out


# --- which file counts: duplicates ---------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """One of several files for one branch, as the duplicate rules see it."""

    result: FileResult
    filled_on: dt.date | None  # its 填报日期, when plausible (checks.plausible_filled_on)
    errors: int  # its own error findings
    arrived: dt.datetime = dt.datetime.max  # first seen, by the inbox register (max: not known, arriving now)


@dataclass(frozen=True)
class TieBreak:
    """One rule deciding between duplicates: the candidates with the highest ``key`` stay."""

    key: Callable[[Candidate], Any]
    words: str  # the rule in DUPLICATE_SUBMISSION's message
    undated: str = ""  # the words when none of the candidates left has a (plausible) 填报日期


# In order; the first that leaves one candidate decides. Never the file's time: that is the day an
# e-mail attachment happened to be saved, but the inbox register's first arrival (TEMPLATE-SPEC.md 1.2):
# on the same 填报日期 the file that came later is the correction.
TIE_BREAKS: tuple[TieBreak, ...] = (
    TieBreak(lambda c: c.filled_on or dt.date.min, "填报日期较新"),
    TieBreak(lambda c: c.arrived, "填报日期相同，采用后收到的（见收件登记）",
             "填报日期都未填或填写有误，采用后收到的（见收件登记）"),
    TieBreak(lambda c: -c.errors, "填报日期相同，采用错误较少的", "填报日期都未填或填写有误，采用错误较少的"),
    TieBreak(lambda c: c.result.file, "填报日期、错误数都相同，采用文件名排在后面的",
             "填报日期都未填或填写有误、错误数相同，采用文件名排在后面的"),
)


def pick_submission(candidates: Sequence[Candidate]) -> tuple[Candidate, str]:
    """The file that counts among several for one branch, and the rule that decided (in words; "" for
    a single candidate): :data:`TIE_BREAKS` in order."""
    pool = list(candidates)
    if len(pool) == 1:
        return pool[0], ""
    for rule in TIE_BREAKS:
        best = max(rule.key(c) for c in pool)
        left = [c for c in pool if rule.key(c) == best]
        if len(left) == 1:
            undated = pool[0].filled_on is None and rule.undated
            return left[0], rule.undated if undated else rule.words
        pool = left
    return pool[-1], TIE_BREAKS[-1].words  # two files of one name: not from an inbox


def _not_counted(findings: Iterable[Finding]) -> list[Finding]:
    """The cell findings of an older copy that was not used. The office may still want to see them,
    so they stay in the problem list, but as 提示: they are not the branch's errors or warnings, and
    every total (the command's count, its exit code, a branch's 错误数/警告数) counts by severity."""
    note = "（重复报送未采用的文件，不计入错误、警告数）"
    return [f if f.severity is Severity.INFO else replace(f, severity=Severity.INFO, text=f.message + note)
            for f in findings]


def collect_files(inbox: Path) -> tuple[list[Path], list[Finding]]:
    """The spreadsheets in the inbox (recursively); lock files and other files are skipped (info)."""
    files, skipped = [], []
    for path in sorted(p for p in inbox.rglob("*") if p.is_file()):
        rel = str(path.relative_to(inbox))
        if path.name.startswith(("~$", ".~lock", "._")):
            skipped.append(make(Code.SKIPPED, rel, detail="Excel/WPS打开文件时产生的临时锁文件"))
        elif path.suffix.lower() not in SPREADSHEET_SUFFIXES:
            skipped.append(make(Code.SKIPPED, rel, detail="不是Excel文件"))
        else:
            files.append(path)
    return files, skipped


def _branch_by_name(file: str, registry: Registry) -> str:
    """The registry branch a file's name points at (its code, else its name), when exactly one does."""
    name = Path(file).name.casefold()
    for key in (lambda b: b.code, lambda b: b.name):
        hits = {b.code for b in registry.branches if key(b) and key(b).casefold() in name}
        if len(hits) == 1:
            return hits.pop()
        if hits:
            return ""
    return ""


def _settings_for(settings: Settings, readable: Sequence[FileResult]) -> Settings:
    """The registry's settings, with the period and the committee most files name where it names none."""
    period, committee = settings.period, settings.committee
    if not period:
        periods = Counter(r.period for r in readable if r.period)
        period = periods.most_common(1)[0][0] if periods else ""
    if not committee:
        committees = Counter(str(r.info("所属党委")) for r in readable if r.info("所属党委"))
        committee = committees.most_common(1)[0][0] if committees else ""
    if (period, committee) == (settings.period, settings.committee):
        return settings
    return replace(settings, period=period, committee=committee)


def _kept(res: FileResult, table_names: set[str]) -> FileResult:
    """A used file's result as the batch keeps it (see :func:`build_batch`)."""
    sheets = {name: replace(rec, values={}) if name in table_names else rec for name, rec in res.sheets.items()}
    # a sheet missing from a workbook leaves its required cells unfilled
    unfilled = sum(len(s.required) for s in schema.FORM_SHEETS if s.name not in res.sheets)
    return replace(res, sheets=sheets, required_total=res.required_total + unfilled)


# --- which file counts: identity ----------------------------------------------------------------

COUNTED, NOT_COUNTED = "已计入", "未计入"  # batch.files' 状态
FILE_COLUMNS = (schema.FILE_COL, schema.CODE_COL, schema.NAME_COL, "报告期", FILLED_ON, "状态", "计入支部", "未计入原因",
                "数据行数", "摘要")
# Why a file is not counted (batch.files' 未计入原因), by the finding that leaves it out. A skipped file's
# reason is the finding's detail, then this.
NOT_COUNTED_REASONS = {
    Code.UNKNOWN_BRANCH: "不在支部名单",
    Code.DUPLICATE_SUBMISSION: "重复报送未采用",
    Code.WRONG_PERIOD: "报告期不符",
    Code.FILE_UNREADABLE: "无法读取",
    Code.NOT_TEMPLATE: "不是统一模板",
    Code.EMPTY_TEMPLATE: "空白模板",
    Code.SKIPPED: "已跳过",
}


def _names(registry: Registry) -> dict[str, list[schema.Branch]]:
    """The registry's branches by :func:`~cxzy_xl.normalize.branch_key` of their names."""
    out: dict[str, list[schema.Branch]] = {}
    for b in registry.branches:
        key = branch_key(b.name)
        if key:
            out.setdefault(key, []).append(b)
    return out


def identify(res: FileResult, known: Mapping[str, schema.Branch],
             names: Mapping[str, list[schema.Branch]]) -> tuple[str, Finding | None]:
    """The registry branch a readable file counts for ("" for none) and the finding saying how it was
    told: its 党组织编码 when the registry has it; else its 党组织名称 when exactly one registry branch
    answers to it (NAME_MATCHED, naming the code to fill in); else none (UNKNOWN_BRANCH)."""
    code = res.code
    if code in known:
        return code, None
    name = res.info(schema.NAME_COL)
    name = str(name) if name is not None else ""
    said = f"{schema.CODE_COL}“{code}”不在支部名单中" if code else f"{schema.CODE_COL}未填"
    hits = names.get(branch_key(name), []) if name else []
    where = dict(branch_code=code, sheet=schema.INFO_SHEET, column=schema.CODE_COL,
                 cell=res.cell(schema.INFO_SHEET, schema.CODE_COL, 1), value=code)
    if len(hits) == 1:
        b = hits[0]
        return b.code, make(Code.NAME_MATCHED, res.file, **{**where, "branch_code": b.code},
                            detail=f"{said}，已按{schema.NAME_COL}“{name}”对应到支部名单中的“{b.name}”（{b.code}），"
                                   f"请在{schema.INFO_SHEET}中填写{schema.CODE_COL}{b.code}")
    if hits:
        which = "、".join(f"{b.name}（{b.code}）" for b in hits)
        detail = f"{said}，{schema.NAME_COL}“{name}”可以对应支部名单中的{which}，无法确定是哪一个"
    elif name:
        detail = f"{said}，{schema.NAME_COL}“{name}”在支部名单中也找不到"
    else:
        detail = f"{said}，也没有填写{schema.NAME_COL}，无法确定是哪个支部报送的"
    return "", make(Code.UNKNOWN_BRANCH, res.file, **where, detail=detail)


def _as_branch(res: FileResult, code: str) -> FileResult:
    """A file as the batch keeps it when its 党组织编码 cell does not say the code it counts for (matched
    by its name, or told by a pre-filled template's _meta): with that code, so its rows carry it in
    every table."""
    info = res.sheets[schema.INFO_SHEET]
    return replace(res, sheets={**res.sheets, schema.INFO_SHEET: replace(
        info, values={**info.values, schema.CODE_COL: [code]})})


def _errors(res: FileResult) -> int:
    return sum(f.severity is Severity.ERROR for f in res.findings)


def _unread_reason(res: FileResult) -> str:
    code = next((f.code for f in res.findings if f.code in NOT_COUNTED_REASONS), Code.FILE_UNREADABLE)
    return NOT_COUNTED_REASONS[code]


def build_batch(results: Sequence[FileResult], registry: Registry | None = None,
                extra_findings: Sequence[Finding] = (), previous: Sequence[Previous] = (),
                arrivals: Mapping[str, dt.datetime] | None = None) -> Batch:
    """Match the files with the registry, deduplicate, type the data and run the rules; with earlier
    results (oldest first), what was open in the last of them and has vanished since is a finding too.

    Every file ends in exactly one place (``batch.files``): counted for one branch, or not counted
    with its reason. A file the registry cannot tell (UNKNOWN_BRANCH) is still checked, alone, so
    whoever sent it can be told what to fix, but it reaches no figure. Without a registry every
    readable file of the period counts, one per 党组织编码 (a file without one counts as it is)."""
    findings: list[Finding] = list(extra_findings)
    settings = registry.settings if registry else Settings()
    if registry:
        findings.extend(registry.findings)
    readable = [r for r in results if r.readable]
    settings = _settings_for(settings, readable)
    reason: dict[str, str] = {r.file: "" if r.readable else _unread_reason(r) for r in results}  # "": counted
    counted_for: dict[str, str] = {}  # file -> the registry code it counts (or would count) for
    own: dict[str, list[Finding]] = {}  # findings about a file's identity, which travel with its own
    known = {b.code: b for b in registry.branches} if registry else {}
    names = _names(registry) if registry else {}
    used: list[FileResult] = []
    unknown: list[FileResult] = []
    groups: dict[str, list[FileResult]] = {}
    for res in readable:
        if settings.period and res.period and res.period != settings.period:
            findings.append(make(Code.WRONG_PERIOD, res.file, branch_code=res.code, sheet=schema.INFO_SHEET,
                                 cell=res.cell(schema.INFO_SHEET, "报告期", 1), column="报告期",
                                 value=period_label(res.period), detail=period_label(settings.period)))
            reason[res.file] = NOT_COUNTED_REASONS[Code.WRONG_PERIOD]
            continue
        code = res.code
        if registry:
            code, note = identify(res, known, names)
            if note is not None:
                own[res.file] = [note]
            if not code:
                unknown.append(res)
                reason[res.file] = NOT_COUNTED_REASONS[Code.UNKNOWN_BRANCH]
                continue
        elif not code:
            used.append(res)
            continue
        if res.info(schema.CODE_COL) != code and schema.INFO_SHEET in res.sheets:
            res = _as_branch(res, code)  # matched by its name, or told by a pre-filled template's _meta
        counted_for[res.file] = code
        groups.setdefault(code, []).append(res)
    for code, group in groups.items():
        candidates = [Candidate(r, plausible_filled_on(r, settings), _errors(r),
                                (arrivals or {}).get(r.digest, dt.datetime.max)) for r in group]
        winner, _ = pick_submission(candidates)
        used.append(winner.result)
        for other in candidates:
            if other is not winner:
                _, rule = pick_submission([winner, other])
                findings.append(make(Code.DUPLICATE_SUBMISSION, other.result.file, branch_code=code,
                                     detail=f"“{winner.result.file}”（{rule}）"))
                reason[other.result.file] = NOT_COUNTED_REASONS[Code.DUPLICATE_SUBMISSION]
    # a file that could not be read is still some branch's attempt: its name usually tells whose
    unread = {res.file: res.code or _branch_by_name(res.file, registry) for res in results
              if not res.readable} if registry else {}
    for res in results:
        mine = [*res.findings, *own.get(res.file, [])]
        code = counted_for.get(res.file) or unread.get(res.file)
        if code:  # every finding of a file is its branch's: a file matched by its name had none, or another
            mine = [f if f.branch_code == code else replace(f, branch_code=code) for f in mine]
        findings.extend(_not_counted(mine) if reason[res.file] == NOT_COUNTED_REASONS[Code.DUPLICATE_SUBMISSION]
                        else mine)
    used.sort(key=lambda r: (r.code, r.file))
    if registry:
        reported = {r.code for r in used}
        sent_unread = {code: file for file, code in unread.items() if code}
        for res in used:
            name = res.info(schema.NAME_COL)
            if res.file not in own and name and known[res.code].name and squeeze(name) != squeeze(known[res.code].name):
                findings.append(make(Code.NAME_MISMATCH, res.file, branch_code=res.code, sheet=schema.INFO_SHEET,
                                     column=schema.NAME_COL, cell=res.cell(schema.INFO_SHEET, schema.NAME_COL, 1),
                                     value=name, detail=known[res.code].name))
        for b in registry.branches:
            if b.code not in reported:
                contact = "，".join(x for x in (b.secretary and f"书记{b.secretary}", b.phone) if x)
                sent = sent_unread.get(b.code)
                what = "没有报送" if sent is None else f"报送的“{sent}”是空白模板，尚未填写" \
                    if reason[sent] == NOT_COUNTED_REASONS[Code.EMPTY_TEMPLATE] else f"报送的“{sent}”无法读取，需重新报送"
                findings.append(make(Code.MISSING_SUBMISSION, registry.path.name, branch_code=b.code,
                                     sheet="支部名单", value=b.name,
                                     detail=f"{b.name}（{b.code}）{what}" + (f"，请联系{contact}" if contact else "")))
    tables = _frames(used)
    table_names = {t.name for t in schema.TABLE_SHEETS}
    # The batch keeps its own copies of the file results: without the table values (the DataFrames
    # hold them now; a city-sized batch cannot keep both) and with the required cells of a missing
    # sheet counted as unfilled. The caller's results stay as they were.
    by_file = {r.file: _kept(r, table_names) for r in used}
    end = period_end(settings.period) if settings.period else dt.date.today()
    findings.extend(check_rules(tables, by_file, settings, end))
    for res in unknown:  # checked as if alone: no figure, and no other file's rule, is about it
        findings.extend(check_rules(_frames([res]), {res.file: _kept(res, table_names)}, settings, end))
    batch = Batch(tables, [], pd.DataFrame(), settings, registry, by_file, list(previous))
    if previous:
        findings.extend(vanished(batch, previous[-1]))
    rows = [{
        schema.FILE_COL: r.file, schema.CODE_COL: r.code, schema.NAME_COL: r.info(schema.NAME_COL),
        "报告期": r.period, FILLED_ON: r.filled_on, "状态": NOT_COUNTED if reason[r.file] else COUNTED,
        "计入支部": "" if reason[r.file] else counted_for.get(r.file, r.code), "未计入原因": reason[r.file],
        "数据行数": sum(len(s.rows) for n, s in r.sheets.items() if n in table_names), "摘要": r.digest,
    } for r in results]
    seen = {r.file for r in results}
    rows.extend({schema.FILE_COL: f.file, "状态": NOT_COUNTED, "计入支部": "",
                 "未计入原因": f"{f.detail}，{NOT_COUNTED_REASONS[Code.SKIPPED]}", "数据行数": 0}
                for f in extra_findings if f.code is Code.SKIPPED and not f.sheet and f.file not in seen)
    files = pd.DataFrame(sorted(rows, key=lambda r: r[schema.FILE_COL]), columns=list(FILE_COLUMNS))
    batch.findings, batch.files = _ordered(explain(findings, results)), files
    return batch


_SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
_SHEET_ORDER = {s.name: i for i, s in enumerate(schema.BRANCH_SHEETS)}


def _ordered(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.branch_code or "~", f.file, _SHEET_ORDER.get(f.sheet, -1),
                                           f.row or 0, parse_a1(f.cell)[1], _SEVERITY_ORDER[f.severity]))


def read_chunk(tasks: Sequence[tuple[str, str]], fn: Callable[[str, str], FileResult] | None = None) -> list[FileResult]:
    """One engine task: read and check a chunk of files with the guarded per-file runner (a worker
    process with memory and time limits, one at a time), so a hostile file costs its own
    FILE_UNREADABLE on any engine. Where this process may not start one (a daemonic engine worker,
    e.g. dask's default), the files are read here and the engine's own memory limit and the split
    retry of :func:`~cxzy_xl.workers.map_chunks` stand in for the guard. ``fn``: the per-file function
    (:func:`process_file` unless given)."""
    fn = fn or process_file
    if mp.current_process().daemon:
        return [fn(*t) for t in tasks]
    return read_files_isolated(tasks, fn, workers=1)


CHUNK = 50  # files per engine task: a worker's start-up and a task's round trip are paid per chunk


def chunks_of(tasks: Sequence[tuple[str, str]], size: int = CHUNK) -> list[list[tuple[str, str]]]:
    return [list(tasks[i:i + size]) for i in range(0, len(tasks), max(1, size))]


def read_on(executor: Executor, tasks: Sequence[tuple[str, str]], size: int = CHUNK,
            progress: Callable[[int, int], None] | None = None) -> list[FileResult]:
    """Every task's :class:`FileResult`, in order, read on ``executor`` a chunk per task."""
    chunks = chunks_of(tasks, size)
    out: list[list[FileResult | None]] = [[None] * len(c) for c in chunks]
    done = 0

    def keep(at: tuple[int, int], res: FileResult) -> None:
        nonlocal done
        out[at[0]][at[1]] = res
        done += 1
        if progress:
            progress(done, len(tasks))

    map_chunks(executor, read_chunk, chunks, keep)
    return [r for c in out for r in c if r is not None]


def read_submissions(tasks: Sequence[tuple[str, str]], registry: Registry | None = None, *,
                     skipped: Sequence[Finding] = (), previous: Sequence[Previous] = (),
                     workers: int | None = None, isolate: bool = True,
                     progress: Callable[[int, int], None] | None = None,
                     executor: Executor | None = None,
                     arrivals: Mapping[str, dt.datetime] | None = None) -> Batch:
    """Read and check (path, shown name) submissions into a batch: in the guarded worker pool, or in
    this process with ``isolate=False``, or on ``executor`` (any :class:`concurrent.futures.Executor`,
    never shut down here) a chunk of files per task. ``previous``: earlier results already read,
    oldest first."""
    if executor is not None:
        results = read_on(executor, tasks, progress=progress)
    elif isolate:
        results = read_files_isolated(tasks, process_file, workers=workers, progress=progress)
    else:
        results = []
        for i, t in enumerate(tasks, 1):
            results.append(process_file(*t))
            if progress:
                progress(i, len(tasks))
    return build_batch(results, registry, skipped, previous=previous, arrivals=arrivals)


def inbox_tasks(inbox: Path) -> tuple[list[tuple[str, str]], list[Finding]]:
    """The inbox's spreadsheets as (path, name shown: relative to the inbox), and the skipped files."""
    paths, skipped = collect_files(inbox)
    return [(str(p), str(p.relative_to(inbox))) for p in paths], skipped


__all__ = ["COUNTED", "FILE_COLUMNS", "NOT_COUNTED", "NOT_COUNTED_REASONS", "TIE_BREAKS", "Candidate", "TieBreak",
           "CHUNK", "build_batch", "chunks_of", "collect_files", "dtype_of", "file_digest", "identify", "inbox_tasks", "pick_submission", "process_file",
           "read_chunk", "read_on", "read_submissions"]
