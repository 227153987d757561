"""Pure functions turning what staff typed into the schema's canonical values.

Each returns a :class:`Norm`: the canonical value, whether it had to be normalised to get there
(which becomes a NORMALISED info finding), or the finding code that explains why it could not.
Nothing here touches a workbook; the reader hands raw cell values in.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .findings import Code
from .schema import BRANCH_SUFFIXES, Field, Kind

EXCEL_EPOCH_1900 = dt.datetime(1899, 12, 30)
EXCEL_EPOCH_1904 = dt.datetime(1904, 1, 1)
MIN_YEAR, MAX_YEAR = 1900, 2100

_WS = re.compile(r"[\s\u3000\xa0\u200b\ufeff]+")
_UNITS = ("万元", "元", "人次", "人", "户", "次", "个", "名", "学时", "小时", "课时", "票", "分", "项", "件", "天")
_CN_QUARTER = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_NEGATIONS = ("不", "未", "没", "无", "非")


@dataclass(frozen=True)
class Norm:
    value: Any = None
    changed: bool = False
    error: Code | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None


EMPTY = Norm()


def is_blank(raw: Any) -> bool:
    if raw is None:
        return True
    if type(raw) is str and raw and not raw[0].isspace() and raw[0] not in "\u200b\ufeff":
        return False  # the reader's hot path; what _WS removes (\s is str.isspace) cannot remove this one
    if isinstance(raw, float) and math.isnan(raw):
        return True
    return isinstance(raw, str) and not _WS.sub("", raw)


def is_missing(v: Any) -> bool:
    """A DataFrame's missing value (None, pd.NA, NaT, NaN): what a typed column holds where a cell was
    blank or unreadable. Unlike :func:`is_blank`, about values already read, not raw cells."""
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def squeeze(text: str) -> str:
    """Full-width to half-width (NFKC) and all whitespace removed: the key for comparing labels."""
    return _WS.sub("", unicodedata.normalize("NFKC", text))


def branch_key(name: Any) -> str:
    """A branch's name as a file is matched to the registry by it: without spaces and full/half width
    (:func:`squeeze`) and without one of schema.BRANCH_SUFFIXES (金龙村党支部, 金龙村支部 → 金龙村).
    "" for no name."""
    if is_blank(name):
        return ""
    text = squeeze(str(name))
    for suffix in BRANCH_SUFFIXES:
        if text.endswith(suffix):
            return text[: -len(suffix)]
    return text


def clean_text(raw: Any) -> Norm:
    if is_blank(raw):
        return EMPTY
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, (dt.datetime, dt.date)):
        return Norm(raw.strftime("%Y-%m-%d"))
    text = str(raw)
    stripped = text.strip().strip("\u3000\xa0")
    return Norm(stripped)


def _num_text(raw: str, field_label: str = "") -> tuple[float | None, bool]:
    """Parse '２５人', '3.5万元', '1,200' into a float; the flag says whether units were dropped."""
    text = unicodedata.normalize("NFKC", raw)
    text = _WS.sub("", text).replace(",", "").replace("，", "")
    factor = 1.0
    for unit in _UNITS:
        if text.endswith(unit) and len(text) > len(unit):
            if unit == "元" and "万元" in field_label:
                factor = 1 / 10000
            text = text[: -len(unit)]
            break
    try:
        value = float(text)
    except ValueError:
        return None, False
    if not math.isfinite(value):
        return None, False
    return value * factor, True


def to_number(raw: Any, field_label: str = "", integer: bool = False) -> Norm:
    if is_blank(raw):
        return EMPTY
    want = "整数" if integer else "数字"
    if isinstance(raw, bool):
        return Norm(error=Code.BAD_TYPE, detail=want)
    if isinstance(raw, (int, float)):
        value, changed = float(raw), False
        if not math.isfinite(value):
            return Norm(error=Code.BAD_TYPE, detail=want)
    elif isinstance(raw, dt.date) and _day(raw) < _SERIAL_AS_DATE_BEFORE:
        # A number whose cell format the reader took for a date (python-calamine does so for Gnumeric's
        # .xls "0.##"): 18 comes back as 1900-01-18. No one types such a date into a count or an amount,
        # so it is the number it was stored as.
        value, changed = _excel_serial(raw), False
    elif isinstance(raw, str):
        parsed, _ = _num_text(raw, field_label)
        if parsed is None:
            return Norm(error=Code.BAD_TYPE, detail=want)
        value = parsed
        changed = raw.strip() != _plain_number(value)
    else:
        return Norm(error=Code.BAD_TYPE, detail=want)
    if integer:
        if not float(value).is_integer():
            return Norm(error=Code.BAD_TYPE, detail=want)
        return Norm(int(value), changed)
    value = round(value, 10)
    return Norm(int(value) if value.is_integer() and isinstance(raw, int) else value, changed)


_SERIAL_AS_DATE_BEFORE = dt.date(1950, 1, 1)  # serial 18264: far above any count or amount of a branch


def _day(value: dt.date) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _excel_serial(value: dt.date) -> float:
    """The 1900-based Excel serial a date was read from (1900-01-01 is 1; Excel's phantom 1900-02-29
    shifts every later date by one)."""
    moment = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
    base = dt.datetime(1899, 12, 31) if moment < dt.datetime(1900, 3, 1) else dt.datetime(1899, 12, 30)
    return round((moment - base) / dt.timedelta(days=1), 10)


def _plain_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]?\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def to_date(raw: Any, epoch1904: bool = False) -> Norm:
    """Dates in every form staff type them; numbers are Excel serial dates."""
    if is_blank(raw):
        return EMPTY
    if isinstance(raw, dt.datetime):
        return _checked_date(raw.date(), False)
    if isinstance(raw, dt.date):
        return _checked_date(raw, False)
    if isinstance(raw, bool):
        return Norm(error=Code.BAD_TYPE, detail="日期")
    if isinstance(raw, (int, float)):
        if 19000101 <= raw <= 21001231 and float(raw).is_integer():
            return to_date(str(int(raw)))
        if not (1 <= raw < 2958466):
            return Norm(error=Code.BAD_TYPE, detail="日期")
        base = EXCEL_EPOCH_1904 if epoch1904 else EXCEL_EPOCH_1900
        return _checked_date((base + dt.timedelta(days=float(raw))).date(), True)
    if isinstance(raw, str):
        text = _WS.sub("", unicodedata.normalize("NFKC", raw))
        for pattern in _DATE_PATTERNS:
            m = pattern.match(text)
            if m:
                try:
                    value = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                except ValueError:
                    return Norm(error=Code.BAD_TYPE, detail="有效日期")
                return _checked_date(value, True)
        return Norm(error=Code.BAD_TYPE, detail="日期（如 2011-05-07）")
    return Norm(error=Code.BAD_TYPE, detail="日期")


def _checked_date(value: dt.date, changed: bool) -> Norm:
    if not (MIN_YEAR <= value.year <= MAX_YEAR):
        return Norm(error=Code.BAD_TYPE, detail="有效日期")
    return Norm(value, changed)


def to_choice(raw: Any, allowed: tuple[str, ...], synonyms: dict[str, str] | None = None) -> Norm:
    """Exact choice, else a synonym, else the one choice the text contains or is part of."""
    if is_blank(raw):
        return EMPTY
    if isinstance(raw, bool):
        raw = "是" if raw else "否"
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = str(raw)
    if text in allowed:
        return Norm(text)
    key = squeeze(text)
    for choice in allowed:
        if squeeze(choice) == key:
            return Norm(choice, True)
    synonyms = synonyms or {}
    upper = key.upper()
    for alias, choice in synonyms.items():
        if squeeze(alias).upper() == upper:
            return Norm(choice, True)
    negated = any(n in key for n in _NEGATIONS)

    def compatible(choice: str) -> bool:
        return negated == any(n in choice for n in _NEGATIONS)

    contained = {c for c in allowed if squeeze(c) in key and compatible(c)}
    if not contained:
        contained = {c for a, c in synonyms.items() if len(squeeze(a)) > 1 and squeeze(a) in key and compatible(c)}
    if not contained and len(key) >= 2:
        contained = {c for c in allowed if key in squeeze(c)}
    if len(contained) > 1:
        longest = max(len(c) for c in contained)
        contained = {c for c in contained if len(c) == longest}
    if len(contained) == 1:
        return Norm(contained.pop(), True)
    return Norm(error=Code.BAD_CHOICE, detail="、".join(allowed))


ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=False)) % 11]


def to_id_number(raw: Any) -> Norm:
    """A GB 11643 citizen number: 18 characters, a real birth date, the right check digit."""
    if is_blank(raw):
        return EMPTY
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        # Excel keeps 15 significant digits, so an 18-digit number typed into a number cell is lost.
        return Norm(error=Code.BAD_ID_NUMBER, detail="被当成数字保存，后几位已丢失，请把单元格设为文本后重新输入")
    text = str(raw)
    value = _WS.sub("", unicodedata.normalize("NFKC", text)).upper().lstrip("'")
    changed = value != text
    if len(value) != 18:
        return Norm(error=Code.BAD_ID_NUMBER, detail=f"应为18位，现为{len(value)}位")
    if not (value[:17].isdigit() and (value[17].isdigit() or value[17] == "X")):
        return Norm(error=Code.BAD_ID_NUMBER, detail="只能是数字，末位可为X")
    if id_birth_date(value) is None:
        return Norm(error=Code.BAD_ID_NUMBER, detail="第7–14位不是有效的出生日期")
    if id_check_digit(value[:17]) != value[17]:
        return Norm(error=Code.BAD_ID_NUMBER, detail="校验位不对，请逐位核对")
    return Norm(value, changed)


def id_birth_date(value: str) -> dt.date | None:
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None
    return born if MIN_YEAR <= born.year <= MAX_YEAR else None


def id_sex(value: str) -> str:
    return "男" if int(value[16]) % 2 else "女"


_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(?:-\d{1,6})?$")
_LOCAL = re.compile(r"^[2-9]\d{6,7}$")


def to_phone(raw: Any) -> Norm:
    if is_blank(raw):
        return EMPTY
    if isinstance(raw, bool):
        return Norm(error=Code.BAD_PHONE, detail="应为手机号或座机号")
    if isinstance(raw, (int, float)):
        if not float(raw).is_integer():
            return Norm(error=Code.BAD_PHONE, detail="应为手机号或座机号")
        text, changed = str(int(raw)), True
    else:
        text = str(raw)
        changed = False
    value = unicodedata.normalize("NFKC", text)
    value = _WS.sub("", value).replace("—", "-").replace("－", "-").replace("(", "").replace(")", "-")
    if value.startswith("+86"):
        value = value[3:]
    if _MOBILE.match(value.replace("-", "")):  # 138-1234-5678: a mobile grouped the way it is read aloud
        value = value.replace("-", "")
    changed = changed or value != text
    if _MOBILE.match(value) or _LANDLINE.match(value) or _LOCAL.match(value):
        return Norm(value, changed)
    digits = sum(c.isdigit() for c in value)
    if value.startswith("1") and value.isdigit():
        return Norm(error=Code.BAD_PHONE, detail=f"手机号应为11位，现为{digits}位")
    return Norm(error=Code.BAD_PHONE, detail="应为11位手机号，或带区号的座机号")


_PERIOD_PATTERNS = (
    (re.compile(r"^(\d{4})年?第?([一二三四1-4])季度?$"), "Q"),
    (re.compile(r"^(\d{4})[-_ ]?Q([1-4])$", re.I), "Q"),
    (re.compile(r"^(\d{4})年?(上|下)半年$"), "H"),
    (re.compile(r"^(\d{4})[-_ ]?H([12])$", re.I), "H"),
    (re.compile(r"^(\d{4})年度?$"), "Y"),
)


def to_period(raw: Any) -> Norm:
    """'2011年第二季度' → '2011Q2'; also half-years (2011H1) and whole years (2011)."""
    if is_blank(raw):
        return EMPTY
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and float(raw).is_integer():
        raw = str(int(raw))
    text = squeeze(str(raw))
    for pattern, kind in _PERIOD_PATTERNS:
        m = pattern.match(text)
        if not m:
            continue
        year = m.group(1)
        if kind == "Q":
            value = f"{year}Q{_CN_QUARTER[m.group(2)]}"
        elif kind == "H":
            half = m.group(2)
            value = f"{year}H{1 if half in ('上', '1') else 2}"
        else:
            value = year
        return Norm(value, str(raw).strip() not in (value, period_label(value)))
    return Norm(error=Code.BAD_TYPE, detail="报告期（如 2011年第二季度）")


def period_end(period: str) -> dt.date:
    """The last day of a normalised period."""
    year = int(period[:4])
    if "Q" in period:
        month = 3 * int(period[-1])
    elif "H" in period:
        month = 6 * int(period[-1])
    else:
        month = 12
    first_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def period_start(period: str) -> dt.date:
    """The first day of a normalised period."""
    year = int(period[:4])
    if "Q" in period:
        return dt.date(year, 3 * int(period[-1]) - 2, 1)
    if "H" in period:
        return dt.date(year, 6 * int(period[-1]) - 5, 1)
    return dt.date(year, 1, 1)


def period_label(period: str) -> str:
    """'2011Q2' → '2011年第二季度', the form staff read."""
    year = period[:4]
    if "Q" in period:
        return f"{year}年第{'一二三四'[int(period[-1]) - 1]}季度"
    if "H" in period:
        return f"{year}年{'上下'[int(period[-1]) - 1]}半年"
    return f"{year}年度"


_SURROUNDING = " \t\r\n\u3000\xa0\u200b\ufeff"
_MEMO: dict[tuple[int, type, Any, bool], tuple[Field, Norm]] = {}
_MEMO_LIMIT = 200_000


def normalize_value(f: Field, raw: Any, epoch1904: bool = False) -> Norm:
    """What a typed value means for its field. Staff type the same dates, choices and 是/否 over and
    over, so results are remembered per field and value (the field is kept beside its result, so a
    field that is gone cannot lend its id to a new one's answers)."""
    key = (id(f), type(raw), raw, epoch1904)
    try:
        hit = _MEMO.get(key)
    except TypeError:  # an unhashable value: nothing a reader returns, but never a crash
        return _normalize(f, raw, epoch1904)
    if hit is not None and hit[0] is f:
        return hit[1]
    norm = _normalize(f, raw, epoch1904)
    if len(_MEMO) >= _MEMO_LIMIT:
        _MEMO.clear()
    _MEMO[key] = (f, norm)
    return norm


def _normalize(f: Field, raw: Any, epoch1904: bool) -> Norm:
    """Dispatch on the field's kind; range checks come after a successful parse."""
    norm = _parse(f, raw, epoch1904)
    if norm.changed and norm.ok and isinstance(raw, str) and display(norm.value) == raw.strip(_SURROUNDING):
        # spaces around a value are how cells get typed, not a different value: no finding for them
        return Norm(norm.value, False, norm.error, norm.detail)
    return norm


def _parse(f: Field, raw: Any, epoch1904: bool) -> Norm:
    kind = f.kind
    quick = _already_canonical(f, raw)
    if quick is not None:
        return quick
    if kind is Kind.INT or kind is Kind.NUMBER:
        norm = to_number(raw, f.label, integer=kind is Kind.INT)
    elif kind is Kind.DATE:
        norm = to_date(raw, epoch1904)
    elif kind in (Kind.CHOICE, Kind.YESNO):
        norm = to_choice(raw, f.allowed, f.synonym_map)
    elif kind is Kind.ID_NUMBER:
        norm = to_id_number(raw)
    elif kind is Kind.PHONE:
        norm = to_phone(raw)
    elif kind is Kind.PERIOD:
        norm = to_period(raw)
    else:
        norm = clean_text(raw)
    if norm.ok and norm.value is not None and f.is_numeric:
        if f.min is not None and norm.value < f.min:
            return Norm(norm.value, norm.changed, Code.OUT_OF_RANGE, f"不小于{_fmt(f.min)}")
        if f.max is not None and norm.value > f.max:
            return Norm(norm.value, norm.changed, Code.OUT_OF_RANGE, f"不大于{_fmt(f.max)}")
    return norm


def _already_canonical(f: Field, raw: Any) -> Norm | None:
    """Most cells of a template filled in Excel are already what the schema wants: accept those
    without the general parsers (the reader's hot path). None means: take the general path."""
    t = type(raw)
    kind = f.kind
    if t is str:
        if kind is Kind.TEXT:
            return Norm(raw) if raw and not raw[0].isspace() and not raw[-1].isspace() else None
        if kind is Kind.CHOICE or kind is Kind.YESNO:
            return Norm(raw) if raw in f.allowed else None
        return None
    if t is float and (kind is Kind.INT or kind is Kind.NUMBER):
        if raw != raw or raw in (float("inf"), float("-inf")):
            return None
        if kind is Kind.INT:
            if not raw.is_integer():
                return None
            raw = int(raw)
        if (f.min is not None and raw < f.min) or (f.max is not None and raw > f.max):
            return None
        return Norm(raw)
    if t is dt.date and kind is Kind.DATE:
        return Norm(raw) if MIN_YEAR <= raw.year <= MAX_YEAR else None
    return None


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def display(value: Any) -> str:
    """How a canonical value is shown in a message."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


# Masks for numbers that travel upward (result workbooks): one place for what a masked number looks like.
def mask_id(value: str) -> str:
    return value[:6] + "*" * 8 + value[-4:] if len(value) == 18 else "*" * len(value)


def mask_phone(value: str) -> str:
    digits = value.replace("-", "")
    if len(digits) == 11 and digits.startswith("1"):
        return digits[:3] + "****" + digits[-4:]
    if len(value) > 4:
        keep = value.split("-")[0] + "-" if "-" in value else ""
        return keep + "*" * max(0, len(value) - len(keep) - 4) + value[-4:]
    return "*" * len(value)
