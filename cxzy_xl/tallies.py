"""分项统计: the figures the seeds quote (awards by category, result and level; 领导小组 / 实施方案 /
动员大会; 特色党支部 by type; 民主评议等次; commitments by 五带头 category; members active in the
campaign; member structure; on-time submissions) as additive per-branch counts.

Each breakdown is declared below as data. A :class:`Tally` counts a sheet's rows by the schema's own
choice lists (never spelt again here), each with 未填 for a blank or unreadable value, so its columns
sum to the rows counted; a :class:`Banded` does the same with categories derived from the rows (age);
a :class:`Counted` is a few named counts computed from the batch. Their columns travel in 数据 beside
the figures' base columns (:data:`cxzy_xl.aggregate.BASE_COLUMNS`), so type totals, the 合计 and every
roll-up are plain sums and exact. 党员名册 counts current members only (:func:`checks.current_members`).

Adding a breakdown is one line in :data:`TALLIES`, e.g. ``Tally("活动类型", "活动记录", by=("活动类型",))``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import schema
from .checks import current_members
from .findings import Code
from .model import Batch
from .normalize import id_birth_date

SEP = "·"
ON_TIME_COUNT, LATE_COUNT = "按时报送数", "逾期报送数"  # 数据's per-branch 0/1 of 报送情况
UNFILLED = "未填"
NONE = "无"  # 分项统计's one row for a breakdown of several fields with nothing to count
TALLY_SHEET = "分项统计"
TALLY_HEADERS = ("分项", "类别", "数量", "占比")
BRANCHES = "党组织数"  # a share of the branches reported (the rows of 数据), not a base column
AGE_LIMITS = (30, 35, 45, 55, 60)  # the upper ends of the age bands; the last band is open


def _age_labels(limits: Sequence[int]) -> tuple[str, ...]:
    lows = [None, *(x + 1 for x in limits)]
    highs = [*limits, None]
    return tuple(f"{hi}岁及以下" if lo is None else f"{lo}岁及以上" if hi is None else f"{lo}至{hi}岁"
                 for lo, hi in zip(lows, highs, strict=True))


AGE_LABELS = (*_age_labels(AGE_LIMITS), UNFILLED)


@dataclass
class Source:
    """What the counts are taken from: the batch's tables (党员名册 reduced to current members) and the
    used submissions, in the order of :func:`cxzy_xl.aggregate.branch_base`'s rows."""

    batch: Batch
    files: pd.Index
    tables: dict[str, pd.DataFrame]
    _rows: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def of(cls, batch: Batch, files: Sequence[str], current: pd.Series | None = None,
           kept: Mapping[str, pd.Series] | None = None) -> Source:
        tables = {name: df[kept[name].to_numpy()] if kept and name in kept else df for name, df in batch.tables.items()}
        roster = tables[schema.ROSTER_SHEET]
        tables[schema.ROSTER_SHEET] = current_members(roster) if current is None else batch.tables[schema.ROSTER_SHEET][current.to_numpy()]
        return cls(batch, pd.Index(list(files), name=schema.FILE_COL), tables)

    def rows(self, sheet: str) -> np.ndarray:
        """Each row's branch as its position in ``files`` (-1: not a used submission)."""
        if sheet not in self._rows:
            self._rows[sheet] = self.files.get_indexer(self.tables[sheet][schema.FILE_COL])
        return self._rows[sheet]

    def per_branch(self, at: np.ndarray) -> np.ndarray:
        """How many of ``at`` (positions in ``files``) fall on each branch."""
        at = np.asarray(at, dtype="int64")
        return np.bincount(at[at >= 0], minlength=len(self.files)).astype("int64")


def _grid(src: Source, sheet: str, codes: np.ndarray, columns: Sequence[str]) -> pd.DataFrame:
    """The rows of ``sheet`` counted by branch × ``codes`` (a row's position in ``columns``): integer codes
    and one bincount, since a county's roster has hundreds of thousands of rows."""
    width = len(columns)
    rows = src.rows(sheet)
    keep = rows >= 0
    flat = rows[keep].astype("int64") * width + np.asarray(codes, dtype="int64")[keep]
    counts = np.bincount(flat, minlength=len(src.files) * width).reshape(len(src.files), width)
    return pd.DataFrame(counts.astype("int64"), index=src.files, columns=list(columns))


def _codes(values: pd.Series, choices: Sequence[str]) -> np.ndarray:
    """Each value's position in ``choices``; len(choices) (未填) where blank or not one of them
    (an unreadable cell is blank)."""
    codes = pd.Categorical(values.astype(object), categories=list(choices)).codes.astype("int64")
    return np.where(codes < 0, len(choices), codes)


@dataclass(frozen=True)
class Tally:
    """Rows of ``sheet`` counted by every combination of the choices of the fields ``by``."""

    name: str
    sheet: str
    by: tuple[str, ...]
    whole: str | None = None  # what 占比 is a share of; None: the tally's own sum

    @property
    def levels(self) -> tuple[tuple[str, ...], ...]:
        sheet = schema.BRANCH_SHEET[self.sheet]
        return tuple((*sheet.field(label).allowed, UNFILLED) for label in self.by)

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(SEP.join(combo) for combo in itertools.product(*self.levels))

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f"{self.name}{SEP}{c}" for c in self.categories)

    def count(self, src: Source) -> pd.DataFrame:
        df = src.tables[self.sheet]
        code = np.zeros(len(df), dtype="int64")
        for label, level in zip(self.by, self.levels, strict=True):  # row-major, as itertools.product
            code = code * len(level) + _codes(df[label], level[:-1])
        return _grid(src, self.sheet, code, self.columns)


@dataclass(frozen=True)
class Banded:
    """Rows of ``sheet`` counted by a category ``classify`` derives from them (a position in ``labels``)."""

    name: str
    sheet: str
    labels: tuple[str, ...]
    classify: Callable[[pd.DataFrame, Source], np.ndarray]
    whole: str | None = None

    @property
    def categories(self) -> tuple[str, ...]:
        return self.labels

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f"{self.name}{SEP}{c}" for c in self.labels)

    def count(self, src: Source) -> pd.DataFrame:
        df = src.tables[self.sheet]
        return _grid(src, self.sheet, self.classify(df, src), self.columns)


@dataclass(frozen=True)
class Counted:
    """Named counts per branch, each computed from the batch (an array in ``Source.files`` order)."""

    name: str
    counts: tuple[tuple[str, Callable[[Source], np.ndarray]], ...]
    whole: str | None = None

    @property
    def categories(self) -> tuple[str, ...]:
        return self.columns

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(c for c, _ in self.counts)

    def count(self, src: Source) -> pd.DataFrame:
        return pd.DataFrame({c: fn(src) for c, fn in self.counts}, index=src.files)


# --- the computed counts -------------------------------------------------------------------------

def _info_count(mask: Callable[[pd.DataFrame, Source], pd.Series]) -> Callable[[Source], np.ndarray]:
    """Branches (基本信息 rows) for which ``mask`` holds."""
    def count(src: Source) -> np.ndarray:
        info = src.tables[schema.INFO_SHEET]
        hit = mask(info, src).fillna(False).to_numpy(dtype=bool)
        return src.per_branch(src.rows(schema.INFO_SHEET)[hit])

    return count


def _yes(label: str) -> Callable[[Source], np.ndarray]:
    return _info_count(lambda info, _: info[label] == "是")


_MOBILISED = "动员大会日期"


def _mobilised_by(info: pd.DataFrame, src: Source) -> pd.Series:
    # 设置's 动员大会截止日期 (held on or before it); without one every branch that held one counts
    held = info[_MOBILISED].notna()
    by = src.batch.settings.mobilised_by
    return held if by is None else held & (info[_MOBILISED] <= pd.Timestamp(by))


_AT, _WHO = "支部", "姓名"


def _members(src: Source) -> pd.DataFrame:
    """(branch, 姓名) of the current members, once each."""
    roster = src.tables[schema.ROSTER_SHEET]
    members = pd.DataFrame({_AT: src.rows(schema.ROSTER_SHEET), _WHO: roster[schema.MEMBER_NAME].astype(object).to_numpy()})
    return members[members[_AT] >= 0].dropna().drop_duplicates()


def _members_named(sheet: str, column: str, when: tuple[str, str] | None = None
                   ) -> Callable[[Source], pd.DataFrame]:
    """(branch, 姓名) of the current members ``column`` of ``sheet`` names, once each: a name is
    matched exactly within its branch's roster, as the schema's MemberRef rules match it."""
    def pairs(src: Source) -> pd.DataFrame:
        df = src.tables[sheet]
        named = pd.DataFrame({_AT: src.rows(sheet), _WHO: df[column].astype(object).to_numpy()})
        if when is not None:
            named = named[(df[when[0]] == when[1]).fillna(False).to_numpy(dtype=bool)]
        named = named[named[_AT] >= 0].dropna().drop_duplicates()
        return named.merge(_members(src), on=[_AT, _WHO])

    return pairs


# 承诺主体 = 党员 and 承诺人 in the roster; 认领党员 in the roster
_COMMITTED = _members_named("公开承诺", "承诺人", when=("承诺主体", "党员"))
_CLAIMED = _members_named("示范岗", "认领党员")


def _distinct(*who: Callable[[Source], pd.DataFrame]) -> Callable[[Source], np.ndarray]:
    def count(src: Source) -> np.ndarray:
        pairs = pd.concat([w(src) for w in who]).drop_duplicates()
        return src.per_branch(pairs[_AT].to_numpy())

    return count


def _age_band(roster: pd.DataFrame, src: Source) -> np.ndarray:
    """Full years at the report period's end, from 出生日期 or else the 身份证号's birth date."""
    born = pd.to_datetime(roster[schema.MEMBER_BORN]).astype("datetime64[ns]")
    lacking = born.isna() & roster[schema.MEMBER_ID].notna()
    if lacking.any():
        ids = roster.loc[lacking, schema.MEMBER_ID].astype(str)
        born = born.copy()
        born[lacking] = pd.to_datetime(ids.map(id_birth_date)).astype("datetime64[ns]")
    end: dt.date = src.batch.period_end
    later_in_year = (born.dt.month > end.month) | ((born.dt.month == end.month) & (born.dt.day > end.day))
    age = (end.year - born.dt.year - later_in_year.astype("int64")).to_numpy(dtype="float64", na_value=np.nan)
    band = np.searchsorted(np.asarray(AGE_LIMITS, dtype="float64"), age, side="left")
    # a birth date after the period's end is a slip, not a member under one: 未填
    return np.where(np.isnan(age) | (age < 0), len(AGE_LABELS) - 1, np.minimum(band, len(AGE_LABELS) - 2))


def _late(src: Source) -> np.ndarray:
    late = {f.file for f in src.batch.findings if f.code is Code.LATE_SUBMISSION}
    return src.files.isin(late).astype("int64")


def _on_time(src: Source) -> np.ndarray:
    return 1 - _late(src)


# --- the declarations ----------------------------------------------------------------------------

Breakdown = Tally | Banded | Counted

TALLIES: tuple[Breakdown, ...] = (
    Tally("评选表彰", "评选表彰", by=("表彰类别", "评选结果", "推荐级别")),
    Counted("组织建设", (
        ("成立领导小组支部数", _yes("是否成立领导小组")),
        ("制定实施方案支部数", _yes("是否制定实施方案")),
        ("召开动员大会支部数", _info_count(lambda info, _: info[_MOBILISED].notna())),
        ("按期召开动员大会支部数", _info_count(_mobilised_by)),
    ), whole=BRANCHES),
    Tally("特色党支部", "基本信息", by=("特色党支部类型",)),
    Tally("民主评议", schema.ROSTER_SHEET, by=(schema.RATING,)),
    Tally("公开承诺", "公开承诺", by=("承诺类别",)),
    Counted("参与活动党员", (
        ("作出承诺党员数", _distinct(_COMMITTED)),
        ("认领示范岗党员数", _distinct(_CLAIMED)),
        ("参与党员数", _distinct(_COMMITTED, _CLAIMED)),
    ), whole="党员数"),
    Tally("性别", schema.ROSTER_SHEET, by=(schema.MEMBER_SEX,)),
    Tally("学历", schema.ROSTER_SHEET, by=("学历",)),
    Banded("年龄", schema.ROSTER_SHEET, AGE_LABELS, _age_band),
    Counted("报送情况", ((ON_TIME_COUNT, _on_time), (LATE_COUNT, _late))),
)
TALLY_COLUMNS: tuple[str, ...] = tuple(c for t in TALLIES for c in t.columns)
if len(set(TALLY_COLUMNS)) != len(TALLY_COLUMNS):
    raise ValueError("two breakdowns in TALLIES give the same column name")


def tally_base(batch: Batch, files: Sequence[str], current: pd.Series | None = None,
               kept: Mapping[str, pd.Series] | None = None) -> pd.DataFrame:
    """The :data:`TALLY_COLUMNS` of each used submission ``files`` (来源文件, in that order), indexed by
    them. ``current``: which roster rows are current members, when the caller has it already; ``kept``:
    per sheet, the rows its counts may take (those a figure they split leaves out are not split)."""
    src = Source.of(batch, files, current, kept)
    parts = [t.count(src) for t in TALLIES]
    return pd.concat(parts, axis=1) if parts else pd.DataFrame(index=src.files)


# --- totals and the 分项统计 sheet ----------------------------------------------------------------

def tally_totals(base: pd.DataFrame) -> dict[str, int]:
    """Every tally column summed over ``base`` (branch rows of 数据 or :func:`tally_base`); a column
    ``base`` lacks (an older result) counts 0."""
    return {c: int(round(float(base[c].sum()))) if c in base.columns else 0 for c in TALLY_COLUMNS}


def _whole_of(t: Breakdown, totals: dict[str, int], base: pd.DataFrame) -> int:
    if t.whole is None:
        return sum(totals[c] for c in t.columns)
    if t.whole == BRANCHES:
        return len(base)
    return int(round(float(base[t.whole].sum()))) if t.whole in base.columns else 0


def tally_table(base: pd.DataFrame) -> pd.DataFrame:
    """分项 | 类别 | 数量 | 占比, one row per category of each breakdown, from the summed ``base``. 占比 is
    the share of the breakdown's own total (男 among 性别), or of its ``whole`` (党组织数, 党员数); empty
    when that is 0. A breakdown of more than one field lists only the combinations that occur (80 rows
    of mostly 0 are unreadable), or one row 无 when none does."""
    totals = tally_totals(base)
    rows: list[tuple[str, str, int, float | None]] = []
    for t in TALLIES:
        whole = _whole_of(t, totals, base)
        many = isinstance(t, Tally) and len(t.by) > 1
        mine = [(t.name, category, totals[column], totals[column] / whole if whole else None)
                for category, column in zip(t.categories, t.columns, strict=True)
                if totals[column] or not many]
        rows += mine or [(t.name, NONE, 0, None)]
    df = pd.DataFrame(rows, columns=list(TALLY_HEADERS))
    df["数量"] = df["数量"].astype("int64")
    df["占比"] = df["占比"].astype("Float64")
    return df


def shares_note() -> str:
    of = {BRANCHES: "报送支部数"}
    special = [f"{t.name}占{of.get(t.whole, t.whole)}" for t in TALLIES if t.whole is not None]
    return f"占比：各分项内的比例，{'，'.join(special)}。党员不含已转出、去世的。"


__all__ = ["AGE_LABELS", "LATE_COUNT", "ON_TIME_COUNT", "TALLIES", "TALLY_COLUMNS", "TALLY_SHEET", "Banded", "Counted", "Tally", "tally_base",
           "shares_note", "tally_table", "tally_totals"]
