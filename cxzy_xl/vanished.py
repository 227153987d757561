"""What must not quietly vanish between two quarters (schema.VANISHED): the rows open in last
quarter's result (the 汇总表's hidden sheets schema.KEPT of 公开承诺, 民情台账 and 党员名册, or in a result
written before the 明细表 was split off, its detail sheets) that this quarter's submission of the same
branch no longer has. A roll-up's result has none, so a county is compared on figures only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd

from . import schema
from .checks import open_rows
from .findings import Code, Finding, make
from .model import Batch, Previous
from .normalize import display, is_blank, mask_id, normalize_value, squeeze
from .read import RawSheet, a1

SOURCE_ROW = "来源行号"  # the row of the earlier result's 明细表 (or, before the split, detail sheet) a row is
SOURCE_BOOK = "来源表"  # ... and which of the two that is: 明细表, or 汇总表 for a result written before it


def detail_rows(raw: RawSheet, sheet: schema.Sheet, v: schema.Vanish) -> pd.DataFrame | None:
    """A detail sheet of a result (header in row 1) as comparable values: text without spaces, dates
    as dates, ID numbers as the result shows them (masked). None when its header no longer says which
    column is which (edited since), so that the comparison is reported as skipped."""
    rows = raw.rows
    if not rows:
        return pd.DataFrame()
    header = [str(h).strip() if not is_blank(h) else "" for h in rows[0]]
    wanted = [schema.CODE_COL, *sheet.labels]
    at = {h: c for c, h in enumerate(header) if h in wanted}
    if schema.CODE_COL not in at or not any(all(k in at for k in key) for key in v.keys):
        return None
    records = []
    at_row = header.index(schema.DETAIL_ROW) if schema.DETAIL_ROW in header else None
    for r, row in enumerate(rows[1:], start=2):
        if not any(not is_blank(v) for v in row):
            continue
        if at_row is not None:
            n = row[at_row] if at_row < len(row) else None
            number = isinstance(n, (int, float)) or isinstance(n, str) and n.isdigit()
            rec: dict[str, Any] = {SOURCE_ROW: int(n) if number else n,
                                   SOURCE_BOOK: "明细表"}
        else:
            rec = {SOURCE_ROW: r, SOURCE_BOOK: "汇总表"}
        for label in wanted:
            c = at.get(label)
            v = row[c] if c is not None and c < len(row) else None
            rec[label] = _value(sheet.field(label), v) if label in sheet.labels else _key_text(v)
        records.append(rec)
    return pd.DataFrame(records)


def _key_text(v: Any) -> str:
    if is_blank(v):
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return squeeze(str(v))


def _value(f: schema.Field, v: Any) -> Any:
    if is_blank(v):
        return ""
    if f.kind is schema.Kind.DATE:
        norm = normalize_value(f, v)
        return norm.value if norm.ok and norm.value is not None else _key_text(v)
    if f.kind is schema.Kind.ID_NUMBER:
        text = _key_text(v).upper()
        return mask_id(text) if len(text) == 18 and "*" not in text else text
    return _key_text(v)


def _current(df: pd.DataFrame, sheet: schema.Sheet) -> pd.DataFrame:
    """This quarter's rows in the same comparable form as :func:`_detail`."""
    out = pd.DataFrame(index=df.index)
    for f in sheet.fields:
        col = df[f.label]
        if f.kind is schema.Kind.DATE:
            out[f.label] = [v.date() if isinstance(v, pd.Timestamp) and not pd.isna(v) else "" for v in col]
        else:
            out[f.label] = [_value(f, v) for v in col.astype(object)]
    return out


def _describe(row: Any, labels: Sequence[str]) -> str:
    parts = []
    for label in labels:
        v = row.get(label, "")
        if v == "" or is_blank(v):
            continue
        parts.append(f"{label}{display(v) if isinstance(v, dt.date) else v}")
    return "，".join(parts)


def vanished(batch: Batch, previous: Previous) -> list[Finding]:
    """The rows open in ``previous`` (schema.VANISHED) that this quarter's submission of the same branch
    no longer has; a branch that did not report this quarter is chased as MISSING_SUBMISSION instead.
    A departed member's row (备注 转出、去世…) is still a row: it matches, so it is not missing."""
    out: list[Finding] = []
    files = {res.code: res for res in batch.results.values() if res.code}
    for v in schema.VANISHED:
        if v.sheet in previous.details and previous.details[v.sheet] is None:
            out.append(make(Code.SKIPPED, previous.path.name, sheet=v.sheet,
                            detail=f"上期汇总表的“{v.sheet}”工作表已删除或表头已改动，本期{v.sheet}未与上期比对"))
            continue
        before = previous.details.get(v.sheet)
        if before is None or before.empty:
            continue
        sheet = schema.BRANCH_SHEET[v.sheet]
        now_all = batch.tables[v.sheet]
        now_all = now_all.assign(**{schema.CODE_COL: now_all[schema.CODE_COL].astype(object)})
        before = before[open_rows(before, v.open)]
        code = Code[v.code]
        for branch, rows in before.groupby(schema.CODE_COL, sort=False):
            res = files.get(str(branch))
            if res is None or v.sheet not in res.sheets:
                continue
            mine = now_all[now_all[schema.FILE_COL] == res.file]
            now = _current(mine, sheet)
            seen = [{tuple(r) for r in now[list(key)].itertuples(index=False) if all(x != "" for x in r)}
                    for key in v.keys]
            rec = res.sheets[v.sheet]
            free_row = max(rec.rows, default=rec.header_row) + 1
            col = rec.columns.get(v.keys[0][0], 0)
            for _, row in rows.iterrows():
                usable = [(i, tuple(row[k] for k in key)) for i, key in enumerate(v.keys)
                          if all(row[k] != "" for k in key)]
                if not usable or any(vals in seen[i] for i, vals in usable):
                    continue
                said = (f"上期（{previous.label}）{row[SOURCE_BOOK]}“{v.sheet}”第{row[SOURCE_ROW]}行："
                        f"{_describe(row, v.describe)}。{v.ask}")
                out.append(make(code, res.file, branch_code=res.code, sheet=v.sheet, row=free_row,
                                column=v.keys[0][0], cell=a1(free_row - 1, col), value=str(row[v.keys[0][0]]),
                                detail=said))
    return out
