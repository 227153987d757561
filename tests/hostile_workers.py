"""Stand-ins for files that take a reader down, run inside the worker processes by test_hostile."""

import os
import time

from cxzy_xl.batch import process_file


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
        bytearray(8 * 2**30)  # more than the worker may have
    return process_file(path, file)
