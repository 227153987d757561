"""The worker processes that read untrusted files: a memory cap on every platform, start-up not
counted against a file's time, the start method chosen by CXZY_START_METHOD.

`.ci/run` runs this file a second time with CXZY_START_METHOD=spawn CXZY_MEMORY_GUARD=watchdog: the
code a Windows PC runs."""

import datetime as dt
import json
import os
import sys
import threading
import time
import zipfile

import psutil
import pytest
from helpers import clean_data, write_clean
from hostile_workers import read_unguarded, where_am_i

import cxzy_xl.workers as workers
from cxzy_xl.aggregate import aggregate
from cxzy_xl.findings import Code, Severity
from cxzy_xl.pipeline import read_folder
from cxzy_xl.workers import read_files_isolated

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006"
XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'


def shared_string_bomb(path, text_bytes=6 * 2**20, rows=100, cols=100):
    """A workbook of a few dozen KB: one long shared string, and every cell of a 100×100 block
    referring to it. A reader gives every cell its own copy: 60 GB, at about 2 GB a second."""
    cells = [chr(65 + c // 26 - 1) + chr(65 + c % 26) if c >= 26 else chr(65 + c) for c in range(cols)]
    sheet = "".join(f'<row r="{r}">' + "".join(f'<c r="{c}{r}" t="s"><v>0</v></c>' for c in cells) + "</row>"
                    for r in range(1, rows + 1))
    parts = {
        "[Content_Types].xml": f'{XML}<Types xmlns="{PKG}/content-types">'
        f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" '
        f'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" '
        f'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" '
        f'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        "_rels/.rels": f'{XML}<Relationships xmlns="{PKG}/relationships">'
        f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'{XML}<workbook xmlns="{MAIN}" xmlns:r="{REL}">'
        f'<sheets><sheet name="党员名册" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'{XML}<Relationships xmlns="{PKG}/relationships">'
        f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        "xl/sharedStrings.xml": f'{XML}<sst xmlns="{MAIN}" count="{rows * cols}" uniqueCount="1">'
        f'<si><t>{"党" * (text_bytes // 3)}</t></si></sst>',
        "xl/worksheets/sheet1.xml": f'{XML}<worksheet xmlns="{MAIN}"><sheetData>{sheet}</sheetData></worksheet>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return path


class PeakMemory:
    """The largest resident memory of any process below this one, sampled every 20 ms."""

    def __init__(self):
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        me = psutil.Process()
        while not self._stop.is_set():
            for p in me.children(recursive=True):
                try:
                    self.peak = max(self.peak, p.memory_info().rss)
                except psutil.Error:
                    pass
            time.sleep(0.02)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def test_the_memory_bomb_is_stopped_by_the_watchdog_and_the_batch_goes_on(tmp_path, monkeypatch):
    """Where there is no ``resource`` module (Windows) the parent's watchdog is the only cap."""
    monkeypatch.setenv("CXZY_MEMORY_GUARD", "watchdog")
    names = ["a.xlsx", "bomb.xlsx", "b.xlsx", "c.xlsx"]
    for n in names:
        if n == "bomb.xlsx":
            shared_string_bomb(tmp_path / n)
        else:
            write_clean(tmp_path / n)
    assert (tmp_path / "bomb.xlsx").stat().st_size < 2**20
    limit = 2**30
    started = time.monotonic()
    with PeakMemory() as peak:
        results = read_files_isolated([(str(tmp_path / n), n) for n in names], workers=2, timeout=60,
                                      memory=limit, fn=read_unguarded)
    took = time.monotonic() - started
    print(f"\nbomb: peak worker memory {peak.peak / 2**30:.2f} GB with a {limit / 2**30:g} GB watchdog, "
          f"batch {took:.1f} s")
    assert [r.file for r in results] == names
    bomb = results[1]
    assert not bomb.readable and [f.code.name for f in bomb.findings] == ["FILE_UNREADABLE"]
    assert "内存超过1GB" in bomb.findings[0].message, bomb.findings[0].message
    for r in results[:1] + results[2:]:
        assert r.readable and r.findings == [] and len(r.sheets["党员名册"].rows) == 3
    # Caught within a look or two of passing the limit, not when the time limit ran out.
    assert peak.peak < limit + 3 * 2**29 and took < 30


def test_the_watchdog_is_used_where_resource_is_missing(monkeypatch):
    monkeypatch.delenv("CXZY_MEMORY_GUARD", raising=False)
    monkeypatch.setattr(sys, "platform", "win32")
    assert workers.memory_guard() == "watchdog"
    monkeypatch.setattr(sys, "platform", "linux")
    assert workers.memory_guard() == "rlimit"
    monkeypatch.setenv("CXZY_MEMORY_GUARD", "watchdog")
    assert workers.memory_guard() == "watchdog"


def test_start_up_is_not_counted_against_a_files_time(tmp_path, monkeypatch):
    """A spawned worker imports pandas (seconds on an office PC) before it can read anything; a
    file's clock starts when a ready worker receives it."""
    monkeypatch.setenv("CXZY_START_METHOD", "spawn")
    monkeypatch.setenv("CXZY_TEST_SLOW_START", f"4:{os.getpid()}")  # start-up well past the time limit below
    names = ["a.xlsx", "b.xlsx"]
    for n in names:
        write_clean(tmp_path / n)
    from hostile_workers import misbehave

    results = read_files_isolated([(str(tmp_path / n), n) for n in names], workers=2, timeout=2.5, fn=misbehave)
    assert [(r.file, r.readable, r.findings) for r in results] == [(n, True, []) for n in names]


def test_a_worker_that_never_starts_does_not_hang_the_run(tmp_path, monkeypatch):
    monkeypatch.setenv("CXZY_START_METHOD", "spawn")
    monkeypatch.setenv("CXZY_TEST_SLOW_START", f"600:{os.getpid()}")
    monkeypatch.setattr(workers, "START_TIMEOUT", 1.5)
    names = ["a.xlsx", "b.xlsx", "c.xlsx"]
    for n in names:
        write_clean(tmp_path / n)
    from hostile_workers import misbehave

    started = time.monotonic()
    results = read_files_isolated([(str(tmp_path / n), n) for n in names], workers=1, fn=misbehave)
    assert time.monotonic() - started < 30
    assert [r.file for r in results] == names
    for r in results:
        assert not r.readable and "无法启动" in r.findings[0].message


def observed_start_method(tmp_path) -> str:
    write_clean(tmp_path / "a.xlsx")
    [res] = read_files_isolated([(str(tmp_path / "a.xlsx"), "a.xlsx")], workers=1, fn=where_am_i)
    where = json.loads(res.meta["where"])
    if where["ppid"] != os.getpid():
        assert "forkserver" in " ".join(where["parent_cmdline"]), where
        return "forkserver"
    if "spawn_main" in " ".join(where["cmdline"]) or "--multiprocessing-fork" in where["cmdline"]:
        return "spawn"
    assert where["cmdline"] == psutil.Process().cmdline(), where
    return "fork"


DEFAULT = "forkserver" if sys.platform.startswith("linux") else "spawn"


@pytest.mark.parametrize("asked, expected", [
    ("spawn", "spawn"), ("forkserver", "forkserver"), ("fork", "fork"), ("Spawn ", "spawn"),
    ("threads", DEFAULT), ("", DEFAULT)])
def test_cxzy_start_method_chooses_how_workers_start(tmp_path, monkeypatch, asked, expected):
    if expected not in ("spawn", DEFAULT) and sys.platform != "linux":
        pytest.skip(f"{expected} is not available here")
    monkeypatch.setenv("CXZY_START_METHOD", asked)
    assert observed_start_method(tmp_path) == expected


def test_workers_start_as_this_run_asks(tmp_path):
    """In CI's second pass (CXZY_START_METHOD=spawn) every worker test really runs spawned workers."""
    asked = os.environ.get("CXZY_START_METHOD", "").strip().lower()
    assert observed_start_method(tmp_path) == (asked if asked in ("spawn", "forkserver", "fork") else DEFAULT)


def test_a_duplicates_unused_copy_is_not_counted_in_the_totals(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    newer = clean_data()
    older = clean_data()
    older["基本信息"]["填报日期"] = dt.date(2011, 6, 1)
    older["党员名册"][0]["性别"] = "未知"  # an error, in the copy that is not used
    older["党员名册"][1]["联系电话"] = "123"
    write_clean(inbox / "a_new.xlsx", newer)
    write_clean(inbox / "b_old.xlsx", older)
    result = read_folder(inbox, isolate=False)
    old = [f for f in result.findings if f.file == "b_old.xlsx"]
    # Still listed, so the office can see what the older copy had, but as 提示.
    assert sorted(f.code.name for f in old) == ["BAD_CHOICE", "BAD_PHONE", "DUPLICATE_SUBMISSION"]
    assert all(f.severity is Severity.INFO for f in old if f.code.name != "DUPLICATE_SUBMISSION")
    assert all("不计入错误、警告数" in f.message for f in old if f.code.name != "DUPLICATE_SUBMISSION")
    assert result.count(Severity.ERROR) == 0 and not result.has_errors
    assert result.count(Severity.WARNING) == 1  # the duplicate itself
    summary = aggregate(result)
    row = summary.by_branch.set_index("党组织编码").loc["T001"]
    assert (row["错误数"], row["警告数"]) == (0, 1)


def _chunk_or_fail(tasks):
    """A chunk task that fails when it holds the bad file (as a worker killed by it would)."""
    import threading
    import time as _time

    from cxzy_xl.model import FileResult

    _CHUNKS.append(threading.get_ident())
    _IN_FLIGHT.append(1)
    try:
        _PEAK.append(len(_IN_FLIGHT))
        _time.sleep(0.01)
        if any("bad" in file for _, file in tasks):
            raise RuntimeError("worker lost")
        return [FileResult(path, file) for path, file in tasks]
    finally:
        _IN_FLIGHT.pop()


_CHUNKS: list = []
_IN_FLIGHT: list = []
_PEAK: list = []


def test_any_executor_a_lost_chunk_is_split_and_only_its_file_is_unreadable():
    from concurrent.futures import ThreadPoolExecutor

    from cxzy_xl.workers import map_chunks

    chunks = [[(f"/x/{c}-{i}.xlsx", f"{c}-{i}{'bad' if (c, i) == (3, 2) else ''}.xlsx") for i in range(4)]
              for c in range(10)]
    got: dict = {}
    _PEAK.clear()
    with ThreadPoolExecutor(8) as ex:
        map_chunks(ex, _chunk_or_fail, chunks, got.__setitem__, window=3)
        assert not ex._shutdown  # the caller's executor is left as it was
    assert sorted(got) == [(c, i) for c in range(10) for i in range(4)]
    lost = [at for at, res in got.items() if not res.readable]
    assert lost == [(3, 2)]
    assert got[(3, 2)].findings[0].code is Code.FILE_UNREADABLE
    # the window: never all ten chunks at once (a retry's single files may go beyond it)
    assert max(_PEAK) <= 3 + 4
