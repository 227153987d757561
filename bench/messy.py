"""Values the way branch staff type them (BRIEF.md, "Real-world mess"): the benchmark's messy set and
the tests that the reader's fast paths change nothing. Not part of the package: bench.py imports it from
beside itself, the tests through tests/conftest.py (bench/ on sys.path).

``messy_data(data, rng, rate)`` takes a clean filled workbook (``demo.branch_data``) and rewrites each
value, with probability ``rate``, into one of the spellings staff really use: dates as text in every
form, full-width digits, units typed into numbers, thousands separators, 是/否 as √/×/Y/N/有/无,
choices with extra words (村党支部 for 村, 正式 for 正式党员, 本科 for 大学本科), surrounding spaces and
full-width spaces, phones with spaces or dashes, a lower-case x in 身份证号. Every spelling is one the
reader normalises to the same canonical value, so a messy file aggregates to the same figures as
its clean original; what the benchmark measures is the cost of getting there.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from typing import Any

from cxzy_xl import schema
from cxzy_xl.schema import Field, Kind

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
UNITS = {"人": ("人数", "党员", "户数"), "万元": ("万元",), "学时": ("学时",), "户": ("受益户数",)}
CHOICE_WORDS = {"村": "村党支部", "社区": "社区党支部", "机关": "镇机关", "正式党员": "正式", "预备党员": "预备",
                "大学本科": "本科", "大学专科": "大专", "已完成": "完成", "推进中": "进行中", "实施中": "在建",
                "学校": "中学", "医疗卫生": "卫生院"}
YES = ("√", "Y", "有", "是 ", "对")
NO = ("×", "N", "无", "否 ", "没有")


def _date(v: dt.date, rng: random.Random) -> Any:
    return rng.choice((
        f"{v.year}/{v.month:02d}/{v.day:02d}", f"{v.year}年{v.month}月{v.day}日", f"{v.year}.{v.month}.{v.day}",
        f"{v.year}{v.month:02d}{v.day:02d}", f"{v.year}-{v.month}-{v.day}", v,
    ))


def _number(f: Field, v: float, rng: random.Random) -> Any:
    text = str(int(v)) if float(v).is_integer() else str(v)
    unit = next((u for u, words in UNITS.items() if any(w in f.label for w in words)), "")
    forms = [text.translate(FULL_WIDTH), f" {text} "]
    if unit:
        forms.append(text + unit)
    if abs(v) >= 1000 and float(v).is_integer():
        forms.append(f"{int(v):,}")
    return rng.choice(forms)


def _choice(v: str, rng: random.Random) -> str:
    return CHOICE_WORDS.get(v) or rng.choice((f" {v}", f"{v}\u3000", v + " "))


def _phone(v: str, rng: random.Random) -> str:
    if len(v) == 11 and v.isdigit():
        return rng.choice((f"{v[:3]} {v[3:7]} {v[7:]}", f"{v[:3]}-{v[3:7]}-{v[7:]}", v.translate(FULL_WIDTH)))
    return f" {v} "


def messy_value(f: Field, v: Any, rng: random.Random) -> Any:
    """One value as staff might type it; blanks stay blank."""
    if v is None or v == "":
        return v
    if f.kind is Kind.DATE and isinstance(v, dt.date):
        return _date(v, rng)
    if f.is_numeric and isinstance(v, (int, float)) and not isinstance(v, bool):
        return _number(f, v, rng)
    if f.kind is Kind.YESNO:
        return rng.choice(YES if v == "是" else NO)
    if f.kind is Kind.CHOICE:
        return _choice(str(v), rng)
    if f.kind is Kind.PHONE:
        return _phone(str(v), rng)
    if f.kind is Kind.ID_NUMBER:
        return str(v).lower() if str(v).endswith("X") else f" {v}"
    if f.kind is Kind.TEXT and isinstance(v, str) and f.label not in ("党组织编码",):
        return rng.choice((f" {v}", f"{v} ", f"{v}\u3000"))
    return v


def messy_data(data: Mapping[str, Any], rng: random.Random, rate: float) -> dict[str, Any]:
    """A copy of a filled workbook's data with each value retyped with probability ``rate``."""
    out: dict[str, Any] = {}
    for sheet in schema.BRANCH_SHEETS:
        part = data.get(sheet.name)
        if part is None:
            continue
        if sheet.layout == "form":
            out[sheet.name] = {k: (messy_value(sheet.field(k), v, rng) if rng.random() < rate else v)
                               for k, v in part.items()}
        else:
            out[sheet.name] = [{k: (messy_value(sheet.field(k), v, rng) if rng.random() < rate else v)
                                for k, v in row.items()} for row in part]
    return out


def file_rate(i: int) -> float:
    """How messy file ``i`` is: most files somewhat, one in five mostly, one in ten almost clean."""
    return (0.05, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.8, 0.8, 0.3)[i % 10]
