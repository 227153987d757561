"""Read a folder of submissions (or one workbook) into typed DataFrames and findings.

Untrusted files are read in worker processes with a memory and a time limit: a file that kills its
worker (a native crash, a Rust abort, running out of memory), grows it past the memory limit or
hangs costs only its own FILE_UNREADABLE finding, and a fresh worker takes the next file. The memory
limit is the worker's own address-space limit on Linux and, where there is none (Windows, macOS),
the parent's watchdog over each worker's memory; CXZY_MEMORY_GUARD=watchdog and CXZY_START_METHOD
let Linux run the code Windows runs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import multiprocessing as mp
import os
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

import pandas as pd
import psutil

from . import schema
from .checks import FileResult, check_book, check_rules
from .findings import FINDING_COLUMNS, Code, Finding, Severity, make
from .history import Previous, read_previous_all, vanished
from .normalize import period_end, period_label, squeeze
from .read import SPREADSHEET_SUFFIXES, Registry, Unreadable, load_book, parse_a1, read_registry
from .schema import Kind, Settings

FILE_TIMEOUT = 60.0  # seconds for one file
WORKER_MEMORY = 4 * 2**30  # bytes for one worker: of address space (rlimit), or resident (watchdog)

DTYPES = {Kind.INT: "Int64", Kind.NUMBER: "Float64", Kind.DATE: "datetime64[ns]"}


def dtype_of(kind: Kind) -> str:
    return DTYPES.get(kind, "string")


# --- one file --------------------------------------------------------------------------------

_CHECKED_SHEETS = tuple(s.name for s in schema.BRANCH_SHEETS)


def process_file(path: str, file: str) -> FileResult:
    """Read and cell-check one workbook. Never raises: every failure is a FILE_UNREADABLE finding."""
    try:
        mtime = os.stat(path).st_mtime
    except OSError:
        mtime = 0.0
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
    result.mtime = mtime
    return result


START_TIMEOUT = 180.0  # seconds for a worker to start (spawn imports pandas first); no file's time
WATCH_INTERVAL = 0.1  # seconds between two looks at a watched worker's memory
START_METHODS = ("spawn", "forkserver", "fork")
MEMORY_GUARDS = ("rlimit", "watchdog")
_START_FAILURES = 3  # workers in a row that die before they are ready: this machine cannot start one


def start_method() -> str:
    """How workers start: ``CXZY_START_METHOD`` (spawn, forkserver, fork) when this platform has it,
    else forkserver on Linux and spawn elsewhere. A value that cannot be used here is ignored: a typo
    in a setting must not cost the office its run."""
    asked = os.environ.get("CXZY_START_METHOD", "").strip().lower()
    if asked in START_METHODS and asked in mp.get_all_start_methods():
        return asked
    return "forkserver" if sys.platform.startswith("linux") else "spawn"


def memory_guard() -> str:
    """How a worker's memory is capped: "rlimit" (the worker limits its own address space; Linux)
    or "watchdog" (the parent reads each worker's memory and ends one past the limit). Windows has
    no ``resource`` module; macOS does not enforce RLIMIT_AS. ``CXZY_MEMORY_GUARD=watchdog`` forces the
    watchdog anywhere, so the code Windows runs can be tested on Linux."""
    if os.environ.get("CXZY_MEMORY_GUARD", "").strip().lower() == "watchdog":
        return "watchdog"
    return "rlimit" if sys.platform.startswith("linux") else "watchdog"


def _limit_resources(memory: int) -> bool:
    """Cap this process's address space; False where that cannot be done (then the parent watches)."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = memory if hard == resource.RLIM_INFINITY else min(memory, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
        return True
    except (ImportError, AttributeError, ValueError, OSError):
        return False


def _serve(conn: Any, memory: int, cap_here: bool, fn: Callable[[str, str], FileResult]) -> None:
    # Being here means the imports are done (spawn unpickled ``fn``, importing pandas): the parent
    # starts a file's clock only after this "ready", so a slow start never times a file out.
    capped = cap_here and _limit_resources(memory)
    try:
        conn.send(("ready", capped))
    except OSError:
        return
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        i, path, file = task
        conn.send((i, fn(path, file)))


def _context(method: str | None = None) -> Any:
    method = method or start_method()
    ctx = mp.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(["cxzy_xl.batch"])
    return ctx


@contextlib.contextmanager
def _main_hidden() -> Iterator[None]:
    """Start workers without re-running the caller's script in them. multiprocessing re-imports
    ``__main__`` in a spawned child; an analyst's script without an ``if __name__ == "__main__"``
    guard (or code piped to python) would then run again in every worker and kill it. The worker's
    code lives in this package, so the child needs nothing from ``__main__``."""
    main = sys.modules.get("__main__")
    saved = {k: getattr(main, k) for k in ("__file__", "__spec__") if main is not None and hasattr(main, k)}
    try:
        for k in saved:
            setattr(main, k, None) if k == "__spec__" else delattr(main, k)
        yield
    finally:
        for k, v in saved.items():
            setattr(main, k, v)


def _memory_used(proc: psutil.Process) -> int:
    info = proc.memory_info()
    # On Windows the working set (rss) shrinks when the system pages a process out while its
    # committed memory (vms there: the pagefile-backed private bytes) keeps growing.
    return max(info.rss, info.vms) if os.name == "nt" else info.rss


class _Worker:
    """One worker process: starting until it says ready, then idle or busy with one task."""

    def __init__(self, ctx: Any, memory: int, cap_here: bool, fn: Callable[[str, str], FileResult]) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, memory, cap_here, fn), daemon=True)
        with _main_hidden():
            self.proc.start()
        child.close()
        self.ready = False
        self.watch: psutil.Process | None = None
        self.task: int | None = None
        self.since = time.monotonic()  # of the start-up, then of the current task

    def started(self, capped: bool, watch: bool) -> None:
        self.ready = True
        if watch or not capped:
            with contextlib.suppress(psutil.Error):
                self.watch = psutil.Process(self.proc.pid)

    def give(self, i: int, path: str, file: str) -> None:
        self.task, self.since = i, time.monotonic()
        self.conn.send((i, path, file))

    def deadline(self, timeout: float) -> float:
        return self.since + (START_TIMEOUT if not self.ready else timeout if self.task is not None else 1e9)

    def memory(self) -> int:
        if self.watch is None or self.task is None:
            return 0
        try:
            return _memory_used(self.watch)
        except psutil.Error:  # it is gone: its pipe tells the parent so
            return 0

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.proc.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                pass
        self.proc.join(5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self.conn.close()


def _loads(data: bytes) -> Any:
    from multiprocessing.reduction import ForkingPickler

    return ForkingPickler.loads(data)  # what Connection.recv does with the bytes


def _gb(n: int) -> str:
    return f"{round(n / 2**30, 1):g}GB"


def read_files_isolated(tasks: Sequence[tuple[str, str]], workers: int | None = None,
                        timeout: float = FILE_TIMEOUT, memory: int | None = None,
                        progress: Callable[[int, int], None] | None = None,
                        fn: Callable[[str, str], FileResult] = process_file,
                        method: str | None = None, guard: str | None = None) -> list[FileResult]:
    """Run ``fn`` (:func:`process_file`) over (path, shown name) pairs in worker processes, in order.

    ``timeout`` is per file and counts from the moment a started worker receives it. ``memory``
    (bytes) caps each worker, by ``guard`` (:func:`memory_guard` unless given); by default
    :data:`WORKER_MEMORY`, and under the watchdog no more than a fair share of this machine's memory.
    ``method`` is the start method (:func:`start_method` unless given)."""
    n = len(tasks)
    results: list[FileResult | None] = [None] * n
    if n == 0:
        return []
    ctx = _context(method)
    guard = guard if guard in MEMORY_GUARDS else memory_guard()
    size = max(1, min(workers or os.cpu_count() or 1, n))
    if memory is None:
        memory = WORKER_MEMORY
        if guard == "watchdog":  # resident memory, unlike an address-space cap, is what the PC has
            memory = min(memory, max(2**30, psutil.virtual_memory().total // (size + 1)))
    cap_here = guard == "rlimit"
    queue = deque(range(n))
    pool: list[_Worker] = []
    done = 0
    failed_starts = 0

    def finish(i: int, res: FileResult) -> None:
        nonlocal done
        results[i] = res
        done += 1
        if progress:
            progress(done, n)

    def lost(i: int, why: str) -> None:
        path, file = tasks[i]
        finish(i, FileResult(path, file, readable=False, findings=[make(Code.FILE_UNREADABLE, file, detail=why)]))

    def renew(w: _Worker) -> None:
        w.stop(kill=True)
        pool.remove(w)
        if queue:
            pool.append(_Worker(ctx, memory, cap_here, fn))

    def failed_start(w: _Worker) -> None:
        nonlocal failed_starts
        failed_starts += 1
        if failed_starts >= _START_FAILURES and not any(x.ready for x in pool):
            while queue:
                lost(queue.popleft(), "无法启动读取文件的后台进程，请关闭部分程序后重试；如仍不行，请联系技术支持")
        renew(w)

    def feed(w: _Worker) -> bool:
        """Give an idle worker the next file; False if it turned out dead (it is renewed)."""
        if not queue:
            return True
        i = queue.popleft()
        try:
            w.give(i, *tasks[i])
        except OSError:  # it died idle: not this file's doing
            w.task = None
            queue.appendleft(i)
            renew(w)
            return False
        return True

    for _ in range(size):
        pool.append(_Worker(ctx, memory, cap_here, fn))
    try:
        while done < n:
            now = time.monotonic()
            wait_for = min((w.deadline(timeout) for w in pool), default=now + WATCH_INTERVAL) - now
            if any(w.watch is not None and w.task is not None for w in pool):
                wait_for = min(wait_for, WATCH_INTERVAL)
            ready = wait([w.conn for w in pool], timeout=max(0.01, wait_for))
            for w in list(pool):
                if w.conn in ready:
                    try:
                        data = w.conn.recv_bytes()
                    except (EOFError, OSError):
                        if not w.ready:
                            failed_start(w)
                        elif w.task is None:  # died idle: no file of ours to blame
                            renew(w)
                        else:
                            lost(w.task, "文件内容异常，读取时程序中止（可能是文件过大或已损坏），请用Excel打开检查后重新保存报送")
                            renew(w)
                        continue
                    if w.ready:
                        # The worker gets its next file before this result is unpacked: unpickling a
                        # messy file's findings takes a millisecond it would otherwise sit idle.
                        w.task = None
                        fed = feed(w)
                        finish(*_loads(data))
                        if not fed:
                            continue
                    else:
                        failed_starts = 0
                        w.started(capped=_loads(data)[1], watch=guard == "watchdog")
                elif time.monotonic() > w.deadline(timeout):
                    if w.task is None:
                        failed_start(w)
                    else:
                        lost(w.task, f"读取超过{int(timeout)}秒仍未完成，文件可能过大或异常，请删除多余内容后重新报送")
                        renew(w)
                    continue
                elif w.memory() > memory:
                    assert w.task is not None
                    lost(w.task, f"读取时占用内存超过{_gb(memory)}，文件可能过大或异常，请删除多余内容后重新保存报送")
                    renew(w)
                    continue
                if w.ready and w.task is None:
                    feed(w)
    finally:
        for w in pool:
            w.stop(kill=w.task is not None or not w.ready)
    return [r for r in results if r is not None]


# --- the batch -------------------------------------------------------------------------------

@dataclass
class Batch:
    """Everything read from one inbox: a typed DataFrame per template sheet, and the findings."""

    tables: dict[str, pd.DataFrame]
    findings: list[Finding]
    files: pd.DataFrame
    settings: Settings
    registry: Registry | None = None
    results: dict[str, FileResult] = field(default_factory=dict, repr=False)
    previous: list[Previous] = field(default_factory=list, repr=False)  # earlier results, oldest first

    def __getitem__(self, sheet: str) -> pd.DataFrame:
        return self.tables[sheet]

    @property
    def period(self) -> str:
        return self.settings.period

    @property
    def period_end(self) -> dt.date:
        """The day the report period ends: what OVERDUE and 超期 figures are judged against."""
        return period_end(self.settings.period) if self.settings.period else dt.date.today()

    def findings_frame(self) -> pd.DataFrame:
        rows = [f.to_dict() for f in self.findings]
        df = pd.DataFrame(rows, columns=list(FINDING_COLUMNS))
        df["row"] = df["row"].astype("Int64")
        return df

    def count(self, severity: Severity) -> int:
        return sum(f.severity is severity for f in self.findings)

    @property
    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)


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


def _pick_newest(group: list[FileResult]) -> FileResult:
    def key(r: FileResult) -> tuple[dt.date, float]:
        return (r.filled_on or dt.date.min, r.mtime)

    return max(group, key=key)


def _not_counted(findings: Iterable[Finding]) -> list[Finding]:
    """The cell findings of an older copy that was not used. The office may still want to see them,
    so they stay in the problem list, but as 提示: they are not the branch's errors or warnings, and
    every total (the command's count, its exit code, a branch's 错误数/警告数) counts by severity."""
    note = "（重复报送未采用的文件，不计入错误、警告数）"
    return [f if f.severity is Severity.INFO else replace(f, severity=Severity.INFO, message=f.message + note)
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


def build_batch(results: list[FileResult], registry: Registry | None = None,
                extra_findings: Sequence[Finding] = (), previous: Sequence[Previous] = ()) -> Batch:
    """Deduplicate submissions, match the registry, type the data and run the rules; with earlier
    results (oldest first), what was open in the last of them and has vanished since is a finding too."""
    findings: list[Finding] = list(extra_findings)
    settings = registry.settings if registry else Settings()
    if registry:
        findings.extend(registry.findings)
    status: dict[str, str] = {}
    for res in results:
        status[res.file] = "已读取" if res.readable else \
            "空白模板" if any(f.code is Code.EMPTY_TEMPLATE for f in res.findings) else "无法读取"
    readable = [r for r in results if r.readable]
    if not settings.period:
        periods = Counter(r.period for r in readable if r.period)
        settings.period = periods.most_common(1)[0][0] if periods else ""
    if not settings.committee:
        committees = Counter(str(r.info("所属党委")) for r in readable if r.info("所属党委"))
        settings.committee = committees.most_common(1)[0][0] if committees else ""
    used: list[FileResult] = []
    groups: dict[tuple[str, str], list[FileResult]] = {}
    for res in readable:
        if settings.period and res.period and res.period != settings.period:
            findings.append(make(Code.WRONG_PERIOD, res.file, branch_code=res.code, sheet=schema.INFO_SHEET,
                                 cell=res.cell(schema.INFO_SHEET, "报告期", 1), column="报告期",
                                 value=period_label(res.period), detail=period_label(settings.period)))
            status[res.file] = "报告期不符"
            continue
        if not res.code:
            used.append(res)
            continue
        groups.setdefault((res.code, res.period), []).append(res)
    for group in groups.values():
        newest = _pick_newest(group)
        used.append(newest)
        for other in group:
            if other is not newest:
                findings.append(make(Code.DUPLICATE_SUBMISSION, other.file, branch_code=other.code,
                                     detail=newest.file))
                status[other.file] = "重复报送（未采用）"
    # a file that could not be read is still some branch's attempt: its name usually tells whose
    unread = {res.file: res.code or _branch_by_name(res.file, registry) for res in results
              if not res.readable} if registry else {}
    for res in results:
        if status[res.file] == "重复报送（未采用）":
            findings.extend(_not_counted(res.findings))
        elif unread.get(res.file):
            findings.extend(replace(f, branch_code=unread[res.file]) if not f.branch_code else f
                            for f in res.findings)
        else:
            findings.extend(res.findings)
    used.sort(key=lambda r: (r.code, r.file))
    known = {b.code: b for b in registry.branches} if registry else {}
    if registry:
        sent_unread = {code: file for file, code in unread.items() if code}
        reported = {r.code for r in used}
        for res in used:
            if res.code and res.code not in known:
                findings.append(make(Code.UNKNOWN_BRANCH, res.file, branch_code=res.code, sheet=schema.INFO_SHEET,
                                     column="党组织编码", cell=res.cell(schema.INFO_SHEET, "党组织编码", 1),
                                     value=res.code))
            name = res.info(schema.NAME_COL)
            if res.code in known and name and known[res.code].name and squeeze(name) != squeeze(known[res.code].name):
                findings.append(make(Code.NAME_MISMATCH, res.file, branch_code=res.code, sheet=schema.INFO_SHEET,
                                     column=schema.NAME_COL, cell=res.cell(schema.INFO_SHEET, schema.NAME_COL, 1),
                                     value=name, detail=known[res.code].name))
        for b in registry.branches:
            if b.code not in reported:
                contact = "，".join(x for x in (b.secretary and f"书记{b.secretary}", b.phone) if x)
                sent = sent_unread.get(b.code)
                what = "没有报送" if sent is None else f"报送的“{sent}”是空白模板，尚未填写" \
                    if status[sent] == "空白模板" else f"报送的“{sent}”无法读取，需重新报送"
                findings.append(make(Code.MISSING_SUBMISSION, registry.path.name, branch_code=b.code,
                                     sheet="支部名单", value=b.name,
                                     detail=f"{b.name}（{b.code}）{what}" + (f"，请联系{contact}" if contact else "")))
    tables = _frames(used)
    table_names = {t.name for t in schema.TABLE_SHEETS}
    for res in results:  # the DataFrames hold the values now; a city-sized batch cannot keep both
        for name, rec in res.sheets.items():
            if name in table_names:
                rec.values = {}
    by_file = {r.file: r for r in used}
    end = period_end(settings.period) if settings.period else dt.date.today()
    findings.extend(check_rules(tables, by_file, settings, end))
    batch = Batch(tables, [], pd.DataFrame(), settings, registry, by_file, list(previous))
    if previous:
        findings.extend(vanished(batch, previous[-1]))
    for res in results:  # a sheet missing from a workbook leaves its required cells unfilled
        if res.readable:
            res.required_total += sum(len(s.required) for s in schema.FORM_SHEETS if s.name not in res.sheets)
    files = pd.DataFrame([{
        "来源文件": r.file, "党组织编码": r.code, "党组织名称": r.info("党组织名称"), "报告期": r.period,
        "填报日期": r.filled_on, "状态": status.get(r.file, ""),
        "数据行数": sum(len(s.rows) for n, s in r.sheets.items() if n in table_names),
    } for r in results], columns=["来源文件", "党组织编码", "党组织名称", "报告期", "填报日期", "状态", "数据行数"])
    batch.findings, batch.files = _ordered(findings), files
    return batch


_SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
_SHEET_ORDER = {s.name: i for i, s in enumerate(schema.BRANCH_SHEETS)}


def _ordered(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.branch_code or "~", f.file, _SHEET_ORDER.get(f.sheet, -1),
                                           f.row or 0, parse_a1(f.cell)[1], _SEVERITY_ORDER[f.severity]))


PreviousArg = str | os.PathLike[str] | Previous


def _previous(previous: Sequence[PreviousArg] | PreviousArg | None, period: str) -> list[Previous]:
    if previous is None:
        return []
    items = [previous] if isinstance(previous, (str, os.PathLike, Previous)) else list(previous)
    return read_previous_all(items, period)


def read_workbook(path: str | os.PathLike[str], registry: str | os.PathLike[str] | Registry | None = None,
                  isolate: bool = True, previous: Sequence[PreviousArg] | PreviousArg | None = None) -> Batch:
    """Read and check one branch workbook (``previous``: as :func:`read_folder`)."""
    p = Path(path)
    tasks = [(str(p), p.name)]
    reg = read_registry(registry) if isinstance(registry, (str, os.PathLike)) else registry
    earlier = _previous(previous, reg.settings.period if reg else "")
    results = read_files_isolated(tasks, workers=1) if isolate else [process_file(*tasks[0])]
    return build_batch(results, reg, previous=earlier)


def read_folder(inbox: str | os.PathLike[str], registry: str | os.PathLike[str] | Registry | None = None,
                workers: int | None = None, isolate: bool = True,
                progress: Callable[[int, int], None] | None = None,
                previous: Sequence[PreviousArg] | PreviousArg | None = None) -> Batch:
    """Read and check every submission in ``inbox`` (the township office's folder of returned files).
    ``previous``: earlier result workbooks (paths or :class:`~cxzy_xl.history.Previous`), to compare
    with and to find what vanished since the last of them; an unusable one raises
    :class:`~cxzy_xl.history.PreviousError` before anything is read."""
    root = Path(inbox)
    reg = read_registry(registry) if isinstance(registry, (str, os.PathLike)) else registry
    earlier = _previous(previous, reg.settings.period if reg else "")
    paths, skipped = collect_files(root)
    tasks = [(str(p), str(p.relative_to(root))) for p in paths]
    if isolate:
        results = read_files_isolated(tasks, workers=workers, progress=progress)
    else:
        results = []
        for i, t in enumerate(tasks, 1):
            results.append(process_file(*t))
            if progress:
                progress(i, len(tasks))
    return build_batch(results, reg, skipped, previous=earlier)
