"""Properties over clean demo data with anything typed into any cell: reading, checking, aggregating and
writing the result never raise, and no filled row is silently dropped. And each declared rule, for
any values including blanks, finds exactly the rows a plain-Python reading of it finds."""

import copy
import datetime as dt
import functools
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
from helpers import clean_data, write_clean
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cxzy_xl
from cxzy_xl import checks, schema
from cxzy_xl.normalize import is_blank
from cxzy_xl.pipeline import read_folder
from cxzy_xl.schema import DateOrder, MemberRef, NotMoreThan, RequiredWhen, Settings, SumNotMore

D = dt.date
CLEAN = clean_data()
EXTRA_ROW = 1  # garbage may also land in the first empty row below a table's data


def _cells() -> list[tuple[str, int | None, str]]:
    cells = []
    for sheet in schema.BRANCH_SHEETS:
        if sheet.layout == "form":
            cells += [(sheet.name, None, f.label) for f in sheet.fields]
        else:
            n = len(CLEAN.get(sheet.name, [])) + EXTRA_ROW
            cells += [(sheet.name, i, f.label) for i in range(n) for f in sheet.fields]
    return cells


CELLS = _cells()
# Error values as the text a clerk pastes or types (calamine hands real error cells over as empty).
ERRORS = ("#REF!", "#DIV/0!", "#N/A", "#VALUE!", "#NAME?", "#NUM!", "#NULL!")
ODD = (*ERRORS, "x" * 5000, "长" * 5000, "第一行\n第二行", "a\r\nb", "😀👍🏽", "=SUM(A1)", "=1/0", "+86", "-", "—", "nan", "NaN",
       "inf", "-Infinity", "None", "NULL", "null", "N/A", " ", "\t", "\u3000", "\u200b", "0", "00", "1e308", "1e999",
       -1, -1e9, 0, 0.5, 1e308, -1e308, 5e-324, 10**15, 2**62, 2**63, 99999999999999999999,
       D(1800, 1, 1), D(1899, 12, 31), D(1900, 1, 1), D(1900, 2, 28), D(2999, 12, 31), dt.datetime(2011, 5, 20, 13, 45),
       True, False, "是", "否", "已完成", "预备党员", "优秀", "党员", "男", "2011年第二季度", "2011Q9", "T002",
       "43052219680312123X", "430522197509010023", "石门村党支部")
GARBAGE = st.one_of(
    st.sampled_from(ODD),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30),
    st.integers(min_value=-10**18, max_value=10**18),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(min_value=D(1900, 3, 1), max_value=D(2999, 12, 31)),
)


@functools.lru_cache(maxsize=1)
def _second_branch() -> bytes:
    """A clean second branch with the same members, so cross-branch rules meet the garbage too."""
    with tempfile.TemporaryDirectory() as d:
        return write_clean(Path(d) / "T002.xlsx", clean_data("T002", "光明村党支部"), code="T002",
                           name="光明村党支部").read_bytes()


def _blank_text(v) -> bool:
    return v is None or (isinstance(v, str) and is_blank(v))


FILE_LEVEL = {"EMPTY_TEMPLATE", "FILE_UNREADABLE", "NOT_TEMPLATE", "WRONG_PERIOD", "DUPLICATE_SUBMISSION"}


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(blanks=st.one_of(st.sets(st.sampled_from(CELLS)), st.just(frozenset(CELLS))),
       garbage=st.lists(st.tuples(st.sampled_from(CELLS), GARBAGE), max_size=8))
def test_nothing_in_any_cell_stops_the_run_or_loses_a_row(blanks, garbage):
    data = copy.deepcopy(CLEAN)
    for sheet in (s for s in schema.BRANCH_SHEETS if s.layout == "table"):  # 情况说明 gets garbage too
        data[sheet.name] = data.get(sheet.name, []) + [{} for _ in range(EXTRA_ROW)]
    for (sheet, i, label), value in [(c, None) for c in blanks] + garbage:
        (data[sheet] if i is None else data[sheet][i])[label] = value
    with tempfile.TemporaryDirectory() as d:
        inbox = Path(d) / "inbox"
        inbox.mkdir()
        write_clean(inbox / "T001.xlsx", data)
        (inbox / "T002.xlsx").write_bytes(_second_branch())

        batch = read_folder(inbox, isolate=False)
        summary = cxzy_xl.aggregate(batch)
        out = cxzy_xl.write_result(summary, Path(d) / "汇总.xlsx") or Path(d) / "汇总.xlsx"
        assert zipfile.is_zipfile(out)

        named = {(f.file, f.sheet, f.row) for f in batch.findings}
        whole_file = {f.file for f in batch.findings if f.code.name in FILE_LEVEL}
        for sheet in schema.TABLE_SHEETS:
            df = batch[sheet.name]
            counted = set(zip(df[schema.FILE_COL], df[schema.ROW_COL], strict=True))
            for i, rec in enumerate(data[sheet.name]):
                if all(_blank_text(v) for k, v in rec.items() if k != "序号"):
                    continue  # an empty row, or one with only its serial number: not data
                row = i + 3
                assert (("T001.xlsx", row) in counted or ("T001.xlsx", sheet.name, row) in named
                        or "T001.xlsx" in whole_file), (sheet.name, row, rec)


# --- each declared rule against a plain-Python reading of it --------------------------------------

FILES = ("a.xlsx", "b.xlsx")
OPT_DATE = st.one_of(st.none(), st.dates(min_value=D(1900, 1, 1), max_value=D(2200, 12, 31)))
OPT_INT = st.one_of(st.none(), st.integers(min_value=-10**15, max_value=10**15))
OPT_NUM = st.one_of(st.none(), st.integers(min_value=-10**6, max_value=10**6),
                    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
NAMES = st.one_of(st.none(), st.sampled_from(("王建国", "李红", "赵强", "张三", "")))


def _frame(sheet: str, columns: dict[str, list], files: list[str]) -> pd.DataFrame:
    """A sheet's batch DataFrame typed as batch.py types it, with the bookkeeping columns."""
    s = schema.BRANCH_SHEET[sheet]
    n = len(files)
    df = pd.DataFrame({schema.CODE_COL: pd.array([None] * n, dtype="string"),
                       schema.FILE_COL: pd.array(files, dtype="string"),
                       schema.ROW_COL: pd.array(range(3, 3 + n), dtype="Int64")})
    for label, values in columns.items():
        kind = s.field(label).kind
        if kind is schema.Kind.DATE:
            df[label] = pd.to_datetime(pd.Series(values, dtype=object)).astype("datetime64[ns]")
        elif kind is schema.Kind.INT:
            df[label] = pd.array(values, dtype="Int64")
        elif kind is schema.Kind.NUMBER:
            df[label] = pd.array([None if v is None else float(v) for v in values], dtype="Float64")
        else:
            df[label] = pd.array(values, dtype="string")
    return df


def _check(sheet: str, rule, df: pd.DataFrame, expected: list[bool], tables=None) -> None:
    tables = {**(tables or {}), sheet: df}
    got = checks.violations(rule, df, tables).tolist()
    assert got == expected
    ctx = checks.RuleContext(tables, {}, Settings(), D(2011, 6, 30))
    found = list(checks.declared_findings(ctx, schema.BRANCH_SHEET[sheet], rule))
    assert [f.row for f in found] == [r for r, hit in zip(df[schema.ROW_COL], expected, strict=True) if hit]
    assert all(f.message and "<NA>" not in f.message and "nan" not in f.message.lower() for f in found)


PROP = settings(max_examples=60, deadline=None, derandomize=True)


@PROP
@given(st.lists(st.tuples(OPT_DATE, OPT_DATE), max_size=8))
def test_date_order(rows):
    rule = DateOrder("登记日期", "办结日期")
    df = _frame("民情台账", {"登记日期": [a for a, _ in rows], "办结日期": [b for _, b in rows]}, [FILES[0]] * len(rows))
    _check("民情台账", rule, df, [a is not None and b is not None and b < a for a, b in rows])


@PROP
@given(st.lists(st.tuples(OPT_NUM, OPT_NUM), max_size=8))
def test_not_more_than(rows):
    rule = NotMoreThan("其中争取上级资金（万元）", "投入资金（万元）")
    df = _frame("为民办实事", {"其中争取上级资金（万元）": [p for p, _ in rows], "投入资金（万元）": [w for _, w in rows]},
                [FILES[0]] * len(rows))
    _check("为民办实事", rule, df, [p is not None and w is not None and p > w for p, w in rows])


@PROP
@given(st.lists(st.tuples(OPT_INT, OPT_INT), max_size=8))
def test_not_more_than_integers(rows):
    rule = NotMoreThan("实际参加人数", "应参加人数")
    df = _frame("活动记录", {"实际参加人数": [p for p, _ in rows], "应参加人数": [w for _, w in rows]}, [FILES[0]] * len(rows))
    _check("活动记录", rule, df, [p is not None and w is not None and p > w for p, w in rows])


@PROP
@given(st.lists(st.tuples(st.one_of(st.none(), st.sampled_from(("未开始", "推进中", "已完成", "未兑现", "完成"))),
                          OPT_DATE), max_size=8))
def test_required_when(rows):
    rule = RequiredWhen("实际完成日期", "完成情况", "已完成")
    df = _frame("公开承诺", {"完成情况": [s for s, _ in rows], "实际完成日期": [d for _, d in rows]}, [FILES[0]] * len(rows))
    _check("公开承诺", rule, df, [s == "已完成" and d is None for s, d in rows])


@PROP
@given(st.lists(st.tuples(OPT_INT, OPT_INT, OPT_INT, OPT_INT), max_size=6))
def test_sum_not_more(rows):
    parts = ("满意票", "基本满意票", "不满意票")
    rule = SumNotMore(parts, "民主测评参评人数")
    cols = {label: [r[i] for r in rows] for i, label in enumerate((*parts, "民主测评参评人数"))}
    df = _frame("考核测评", cols, [FILES[0]] * len(rows))
    expected = [any(v is not None for v in r[:3]) and r[3] is not None and sum(v or 0 for v in r[:3]) > r[3]
                for r in rows]
    _check("考核测评", rule, df, expected)


@PROP
@given(rows=st.lists(st.tuples(st.sampled_from(FILES), NAMES, st.one_of(st.none(), st.sampled_from(("党员", "党组织")))),
                     max_size=8),
       roster=st.lists(st.tuples(st.sampled_from(FILES), NAMES), max_size=6),
       when=st.booleans())
def test_member_ref(rows, roster, when):
    rule = MemberRef("承诺人", when=("承诺主体", "党员") if when else None)
    df = _frame("公开承诺", {"承诺人": [n for _, n, _ in rows], "承诺主体": [s for _, _, s in rows]},
                [f for f, _, _ in rows])
    members = _frame("党员名册", {"姓名": [n for _, n in roster]}, [f for f, _ in roster])
    known = {(f, n) for f, n in roster if n is not None}
    with_roster = {f for f, _ in roster}
    expected = [n is not None and f in with_roster and (not when or s == "党员") and (f, n) not in known
                for f, n, s in rows]
    _check("公开承诺", rule, df, expected, {"党员名册": members})
