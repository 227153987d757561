"""Normalisation, property-tested: what staff type maps to one canonical value, or to a finding code."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from cxzy_xl.findings import Code
from cxzy_xl.normalize import (
    id_check_digit,
    normalize_value,
    period_end,
    period_label,
    to_choice,
    to_date,
    to_id_number,
    to_number,
    to_period,
    to_phone,
)
from cxzy_xl.schema import BRANCH_SHEET, YES_NO_SYNONYMS

FULL = str.maketrans("0123456789.,", "０１２３４５６７８９．，")
dates = st.dates(dt.date(1950, 1, 1), dt.date(2050, 12, 31))


@given(st.integers(0, 10**7))
def test_integers_with_units_full_width_and_thousands(n):
    for text in (f"{n}人", str(n).translate(FULL), f"{n:,}", f" {n} ", f"{n}户", f"{n:,}".translate(FULL) + "名"):
        norm = to_number(text, integer=True)
        assert norm.ok and norm.value == n, text
    assert to_number(float(n), integer=True).value == n
    assert not to_number(float(n), integer=True).changed


@given(st.decimals(0, 10**5, places=2, allow_nan=False))
def test_amounts_in_wan_yuan(x):
    value = float(x)
    norm = to_number(f"{x}万元", "投入资金（万元）")
    assert norm.ok and abs(norm.value - value) < 1e-9
    in_yuan = to_number(f"{int(value * 10000)}元", "投入资金（万元）")
    assert in_yuan.ok and abs(in_yuan.value - int(value * 10000) / 10000) < 1e-9


@given(st.text(alphabet="abc人-+/xyz", min_size=1))
def test_non_numbers_are_bad_type(text):
    norm = to_number(text, integer=True)
    if not norm.ok:
        assert norm.error is Code.BAD_TYPE


def test_fractions_are_not_integers():
    assert to_number("2.5", integer=True).error is Code.BAD_TYPE
    assert to_number(True, integer=True).error is Code.BAD_TYPE


def test_a_number_read_as_an_early_date_is_its_serial_again():
    # a reader that takes a number's cell format for a date hands 18 over as 1900-01-18
    assert to_number(dt.date(1900, 1, 18)).value == 18
    assert to_number(dt.datetime(1900, 1, 29, 21, 36)).value == 29.9
    assert to_number(dt.date(1900, 4, 29), integer=True).value == 120  # past Excel's phantom 1900-02-29
    assert to_number(dt.date(1900, 1, 18)).changed is False
    assert to_number(dt.date(2011, 5, 7)).error is Code.BAD_TYPE  # a real date typed into a number


@given(dates)
def test_dates_in_every_form(d):
    forms = [f"{d.year}-{d.month}-{d.day}", f"{d:%Y/%m/%d}", f"{d.year}.{d.month}.{d.day}",
             f"{d.year}年{d.month}月{d.day}日", f"{d:%Y%m%d}", f"{d:%Y-%m-%d} 00:00:00",
             f"{d.year}年{d.month}月{d.day}日".translate(FULL)]
    for text in forms:
        norm = to_date(text)
        assert norm.ok and norm.value == d and norm.changed, text
    serial = (d - dt.date(1899, 12, 30)).days
    assert to_date(serial).value == d
    assert to_date(float(serial)).value == d
    assert to_date(int(f"{d:%Y%m%d}")).value == d
    assert to_date(dt.datetime.combine(d, dt.time(9, 30))).value == d
    assert not to_date(d).changed


def test_1904_serials_and_impossible_dates():
    assert to_date(0 + 1462, epoch1904=True).value == dt.date(1908, 1, 2)
    for bad in ("2011-2-30", "2011.13.1", "下周一", "11.5.7", "20111340"):
        assert to_date(bad).error is Code.BAD_TYPE, bad


@given(st.sampled_from(sorted(YES_NO_SYNONYMS)), st.sampled_from(["", " ", "\u3000"]))
def test_yes_no_spellings(alias, pad):
    f = BRANCH_SHEET["基本信息"].field("是否成立领导小组")
    norm = normalize_value(f, pad + alias.lower() + pad)
    assert norm.ok and norm.value == YES_NO_SYNONYMS[alias]


@given(st.sampled_from(["社区", "2011-05-07", "26", "13812345678", "是", "张伟", "43052219680312123X"]),
       st.sampled_from(["", " ", "\u3000", "\xa0", "\t", "\n"]), st.sampled_from(["", " ", "\u3000", "\n"]))
def test_surrounding_whitespace_alone_is_not_a_finding(text, before, after):
    for sheet in BRANCH_SHEET.values():
        for f in sheet.fields:
            plain = normalize_value(f, text)
            padded = normalize_value(f, before + text + after)
            assert padded.value == plain.value and padded.error == plain.error
            if plain.ok and not plain.changed:
                assert not padded.changed, (f.label, repr(before + text + after))


def test_choices_with_extra_words_or_spaces():
    org = BRANCH_SHEET["基本信息"].field("党组织类型")
    cases = {"村党支部": "村", " 社区党支部 ": "社区", "卫生院": "医疗卫生", "镇机关党支部": "机关", "非公有制企业": "非公企业",
             "老龄党支部": "离退休"}
    for raw, want in cases.items():
        norm = normalize_value(org, raw)
        assert norm.value == want and norm.changed, raw
    kind = BRANCH_SHEET["党员名册"].field("党员类别")
    assert normalize_value(kind, "正式").value == "正式党员"
    assert normalize_value(kind, "预备").value == "预备党员"
    sat = BRANCH_SHEET["公开承诺"].field("群众评价")
    assert normalize_value(sat, "不满意").value == "不满意"
    assert normalize_value(sat, "不太满意").error is Code.BAD_CHOICE  # never read as 满意
    assert normalize_value(kind, "党员").error is Code.BAD_CHOICE  # ambiguous
    assert normalize_value(org, "合作社").error is Code.BAD_CHOICE


@given(st.sampled_from(BRANCH_SHEET["活动记录"].field("活动类型").choices), st.sampled_from(["", " ", "　"]))
def test_every_exact_choice_is_itself(choice, pad):
    norm = to_choice(pad + choice + pad, BRANCH_SHEET["活动记录"].field("活动类型").choices)
    assert norm.value == choice


id_first17 = st.builds(lambda d, seq: f"430522{d:%Y%m%d}{seq:03d}", dates, st.integers(0, 999))


@given(id_first17)
def test_valid_ids_pass_and_any_single_digit_change_fails(first17):
    pid = first17 + id_check_digit(first17)
    assert to_id_number(pid).value == pid
    assert to_id_number(pid.lower()).value == pid
    for i in (0, 7, 15, 16):
        wrong = pid[:i] + str((int(pid[i]) + 1) % 10) + pid[i + 1:]
        assert not to_id_number(wrong).ok


def test_id_number_problems():
    assert to_id_number("43052219680312123").detail.startswith("应为18位")
    assert to_id_number(4.30522196803121e17).error is Code.BAD_ID_NUMBER
    assert "出生日期" in to_id_number("430522196813321230").detail
    assert to_id_number("４３０５２２１９６８０３１２１２３Ｘ").value == "43052219680312123X"


@given(st.integers(3, 9), st.integers(0, 10**9 - 1))
def test_mobile_numbers_as_text_and_as_numbers(second, rest):
    mobile = f"1{second}{rest:09d}"
    assert to_phone(mobile).value == mobile
    assert to_phone(int(mobile)).value == mobile
    assert to_phone(f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}").value == mobile
    assert to_phone("+86" + mobile).value == mobile
    assert to_phone(f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}").value == mobile


def test_phone_problems():
    assert to_phone("0731-12345678").ok
    assert to_phone("1381234567").error is Code.BAD_PHONE
    assert to_phone("电话号码").error is Code.BAD_PHONE


@given(st.integers(2000, 2030), st.integers(1, 4))
def test_periods_round_trip(year, q):
    code = f"{year}Q{q}"
    assert to_period(period_label(code)).value == code
    assert not to_period(period_label(code)).changed
    assert to_period(f"{year}年{'一二三四'[q - 1]}季度").value == code
    assert to_period(code.lower()).value == code
    end = period_end(code)
    assert end.month == 3 * q and (end + dt.timedelta(days=1)).day == 1


def test_half_years_and_years():
    assert to_period("2011年上半年").value == "2011H1"
    assert period_end("2011H2") == dt.date(2011, 12, 31)
    assert to_period("2011年度").value == "2011"
    assert to_period("去年").error is Code.BAD_TYPE


values = st.one_of(st.none(), st.text(max_size=30), st.integers(-10**20, 10**20), st.floats(allow_nan=True),
                   st.booleans(), st.dates(), st.datetimes())


@given(values)
def test_no_field_ever_raises(raw):
    for sheet in BRANCH_SHEET.values():
        for f in sheet.fields:
            norm = normalize_value(f, raw)
            assert norm.ok or isinstance(norm.error, Code)
