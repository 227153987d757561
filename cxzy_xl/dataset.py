"""The analysts' Parquet dataset (contract 1.2, "Analysts: a Parquet dataset"): one folder per table —
支部 (the 数据 rows), the branch tables, 问题清单 — hive-partitioned by 报告期 (``period=2011Q2``), typed from
the schema, masked unless asked otherwise, every row with 党组织编码 and 来源文件.

A run writes into a staging folder inside the dataset and, when everything is written, puts each of its
quarters in place of that quarter's old partitions (:meth:`DatasetWriter.commit`): re-exporting a quarter
replaces that quarter only, a run that fails leaves the dataset as it was, and a partition holding any
file that is not ours is never deleted (:class:`DatasetRefused`).

pyarrow is an extra (``pip install "cxzy_xl[parquet]"``): without it :class:`MissingExtra` says, in
Chinese, what to install.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from . import schema
from .aggregate import BASE_COLUMNS, aggregate
from .batch import NOT_COUNTED_REASONS
from .findings import Code, Finding, Severity, make
from .model import Batch, ChildResult, Summary
from .output import MASKERS, masked_finding
from .read import RawBook
from .resultbook import FINDING_HEADERS
from .schema import Kind

CONTRACT_KEY = b"cxzy_contract"  # every part file's metadata: the contract version it was written to
TABLE_KEY = b"cxzy_table"
BRANCH_TABLE = "支部"
FINDINGS_TABLE = "问题清单"
TABLES = (BRANCH_TABLE, *(s.name for s in schema.TABLE_SHEETS), FINDINGS_TABLE)
PARTITION = "period"
NO_PERIOD = "unknown"  # files whose 报告期 could not be read
STAGING_PREFIX = ".cxzy-staging-"
SOURCE_ROW = "来源行号"
FINDING_COLS = tuple(h for h in FINDING_HEADERS if h != "序号")
INSTALL_HINT = 'pip install "cxzy_xl[parquet]"'


class MissingExtra(ImportError):
    """An optional part of cxzy_xl is not installed; ``str(exc)`` says, in Chinese, what to install."""


class DatasetRefused(OSError):
    """The dataset folder holds files that are not ours where a partition would be replaced; nothing
    of the user's is deleted. ``str(exc)`` is for the analyst (Chinese)."""


def _arrow() -> tuple[Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise MissingExtra(f"导出Parquet数据集需要 pyarrow，请先安装：{INSTALL_HINT}") from exc
    return pa, pq


def _arrow_type(pa: Any, kind: Kind) -> Any:
    return {Kind.INT: pa.int64(), Kind.NUMBER: pa.float64(), Kind.DATE: pa.date32()}.get(kind, pa.string())


def table_schemas() -> dict[str, Any]:
    """Each table's Arrow schema, from the contract: every part file of a table has exactly this one,
    so a query over many quarters and many files never meets two types for one column."""
    pa, _ = _arrow()
    string = pa.string()
    ids = [(schema.CODE_COL, string), (schema.NAME_COL, string)]
    source = [(schema.FILE_COL, string), (SOURCE_ROW, pa.int64())]
    out = {BRANCH_TABLE: pa.schema([(schema.UNIT_COL, string), *ids, ("党组织类型", string),
                                    *[(c, pa.float64()) for c in BASE_COLUMNS], (schema.FILE_COL, string)])}
    for sheet in schema.TABLE_SHEETS:
        own = [(f.label, _arrow_type(pa, f.kind)) for f in sheet.fields if f.label not in (schema.CODE_COL, schema.NAME_COL)]
        out[sheet.name] = pa.schema([*ids, *own, *source])
    out[FINDINGS_TABLE] = pa.schema([(h, string) for h in FINDING_COLS])
    return out


def _strings(s: pd.Series) -> list[str | None]:
    """Text as the dataset holds it: a blank cell is null, whatever wrote it ("" in a branch file, an
    empty cell in a 明细表), so ``is null`` finds every one."""
    missing = s.isna().to_numpy()
    out = [None if m else str(v) for v, m in zip(s.astype(object).tolist(), missing, strict=True)]
    return [None if v is not None and not v.strip() else v for v in out]


def _masked(s: pd.Series, label: str, mask: bool) -> pd.Series:
    fn = MASKERS.get(label) if mask else None
    return s if fn is None else s.map(lambda v: v if v is None or pd.isna(v) else fn(str(v)))


def _typed(df: pd.DataFrame, arrow_schema: Any) -> Any:
    """``df`` as an Arrow table of exactly ``arrow_schema`` (a column ``df`` lacks is all null)."""
    pa, _ = _arrow()
    arrays = []
    for f in arrow_schema:
        s = df[f.name] if f.name in df.columns else pd.Series([None] * len(df), dtype=object)
        if pa.types.is_string(f.type):
            arrays.append(pa.array(_strings(s), type=f.type))
        elif pa.types.is_date32(f.type):
            d = pd.to_datetime(s, errors="coerce")
            arrays.append(pa.array([None if pd.isna(v) else v.date() for v in d], type=f.type))
        elif pa.types.is_integer(f.type):
            n = pd.to_numeric(s, errors="coerce")
            arrays.append(pa.array([None if pd.isna(v) else int(v) for v in n], type=f.type))
        else:
            n = pd.to_numeric(s, errors="coerce").astype("float64")
            arrays.append(pa.array(n.to_numpy(), type=f.type, mask=n.isna().to_numpy()))
    return pa.Table.from_arrays(arrays, schema=arrow_schema)


def finding_rows(findings: Sequence[Finding], mask: bool) -> pd.DataFrame:
    rows = [masked_finding(f) if mask else f for f in findings]
    return pd.DataFrame({
        schema.CODE_COL: [f.branch_code for f in rows], "文件": [f.file for f in rows],
        "工作表": [f.sheet for f in rows], "单元格": [f.cell for f in rows],
        "类别": [f.severity.label for f in rows], "问题类型": [f.code.kind for f in rows],
        "代码": [f.code.name for f in rows], "问题及修改要求": [f.message for f in rows],
        "填写内容": [f.value for f in rows]}, columns=list(FINDING_COLS))


def dataset_frames(summary: Summary, mask: bool = True, unit: str | None = None) -> dict[str, pd.DataFrame]:
    """A township's run as the dataset's tables (plain DataFrames, before typing): 支部 from its
    数据 rows (``unit`` as 单位名称, by default the run's), each branch table's rows with 来源文件 and
    来源行号, and every finding (问题清单), masked unless ``mask`` is False."""
    batch = summary.batch
    base = summary.base.copy()
    base.insert(0, schema.UNIT_COL, unit if unit is not None else summary.unit)
    if batch is not None and not batch.files.empty:
        counted = batch.files[batch.files["计入支部"].astype("string").fillna("") != ""]
        files = dict(zip(counted["计入支部"].astype(str), counted[schema.FILE_COL].astype(str), strict=True))
        base[schema.FILE_COL] = base[schema.CODE_COL].astype(str).map(files)
    out = {BRANCH_TABLE: base}
    for sheet in schema.TABLE_SHEETS:
        table = batch.tables[sheet.name].copy() if batch is not None else pd.DataFrame()
        for label in list(table.columns):
            table[label] = _masked(table[label], label, mask)
        if schema.ROW_COL in table.columns:
            table[SOURCE_ROW] = table[schema.ROW_COL]
        out[sheet.name] = table
    out[FINDINGS_TABLE] = finding_rows(summary.findings, mask)
    return out


def result_frames(child: ChildResult, source: str, detail: RawBook | None = None, detail_source: str = "",
                  mask: bool = True) -> dict[str, pd.DataFrame]:
    """A township's 汇总表 (and the 明细表 beside it) as the dataset's tables: 支部 from its 数据 rows
    (来源文件 the 汇总表), each branch table from the 明细表's sheet (来源文件 the 明细表, 来源行号 its row
    there), 问题清单 from its problem list. Without a 明细表 the branch tables have no rows. A 明细表
    written unmasked is masked here unless ``mask`` is False; one written masked stays masked."""
    base = child.base.copy()
    base[schema.FILE_COL] = source
    out: dict[str, pd.DataFrame] = {BRANCH_TABLE: base}
    remask = mask and detail is not None and detail.meta.get("masked") == "0"
    for sheet in schema.TABLE_SHEETS:
        raw = detail.sheet(sheet.name) if detail is not None else None
        if raw is None or not raw.rows:
            out[sheet.name] = pd.DataFrame()
            continue
        header = ["" if h is None else str(h) for h in raw.rows[0]]
        body = [(list(r) + [None] * len(header))[: len(header)] for r in raw.rows[1:]]
        table = pd.DataFrame(body, columns=header)
        if remask:
            for label in header:
                table[label] = _masked(table[label], label, True)
        table[schema.FILE_COL] = detail_source
        table[SOURCE_ROW] = range(2, len(table) + 2)  # the 明细表's row, header in row 1
        out[sheet.name] = table
    out[FINDINGS_TABLE] = finding_rows(child.findings, mask)
    return out


def counted_once(frames: dict[str, pd.DataFrame], period: str, counted: dict[tuple[str, str], str]
                 ) -> tuple[dict[str, pd.DataFrame], list[Finding], dict[tuple[str, str], str]]:
    """``frames`` without the branches already exported for ``period`` from another file (``counted``:
    (partition, 党组织编码) → the 来源文件 that counts): a tree holding a township's branch files and its
    汇总表, or one folder copied into another, counts each branch once. Returns the frames kept, a
    finding for each branch left out (also in the frames' 问题清单), and the branches these frames add."""
    value = partition_of(period)
    base = frames.get(BRANCH_TABLE, pd.DataFrame())
    if base.empty or schema.CODE_COL not in base.columns:
        return frames, [], {}
    codes = base[schema.CODE_COL].astype(str)
    sources = base[schema.FILE_COL].astype(str) if schema.FILE_COL in base.columns else pd.Series("", index=base.index)
    seen = {c for c in codes if c and (value, c) in counted}
    added = {(value, c): s for c, s in zip(codes, sources, strict=True) if c and (value, c) not in counted}
    if not seen:
        return frames, [], added
    found = [make(Code.SKIPPED, s, branch_code=c, severity=Severity.WARNING, detail=(
        f"支部{c}的{period or '本期'}数据已从“{counted[(value, c)]}”导出，本文件中的不再导出（同一支部同一报告期只计一次）"))
        for c, s in zip(codes, sources, strict=True) if c in seen]
    out = {}
    for name, df in frames.items():
        if name != FINDINGS_TABLE and schema.CODE_COL in df.columns:
            df = df[~df[schema.CODE_COL].astype(str).isin(seen)].reset_index(drop=True)
        out[name] = df
    out[FINDINGS_TABLE] = pd.concat([frames.get(FINDINGS_TABLE, pd.DataFrame()), finding_rows(found, False)],
                                    ignore_index=True)
    return out, found, added


def partition_of(period: str) -> str:
    """The partition folder's value: the normalised 报告期 (ASCII, e.g. 2011Q2)."""
    return period if period and period.isascii() and period.isalnum() else NO_PERIOD


@dataclass
class DatasetWriter:
    """Part files into a staging folder inside ``root``, then :meth:`commit` puts each quarter written
    in place of that quarter's old partitions. Use as a context manager: leaving it on an exception
    removes the staging folder (ours) and leaves the dataset as it was."""

    root: Path
    stage: Path = field(init=False)
    parts: dict[tuple[str, str], int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _arrow()
        self.root = Path(self.root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.stage = self.root / f"{STAGING_PREFIX}{uuid.uuid4().hex[:12]}"
        self.stage.mkdir()
        self._schemas = table_schemas()

    def __enter__(self) -> DatasetWriter:
        return self

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
        shutil.rmtree(self.stage, ignore_errors=True)

    def write(self, frames: dict[str, pd.DataFrame], period: str) -> None:
        """One part file per table for ``period`` (a table with no rows gets an empty part, so the
        quarter's partitions are all replaced together)."""
        _, pq = _arrow()
        value = partition_of(period)
        for name in TABLES:
            table = _typed(frames.get(name, pd.DataFrame()), self._schemas[name])
            table = table.replace_schema_metadata({CONTRACT_KEY: schema.CONTRACT.encode(), TABLE_KEY: name.encode()})
            n = self.parts.get((name, value), 0)
            folder = self.stage / name / f"{PARTITION}={value}"
            folder.mkdir(parents=True, exist_ok=True)
            pq.write_table(table, folder / f"part-{n:05d}.parquet")
            self.parts[(name, value)] = n + 1
            self.rows[name] = self.rows.get(name, 0) + table.num_rows

    def periods(self) -> list[str]:
        return sorted({p for _, p in self.parts})

    def commit(self) -> list[Path]:
        """Each staged partition in place of the old one; the partitions replaced. A partition that
        holds a file not written by cxzy_xl is refused before anything moves."""
        moves = [(self.stage / name / f"{PARTITION}={p}", self.root / name / f"{PARTITION}={p}")
                 for name, p in sorted(self.parts)]
        for _, target in moves:
            if target.exists():
                foreign = [q for q in target.rglob("*") if q.is_file() and not is_our_part(q)]
                if foreign:
                    raise DatasetRefused(f"数据集文件夹 {target} 中有不是本程序写入的文件（如 {foreign[0].name}），"
                                         "为免删除他人的文件，未替换该季度的数据；请换一个导出文件夹，或移走这些文件后重试")
        trash = self.stage / "replaced"
        done: list[tuple[Path, Path, Path | None]] = []  # (staged, target, where the old partition went)
        for i, (staged, target) in enumerate(moves):
            old: Path | None = None
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                if target.exists():
                    trash.mkdir(exist_ok=True)
                    os.replace(target, trash / str(i))
                    old = trash / str(i)
                os.replace(staged, target)
            except OSError as exc:
                # Windows: a part file open in another program (DuckDB, Excel's Power Query) cannot move.
                # Every partition already replaced goes back, so the dataset is the old one, whole.
                left = self._restore([*done, (staged, target, old)] if old is not None else done)
                where = f"；以下分区未能恢复，请重新导出：{'、'.join(str(p) for p in left)}" if left else "，数据集保持原样"
                raise DatasetRefused(f"无法替换数据集中的 {target}（{exc.strerror or exc}），可能有程序正打开其中的文件；"
                                     f"请关闭后重新导出{where}") from exc
            done.append((staged, target, old))
        return [t for _, t in moves]

    @staticmethod
    def _restore(done: list[tuple[Path, Path, Path | None]]) -> list[Path]:
        """Undo the moves of a commit that failed, newest first: each new partition back to the staging
        folder, each old one back in place. Returns the partitions that could not be put back."""
        left = []
        for staged, target, old in reversed(done):
            try:
                if target.exists() and not staged.exists():
                    os.replace(target, staged)
                if old is not None:
                    os.replace(old, target)
            except OSError:
                left.append(target)
        return left


def is_our_part(path: Path) -> bool:
    """A Parquet file this module wrote (its metadata names the contract)."""
    if path.suffix != ".parquet":
        return False
    _, pq = _arrow()
    try:
        meta = pq.read_schema(path).metadata or {}
    except (OSError, ValueError):
        return False
    return CONTRACT_KEY in meta


def write_summary(summary: Summary, root: str | os.PathLike[str], mask: bool = True) -> DatasetSummary:
    """A township's run (``cxzy aggregate … --parquet DIR``) as the dataset: its quarter replaced."""
    with DatasetWriter(Path(root)) as writer:
        writer.write(dataset_frames(summary, mask), summary.period)
        replaced = writer.commit()
    return DatasetSummary(Path(root), dict(writer.rows), writer.periods(), replaced)


def frames_of(batch: Batch, mask: bool = True, unit: str | None = None) -> dict[str, pd.DataFrame]:
    """A batch (one folder of a tree) as the dataset's tables: aggregated, then :func:`dataset_frames`."""
    return dataset_frames(aggregate(batch), mask, unit)


@dataclass
class DatasetSummary:
    """What an export wrote: rows per table, the quarters, and the partitions put in place."""

    root: Path
    rows: dict[str, int]
    periods: list[str]
    partitions: list[Path]
    files: int = 0
    unreadable: int = 0
    findings: list[Finding] = field(default_factory=list, repr=False)

    def not_counted(self) -> dict[str, int]:
        """Files and branches left out of the dataset, by reason (the 问题清单 table says which)."""
        out: dict[str, int] = {}
        for f in self.findings:
            reason = NOT_COUNTED_REASONS.get(f.code)
            if reason is not None:
                out[reason] = out.get(reason, 0) + 1
        return out


def read_dataset(root: str | os.PathLike[str], table: str) -> pd.DataFrame:
    """One table of the dataset as a DataFrame, ``period`` a column (for notebooks and tests)."""
    _, pq = _arrow()
    frames: list[pd.DataFrame] = []
    for part in sorted((Path(root) / table).glob(f"{PARTITION}=*/*.parquet")):
        df = pq.read_table(part).to_pandas()
        df[PARTITION] = part.parent.name.split("=", 1)[1]
        frames.append(df)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def unit_of(folder: str) -> str:
    """单位名称 for a tree's folder: its path inside the source (a province's 市/县/乡镇), or 根目录."""
    return folder if folder not in ("", ".") else "根目录"


__all__ = ["BRANCH_TABLE", "CONTRACT_KEY", "FINDINGS_TABLE", "NO_PERIOD", "PARTITION", "SOURCE_ROW", "TABLES",
           "DatasetRefused", "DatasetSummary", "DatasetWriter", "MissingExtra", "counted_once", "dataset_frames", "finding_rows", "frames_of",
           "is_our_part", "partition_of", "read_dataset", "result_frames", "table_schemas", "unit_of", "write_summary"]
