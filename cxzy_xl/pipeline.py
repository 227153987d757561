"""The runs an office makes, as library functions: read an inbox (with earlier results to compare
with), and the policies every caller gets, the command line and a notebook alike.

The command line (cli.py) and the demo only parse, call these and print.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from . import schema
from .aggregate import aggregate, submissions, unverified_branches
from .batch import (
    NOT_COUNTED,
    NOT_COUNTED_REASONS,
    build_batch,
    chunks_of,
    inbox_tasks,
    process_file,
    read_chunk,
    read_submissions,
)
from .dataset import (
    BRANCH_TABLE,
    FINDINGS_TABLE,
    DatasetSummary,
    DatasetWriter,
    MissingExtra,
    counted_once,
    finding_rows,
    frames_of,
    result_frames,
    unit_of,
    write_summary,
)
from .detailbook import detail_filename, write_results
from .feedback import feedback_files
from .files import PlacementRefused, refuse_placement
from .findings import Code, Finding, Severity, brief, make
from .groups import has_groups
from .model import Batch, FileResult, Previous, Summary
from .normalize import period_label
from .output import write_findings, write_group_lists, write_result
from .read import Registry, Unreadable, load_book, read_registry
from .register import RegisterRun, read_arrivals, register_path, update_register, what_else
from .resultbook import read_child, read_previous_all, result_filename
from .review import reviewed, with_states
from .rollup import rollup
from .schema import RANK_CHANGE
from .workers import map_chunks, read_files_isolated

PreviousArg = str | os.PathLike[str] | Previous
RegistryArg = str | os.PathLike[str] | Registry
# The inbox register: True, beside the inbox (register.register_path); False, none; or where it is.
RegisterArg = bool | str | os.PathLike[str]


def _register_file(inbox: str | os.PathLike[str], register: RegisterArg,
                   outputs: Sequence[str | os.PathLike[str] | None] = ()) -> Path | None:
    """Where the run keeps its inbox register. A path the caller named must not be one of this run's
    outputs or a workbook of another kind (a 汇总表 given by mistake is refused, not set aside as a
    damaged register); the register beside the inbox is set aside and rebuilt when it is not one."""
    if register is False:
        return None
    if register is True:
        return register_path(inbox)
    path = Path(register)
    if any(o is not None and Path(o).resolve() == path.resolve() for o in outputs):
        raise PlacementRefused(f"收件登记不能与本次生成的文件同名：{path}")
    other = what_else(path)
    if other:
        raise PlacementRefused(f"{path} 是{other}，不是收件登记，请给收件登记另起一个文件名（如 收件登记.xlsx）")
    return path


def _registry(registry: RegistryArg | None) -> Registry | None:
    return read_registry(registry) if isinstance(registry, (str, os.PathLike)) else registry


def _previous(previous: Sequence[PreviousArg] | PreviousArg | None, period: str) -> list[Previous]:
    if previous is None:
        return []
    items = [previous] if isinstance(previous, (str, os.PathLike, Previous)) else list(previous)
    return read_previous_all(items, period)


def read_workbook(path: str | os.PathLike[str], registry: RegistryArg | None = None,
                  isolate: bool = True, previous: Sequence[PreviousArg] | PreviousArg | None = None) -> Batch:
    """Read and check one branch workbook (``previous``: as :func:`read_folder`)."""
    p = Path(path)
    reg = _registry(registry)
    earlier = _previous(previous, reg.settings.period if reg else "")
    return read_submissions([(str(p), p.name)], reg, previous=earlier, workers=1, isolate=isolate)


def read_folder(inbox: str | os.PathLike[str], registry: RegistryArg | None = None,
                workers: int | None = None, isolate: bool = True,
                progress: Callable[[int, int], None] | None = None,
                previous: Sequence[PreviousArg] | PreviousArg | None = None,
                executor: Executor | None = None, arrivals: Mapping[str, dt.datetime] | None = None) -> Batch:
    """Read and check every submission in ``inbox`` (the township office's folder of returned files).
    ``previous``: earlier result workbooks (paths or :class:`~cxzy_xl.model.Previous`), to compare
    with and to find what vanished since the last of them; an unusable one raises
    :class:`~cxzy_xl.model.PreviousError` before anything is read. ``executor``: any
    :class:`concurrent.futures.Executor` (e.g. ``distributed.Client(...).get_executor()``) to read on,
    a chunk of files per task; ``None`` keeps the guarded worker pool. It is never shut down here.
    ``arrivals``: each version's first arrival (by digest), from the inbox register
    (:func:`~cxzy_xl.register.read_arrivals`), for the duplicate rule."""
    root = Path(inbox)
    reg = _registry(registry)
    earlier = _previous(previous, reg.settings.period if reg else "")
    tasks, skipped = inbox_tasks(root)
    return read_submissions(tasks, reg, skipped=skipped, previous=earlier, workers=workers, isolate=isolate,
                            progress=progress, executor=executor, arrivals=arrivals)


# --- the runs ---------------------------------------------------------------------------------------

class EmptyInbox(ValueError):
    """The inbox holds no spreadsheet at all (a wrong folder, most likely): nothing is read or written.
    ``str(exc)`` is for the office."""


def refuse_empty_inbox(inbox: str | os.PathLike[str]) -> None:
    """Raise :class:`EmptyInbox` unless ``inbox`` is a folder holding at least one spreadsheet (lock
    files and other files do not count): a check or aggregate of nothing is a mistake, not a result
    of nothing."""
    root = Path(inbox)
    if not root.is_dir():
        raise EmptyInbox(f"找不到收件箱文件夹 {root}，请确认文件夹是否选对")
    tasks, skipped = inbox_tasks(root)
    if not tasks:
        others = f"（只有 {len(skipped)} 个其他文件）" if skipped else ""
        raise EmptyInbox(f"收件箱 {root} 中没有可读取的报表文件（.xlsx/.xls/.ods…）{others}，请确认文件夹是否选对")


@dataclass
class CheckRun:
    """What :func:`run_check` read and wrote."""

    batch: Batch
    problem_list: Path | None = None
    feedback: list[Path] = field(default_factory=list)
    group_lists: list[Path] = field(default_factory=list)
    register: RegisterRun | None = None  # the inbox register and each branch's state (None: not kept)

    @property
    def has_errors(self) -> bool:
        return self.batch.has_errors


@dataclass
class ResultRun:
    """What :func:`run_aggregate` or :func:`run_rollup` computed and where the result went."""

    summary: Summary
    path: Path
    batch: Batch | None = None
    detail: Path | None = None  # the 明细表 beside a township's 汇总表 (None: a roll-up, or --no-detail)
    detail_writer: str = ""  # which writer wrote it (detailbook.WRITERS)
    dataset: DatasetSummary | None = None  # the Parquet dataset (``parquet=``)
    register: RegisterRun | None = None  # the inbox register and each branch's state (None: not kept)

    @property
    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.summary.findings)


def run_check(inbox: str | os.PathLike[str], registry: RegistryArg | None = None, *,
              previous: Sequence[str | os.PathLike[str]] = (), output: str | os.PathLike[str] | None = None,
              feedback: str | os.PathLike[str] | None = None, by_group: str | os.PathLike[str] | None = None,
              every: bool = False, progress: Callable[[int, int], None] | None = None,
              register: RegisterArg = True) -> CheckRun:
    """Check an inbox; optionally write the problem list (``output``), each branch's feedback workbook
    (into ``feedback``) and one problem list per 督导组 (into ``by_group``); record the run in the inbox
    register (``register``: True beside the inbox, a path, or False) with the files sent back. Refuses,
    nothing written: an inbox without a spreadsheet (:class:`EmptyInbox`), an output inside the inbox or
    over an input (:class:`~cxzy_xl.files.PlacementRefused`), and ``by_group`` without a registry that
    names groups."""
    reg_path = registry if isinstance(registry, (str, os.PathLike)) else None
    book = _register_file(inbox, register, [output])
    refuse_placement([output, feedback, by_group, book], inbox=inbox, inputs=_inputs(reg_path, previous))
    reg = _registry(registry)
    if by_group is not None and not has_groups(reg):
        raise PlacementRefused("按督导组生成问题清单，须用 --registry 给出填写了“督导组”列的支部名单")
    refuse_empty_inbox(inbox)
    arrivals = read_arrivals(book, inbox) if book is not None else None
    batch = read_folder(inbox, reg, progress=progress, previous=list(previous), arrivals=arrivals)
    run = CheckRun(batch)
    if output is not None:
        run.problem_list = write_findings(batch.findings, output, every=every)
    sent: dict[str, Path] = {}
    if feedback is not None:
        sent = feedback_files(batch.findings, inbox, feedback)
        run.feedback = list(sent.values())
    if by_group is not None:
        run.group_lists = write_group_lists(batch, by_group, every=every)
    if book is not None:
        run.register = update_register(book, batch, inbox, returned=set(sent))
    return run


def run_aggregate(inbox: str | os.PathLike[str], registry: RegistryArg | None = None, *,
                  previous: Sequence[str | os.PathLike[str] | Previous] = (),
                  output: str | os.PathLike[str] | None = None, folder: str | os.PathLike[str] = ".",
                  mask: bool = True, every: bool = False, progress: Callable[[int, int], None] | None = None,
                  write_progress: Callable[[int, int], None] | None = None, detail: bool = True,
                  parquet: str | os.PathLike[str] | None = None, executor: Executor | None = None,
                  register: RegisterArg = True) -> ResultRun:
    """Check and aggregate an inbox and write the result: the 汇总表 to ``output`` (replaced), else under
    its own name in ``folder`` (an earlier result of ours replaced only when nobody saved it since), and
    with ``detail`` the 明细表 beside it (:func:`~cxzy_xl.detailbook.detail_filename`), and with ``parquet``
    the analysts' dataset there (this quarter's partitions replaced). Files are read on ``executor``
    when given (see :func:`read_folder`). The run is recorded in the inbox register (``register``: as
    :func:`run_check`). An inbox without a spreadsheet is refused (:class:`EmptyInbox`), nothing written."""
    reg_path = registry if isinstance(registry, (str, os.PathLike)) else None
    outputs = [output, detail_filename(output)] if output is not None and detail else [output]
    book = _register_file(inbox, register, outputs)
    outputs.extend([parquet, book])
    refuse_placement(outputs, inbox=inbox, inputs=_inputs(reg_path, previous))
    refuse_empty_inbox(inbox)
    arrivals = read_arrivals(book, inbox) if book is not None else None
    batch = read_folder(inbox, registry, progress=progress, previous=list(previous), executor=executor,
                        arrivals=arrivals)
    kept = update_register(book, batch, inbox) if book is not None else None
    summary = reviewed(aggregate(batch), batch.previous)
    if kept is not None:
        summary = with_states(summary, kept.states)
    written = write_results(summary, output, mask=mask, progress=write_progress, every_finding=every, folder=folder,
                            detail=detail)
    dataset = write_summary(summary, parquet, mask) if parquet is not None else None
    return ResultRun(summary, written.result, batch, written.detail.path if written.detail else None,
                     written.detail.writer if written.detail else "", dataset, kept)


def run_rollup(results: Sequence[str | os.PathLike[str]], *, unit: str = "", allow_mixed_periods: bool = False,
               previous: Sequence[str | os.PathLike[str]] = (), output: str | os.PathLike[str] | None = None,
               folder: str | os.PathLike[str] = ".", progress: Callable[[int, int], None] | None = None) -> ResultRun:
    """Roll result workbooks up one level and write the roll-up's result (never over one of its inputs).
    Raises :class:`~cxzy_xl.model.RollupError` when they cannot be rolled up."""
    summary = rollup(list(results), unit=unit, allow_mixed_periods=allow_mixed_periods, progress=progress,
                     previous=list(previous))
    target = Path(output) if output is not None else Path(folder) / result_filename(summary)
    refuse_placement([target], inputs={"下级汇总表": results, "上期汇总表": previous})
    return ResultRun(summary, write_result(summary, output, mask=True, folder=folder))


# --- analysts: the Parquet dataset, on this machine or a cluster ------------------------------------

class EngineError(ValueError):
    """A ``--scheduler`` that cannot be used (a wrong form, a cluster that does not answer); ``str(exc)``
    is for the user (Chinese)."""


DASK_HINT = 'pip install "cxzy_xl[dask]"'
CONNECT_TIMEOUT = "30s"


# Each started as a person would start them by hand (`dask scheduler`, `dask worker`), so the scheduler
# does not live in the calling process: with LocalCluster's in-process scheduler the caller grew from
# 281 MB at 2,000 files to 477 MB at 10,000; with the scheduler in its own process it stayed at about
# 255 MB (bench/README). The thread reading stdin ends the process when its pipe closes: when we close
# it at the end, or when the calling process dies without closing anything (no cluster left behind).
_ENGINE_PROCESS = """import os, sys, threading
def _orphaned():
    sys.stdin.buffer.read()
    os._exit(0)
threading.Thread(target=_orphaned, daemon=True).start()
from distributed.cli.dask_{0} import main
sys.argv[0] = "dask {0}"
main()
"""
LOCAL_START_TIMEOUT = 120.0


@contextlib.contextmanager
def _local_cluster(n: int) -> Iterator[Any]:
    """A dask scheduler and ``n`` single-threaded worker processes (behind one nanny process) on this
    machine, each a process of its own; yields a ``distributed.Client`` of it once every worker is up. Workers are not
    daemonic, so a task may start the guarded per-file worker (batch.read_chunk); a lost task is split
    and retried by map_chunks, so the scheduler need not retry it three times first. The workers see
    this process's import path, as multiprocessing's own children do."""
    from distributed import Client

    with tempfile.TemporaryDirectory(prefix="cxzy-dask-", ignore_cleanup_errors=True) as tmp:
        where = Path(tmp)
        file = where / "scheduler.json"
        env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False",
               "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1",
               "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        started: list[subprocess.Popen[bytes]] = []

        def start(role: str, *args: str) -> subprocess.Popen[bytes]:
            with open(where / f"{role}.log", "wb") as log:
                proc = subprocess.Popen([sys.executable, "-c", _ENGINE_PROCESS.format(role), *args], env=env,
                                        stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT, cwd=tmp)
            started.append(proc)
            return proc

        def refused(role: str) -> EngineError:
            tail = (where / f"{role}.log").read_text("utf-8", "replace").strip().splitlines()[-3:]
            return EngineError("本机 dask 集群启动失败：" + (" / ".join(tail) or "没有输出"))

        try:
            scheduler = start("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                              "--scheduler-file", str(file))
            deadline = time.monotonic() + LOCAL_START_TIMEOUT
            while not file.exists():
                if scheduler.poll() is not None or time.monotonic() > deadline:
                    raise refused("scheduler")
                time.sleep(0.1)
            start("worker", "--scheduler-file", str(file), "--nworkers", str(n), "--nthreads", "1",
                  "--no-dashboard", "--host", "127.0.0.1", "--local-directory", tmp)
            client = Client(scheduler_file=str(file), timeout=CONNECT_TIMEOUT)
            try:
                try:
                    client.wait_for_workers(n, timeout=LOCAL_START_TIMEOUT)
                except TimeoutError as exc:
                    raise refused("worker") from exc
                yield client
            finally:
                client.close()
        finally:
            for proc in started:
                with contextlib.suppress(OSError):
                    proc.stdin.close()  # type: ignore[union-attr]
            for proc in reversed(started):
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


@contextlib.contextmanager
def engine(scheduler: str | None) -> Iterator[Executor | None]:
    """The executor ``scheduler`` names: ``None`` or "" (the guarded worker pool: yields None),
    ``local`` or ``local:N`` (a dask scheduler and N worker processes on this machine, closed afterwards), or
    ``tcp://HOST:PORT`` (an existing dask scheduler; the cluster is left running). Needs the ``dask``
    extra; without it :class:`~cxzy_xl.dataset.MissingExtra` says what to install."""
    if not scheduler:
        yield None
        return
    spec = scheduler.strip()
    local = spec == "local" or spec.startswith("local:")
    if not local and "://" not in spec:
        raise EngineError(f"--scheduler 的写法应为 local、local:进程数 或 tcp://主机:端口，而不是“{spec}”")
    n = None
    if local and ":" in spec:
        try:
            n = int(spec.split(":", 1)[1])
        except ValueError:
            n = 0
        if n < 1:
            raise EngineError(f"--scheduler {spec}：进程数应为正整数，如 local:4")
    try:
        from distributed import Client
    except ImportError as exc:
        raise MissingExtra(f"在多进程集群或多台机器上运行需要 dask.distributed，请先安装：{DASK_HINT}") from exc
    if local:
        with _local_cluster(n or os.cpu_count() or 1) as client:
            yield client.get_executor()
        return
    try:
        client = Client(spec, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:
        raise EngineError(f"连接不上调度器 {spec}（{type(exc).__name__}），请确认 dask scheduler 已启动、地址和端口无误") from exc
    try:
        yield client.get_executor()
    finally:
        client.close()


def export_folder(source: str | os.PathLike[str], out: str | os.PathLike[str], *, registry: RegistryArg | None = None,
                  mask: bool = True, executor: Executor | None = None, workers: int | None = None,
                  progress: Callable[[int, int], None] | None = None,
                  reader: Callable[[str, str], FileResult] = process_file) -> DatasetSummary:
    """A folder tree of branch workbooks (a province's 市/县/乡镇 folders, searched recursively) as the
    Parquet dataset in ``out``: each folder is one township's batch (deduplicated and checked as an
    inbox is), its rows written as soon as its last file is read, so memory stays flat however many
    files there are. Files are read in the guarded worker pool, or on ``executor`` (never shut down
    here) a chunk per task. Each quarter exported replaces that quarter's partitions only.
    ``reader`` is the per-file function (tests put stand-ins for hostile files there)."""
    root = Path(source)
    refuse_empty_inbox(root)
    refuse_placement([out], inbox=root, inbox_name="源文件夹")
    reg = _registry(registry)
    tasks, skipped = inbox_tasks(root)
    folders: dict[str, list[int]] = {}
    for i, (_, name) in enumerate(tasks):
        folders.setdefault(Path(name).parent.as_posix(), []).append(i)
    order = list(folders)
    left = {f: len(ix) for f, ix in folders.items()}
    held: dict[str, dict[int, FileResult]] = {f: {} for f in folders}
    folder_of = {i: f for f, ix in folders.items() for i in ix}
    done = unreadable = 0
    # Only what leaves a file or a branch out stays in memory (every finding is in the 问题清单 table):
    # a province's warnings, held to the end, would grow the client by tens of KB a file.
    findings: list[Finding] = [x for x in skipped if leaves_out(x)]
    loose: dict[str, list[Finding]] = {}  # files skipped (not spreadsheets, lock files), by folder, for 问题清单
    for x in skipped:
        loose.setdefault(Path(x.file).parent.as_posix(), []).append(x)
    counted: dict[tuple[str, str], str] = {}  # (partition, 党组织编码) → the file it was exported from
    # A folder's tables wait here until every folder before it (in path order) is written: which copy of
    # a branch counts is then the first in path order, whatever order the engine finishes them in. The
    # files are handed out in path order, so only folders finished ahead of an earlier one wait.
    ready: dict[str, list[tuple[str, dict[str, pd.DataFrame], list[Finding]]]] = {}
    turn = 0
    with DatasetWriter(Path(out)) as writer:

        def settle() -> None:
            nonlocal turn
            while turn < len(order) and order[turn] in ready:
                f = order[turn]
                turn += 1
                for period, frames, found in ready.pop(f):
                    if not period and BRANCH_TABLE not in frames:  # only files listed, no 报告期 to file them under
                        loose.setdefault(f, []).extend(found)
                        findings.extend(x for x in found if leaves_out(x))
                        continue
                    frames, dropped, added = counted_once(frames, period, counted)
                    counted.update(added)
                    writer.write(frames, period)
                    findings.extend(x for x in [*found, *dropped] if leaves_out(x))

        def arrive(i: int, res: FileResult) -> None:
            nonlocal done, unreadable
            f = folder_of[i]
            held[f][i] = res
            left[f] -= 1
            done += 1
            unreadable += any(x.code is Code.FILE_UNREADABLE for x in res.findings)
            if left[f] == 0:
                results = [held[f][j] for j in folders[f]]
                del held[f]
                ready[f] = folder_frames(results, f, reg, mask, loose.pop(f, []))
                settle()
            if progress:
                progress(done, len(tasks))

        if executor is None:
            read_files_isolated(tasks, reader, workers=workers, emit=arrive)
        else:
            pieces = [(f, part) for f in order for part in chunks_of(folders[f])]
            map_chunks(executor, functools.partial(read_chunk, fn=reader), [[tasks[i] for i in part] for _, part in pieces],
                       lambda at, res: arrive(pieces[at[0]][1][at[1]], res))
        if loose:  # files listed in folders that exported nothing: under the first quarter written, if any
            writer.write({FINDINGS_TABLE: finding_rows([x for xs in loose.values() for x in xs], mask)},
                         (writer.periods() or [""])[0])
        partitions = writer.commit()
    return DatasetSummary(Path(out), dict(writer.rows), writer.periods(), partitions, files=len(tasks),
                          unreadable=unreadable, findings=findings)


def leaves_out(finding: Finding) -> bool:
    """A finding that leaves a file or a branch out of a count (an export keeps these to report)."""
    return finding.code in NOT_COUNTED_REASONS and finding.severity is not Severity.INFO


# what an export's tree may hold beside branch workbooks (a 收件登记 sits beside every township's inbox)
OTHER_IDS = {k: v for k, v in schema.WORKBOOK_KINDS.items() if k != schema.TEMPLATE_ID}


def folder_frames(results: Sequence[FileResult], folder: str, registry: Registry | None, mask: bool,
                  loose: Sequence[Finding] = ()) -> list[tuple[str, dict[str, pd.DataFrame], list[Finding]]]:
    """One folder of an export's tree as the dataset's tables, per 报告期: its branch workbooks as one
    township's batch; each township 汇总表 with the 明细表 beside it (read here, once more: a tree holds
    one per township). A roll-up, a 明细表 without its 汇总表, a 支部名单 and the ``loose`` findings (files
    skipped in the folder) are listed in the folder's first 问题清单, not exported."""
    kind = {r.file: r.meta.get("template_id", "") for r in results}
    details = {Path(r.path).name: r for r in results if kind[r.file] == schema.DETAIL_ID}
    out: list[tuple[str, dict[str, pd.DataFrame], list[Finding]]] = []
    listed: list[Finding] = list(loose)
    branch = [r for r in results if kind[r.file] not in OTHER_IDS]
    if branch:
        batch = build_batch(branch, registry)
        out.append((batch.period, frames_of(batch, mask, unit_of(folder)), list(batch.findings)))
    used: set[str] = set()
    for r in results:
        if kind[r.file] != schema.RESULT_ID:
            continue
        child = read_child(r.path, r.file)
        if isinstance(child, FileResult):  # its FILE_UNREADABLE finding
            listed.extend(child.findings)
            continue
        if child.level > 1:
            listed.append(make(Code.SKIPPED, r.file, severity=Severity.WARNING, detail=(
                f"{child.unit}的逐级汇总表没有支部明细，未导出；请导出各乡镇的汇总表和明细表，或各支部的填报表")))
            continue
        pair = next((d for d in details.values() if d.meta.get("result") == Path(r.path).name),
                    details.get(detail_filename(r.path).name))
        book, found = None, []
        if pair is not None:
            used.add(Path(pair.path).name)
            try:
                book = load_book(pair.path)
            except Unreadable as exc:
                found.append(make(Code.FILE_UNREADABLE, pair.file, detail=str(exc)))
        if book is None:
            found.append(make(Code.SKIPPED, r.file, severity=Severity.WARNING, detail=(
                f"{child.unit}的汇总表旁没有可读的明细表，只导出了支部汇总数据和问题清单，党员名册等明细未导出")))
        frames = result_frames(child, r.file, book, pair.file if pair is not None else "", mask)
        frames[FINDINGS_TABLE] = pd.concat([frames[FINDINGS_TABLE], finding_rows(found, mask)], ignore_index=True)
        out.append((child.period, frames, found))
    for r in results:
        what = OTHER_IDS.get(kind[r.file])
        if what is None or what == "汇总表" or (what == "明细表" and Path(r.path).name in used):
            continue
        why = "找不到与它配套的汇总表" if what == "明细表" else "不是支部填报表"
        listed.append(make(Code.SKIPPED, r.file, detail=f"这是{what}，{why}，未导出"))
    if listed:
        if not out:  # nothing exported from this folder: the listing goes with its files' 报告期, if they say
            out.append((next((r.meta["report_period"] for r in results if r.meta.get("report_period")), ""), {}, []))
        period, frames, found = out[0]
        frames = {**frames, FINDINGS_TABLE: pd.concat([frames.get(FINDINGS_TABLE, pd.DataFrame()), finding_rows(listed, mask)],
                                                      ignore_index=True)}
        out[0] = (period, frames, [*found, *listed])
    return out


def _inputs(registry: str | os.PathLike[str] | None,
            previous: Sequence[str | os.PathLike[str] | Previous]) -> dict[str, list[str | os.PathLike[str]]]:
    earlier = [p.path if isinstance(p, Previous) else p for p in previous]
    return {"支部名单": [registry] if registry is not None else [], "上期汇总表": earlier}


LEFT_OUT_SHOWN = 10  # files named in the 未计入 line; the rest are in batch.files and the problem list


def left_out(batch: Batch | None) -> str | None:
    """The console line naming the files not counted, each with its reason (None when every file
    counted): what makes the 报送 line add up when a file was sent but is in no figure."""
    if batch is None or batch.files.empty:
        return None
    out = batch.files[batch.files["状态"] == NOT_COUNTED]
    if out.empty:
        return None
    items = [f"{file}（{why}）" for file, why in zip(out["来源文件"], out["未计入原因"], strict=True)]
    more = f"等，共{len(items)}个，详见问题清单" if len(items) > LEFT_OUT_SHOWN else ""
    return f"  未计入 {len(items)} 个文件：" + "、".join(items[:LEFT_OUT_SHOWN]) + more


def headline(summary: Summary) -> list[str]:
    """The few lines the console shows after an aggregate or a roll-up (the 总览 in brief)."""
    t = summary.total.iloc[0]

    def pct(v: object) -> str:
        return "—" if v is None or v != v else f"{float(v):.1%}"  # type: ignore[arg-type]

    sent = submissions(summary)
    lines = [f"{brief(summary.unit) or '汇总'}　{period_label(summary.period) if summary.period else ''}",
             f"  报送：应报 {summary.expected}，已报 {sent.reported}" + (f"（逾期 {sent.late}）" if sent.late else "")
             + f"，未报 {sent.missing}",
             *filter(None, [left_out(summary.batch)]),
             f"  党员 {int(t['党员数'])} 人；承诺 {int(t['承诺数'])} 项，兑现率 {pct(t['承诺兑现率'])}；"
             f"参学率 {pct(t['参学率'])}",
             f"  为民办实事 {int(t['办实事项目数'])} 项，投入资金 {float(t['投入资金（万元）']):,.2f} 万元；"
             f"民情办结率 {pct(t['办结率'])}；测评满意率 {pct(t['测评满意率'])}"]
    n, flagged = unverified_branches(summary)
    if n:
        lines.append(f"  待核实：{n} 个党支部的部分数字有填报错误，未计入合计，综合得分待核实的暂不排名（"
                     f"{'、'.join(flagged[:10])}{'等' if len(flagged) > 10 else ''}）")
    # counted over every finding, as `cxzy check` counts them (未报送 included)
    errors = sum(f.severity is Severity.ERROR for f in summary.findings)
    warnings = sum(f.severity is Severity.WARNING for f in summary.findings)
    lines.append(f"  问题：错误 {errors} 个，警告 {warnings} 个（详见汇总表“问题清单”）")
    if summary.previous:
        last = summary.previous[-1]
        before = last.summary.total.iloc[0]
        ranked = summary.by_unit if summary.by_unit is not None else summary.by_branch
        moves = ranked[RANK_CHANGE].dropna() if RANK_CHANGE in ranked else ranked.iloc[0:0]
        lines.append(f"  与上期（{last.label}）比：综合平均得分 {float(before['综合得分']):.1f} → {float(t['综合得分']):.1f}，"
                     f"承诺兑现率 {pct(before['承诺兑现率'])} → {pct(t['承诺兑现率'])}；"
                     f"排名上升 {int((moves > 0).sum())} 个，下降 {int((moves < 0).sum())} 个")
    return lines


__all__ = ["CheckRun", "EmptyInbox", "ResultRun", "headline", "left_out", "read_folder", "read_workbook",
           "refuse_empty_inbox", "run_aggregate", "run_check", "run_rollup"]
