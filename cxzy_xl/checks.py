"""Checks, in two kinds.

* Cell checks follow from the schema (REQUIRED, BAD_TYPE, BAD_CHOICE, OUT_OF_RANGE, BAD_ID_NUMBER,
  BAD_PHONE, and NORMALISED for what was read by normalising it). They run per file, in the worker
  that read it: :func:`check_book`.
* Rules are written once each and run over the batch's DataFrames: INCONSISTENT, COUNT_MISMATCH,
  UNKNOWN_MEMBER, DUPLICATE_MEMBER, OVERDUE, RATING_QUOTA, PROBATION_OVERDUE, OUT_OF_PERIOD:
  :func:`check_rules`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from . import schema
from .findings import Code, Finding, make
from .normalize import display, id_birth_date, is_blank, normalize_value
from .read import RawBook, a1, locate_form, locate_table
from .schema import Settings, Sheet

SUPPORTED_VERSIONS = {str(schema.VERSION)}


@dataclass
class SheetRecords:
    """The typed values of one sheet of one file, column-wise, with where each came from."""

    columns: dict[str, int]  # label -> 0-based column in the submitted file
    rows: list[int] = field(default_factory=list)  # 1-based Excel rows
    values: dict[str, list[Any]] = field(default_factory=dict)  # label -> typed values (None: missing)
    header_row: int = 1  # 1-based; for forms, the row of each field is in ``form_rows``
    form_rows: dict[str, int] = field(default_factory=dict)


@dataclass
class FileResult:
    path: str
    file: str  # the name shown in findings
    mtime: float = 0.0
    meta: dict[str, str] = field(default_factory=dict)
    sheets: dict[str, SheetRecords] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    readable: bool = True
    required_total: int = 0  # required cells in the workbook (填报完整率's denominator)
    required_filled: int = 0  # of those, filled with a readable value

    def info(self, label: str) -> Any:
        rec = self.sheets.get(schema.INFO_SHEET)
        if rec is None or label not in rec.values or not rec.values[label]:
            return None
        return rec.values[label][0]

    @property
    def code(self) -> str:
        return str(self.info("党组织编码") or self.meta.get("branch_code") or "")

    @property
    def period(self) -> str:
        return str(self.info("报告期") or self.meta.get("report_period") or "")

    @property
    def filled_on(self) -> dt.date | None:
        return self.info("填报日期")

    def cell(self, sheet: str, label: str, row: int) -> str:
        rec = self.sheets.get(sheet)
        if rec is None:
            return ""
        if label in rec.form_rows:
            return a1(rec.form_rows[label] - 1, 1)
        col = rec.columns.get(label)
        return a1(row - 1, col) if col is not None else ""


def _cell_findings(f: schema.Field, raw: Any, norm: Any, common: dict[str, Any]) -> Iterator[Finding]:
    if norm.error is not None:
        yield make(norm.error, value=display(raw), detail=norm.detail, **common)
    elif norm.value is None:
        if f.required:
            yield make(Code.REQUIRED, **common)
    elif norm.changed:
        yield make(Code.NORMALISED, value=display(raw), detail=display(norm.value), **common)


def check_book(book: RawBook, file: str, sheets: tuple[Sheet, ...] | None = None) -> FileResult:
    """Read every schema sheet of a branch workbook into typed values, with the cell findings."""
    sheets = sheets or schema.BRANCH_SHEETS
    result = FileResult(path=str(book.path), file=file, meta=book.meta)
    epoch1904 = False  # calamine converts 1904-based serials itself; raw numbers are 1900-based
    meta_id = book.meta.get("template_id")
    present = [s for s in sheets if book.sheet(s.name) is not None]
    if meta_id and meta_id != schema.TEMPLATE_ID:
        result.readable = False
        what = {schema.RESULT_ID: "这是汇总表", schema.REGISTRY_ID: "这是支部名单"}.get(meta_id, f"模板标识为{meta_id}")
        result.findings.append(make(Code.NOT_TEMPLATE, file, detail=what))
        return result
    version = book.meta.get("template_version")
    if meta_id and version not in SUPPORTED_VERSIONS:
        result.readable = False
        result.findings.append(make(Code.NOT_TEMPLATE, file, detail=f"模板版本{version or '未知'}不是现行的第{schema.VERSION}版"))
        return result
    if not present:
        result.readable = False
        result.findings.append(make(Code.NOT_TEMPLATE, file, detail="找不到填报表的任何工作表"))
        return result
    code = ""
    for sheet in sheets:
        raw = book.sheet(sheet.name)
        if raw is None:
            result.findings.append(make(Code.SHEET_MISSING, file, sheet=sheet.name))
            continue
        findings: list[Finding] = []
        if sheet.layout == "form":
            where = locate_form(raw, sheet)
            rec = SheetRecords(columns={lab: 1 for lab in where}, rows=[min((r + 1 for r, _ in where.values()), default=1)],
                               form_rows={lab: r + 1 for lab, (r, _) in where.items()})
            for f in sheet.fields:
                if f.label not in where:
                    rec.values[f.label] = [None]
                    if f.required:
                        findings.append(make(Code.COLUMN_MISSING, file, sheet=sheet.name, column=f.label))
                    continue
                r, c = where[f.label]
                value = raw.cell(r, c)
                common = dict(file=file, sheet=sheet.name, row=r + 1, column=f.label, cell=a1(r, c))
                if (r, c) in raw.missing_cache:
                    findings.append(make(Code.FORMULA_NO_VALUE, **common))
                    rec.values[f.label] = [None]
                    continue
                norm = normalize_value(f, value, epoch1904)
                findings.extend(_cell_findings(f, value, norm, common))
                rec.values[f.label] = [norm.value if norm.ok else None]
            if sheet.name == schema.INFO_SHEET:
                code = str(rec.values.get("党组织编码", [None])[0] or book.meta.get("branch_code") or "")
        else:
            table = locate_table(raw, sheet)
            if table is None:
                findings.append(make(Code.COLUMN_MISSING, file, sheet=sheet.name, column="表头",
                                     cell="A2"))
                result.findings.extend(findings)
                continue
            rec = SheetRecords(columns=dict(table.columns), rows=[r + 1 for r in table.rows],
                               header_row=table.header_row + 1)
            width = max(len(raw.rows[table.header_row]), max(table.columns.values()) + 1)
            for f in sheet.fields:
                c = table.columns.get(f.label)
                if c is None:
                    rec.values[f.label] = [None] * len(table.rows)
                    if f.required:
                        findings.append(make(Code.COLUMN_MISSING, file, sheet=sheet.name, column=f.label,
                                             row=table.header_row + 1, cell=a1(table.header_row, width)))
                    continue
                out = []
                for r in table.rows:
                    value = raw.cell(r, c)
                    if (r, c) in raw.missing_cache:
                        findings.append(make(Code.FORMULA_NO_VALUE, file, sheet=sheet.name, row=r + 1,
                                             column=f.label, cell=a1(r, c)))
                        out.append(None)
                        continue
                    if is_blank(value):
                        if f.required:
                            findings.append(make(Code.REQUIRED, file, sheet=sheet.name, row=r + 1,
                                                 column=f.label, cell=a1(r, c)))
                        out.append(None)
                        continue
                    norm = normalize_value(f, value, epoch1904)
                    if norm.error is None and not norm.changed:
                        out.append(norm.value)
                        continue
                    common = dict(file=file, sheet=sheet.name, row=r + 1, column=f.label, cell=a1(r, c))
                    findings.extend(_cell_findings(f, value, norm, common))
                    out.append(norm.value if norm.ok else None)
                rec.values[f.label] = out
        for f in sheet.required:
            values = rec.values.get(f.label, [])
            result.required_total += len(values)
            result.required_filled += sum(v is not None for v in values)
        result.sheets[sheet.name] = rec
        result.findings.extend(findings)
    code = code or book.meta.get("branch_code", "")
    if code:
        result.findings = [_with_code(f, code) for f in result.findings]
    return result


def _with_code(f: Finding, code: str) -> Finding:
    if f.branch_code:
        return f
    from dataclasses import replace

    return replace(f, branch_code=code)


# --- rules over the batch ----------------------------------------------------------------------

@dataclass
class RuleContext:
    tables: dict[str, pd.DataFrame]
    results: dict[str, FileResult]  # by 来源文件
    settings: Settings
    period_end: dt.date

    def finding(self, code: Code, df_row: Any, sheet: str, label: str, **kw: Any) -> Finding:
        file = df_row[schema.FILE_COL]
        row = int(df_row[schema.ROW_COL])
        res = self.results.get(file)
        cell = res.cell(sheet, label, row) if res else ""
        if sheet in (s.name for s in schema.FORM_SHEETS) and res is not None:
            row = res.sheets[sheet].form_rows.get(label, row) if sheet in res.sheets else row
        return make(code, file, branch_code=str(df_row[schema.CODE_COL] or ""), sheet=sheet, row=row,
                    column=label, cell=cell, **kw)


def _date(v: Any) -> dt.date | None:
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NaT:
        return None
    if isinstance(v, pd.Timestamp):
        return v.date()
    return v


# (sheet, earlier date, later date, what the message says)
DATE_ORDER = (
    ("公开承诺", "承诺日期", "计划完成日期", "计划完成日期早于承诺日期"),
    ("公开承诺", "承诺日期", "实际完成日期", "实际完成日期早于承诺日期"),
    ("为民办实事", "开始日期", "完成日期", "完成日期早于开始日期"),
    ("民情台账", "登记日期", "办结时限", "办结时限早于登记日期"),
    ("民情台账", "登记日期", "办结日期", "办结日期早于登记日期"),
    ("党员名册", "出生日期", "入党日期", "入党日期早于出生日期"),
)
# (sheet, part, whole, what the message says)
NOT_MORE_THAN = (
    ("活动记录", "实际参加人数", "应参加人数", "实际参加人数多于应参加人数"),
    ("为民办实事", "其中争取上级资金（万元）", "投入资金（万元）", "争取上级资金多于投入资金"),
)
# (sheet, status column, status, date that must then be filled)
DONE_NEEDS_DATE = (
    ("公开承诺", "完成情况", "已完成", "实际完成日期"),
    ("为民办实事", "完成情况", "已完成", "完成日期"),
)


def _rows(df: pd.DataFrame, mask: Any) -> Iterator[Any]:
    if df.empty:
        return iter(())
    return (row for _, row in df[mask.fillna(False).astype(bool)].iterrows())


def rule_inconsistent(ctx: RuleContext) -> Iterator[Finding]:
    t = ctx.tables
    for sheet, early, late, what in DATE_ORDER:
        df = t[sheet]
        for row in _rows(df, df[late] < df[early]):
            yield ctx.finding(Code.INCONSISTENT, row, sheet, late, value=display(_date(row[late])),
                              detail=f"{what}（{display(_date(row[early]))}），请核对")
    for sheet, part, whole, what in NOT_MORE_THAN:
        df = t[sheet]
        for row in _rows(df, df[part] > df[whole]):
            yield ctx.finding(Code.INCONSISTENT, row, sheet, part, value=display(row[part]),
                              detail=f"{what}（{display(row[part])} > {display(row[whole])}），请核对")
    for sheet, col, status, date_col in DONE_NEEDS_DATE:
        df = t[sheet]
        for row in _rows(df, (df[col] == status) & df[date_col].isna()):
            yield ctx.finding(Code.INCONSISTENT, row, sheet, date_col,
                              detail=f"完成情况为“{status}”，但没有填写{date_col}，请补填")
    votes = t["考核测评"]
    cast = votes["满意票"].fillna(0) + votes["基本满意票"].fillna(0) + votes["不满意票"].fillna(0)
    for row in _rows(votes, cast > votes["民主测评参评人数"]):
        total = int(row["满意票"] or 0) + int(row["基本满意票"] or 0) + int(row["不满意票"] or 0)
        yield ctx.finding(Code.INCONSISTENT, row, "考核测评", "民主测评参评人数", value=display(row["民主测评参评人数"]),
                          detail=f"满意、基本满意、不满意票合计{total}票，多于参评人数{row['民主测评参评人数']}，请核对票数")
    roster = t["党员名册"]
    ids = roster["身份证号"]
    if ids.notna().any():
        # vectorised: a county has tens of thousands of members
        sex_by_id = ids.str.slice(16, 17).map(id_sex_digit, na_action="ignore")
        for row in _rows(roster, roster["性别"].notna() & sex_by_id.notna() & (roster["性别"] != sex_by_id)):
            told = id_sex_digit(str(row["身份证号"])[16])
            yield ctx.finding(Code.INCONSISTENT, row, "党员名册", "性别", value=row["性别"],
                              detail=f"性别“{row['性别']}”与身份证号（第17位表示{told}）不符，请核对")
        id_born = pd.to_datetime(ids.str.slice(6, 14), format="%Y%m%d", errors="coerce")
        for row in _rows(roster, roster["出生日期"].notna() & id_born.notna() & (roster["出生日期"] != id_born)):
            pid, born = str(row["身份证号"]), _date(row["出生日期"])
            yield ctx.finding(Code.INCONSISTENT, row, "党员名册", "出生日期", value=display(born),
                              detail=f"出生日期{display(born)}与身份证号中的{display(id_birth_date(pid))}不符，请核对")


def id_sex_digit(digit: str) -> str | None:
    return ("男" if int(digit) % 2 else "女") if digit.isdigit() else None


def rule_count_mismatch(ctx: RuleContext) -> Iterator[Finding]:
    roster = ctx.tables["党员名册"]
    counts = roster.groupby(schema.FILE_COL).agg(
        total=("姓名", "size"),
        formal=("党员类别", lambda s: int((s == "正式党员").sum())),
        probation=("党员类别", lambda s: int((s == "预备党员").sum())),
    )
    for _, row in ctx.tables["基本信息"].iterrows():
        file = row[schema.FILE_COL]
        res = ctx.results[file]
        if "党员名册" not in res.sheets:
            continue
        have = counts.loc[file] if file in counts.index else pd.Series({"total": 0, "formal": 0, "probation": 0})
        for label, key, what in (("党员总数", "total", "党员名册共有{n}人"), ("正式党员数", "formal", "党员名册中正式党员{n}人"),
                                 ("预备党员数", "probation", "党员名册中预备党员{n}人")):
            stated = row[label]
            if pd.isna(stated):
                continue
            if int(stated) != int(have[key]):
                yield ctx.finding(Code.COUNT_MISMATCH, row, "基本信息", label, value=display(stated),
                                  detail=f"{label}填的是{display(stated)}，{what.format(n=int(have[key]))}，请核对")


def rule_unknown_member(ctx: RuleContext) -> Iterator[Finding]:
    roster = ctx.tables["党员名册"]
    known = pd.MultiIndex.from_frame(roster[[schema.FILE_COL, "姓名"]].dropna())
    with_roster = set(roster[schema.FILE_COL].dropna())
    for sheet in schema.TABLE_SHEETS:
        for col in sheet.member_columns:
            df = ctx.tables[sheet.name]
            if df.empty:
                continue
            named = df[col].notna() & df[schema.FILE_COL].isin(with_roster)
            if "承诺主体" in df.columns:  # a branch's own commitments name the branch, not a member
                named &= df["承诺主体"] == "党员"
            pairs = pd.MultiIndex.from_arrays([df[schema.FILE_COL], df[col]])
            for row in _rows(df, named & ~pd.Series(pairs.isin(known), index=df.index)):
                yield ctx.finding(Code.UNKNOWN_MEMBER, row, sheet.name, col, value=row[col])


def rule_duplicate_member(ctx: RuleContext) -> Iterator[Finding]:
    roster = ctx.tables["党员名册"]
    ids = roster[roster["身份证号"].notna()]
    dup = ids[ids.duplicated("身份证号", keep=False)]
    for pid, group in dup.groupby("身份证号", sort=False):
        first = group.iloc[0]
        for i, (_, row) in enumerate(group.iterrows()):
            if i == 0:
                continue
            same = row[schema.FILE_COL] == first[schema.FILE_COL]
            where = f"与本表第{int(first[schema.ROW_COL])}行" if same else \
                f"与{first[schema.NAME_COL] or first[schema.CODE_COL]}党员名册第{int(first[schema.ROW_COL])}行（{first['姓名']}）"
            yield ctx.finding(Code.DUPLICATE_MEMBER, row, "党员名册", "身份证号", value=_mask_id(str(pid)),
                              detail=f"{where}相同，同一党员只能登记一次，请核对")


def _mask_id(pid: str) -> str:
    return pid[:6] + "*" * 8 + pid[-4:] if len(pid) == 18 else pid


def rule_overdue(ctx: RuleContext) -> Iterator[Finding]:
    end = pd.Timestamp(ctx.period_end)
    df = ctx.tables["公开承诺"]
    for row in _rows(df, (df["计划完成日期"] < end) & (df["完成情况"] != "已完成")):
        yield ctx.finding(Code.OVERDUE, row, "公开承诺", "完成情况", value=row["完成情况"],
                          detail=f"承诺计划{display(_date(row['计划完成日期']))}完成，到报告期末仍未完成，请督促兑现或说明情况")
    df = ctx.tables["民情台账"]
    for row in _rows(df, (df["办结时限"] < end) & df["办结日期"].isna()):
        yield ctx.finding(Code.OVERDUE, row, "民情台账", "办结日期",
                          detail=f"办结时限为{display(_date(row['办结时限']))}，到报告期末仍未办结，请抓紧办理并填写办结日期")


def rule_rating_quota(ctx: RuleContext) -> Iterator[Finding]:
    roster = ctx.tables["党员名册"]
    for _, group in roster.groupby(schema.FILE_COL):
        excellent = int((group["民主评议等次"] == "优秀").sum())
        if excellent * 3 > len(group):
            first = group[group["民主评议等次"] == "优秀"].iloc[0]
            yield ctx.finding(Code.RATING_QUOTA, first, "党员名册", "民主评议等次", value="优秀",
                              detail=f"民主评议“优秀”{excellent}人，超过党员总数{len(group)}人的三分之一，请核对")


def rule_probation(ctx: RuleContext) -> Iterator[Finding]:
    roster = ctx.tables["党员名册"]
    limit = pd.Timestamp(ctx.period_end - dt.timedelta(days=365))
    for row in _rows(roster, (roster["党员类别"] == "预备党员") & (roster["入党日期"] < limit)):
        yield ctx.finding(Code.PROBATION_OVERDUE, row, "党员名册", "党员类别", value="预备党员",
                          detail=f"{row['姓名']}{display(_date(row['入党日期']))}入党，预备期已超过一年，请及时讨论转正")


def rule_out_of_period(ctx: RuleContext) -> Iterator[Finding]:
    start, end = pd.Timestamp(ctx.settings.campaign_start), pd.Timestamp(ctx.settings.campaign_end)
    span = f"{display(ctx.settings.campaign_start)}至{display(ctx.settings.campaign_end)}"
    for sheet in schema.TABLE_SHEETS:
        df = ctx.tables[sheet.name]
        for col in sheet.dated:
            for row in _rows(df, (df[col] < start) | (df[col] > end)):
                yield ctx.finding(Code.OUT_OF_PERIOD, row, sheet.name, col, value=display(_date(row[col])),
                                  detail=span)


RULES: tuple[Callable[[RuleContext], Iterator[Finding]], ...] = (
    rule_inconsistent, rule_count_mismatch, rule_unknown_member, rule_duplicate_member, rule_overdue,
    rule_rating_quota, rule_probation, rule_out_of_period,
)


def check_rules(tables: dict[str, pd.DataFrame], results: dict[str, FileResult], settings: Settings,
                period_end: dt.date) -> list[Finding]:
    ctx = RuleContext(tables, results, settings, period_end)
    out: list[Finding] = []
    for rule in RULES:
        out.extend(rule(ctx))
    return out


__all__ = ["FileResult", "SheetRecords", "check_book", "check_rules"]
