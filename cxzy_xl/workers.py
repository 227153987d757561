"""The guarded worker pool: untrusted files are handled in worker processes with a memory and a time
limit, so that a file that kills its worker (a native crash, a Rust abort, running out of memory),
grows it past the memory limit or hangs costs only its own FILE_UNREADABLE finding, and a fresh
worker takes the next file.

The per-file function is passed in (a branch workbook's read and check, a child result's read); the
pool knows nothing of what it runs. The memory limit is the worker's own address-space limit on Linux
and, where there is none (Windows, macOS), the parent's watchdog over each worker's memory;
CXZY_MEMORY_GUARD=watchdog and CXZY_START_METHOD let Linux run the code Windows runs.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import pickle
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future
from concurrent.futures import wait as futures_wait
from multiprocessing.connection import wait
from multiprocessing.reduction import ForkingPickler
from typing import Any

import psutil

from .findings import Code, make
from .model import FileResult

FILE_TIMEOUT = 60.0  # seconds for one file


WORKER_MEMORY = 4 * 2**30  # bytes for one worker: of address space (rlimit), or resident (watchdog)


def worker_memory() -> int:
    """:data:`WORKER_MEMORY`, or ``CXZY_WORKER_MEMORY`` (gigabytes, e.g. 2 or 1.5) where set: a PC with
    little memory, or an engine's workers that should stop a hostile file sooner. A value that is not
    a positive number is ignored."""
    try:
        gb = float(os.environ.get("CXZY_WORKER_MEMORY", ""))
    except ValueError:
        return WORKER_MEMORY
    return int(gb * 2**30) if 0 < gb < 1024 else WORKER_MEMORY


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


def _context(method: str | None, fn: Callable[..., Any]) -> Any:
    method = method or start_method()
    ctx = mp.get_context(method)
    if method == "forkserver":  # the server imports what each worker runs once, not every worker
        ctx.set_forkserver_preload([fn.__module__])
    return ctx


@contextlib.contextmanager
def _main_hidden() -> Iterator[None]:
    """Start workers without re-running the caller's script in them. multiprocessing re-imports
    ``__main__`` in a spawned child; an analyst's script without an ``if __name__ == "__main__"``
    guard (or code piped to python) would then run again in every worker and kill it. The worker's
    function lives in an importable module, so the child needs nothing from ``__main__``."""
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
    return ForkingPickler.loads(data)  # what Connection.recv does with the bytes


def _gb(n: int) -> str:
    return f"{round(n / 2**30, 1):g}GB"


def read_files_isolated(tasks: Sequence[tuple[str, str]], fn: Callable[[str, str], Any], workers: int | None = None,
                        timeout: float = FILE_TIMEOUT, memory: int | None = None,
                        progress: Callable[[int, int], None] | None = None,
                        method: str | None = None, guard: str | None = None,
                        emit: Callable[[int, FileResult], None] | None = None) -> list[FileResult]:
    """Run ``fn`` over (path, shown name) pairs in worker processes, in order; a file whose worker is
    lost comes back as an unreadable :class:`FileResult` with its FILE_UNREADABLE finding.

    ``timeout`` is per file and counts from the moment a started worker receives it. ``memory``
    (bytes) caps each worker, by ``guard`` (:func:`memory_guard` unless given); by default
    :func:`worker_memory`, and under the watchdog no more than a fair share of this machine's memory.
    ``method`` is the start method (:func:`start_method` unless given). ``emit(i, result)``, if given,
    receives each result as it arrives and none is kept (the list returned is then empty): a caller
    streaming a province's files holds none of them."""
    n = len(tasks)
    results: list[FileResult | None] = [None] * n
    if n == 0:
        return []
    ctx = _context(method, fn)
    guard = guard if guard in MEMORY_GUARDS else memory_guard()
    size = max(1, min(workers or os.cpu_count() or 1, n))
    if memory is None:
        memory = worker_memory()
        if guard == "watchdog":  # resident memory, unlike an address-space cap, is what the PC has
            memory = min(memory, max(2**30, psutil.virtual_memory().total // (size + 1)))
    cap_here = guard == "rlimit"
    queue = deque(range(n))
    pool: list[_Worker] = []
    done = 0
    failed_starts = 0

    def finish(i: int, res: FileResult) -> None:
        nonlocal done
        if emit is None:
            results[i] = res
        else:
            emit(i, res)
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


# --- any executor: a chunk of files per task ------------------------------------------------------

IN_FLIGHT = 64  # chunks given to an engine at once: enough to keep a cluster of dozens of workers busy


def _lost_on_engine(task: tuple[str, str], why: str) -> FileResult:
    path, file = task
    return FileResult(path, file, readable=False, findings=[make(
        Code.FILE_UNREADABLE, file, detail=f"读取时后台进程中止（{why}），文件可能过大或已损坏，请用Excel打开检查后重新保存报送")])


class _Packed:
    """A chunk task whose results cross back as one pickled ``bytes``, unpickled in the caller's thread.
    Left to the engine, a dask client unpickles each result object by object on its event-loop thread;
    measured at 10,000 files on a LocalCluster, the client's peak was 641 MB that way and 477 MB this
    way (bench/README.md)."""

    def __init__(self, fn: Callable[[Sequence[tuple[str, str]]], list[FileResult]]) -> None:
        self.fn = fn

    def __call__(self, tasks: Sequence[tuple[str, str]]) -> bytes:
        return pickle.dumps(self.fn(tasks), protocol=pickle.HIGHEST_PROTOCOL)


def map_chunks(executor: Executor, chunk_fn: Callable[[Sequence[tuple[str, str]]], list[FileResult]],
               chunks: Sequence[Sequence[tuple[str, str]]],
               emit: Callable[[tuple[int, int], FileResult], None], window: int = IN_FLIGHT) -> None:
    """Run ``chunk_fn`` over each chunk of (path, shown name) tasks on ``executor`` (any
    :class:`concurrent.futures.Executor`: a ``distributed.Client(...).get_executor()`` among them) and
    ``emit((chunk, position), result)`` for every file as its chunk finishes, in completion order.
    A chunk whose task fails (its worker killed: a native crash, a memory limit) is split and its files
    retried one by one; a file whose own task fails is FILE_UNREADABLE. The executor is the caller's:
    it is never shut down here. At most ``window`` chunks are in flight at once."""
    pending: dict[Future[bytes], tuple[int, list[int]]] = {}
    waiting = deque(c for c, chunk in enumerate(chunks) if chunk)
    packed = _Packed(chunk_fn)

    def submit(c: int, positions: list[int]) -> None:
        pending[executor.submit(packed, [chunks[c][p] for p in positions])] = (c, positions)

    def top_up() -> None:
        # A window of chunks in flight, not all of them: the engine's bookkeeping (dask's scheduler
        # keeps every task it was given) stays flat however many files a province has.
        while waiting and len(pending) < window:
            c = waiting.popleft()
            submit(c, list(range(len(chunks[c]))))

    top_up()
    while pending:
        finished, _ = futures_wait(list(pending), return_when=FIRST_COMPLETED)
        for fut in finished:
            c, positions = pending.pop(fut)
            try:
                results: list[FileResult] = pickle.loads(fut.result())
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:  # noqa: BLE001 - whatever the engine raises for a lost task
                if len(positions) > 1:
                    for p in positions:
                        submit(c, [p])
                else:
                    emit((c, positions[0]), _lost_on_engine(chunks[c][positions[0]], type(exc).__name__))
                continue
            for p, res in zip(positions, results, strict=True):
                emit((c, p), res)
        top_up()


__all__ = ["FILE_TIMEOUT", "map_chunks", "MEMORY_GUARDS", "START_METHODS", "WORKER_MEMORY", "memory_guard", "read_files_isolated",
           "start_method", "worker_memory"]
