"""Checks, in two kinds.

* Cell checks follow from the schema (REQUIRED, BAD_TYPE, BAD_CHOICE, OUT_OF_RANGE, BAD_ID_NUMBER,
  BAD_PHONE, and NORMALISED for what was read by normalising it; EMPTY_TEMPLATE for a template nobody
  filled in). They run per file, in the worker that read it: :func:`check_book`.
* Rules run over the batch's DataFrames (:func:`check_rules`): the cross-field rules each sheet
  declares in the schema (INCONSISTENT, UNKNOWN_MEMBER; :func:`violations`), and the one-off rules
  written as code here, which take their names and values from the schema: COUNT_MISMATCH,
  DUPLICATE_MEMBER, OVERDUE, RATING_QUOTA, PROBATION_OVERDUE, OUT_OF_PERIOD, 身份证号 vs 性别/出生日期, a
  填报日期 typed wrong (OUT_OF_RANGE, :func:`filled_on_slip`) and LATE_SUBMISSION, which does not use it.
  A rule that raises all the same becomes RULE_FAILED for the files it could not check.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import partial
from typing import Any

import pandas as pd

from . import schema
from .findings import Code, Finding, Severity, make
from .model import FileResult, SheetRecords
from .normalize import display, id_birth_date, is_blank, is_missing, mask_id, normalize_value, squeeze
from .read import RawBook, RawSheet, a1, locate_form, locate_table
from .schema import Rule, Settings, Sheet

SUPPORTED_VERSIONS = {str(schema.VERSION)}


INT_LIMIT = 2**63 - 1  # the largest integer the batch's Int64 columns hold


def _normalize(f: schema.Field, raw: Any, epoch1904: bool) -> Any:
    """normalize_value, and an integer too large for the batch's integer columns is out of range
    (no count on a branch form comes near it; kept, it would end the run when the batch is typed)."""
    norm = normalize_value(f, raw, epoch1904)
    if f.kind is schema.Kind.INT and norm.ok and norm.value is not None and abs(norm.value) > INT_LIMIT:
        return replace(norm, error=Code.OUT_OF_RANGE, detail=f"不大于{INT_LIMIT}")
    return norm


def _cell_findings(f: schema.Field, raw: Any, norm: Any, common: dict[str, Any]) -> Iterator[Finding]:
    if norm.error is not None:
        yield make(norm.error, value=display(raw), detail=norm.detail, **common)
    elif norm.value is None:
        if f.required:
            yield make(Code.REQUIRED, **common)
    elif norm.changed:
        yield make(Code.NORMALISED, value=display(raw), detail=display(norm.value), **common)


def _unusable(raw: RawSheet, r: int, c: int, common: dict[str, Any]) -> Finding | None:
    """A cell whose value the file does not hold: a formula never calculated, or an error value."""
    if (r, c) in raw.missing_cache:
        return make(Code.FORMULA_NO_VALUE, **common)
    if (r, c) in raw.errors:
        return make(Code.CELL_ERROR, value=raw.errors[(r, c)], **common)
    return None


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
    filled = False  # anything filled in beyond what a pre-filled template carries
    for sheet in sheets:
        raw = book.sheet(sheet.name)
        if raw is None:
            if not sheet.optional:
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
                if not (sheet.name == schema.INFO_SHEET and f.label in schema.PREFILLED):
                    filled = filled or not is_blank(value) or (r, c) in raw.missing_cache
                common = dict(file=file, sheet=sheet.name, row=r + 1, column=f.label, cell=a1(r, c))
                unusable = _unusable(raw, r, c, common)
                if unusable is not None:
                    findings.append(unusable)
                    rec.values[f.label] = [None]
                    continue
                norm = _normalize(f, value, epoch1904)
                findings.extend(_cell_findings(f, value, norm, common))
                rec.values[f.label] = [norm.value if norm.ok else None]
            if sheet.name == schema.INFO_SHEET:
                code = str(rec.values.get(schema.CODE_COL, [None])[0] or book.meta.get("branch_code") or "")
                # the sheets after it make their findings with the code (replacing a frozen finding
                # afterwards costs more than making it: a messy file has hundreds)
        else:
            table = locate_table(raw, sheet)
            # without its header a sheet cannot be told empty: it counts as filled
            filled = filled or (not sheet.optional and (table is None or bool(table.rows)))
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
                special = raw.missing_cache or raw.errors  # almost always neither: no lookups per cell
                rows = raw.rows
                for r in table.rows:
                    row = rows[r] if r < len(rows) else ()
                    value = row[c] if c < len(row) else None
                    if special and ((r, c) in raw.missing_cache or (r, c) in raw.errors):
                        findings.append(_unusable(raw, r, c, dict(  # type: ignore[arg-type]
                            file=file, branch_code=code, sheet=sheet.name, row=r + 1, column=f.label,
                            cell=a1(r, c))))
                        out.append(None)
                        continue
                    if is_blank(value):
                        if f.required and not sheet.optional:  # a 情况说明 row without 说明 explains nothing
                            findings.append(make(Code.REQUIRED, file, branch_code=code, sheet=sheet.name,
                                                 row=r + 1, column=f.label, cell=a1(r, c)))
                        out.append(None)
                        continue
                    norm = _normalize(f, value, epoch1904)
                    if norm.error is None and not norm.changed:
                        out.append(norm.value)
                        continue
                    common = dict(file=file, branch_code=code, sheet=sheet.name, row=r + 1, column=f.label,
                                  cell=a1(r, c))
                    findings.extend(_cell_findings(f, value, norm, common))
                    out.append(norm.value if norm.ok else None)
                rec.values[f.label] = out
        for f in () if sheet.optional else sheet.required:
            values = rec.values.get(f.label, [])
            result.required_total += len(values)
            result.required_filled += sum(v is not None for v in values)
        result.sheets[sheet.name] = rec
        result.findings.extend(findings)
    code = code or book.meta.get("branch_code", "")
    if not filled:
        # one finding for the file, not one REQUIRED per cell; and no report, so the branch stays
        # on the chase list
        result.readable = False
        result.findings = [make(Code.EMPTY_TEMPLATE, file, branch_code=code)]
        return result
    if code:
        result.findings = [_with_code(f, code) for f in result.findings]
    return result


def _with_code(f: Finding, code: str) -> Finding:
    if f.branch_code:
        return f
    return replace(f, branch_code=code)


# --- 情况说明: warnings a branch explained ------------------------------------------------------------

EXPLAIN_FIELDS = ("工作表", "位置", "问题代码", "说明")
NOT_EXPLAINABLE = "（错误须改正，不能用情况说明代替）"


def _position(text: str) -> tuple[str, int | None]:
    """位置 as a clerk types it: a cell (``B8``, ``$B$8``, ``b8``) or a row (``5``, ``第5行``, ``5行``)."""
    t = squeeze(text).upper().replace("$", "")
    digits = t.removeprefix("第").removesuffix("行")
    if digits.isdigit():
        return "", int(digits)
    return t, None


def _same_code(typed: str, code: Code) -> bool:
    t = squeeze(typed)
    return t.upper() == code.name or t == squeeze(code.kind)


def explanations(res: FileResult) -> list[tuple[int, dict[str, str]]]:
    """A file's 情况说明 rows that say something: (row number, the four fields as text, and ``cell``:
    where its 说明 is)."""
    rec = res.sheets.get(schema.EXPLAIN_SHEET)
    if rec is None:
        return []
    out = []
    for i, r in enumerate(rec.rows):
        row = {k: _text((rec.values.get(k) or [None] * len(rec.rows))[i]) for k in EXPLAIN_FIELDS}
        if row["说明"]:
            c = rec.columns.get("说明")
            out.append((r, {**row, "cell": a1(r - 1, c) if c is not None else ""}))
    return out


def _explains(row: dict[str, str], f: Finding) -> bool:
    if f.file == "" or not _same_code(row["问题代码"], f.code):
        return False
    if row["工作表"] and squeeze(row["工作表"]) != squeeze(f.sheet):
        return False
    cell, line = _position(row["位置"])
    if cell:
        return cell == f.cell.upper()
    if line is not None:
        return line == f.row
    return not f.cell and f.row is None  # a warning about the whole file or sheet: no position to copy


def explain(findings: Sequence[Finding], results: Iterable[FileResult]) -> list[Finding]:
    """``findings`` with each warning its file's 情况说明 explains (same sheet, position and code, a
    说明 given) as EXPLAINED, the explanation quoted; an error "explained" stays an error and says it
    must be fixed; a 情况说明 row that explains nothing is a 提示 on that row. A new list."""
    rows = {res.file: explanations(res) for res in results}
    rows = {k: v for k, v in rows.items() if v}
    if not rows:
        return list(findings)
    used: set[tuple[str, int]] = set()
    out = []
    for f in findings:
        match = next(((r, row) for r, row in rows.get(f.file, ()) if _explains(row, f)), None)
        if match is None or f.severity is Severity.INFO:
            out.append(f)
            continue
        used.add((f.file, match[0]))
        if f.severity is Severity.ERROR:
            out.append(f.with_message(f.message + NOT_EXPLAINABLE))
            continue
        out.append(make(Code.EXPLAINED, f.file, branch_code=f.branch_code, sheet=f.sheet, row=f.row, column=f.column,
                        cell=f.cell, value=match[1]["说明"], detail=f"【{f.code.kind}，{f.code.name}】{f.message}"))
    for file, items in rows.items():
        for r, row in items:
            if (file, r) not in used:
                code = next((f.branch_code for f in out if f.file == file and f.branch_code), "")
                out.append(make(Code.SKIPPED, file, branch_code=code, sheet=schema.EXPLAIN_SHEET, row=r, column="说明",
                                cell=row["cell"], value=row["说明"], detail=(
                                    f"情况说明第{r}行找不到对应的警告（工作表“{row['工作表']}”、位置“{row['位置']}”、"
                                    f"问题代码“{row['问题代码']}”须与问题清单中的一致），未采用")))
    return out


# --- rules over the batch ----------------------------------------------------------------------

_log = logging.getLogger(__name__)


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
        return make(code, file, branch_code=_text(df_row[schema.CODE_COL]), sheet=sheet, row=row,
                    column=label, cell=cell, **kw)

    def text(self, v: Any) -> str:
        return _text(v)


def _text(v: Any) -> str:
    """A DataFrame value as message text; a blank cell (pd.NA, NaT, None) is empty, never "<NA>"."""
    return "" if is_missing(v) else display(_date(v) if isinstance(v, pd.Timestamp) else v)


def _date(v: Any) -> dt.date | None:
    if is_missing(v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date()
    return v


def _rows(df: pd.DataFrame, mask: Any) -> Iterator[Any]:
    if df.empty:
        return iter(())
    return (row for _, row in df[mask.fillna(False).astype(bool)].iterrows())


# --- the declared rules (schema.Sheet.rules) -----------------------------------------------------

def violations(rule: Rule, df: pd.DataFrame, tables: dict[str, pd.DataFrame] | None = None) -> pd.Series:
    """The rows of ``df`` (a sheet's batch DataFrame) that break ``rule``, as a boolean Series on its
    index. A comparison with a blank side is no finding. :class:`~cxzy_xl.schema.MemberRef` looks
    names up in ``tables``' roster."""
    if df.empty:
        return pd.Series(False, index=df.index, dtype=bool)
    return rule.violations(df, tables).fillna(False).astype(bool)


def declared_findings(ctx: RuleContext, sheet: Sheet, rule: Rule) -> Iterator[Finding]:
    """The findings of one declared rule of ``sheet`` over the batch."""
    df = ctx.tables[sheet.name]
    for row in _rows(df, violations(rule, df, ctx.tables)):
        yield rule.finding(ctx, sheet.name, row)


# --- the one-off rules, written as code; their names and values come from the schema -------------

def id_sex_digit(digit: str) -> str | None:
    return (schema.MALE if int(digit) % 2 else schema.FEMALE) if digit.isdigit() else None


def rule_id_number(ctx: RuleContext) -> Iterator[Finding]:
    sex_col, born_col, id_col = schema.MEMBER_SEX, schema.MEMBER_BORN, schema.MEMBER_ID
    roster = ctx.tables[schema.ROSTER_SHEET]
    ids = roster[id_col]
    if not ids.notna().any():
        return
    # vectorised: a county has tens of thousands of members
    sex_by_id = ids.str.slice(16, 17).map(id_sex_digit, na_action="ignore").astype("string")
    for row in _rows(roster, roster[sex_col].notna() & sex_by_id.notna() & (roster[sex_col] != sex_by_id)):
        told = id_sex_digit(str(row[id_col])[16])
        yield ctx.finding(Code.INCONSISTENT, row, schema.ROSTER_SHEET, sex_col, value=_text(row[sex_col]),
                          detail=f"{sex_col}“{_text(row[sex_col])}”与{id_col}（第17位表示{told}）不符，请核对")
    id_born = pd.to_datetime(ids.str.slice(6, 14), format="%Y%m%d", errors="coerce")
    for row in _rows(roster, roster[born_col].notna() & id_born.notna() & (roster[born_col] != id_born)):
        pid, born = str(row[id_col]), _text(row[born_col])
        yield ctx.finding(Code.INCONSISTENT, row, schema.ROSTER_SHEET, born_col, value=born,
                          detail=f"{born_col}{born}与{id_col}中的{display(id_birth_date(pid))}不符，请核对")


def departed(roster: pd.DataFrame) -> pd.Series:
    """The roster rows that record a member who left (备注 says 转出、去世…, schema.DEPARTED_WORDS):
    not counted among the branch's members, not missing (MEMBER_GONE), not carried over."""
    notes = roster[schema.ROSTER_NOTE]
    if roster.empty:
        return pd.Series(False, index=roster.index, dtype=bool)
    text = notes.map(lambda v: "" if is_missing(v) else str(v))
    return text.str.contains("|".join(schema.DEPARTED_WORDS), regex=True).astype(bool)


def open_rows(df: pd.DataFrame, o: schema.Open | None) -> pd.Series:
    """The rows still open by ``o`` (:meth:`schema.Open.rows`); every row where there is no ``o``."""
    return pd.Series(True, index=df.index, dtype=bool) if o is None else o.rows(df)


def current_members(roster: pd.DataFrame) -> pd.DataFrame:
    """The roster without the departure records."""
    return roster[~departed(roster)]


def rule_count_mismatch(ctx: RuleContext) -> Iterator[Finding]:
    roster = current_members(ctx.tables[schema.ROSTER_SHEET])
    kinds = roster[schema.MEMBER_CLASS]
    have: dict[str | None, pd.Series] = {}
    for _, counted in schema.MEMBER_COUNTS:
        rows = roster if counted is None else roster[(kinds == counted).fillna(False).astype(bool)]
        have[counted] = rows.groupby(schema.FILE_COL).size()
    for _, row in ctx.tables[schema.INFO_SHEET].iterrows():
        file = row[schema.FILE_COL]
        res = ctx.results.get(file)
        if res is None or schema.ROSTER_SHEET not in res.sheets:
            continue
        for label, counted in schema.MEMBER_COUNTS:
            stated = row[label]
            if is_missing(stated):
                continue
            n = int(have[counted].get(file, 0))
            if int(stated) != n:
                what = f"{schema.ROSTER_SHEET}共有{n}人" if counted is None else f"{schema.ROSTER_SHEET}中{counted}{n}人"
                yield ctx.finding(Code.COUNT_MISMATCH, row, schema.INFO_SHEET, label, value=_text(stated),
                                  detail=f"{label}填的是{_text(stated)}，{what}，请核对")


def rule_duplicate_member(ctx: RuleContext) -> Iterator[Finding]:
    id_col = schema.MEMBER_ID
    roster = ctx.tables[schema.ROSTER_SHEET]
    ids = roster[roster[id_col].notna()]
    dup = ids[ids.duplicated(id_col, keep=False)]
    for pid, group in dup.groupby(id_col, sort=False):
        first = group.iloc[0]
        for _, row in group.iloc[1:].iterrows():
            if row[schema.FILE_COL] == first[schema.FILE_COL]:
                where = f"与本表第{int(first[schema.ROW_COL])}行"
            else:
                # a branch that left its name blank is named by its code, or else its file
                branch = _text(first[schema.NAME_COL]) or _text(first[schema.CODE_COL]) or _text(first[schema.FILE_COL])
                name = _text(first[schema.MEMBER_NAME])
                where = f"与{branch}{schema.ROSTER_SHEET}第{int(first[schema.ROW_COL])}行" + (f"（{name}）" if name else "")
            yield ctx.finding(Code.DUPLICATE_MEMBER, row, schema.ROSTER_SHEET, id_col, value=mask_id(str(pid)),
                              detail=f"{where}相同，同一党员只能登记一次，请核对")


def rule_overdue(ctx: RuleContext) -> Iterator[Finding]:
    for d in schema.DEADLINES:
        df = ctx.tables[d.sheet]
        if df.empty:
            continue
        for row in _rows(df, d.overdue(df, ctx.period_end)):
            if d.done is None:
                yield ctx.finding(Code.OVERDUE, row, d.sheet, d.column,
                                  detail=f"{d.due}为{_text(row[d.due])}，到报告期末仍未{d.column.removesuffix('日期')}，"
                                         f"请抓紧办理并填写{d.column}")
            else:
                yield ctx.finding(Code.OVERDUE, row, d.sheet, d.column, value=_text(row[d.column]),
                                  detail=f"{d.due}为{_text(row[d.due])}，到报告期末仍未{d.done.removeprefix('已')}，"
                                         "请督促兑现或说明情况")


_CN_DIGITS = "零一二三四五六七八九十"


def _fraction_words(x: Fraction) -> str:
    """1/3 → 三分之一 (denominators up to ten, which is all a quota needs)."""
    if x.denominator > 10:
        return f"{float(x):.0%}"
    return f"{_CN_DIGITS[x.denominator]}分之{_CN_DIGITS[x.numerator]}" if x.numerator <= 10 else str(x)


def _days_words(days: int) -> str:
    """365 → 一年; other spans in days."""
    years, rest = divmod(days, 365)
    return f"{_CN_DIGITS[years]}年" if not rest and 0 < years <= 10 else f"{days}天"


def rule_rating_quota(ctx: RuleContext) -> Iterator[Finding]:
    rating, top, share = schema.RATING, schema.RATING_TOP, schema.RATING_TOP_SHARE
    roster = ctx.tables[schema.ROSTER_SHEET]
    # counted for all files at once: a group per file cost a city's run seconds
    is_top = (roster[rating] == top).fillna(False).astype(bool)
    by_file = is_top.groupby(roster[schema.FILE_COL])
    counts, sizes = by_file.sum(), by_file.size()
    for file in counts.index[(counts > share * sizes).to_numpy()]:
        excellent, members = int(counts[file]), int(sizes[file])
        first = roster[is_top & (roster[schema.FILE_COL] == file)].iloc[0]
        yield ctx.finding(Code.RATING_QUOTA, first, schema.ROSTER_SHEET, rating, value=top,
                          detail=f"{rating}“{top}”{excellent}人，超过党员总数{members}人的"
                                 f"{_fraction_words(share)}，请核对")


def rule_probation(ctx: RuleContext) -> Iterator[Finding]:
    roster = ctx.tables[schema.ROSTER_SHEET]
    cls, joined = schema.MEMBER_CLASS, schema.MEMBER_JOINED
    limit = pd.Timestamp(ctx.period_end - dt.timedelta(days=schema.PROBATION_DAYS))
    for row in _rows(roster, (roster[cls] == schema.PROBATIONER) & (roster[joined] < limit)):
        yield ctx.finding(Code.PROBATION_OVERDUE, row, schema.ROSTER_SHEET, cls, value=schema.PROBATIONER,
                          detail=f"{_text(row[schema.MEMBER_NAME])}{_text(row[joined])}入党，预备期已超过"
                                 f"{_days_words(schema.PROBATION_DAYS)}，请及时讨论转正")


FILLED_ON = "填报日期"


def _a_year_after(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def filled_on_slip(filled: dt.date | None, settings: Settings) -> str | None:
    """What a 填报日期 should have been, in words, when it cannot be the day the file was filled in: before
    设置's 活动开始日期, after today (``settings.current_date``), or more than a year after 活动结束日期 (a
    typing slip: 2026.3.5 typed in a 2011 report). None when it can be (or is blank)."""
    if filled is None:
        return None
    today = settings.current_date
    if filled < settings.campaign_start:
        return f"不早于活动开始日期{display(settings.campaign_start)}"
    if filled > today:
        return f"不晚于今天{display(today)}"
    if filled > _a_year_after(settings.campaign_end):
        return f"不晚于活动结束日期{display(settings.campaign_end)}后一年"
    return None


def plausible_filled_on(res: FileResult, settings: Settings) -> dt.date | None:
    """A file's 填报日期, unless it is blank or a typing slip (:func:`filled_on_slip`)."""
    return res.filled_on if filled_on_slip(res.filled_on, settings) is None else None


def submitted_on(res: FileResult, settings: Settings) -> dt.date | None:
    """When a submission was made: its 填报日期, failing that the file's time. A 填报日期 typed wrong
    (:func:`filled_on_slip`) tells nothing, and then neither does the file's time (the day an e-mail
    attachment happened to be saved): None."""
    if res.filled_on is not None:
        return plausible_filled_on(res, settings)
    return dt.datetime.fromtimestamp(res.mtime).date() if res.mtime else None


def is_late(res: FileResult, settings: Settings) -> bool:
    """After 设置's 报送截止日期 (nothing is late without one, or without a plausible date)."""
    when = submitted_on(res, settings)
    return settings.deadline is not None and when is not None and when > settings.deadline


def rule_filled_on(ctx: RuleContext) -> Iterator[Finding]:
    """A 填报日期 no one could have meant is OUT_OF_RANGE at its cell, and is not used for lateness."""
    for _, row in ctx.tables[schema.INFO_SHEET].iterrows():
        res = ctx.results.get(row[schema.FILE_COL])
        slip = filled_on_slip(res.filled_on, ctx.settings) if res is not None else None
        if slip is None:
            continue
        f = ctx.finding(Code.OUT_OF_RANGE, row, schema.INFO_SHEET, FILLED_ON, value=_text(row[FILLED_ON]),
                        detail=f"为实际填报的日期（{slip}）")
        note = "，可能是输入有误，请改正" + ("；此日期不用于判断是否逾期报送" if ctx.settings.deadline else "")
        yield f.with_message(f.message + note)


def rule_late(ctx: RuleContext) -> Iterator[Finding]:
    deadline = ctx.settings.deadline
    if deadline is None:
        return
    label = FILLED_ON
    for _, row in ctx.tables[schema.INFO_SHEET].iterrows():
        res = ctx.results.get(row[schema.FILE_COL])
        if res is None or not is_late(res, ctx.settings):
            continue
        when = submitted_on(res, ctx.settings)
        said = f"{label}为{display(when)}" if res.filled_on is not None else f"未填{label}，文件保存于{display(when)}"
        yield ctx.finding(Code.LATE_SUBMISSION, row, schema.INFO_SHEET, label, value=_text(row[label]),
                          detail=f"{said}，晚于报送截止日期{display(deadline)}，今后请按时报送")


def rule_out_of_period(ctx: RuleContext) -> Iterator[Finding]:
    """Dated rows outside the campaign; and rows dated after the report period's end, which no figure
    of this period counts (contract 1.2, 本期 and 累计)."""
    start, end = pd.Timestamp(ctx.settings.campaign_start), pd.Timestamp(ctx.settings.campaign_end)
    span = f"不在创先争优活动期间（{display(ctx.settings.campaign_start)}至{display(ctx.settings.campaign_end)}）"
    period_end = pd.Timestamp(ctx.period_end)
    late = f"晚于报告期（截至{display(ctx.period_end)}），本期不计入；如是笔误请改正，下期的事项请下期再填"
    for sheet in schema.TABLE_SHEETS:
        df = ctx.tables[sheet.name]
        for col in sheet.dated:
            outside = (df[col] < start) | (df[col] > end)
            for row in _rows(df, outside):
                yield ctx.finding(Code.OUT_OF_PERIOD, row, sheet.name, col, value=_text(row[col]), detail=span)
            for row in _rows(df, ~outside.fillna(False).astype(bool) & (df[col] > period_end)):
                yield ctx.finding(Code.OUT_OF_PERIOD, row, sheet.name, col, value=_text(row[col]), detail=late)


@dataclass(frozen=True)
class CodeRule:
    """A rule and its name in words (the RULE_FAILED finding says which check was skipped)."""

    title: str
    run: Callable[[RuleContext], Iterable[Finding]]


RULES: tuple[CodeRule, ...] = (
    CodeRule(f"{schema.MEMBER_SEX}、{schema.MEMBER_BORN}与{schema.MEMBER_ID}相符", rule_id_number),
    CodeRule(f"{schema.INFO_SHEET}的党员人数与{schema.ROSTER_SHEET}相符", rule_count_mismatch),
    CodeRule(f"同一{schema.MEMBER_ID}只登记一次", rule_duplicate_member),
    CodeRule("到期未完成的承诺和未办结的民情", rule_overdue),
    CodeRule(f"{schema.RATING}“{schema.RATING_TOP}”不超过{_fraction_words(schema.RATING_TOP_SHARE)}",
             rule_rating_quota),
    CodeRule(f"{schema.PROBATIONER}按期转正", rule_probation),
    CodeRule("日期在创先争优活动期间", rule_out_of_period),
    CodeRule(f"{FILLED_ON}合理", rule_filled_on),
    CodeRule("按时报送", rule_late),
)


def all_rules() -> list[CodeRule]:
    """Every rule the batch is checked by: each sheet's declared rules, then the one-off rules."""
    declared = [CodeRule(f"{sheet.name}：{rule.title}", partial(declared_findings, sheet=sheet, rule=rule))
                for sheet in schema.BRANCH_SHEETS for rule in sheet.rules]
    return declared + list(RULES)


def _one_file(ctx: RuleContext) -> Iterator[tuple[str, RuleContext]]:
    """The context cut down to each file alone."""
    groups = {name: dict(tuple(df.groupby(schema.FILE_COL, sort=False))) if not df.empty else {}
              for name, df in ctx.tables.items()}
    for file in ctx.results:
        tables = {name: groups[name].get(file, df.iloc[0:0]) for name, df in ctx.tables.items()}
        yield file, RuleContext(tables, ctx.results, ctx.settings, ctx.period_end)


def _guarded(rule: CodeRule, ctx: RuleContext) -> list[Finding]:
    """Run a rule; a rule that raises all the same costs only the files it cannot check."""
    try:
        return list(rule.run(ctx))
    except Exception:  # noqa: BLE001 - a bug in one rule must not cost the township its run
        _log.debug("rule %s failed over the batch", rule.title, exc_info=True)
    # Over the whole batch it failed: run it on each file alone, so the files it can check are
    # checked, and each file it cannot check is named.
    out: list[Finding] = []
    for file, alone in _one_file(ctx):
        try:
            out.extend(rule.run(alone))
        except Exception:  # noqa: BLE001
            _log.debug("rule %s failed on %s", rule.title, file, exc_info=True)
            out.append(make(Code.RULE_FAILED, file, branch_code=ctx.results[file].code, detail=rule.title))
    return out


def check_rules(tables: dict[str, pd.DataFrame], results: dict[str, FileResult], settings: Settings,
                period_end: dt.date) -> list[Finding]:
    """Every rule over the batch's DataFrames; ``results`` are the files the tables were made of."""
    ctx = RuleContext(tables, results, settings, period_end)
    out: list[Finding] = []
    for rule in all_rules():
        out.extend(_guarded(rule, ctx))
    return out


__all__ = ["FILLED_ON", "CodeRule", "RuleContext", "all_rules", "check_book", "check_rules", "current_members",
           "declared_findings", "departed", "filled_on_slip", "is_late", "open_rows", "plausible_filled_on",
           "submitted_on", "violations"]
