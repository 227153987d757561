"""The analysts' Parquet dataset (contract 1.2, "Analysts: a Parquet dataset"), on this machine's
guarded pool and on a dask cluster of two worker processes on this machine (`--scheduler local:2`): one folder per table, hive-partitioned
by 报告期, typed from the contract, masked, each row with 党组织编码 and 来源文件; a quarter re-exported
replaces that quarter only; a hostile file costs its own FILE_UNREADABLE on every engine.

Skipped, with the reason, where the extras are not installed (``pip install -e ".[test]"`` brings them)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from cxzy_xl import schema
from cxzy_xl.batch import read_chunk
from cxzy_xl.demo import make_demo
from cxzy_xl.findings import Code
from cxzy_xl.pipeline import EngineError, engine, export_folder, run_aggregate

pa = pytest.importorskip("pyarrow", reason="pyarrow (the parquet extra) is not installed")
pq = pytest.importorskip("pyarrow.parquet")

from cxzy_xl.dataset import (  # noqa: E402 - after the skip: the module needs pyarrow to be used
    CONTRACT_KEY,
    TABLES,
    DatasetRefused,
    read_dataset,
)

try:
    import distributed  # noqa: F401
    HAVE_DASK = True
except ImportError:
    HAVE_DASK = False
needs_dask = pytest.mark.skipif(not HAVE_DASK, reason="dask.distributed (the dask extra) is not installed")


@pytest.fixture(scope="module")
def township(tmp_path_factory):
    return make_demo(tmp_path_factory.mktemp("ds") / "d", n_branches=16, quarters=1)


@pytest.fixture(scope="module")
def pooled(township, tmp_path_factory):
    out = tmp_path_factory.mktemp("pooled") / "dataset"
    return out, export_folder(township.inbox, out)


def _sheet(path: Path, name: str) -> pd.DataFrame:
    ws = openpyxl.load_workbook(path, read_only=True)[name]
    rows = list(ws.iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def _tables(root: Path) -> dict[str, pd.DataFrame]:
    """Every table, rows in a stable order (part files arrive in completion order on a cluster)."""
    out = {}
    for t in TABLES:
        df = read_dataset(root, t)
        out[t] = df.sort_values(list(df.columns), ignore_index=True, na_position="first") if len(df) else df
    return out


def test_one_folder_per_table_partitioned_by_period_typed_and_stamped(pooled):
    root, summary = pooled
    assert sorted(p.name for p in root.iterdir() if not p.name.startswith(".")) == sorted(TABLES)
    assert summary.periods == ["2011Q2"] and summary.files == 16
    roster = pq.read_table(next((root / "党员名册" / "period=2011Q2").glob("*.parquet")))
    types = {f.name: f.type for f in roster.schema}
    assert types["出生日期"] == pa.date32() and types["序号"] == pa.int64() and types["姓名"] == pa.string()
    assert roster.schema.metadata[CONTRACT_KEY] == b"1.2"
    assert {schema.CODE_COL, schema.FILE_COL} <= set(types)
    # every part of a table has one schema, so DuckDB or pandas reads the quarters as one table
    schemas = {str(pq.read_schema(p)) for p in (root / "支部").rglob("*.parquet")}
    assert len(schemas) == 1
    assert not list(root.glob(".cxzy-staging-*")), "the staging folder is ours to remove"


def test_member_ids_and_phones_are_masked_unless_asked(pooled, township, tmp_path):
    root, _ = pooled
    roster = read_dataset(root, "党员名册")
    ids = roster["身份证号"].dropna()
    assert len(ids) and ids.str.contains(r"\*{8}").all()
    plain = export_folder(township.inbox, tmp_path / "plain", mask=False)
    raw = read_dataset(plain.root, "党员名册")["身份证号"].dropna()
    assert not raw.str.contains(r"\*").any() and raw.str.len().eq(18).all()


def test_the_branch_table_equals_the_aggregate_data_sheet(township, tmp_path):
    duckdb = pytest.importorskip("duckdb", reason="duckdb (a test dependency) is not installed")
    # the same files and the same registry (its 设置: the campaign's dates and weights) on both sides
    root = export_folder(township.inbox, tmp_path / "dataset", registry=township.registry).root
    run = run_aggregate(township.inbox, township.registry, output=tmp_path / "汇总.xlsx", detail=False)
    data = _sheet(run.path, schema.RESULT_DATA_SHEET).set_index(schema.CODE_COL)
    con = duckdb.connect()
    got = con.execute(
        f"select * from read_parquet('{root.as_posix()}/支部/**/*.parquet', hive_partitioning = true) order by 党组织编码"
    ).df().set_index(schema.CODE_COL)
    assert set(got["period"]) == {"2011Q2"}
    assert sorted(got.index) == sorted(data.index)
    numeric = [c for c in data.columns if c in got.columns and c not in (schema.UNIT_COL, "党组织名称", "党组织类型")]
    assert len(numeric) > 50
    for code in data.index:
        for c in numeric:
            want, have = data.at[code, c], got.at[code, c]
            assert (want is None and pd.isna(have)) or float(want) == pytest.approx(float(have)), (code, c)
    # every row says where it came from
    assert got[schema.FILE_COL].notna().all()
    n = con.execute(f"select count(*) from read_parquet('{root.as_posix()}/党员名册/**/*.parquet')").fetchone()[0]
    assert n == len(read_dataset(root, "党员名册"))


def test_a_quarter_exported_again_replaces_that_quarter_only(township, tmp_path):
    out = tmp_path / "dataset"
    export_folder(township.inbox, out)
    # another quarter already in the dataset, as an earlier export left it
    other = out / "党员名册" / "period=2011Q1"
    shutil.copytree(out / "党员名册" / "period=2011Q2", other)
    before = len(read_dataset(out, "党员名册"))
    fewer = tmp_path / "fewer"
    shutil.copytree(township.inbox, fewer)
    dropped = sorted(fewer.glob("*.xlsx"))[:3]
    for p in dropped:
        p.unlink()
    again = export_folder(fewer, out)
    after = read_dataset(out, "党员名册")
    assert sorted(set(after["period"])) == ["2011Q1", "2011Q2"]
    q1, q2 = (after[after["period"] == p] for p in ("2011Q1", "2011Q2"))
    assert len(q1) == before // 2  # untouched
    assert len(q2) == again.rows["党员名册"] < before // 2
    assert not set(q2[schema.FILE_COL]) & {p.name for p in dropped}


def test_a_partition_holding_someone_elses_file_is_never_replaced(township, tmp_path):
    out = tmp_path / "dataset"
    export_folder(township.inbox, out)
    theirs = out / "支部" / "period=2011Q2" / "分析备注.txt"
    theirs.write_text("我的笔记", encoding="utf-8")
    parts = sorted(p.name for p in (out / "党员名册" / "period=2011Q2").iterdir())
    with pytest.raises(DatasetRefused, match="不是本程序写入"):
        export_folder(township.inbox, out)
    assert theirs.read_text(encoding="utf-8") == "我的笔记"
    assert sorted(p.name for p in (out / "党员名册" / "period=2011Q2").iterdir()) == parts
    assert not list(out.glob(".cxzy-staging-*"))


def test_the_dataset_is_never_written_into_the_source_folder(township):
    from cxzy_xl.files import PlacementRefused

    with pytest.raises(PlacementRefused):
        export_folder(township.inbox, township.inbox / "数据集")


def test_a_tree_of_townships_is_read_folder_by_folder(township, tmp_path):
    tree = tmp_path / "县"
    files = sorted(township.inbox.glob("*.xlsx"))
    for town, part in (("甲镇", files[:8]), ("乙镇", files[8:])):
        (tree / town).mkdir(parents=True)
        for f in part:
            shutil.copy(f, tree / town / f.name)
    summary = export_folder(tree, tmp_path / "dataset")
    branches = read_dataset(summary.root, "支部")
    alone = {town: len(read_dataset(export_folder(tree / town, tmp_path / town).root, "支部")) for town in ("甲镇", "乙镇")}
    assert branches.groupby(schema.UNIT_COL).size().to_dict() == alone
    assert sum(alone.values()) == len(read_dataset(export_folder(township.inbox, tmp_path / "one").root, "支部"))
    assert branches[schema.FILE_COL].str.match(r"^(甲镇|乙镇)/").all()


def test_a_folder_copied_into_another_counts_each_branch_once(township, tmp_path):
    tree = tmp_path / "县"
    for town in ("甲镇", "甲镇（备份）"):
        shutil.copytree(township.inbox, tree / town)
    summary = export_folder(tree, tmp_path / "dataset")
    branches = read_dataset(summary.root, "支部")
    n = len(township.files)
    assert len(branches) == n and branches[schema.CODE_COL].is_unique
    # the copies are listed, one warning per branch left out, naming the file that counts
    problems = read_dataset(summary.root, "问题清单")
    left = problems[problems["问题及修改要求"].str.contains("只计一次", na=False)]
    assert len(left) == n and set(left["类别"]) == {"警告"}
    counted_from = set(branches[schema.FILE_COL].str.split("/").str[0])
    assert len(counted_from) == 1 and not left["文件"].str.startswith(counted_from.pop() + "/").any()
    for table in ("党员名册", "公开承诺"):
        rows = read_dataset(summary.root, table)
        assert rows[schema.FILE_COL].str.split("/").str[0].nunique() == 1, table


def _slow_first_folder(path: str, file: str):  # noqa: ANN202 - a per-file reader for the worker process
    """process_file, slowly for the folder that sorts first: it finishes last."""
    import time

    from cxzy_xl.batch import process_file

    if file.startswith("乙镇/"):
        time.sleep(0.2)
    return process_file(path, file)


def test_which_copy_counts_is_the_first_in_path_order_whatever_finishes_first(township, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    tree = tmp_path / "县"
    for town in ("甲镇", "乙镇"):  # 乙镇 sorts first (乙 U+4E59 before 甲 U+7532) and is read slowly
        shutil.copytree(township.inbox, tree / town)
    first = sorted(p.name for p in tree.iterdir())[0]
    assert first == "乙镇"
    with ThreadPoolExecutor(2) as pool:
        summary = export_folder(tree, tmp_path / "dataset", executor=pool, reader=_slow_first_folder)
    branches = read_dataset(summary.root, "支部")
    assert set(branches[schema.FILE_COL].str.split("/").str[0]) == {first}


def _results_tree(township, tree: Path) -> Path:
    """A county's share: a township's 汇总表 and 明细表 in its own folder, as offices mail them upward."""
    town = tree / "甲镇"
    town.mkdir(parents=True)
    run_aggregate(township.inbox, township.registry, output=town / "甲镇创先争优汇总.xlsx")
    return town


def test_a_tree_of_township_results_exports_as_their_branch_files_do(township, tmp_path):
    tree = tmp_path / "县"
    _results_tree(township, tree)
    got = _tables(export_folder(tree, tmp_path / "from_results").root)
    want = _tables(export_folder(township.inbox, tmp_path / "from_files", registry=township.registry).root)
    # 支部: the figures of every branch, as the branch files give them; 来源文件 is the 汇总表
    a, b = (t["支部"].set_index(schema.CODE_COL).sort_index() for t in (got, want))
    figures = [c for c in a.columns if pd.api.types.is_float_dtype(a[c])]
    assert len(figures) > 50 and list(a.index) == list(b.index)
    pd.testing.assert_frame_equal(a[figures], b[figures], check_exact=False, rtol=1e-12)
    assert set(a[schema.FILE_COL]) == {"甲镇/甲镇创先争优汇总.xlsx"}
    # each branch table: the 明细表's rows, equal to the files' rows column for column (masked both ways)
    where = [schema.FILE_COL, "来源行号"]
    for t in schema.TABLE_SHEETS:
        mine, theirs = (x[t.name].drop(columns=where + ["period"]) for x in (got, want))
        assert len(mine) > 0 or t.name == "评选表彰", t.name
        pd.testing.assert_frame_equal(mine.sort_values(list(mine.columns), ignore_index=True, na_position="first"),
                                      theirs.sort_values(list(theirs.columns), ignore_index=True, na_position="first"),
                                      obj=t.name)
        assert set(got[t.name][schema.FILE_COL]) <= {"甲镇/甲镇创先争优明细.xlsx"}
    ids = got["党员名册"]["身份证号"].dropna()
    assert len(ids) and ids.str.contains(r"\*").all(), "the 明细表 was masked and stays masked"
    # the problem list: the township's, code for code (its 汇总表 lists a column's normalised values once)
    mine, theirs = (x["问题清单"].query("代码 != 'NORMALISED'")["代码"].value_counts().sort_index() for x in (got, want))
    assert "SKIPPED" in mine.index, "files skipped in the inbox are in both problem lists"
    pd.testing.assert_series_equal(mine, theirs, check_names=False)


def test_branch_files_and_their_townships_result_in_one_tree_count_each_branch_once(township, tmp_path):
    tree = tmp_path / "县"
    _results_tree(township, tree)
    shutil.copytree(township.inbox, tree / "甲镇收件箱")
    got = export_folder(tree, tmp_path / "dataset", registry=township.registry)
    branches = read_dataset(got.root, "支部")
    assert len(branches) == len(township.files) and branches[schema.CODE_COL].is_unique
    members = read_dataset(got.root, "党员名册")
    assert members.groupby(schema.CODE_COL)[schema.FILE_COL].nunique().max() == 1


def test_a_roll_up_a_lone_detail_book_and_a_registry_are_listed_not_exported(township, tmp_path):
    from cxzy_xl.pipeline import run_rollup

    tree = tmp_path / "县"
    town = _results_tree(township, tree)
    county = tree / "县汇总"
    county.mkdir()
    run_rollup([town / "甲镇创先争优汇总.xlsx"], unit="新邵县", output=county / "新邵县汇总.xlsx")
    stray = tree / "散件"
    stray.mkdir()
    shutil.copy(town / "甲镇创先争优明细.xlsx", stray / "明细.xlsx")
    shutil.copy(township.registry, stray / "支部名单.xlsx")
    # a 汇总表 whose 数据 sheet somebody deleted: listed as unreadable, the run goes on
    broken = openpyxl.load_workbook(town / "甲镇创先争优汇总.xlsx")
    del broken[schema.RESULT_DATA_SHEET]
    broken.save(stray / "改坏的汇总表.xlsx")
    got = export_folder(tree, tmp_path / "dataset")
    assert read_dataset(got.root, "支部")[schema.CODE_COL].is_unique
    assert len(read_dataset(got.root, "支部")) == len(township.files)
    problems = read_dataset(got.root, "问题清单").set_index("文件")
    for name, words in {"县汇总/新邵县汇总.xlsx": "逐级汇总表", "散件/明细.xlsx": "找不到与它配套的汇总表",
                        "散件/支部名单.xlsx": "这是支部名单", "散件/改坏的汇总表.xlsx": "缺少“数据”工作表"}.items():
        assert words in problems.at[name, "问题及修改要求"], name
    said = {f.file for f in got.findings}
    assert "县汇总/新邵县汇总.xlsx" in said and "散件/支部名单.xlsx" not in said  # a registry is only 提示


def test_the_scheduler_option_is_checked_before_anything_runs():
    for wrong in ("locl", "local:0", "local:x", "192.168.1.5"):
        with pytest.raises(EngineError):
            with engine(wrong):
                pass
    with engine(None) as ex:
        assert ex is None


# --- on a LocalCluster -------------------------------------------------------------------------------

def _hostile_tree(township, root: Path) -> Path:
    inbox = root / "收件箱"
    shutil.copytree(township.inbox, inbox)
    first = sorted(inbox.glob("*.xlsx"))
    shutil.copy(first[0], inbox / "abort_崩溃.xlsx")
    shutil.copy(first[1], inbox / "hog_内存.xlsx")
    return inbox


@needs_dask
def test_the_cluster_run_equals_the_local_pool_table_by_table(pooled, township, tmp_path):
    root, _ = pooled
    with engine("local:2") as ex:
        on_cluster = export_folder(township.inbox, tmp_path / "cluster", executor=ex)
    mine, theirs = _tables(root), _tables(on_cluster.root)
    for t in TABLES:
        pd.testing.assert_frame_equal(theirs[t], mine[t], check_dtype=True, obj=t)


@needs_dask
def test_on_the_cluster_a_crash_and_a_memory_bomb_each_cost_one_finding(pooled, township, tmp_path, monkeypatch):
    from hostile_workers import misbehave

    inbox = _hostile_tree(township, tmp_path)
    # the engine's workers start after this and inherit it: the hog is stopped at 1 GB, not 4
    monkeypatch.setenv("CXZY_WORKER_MEMORY", "1")
    with engine("local:2") as ex:
        got = export_folder(inbox, tmp_path / "cluster", executor=ex, reader=misbehave)
    findings = read_dataset(got.root, "问题清单")
    lost = findings[findings["代码"] == Code.FILE_UNREADABLE.name]
    assert sorted(lost["文件"]) == ["abort_崩溃.xlsx", "hog_内存.xlsx"]
    assert got.unreadable == 2 and got.files == 18
    # every other file is in the dataset, exactly as the local pool read them
    files = set(read_dataset(got.root, "党员名册")[schema.FILE_COL])
    assert files == set(read_dataset(pooled[0], "党员名册")[schema.FILE_COL])


_CALLER_KILLED = """
import os, sys
from cxzy_xl.pipeline import engine
with engine("local:2") as ex:
    print(*sorted({ex.submit(os.getpid).result() for _ in range(8)}), flush=True)
    os._exit(9)  # killed: no finally, nothing closed
"""


@needs_dask
def test_local_cluster_runs_beside_the_caller_and_leaves_nothing_running(tmp_path):
    import subprocess
    import sys
    import time

    import psutil
    from distributed import Scheduler

    before = {p.pid for p in psutil.Process().children(recursive=True)}  # e.g. the guarded pool's own
    with engine("local:2") as ex:
        workers = {ex.submit(os.getpid).result() for _ in range(8)}
        assert os.getpid() not in workers
        # the scheduler is not in this process: there its memory grew with the files (bench/README)
        assert not [s for s in Scheduler._instances if s.status.name == "running"]
        started = [p.pid for p in psutil.Process().children(recursive=True) if p.pid not in before]
        assert workers <= set(started)
    time.sleep(1)
    assert not [p for p in started if psutil.pid_exists(p) and psutil.Process(p).status() != "zombie"]
    # a caller killed mid-run leaves no scheduler or worker behind either
    caller = subprocess.run([sys.executable, "-c", _CALLER_KILLED], capture_output=True, text=True, timeout=120)
    orphans = [int(p) for p in caller.stdout.split()]
    assert caller.returncode == 9 and len(orphans) >= 1, caller.stderr[-2000:]
    deadline = time.monotonic() + 20
    while any(psutil.pid_exists(p) for p in orphans) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [p for p in orphans if psutil.pid_exists(p)]


def dying_chunk(tasks):
    """A chunk whose engine worker dies the first time it meets the marked file: a worker lost mid-run."""
    marker = Path(os.environ["CXZY_TEST_DIE_ONCE"])
    if any("die" in file for _, file in tasks) and not marker.exists():
        marker.touch()
        os._exit(1)
    return read_chunk(tasks)


@needs_dask
def test_a_worker_lost_mid_run_loses_no_file(township, tmp_path, monkeypatch):
    from cxzy_xl.batch import chunks_of, inbox_tasks
    from cxzy_xl.workers import map_chunks

    inbox = tmp_path / "收件箱"
    shutil.copytree(township.inbox, inbox)
    shutil.copy(sorted(inbox.glob("*.xlsx"))[0], inbox / "die_一次.xlsx")
    monkeypatch.setenv("CXZY_TEST_DIE_ONCE", str(tmp_path / "died"))
    tasks, _ = inbox_tasks(inbox)
    got: dict[tuple[int, int], object] = {}
    with engine("local:2") as ex:
        map_chunks(ex, dying_chunk, chunks_of(tasks, 4), lambda at, res: got.__setitem__(at, res))
    assert (tmp_path / "died").exists(), "the worker did die"
    assert len(got) == len(tasks)
    assert all(r.readable for r in got.values())


# --- the command -------------------------------------------------------------------------------------

def test_cxzy_export_and_aggregate_parquet_on_the_command_line(township, tmp_path):
    from click.testing import CliRunner

    from cxzy_xl.cli import main

    runner = CliRunner()
    out = runner.invoke(main, ["export", str(township.inbox), "-o", str(tmp_path / "ds"), "-q"])
    assert out.exit_code == 0, out.output
    assert "读取 16 个文件" in out.output and "Parquet数据集" in out.output and "2011Q2" in out.output
    out = runner.invoke(main, ["aggregate", str(township.inbox), "--registry", str(township.registry), "-q",
                               "-o", str(tmp_path / "汇总.xlsx"), "--no-detail", "--parquet", str(tmp_path / "ds")])
    assert out.exit_code in (0, 1), out.output
    assert len(read_dataset(tmp_path / "ds", "支部")) == 15  # the quarter replaced, not added to
    wrong = runner.invoke(main, ["export", str(township.inbox), "-o", str(tmp_path / "x"), "--scheduler", "lcl"])
    assert wrong.exit_code == 2 and "--scheduler" in wrong.output
    (tmp_path / "ds" / "支部" / "period=2011Q2" / "notes.txt").write_text("x", encoding="utf-8")
    refused = runner.invoke(main, ["export", str(township.inbox), "-o", str(tmp_path / "ds"), "-q"])
    assert refused.exit_code == 3 and "不是本程序写入" in refused.output


def test_without_pyarrow_the_message_says_what_to_install(township, tmp_path, monkeypatch):
    import builtins

    from click.testing import CliRunner

    from cxzy_xl.cli import main

    real = builtins.__import__

    def no_arrow(name, *args, **kwargs):
        if name.split(".")[0] == "pyarrow":
            raise ImportError("No module named 'pyarrow'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_arrow)
    out = CliRunner().invoke(main, ["export", str(township.inbox), "-o", str(tmp_path / "ds"), "-q"])
    assert out.exit_code == 2
    assert 'pip install "cxzy_xl[parquet]"' in out.output
    assert not (tmp_path / "ds").exists() or not any((tmp_path / "ds").iterdir())


def test_a_partition_that_cannot_be_moved_is_a_message_not_a_traceback(township, tmp_path, monkeypatch):
    import cxzy_xl.dataset as dataset

    out = tmp_path / "dataset"
    export_folder(township.inbox, out)

    def locked(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(dataset.os, "replace", locked)
    with pytest.raises(DatasetRefused, match="可能有程序正打开"):
        export_folder(township.inbox, out)
    monkeypatch.undo()
    assert len(read_dataset(out, "支部")) == 15


def test_a_commit_that_fails_halfway_leaves_the_old_dataset_whole(township, tmp_path, monkeypatch):
    """Some partitions replaced, then one that cannot move (open in another program): the ones replaced go
    back, so every table is the previous export's, byte for byte."""
    import cxzy_xl.dataset as dataset

    out = tmp_path / "dataset"
    export_folder(township.inbox, out)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*.parquet")}
    real, calls = os.replace, []

    def fails_on_the_fourth_partition(src, dst):
        calls.append(dst)
        if Path(dst).name.startswith("period=") and len([c for c in calls if Path(c).name.startswith("period=")]) == 4:
            raise PermissionError(13, "Permission denied")
        return real(src, dst)

    fewer = tmp_path / "收件箱"  # the second export differs: a branch's file taken out
    shutil.copytree(township.inbox, fewer)
    next(fewer.glob("DX0*.xlsx")).unlink()
    monkeypatch.setattr(dataset.os, "replace", fails_on_the_fourth_partition)
    with pytest.raises(DatasetRefused, match="数据集保持原样"):
        export_folder(fewer, out)
    monkeypatch.undo()
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*.parquet")}
    assert after == before


def test_the_inbox_register_beside_an_inbox_in_a_tree_is_listed_not_read_as_a_branch(township, tmp_path):
    """A county's tree holds what townships keep: the inbox and, beside it, the 收件登记 a run wrote."""
    from cxzy_xl.pipeline import run_check

    town = tmp_path / "县" / "甲镇"
    shutil.copytree(township.inbox, town / "收件箱")
    run_check(town / "收件箱", township.registry)
    assert (town / schema.REGISTER_NAME).exists()
    summary = export_folder(tmp_path / "县", tmp_path / "dataset")
    problems = read_dataset(summary.root, "问题清单")
    mine = problems[problems["文件"] == f"甲镇/{schema.REGISTER_NAME}"]
    assert list(mine["代码"]) == ["SKIPPED"] and "这是收件登记" in mine["问题及修改要求"].iloc[0]
    assert len(read_dataset(summary.root, "支部")) == len(township.files)
