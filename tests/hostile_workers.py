"""Stand-ins for files that take a reader down, run inside the worker processes by test_hostile and
test_workers. Workers import this module when they unpickle the function they are given."""

import json
import os
import time

from cxzy_xl.batch import process_file
from cxzy_xl.model import FileResult

# A worker that is slow to start, as a spawned worker on a slow office PC importing pandas, when a
# test asks: CXZY_TEST_SLOW_START="seconds:pid of the test" (spawned workers inherit the environment;
# a spawned worker imports this module while unpickling its target, before multiprocessing has told
# it that it is a child, hence the pid).
_slow, _, _test_pid = os.environ.get("CXZY_TEST_SLOW_START", "").partition(":")
if _slow and _test_pid != str(os.getpid()):
    time.sleep(float(_slow))


class PanicException(BaseException):
    """What pyo3 raises when Rust code panics: not an Exception."""


def misbehave(path: str, file: str):
    if "abort" in file:
        os.abort()  # a native crash, as calamine's abort on some files
    if "hang" in file:
        time.sleep(600)
    if "panic" in file:
        raise PanicException("called `Option::unwrap()` on a `None` value")
    if "hog" in file:
        # Grows and holds, as a reader filling memory does: a cap on the address space stops it
        # with MemoryError, the watchdog by ending the worker.
        held = []
        for _ in range(8 * 2**30 // 2**26):
            held.append(bytearray(b"x" * 2**26))
            time.sleep(0.005)
    return process_file(path, file)


def read_unguarded(path: str, file: str):
    """Every cell of every sheet through calamine with none of read.py's static guards first: what
    the memory cap is for is whatever the guards let through."""
    import python_calamine as pc

    wb = pc.CalamineWorkbook.from_path(path)
    for name in wb.sheet_names:
        wb.get_sheet_by_name(name).to_python()
    return process_file(path, file)


def where_am_i(path: str, file: str):
    """The worker's place in the process tree, for the parent to tell how it was started."""
    import psutil

    me = psutil.Process()
    parent = me.parent()
    where = {"pid": me.pid, "ppid": os.getppid(), "cmdline": me.cmdline(),
             "parent_cmdline": parent.cmdline() if parent else []}
    return FileResult(path, file, meta={"where": json.dumps(where)})
