"""Where people read findings (problem lists, feedback), normalisations are a short summary after the
errors and warnings; the full list stays in the data (JSON, ``batch.findings``)."""

from __future__ import annotations

import datetime as dt

import openpyxl
from helpers import clean_data, write_clean

from cxzy_xl.feedback import write_feedback
from cxzy_xl.findings import Code, Severity, for_reading
from cxzy_xl.pipeline import read_folder


def messy_inbox(tmp_path):
    data = clean_data()
    members = []
    for i in range(40):
        born = dt.date(1940 + i, 5, 25)
        members.append({"序号": i + 1, "姓名": f"党员{i + 1}", "性别": "男", "出生日期": born.strftime("%Y/%m/%d"),
                        "入党日期": dt.date(1990, 7, 1), "党员类别": "正式党员", "民主评议等次": "合格"})
    members[7]["性别"] = "猫"  # one real error among the normalisations
    data["党员名册"] = members
    data["基本信息"].update({"党员总数": 40, "正式党员数": 40, "预备党员数": 0})
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    write_clean(inbox / "T001.xlsx", data)
    return inbox


def test_normalisations_are_summarised_per_column_after_the_errors(tmp_path):
    batch = read_folder(messy_inbox(tmp_path), isolate=False)
    dates = [f for f in batch.findings if f.code is Code.NORMALISED and f.column == "出生日期"]
    assert len(dates) == 40  # the data keeps every one

    shown = for_reading(batch.findings)
    assert shown[0].severity is Severity.ERROR and shown[0].cell == "C10"
    summary = [f for f in shown if f.code is Code.NORMALISED and f.column == "出生日期"]
    assert len(summary) == 1
    assert summary[0].cell == "E3:E42"
    assert summary[0].message == "“出生日期”E3:E42：40个值已按标准写法读取，如“1940/05/25”读作“1940-05-25”"
    severities = [f.severity for f in shown]
    assert severities == sorted(severities, key=[Severity.ERROR, Severity.WARNING, Severity.INFO].index)
    assert len(shown) < 10


def test_feedback_lists_the_summary_not_every_cell(tmp_path):
    inbox = messy_inbox(tmp_path)
    batch = read_folder(inbox, isolate=False)
    (path,) = write_feedback(batch.findings, inbox, tmp_path / "退回")
    ws = openpyxl.load_workbook(path)["问题清单"]
    rows = [r for r in ws.iter_rows(min_row=3, values_only=True) if r[0] is not None]
    assert rows[0][1:4] == ("党员名册", "C10", "错误")
    assert [r[2] for r in rows if r[6] and "出生日期" in r[6]] == ["E3:E42"]
    assert len(rows) < 10


def test_the_result_workbook_lists_errors_first_and_normalisations_as_a_summary(tmp_path):
    import cxzy_xl

    inbox = messy_inbox(tmp_path)
    summary = cxzy_xl.aggregate(read_folder(inbox, isolate=False))
    short = cxzy_xl.write_result(summary, tmp_path / "汇总.xlsx")
    full = cxzy_xl.write_result(summary, tmp_path / "汇总-全部.xlsx", every_finding=True)
    rows = list(openpyxl.load_workbook(short)["问题清单"].iter_rows(min_row=2, values_only=True))
    assert rows[0][4:6] == ("C10", "错误")
    assert [r[4] for r in rows if r[8] and "出生日期" in r[8]] == ["E3:E42"]
    every = list(openpyxl.load_workbook(full)["问题清单"].iter_rows(min_row=2, values_only=True))
    assert len(every) == len(summary.findings) == len(rows) - 1 + 40  # the one summary row becomes 40


def test_id_numbers_in_the_result_problem_list_are_masked_like_the_detail_sheets(tmp_path):
    import cxzy_xl

    data = clean_data()
    data["党员名册"][1]["身份证号"] = "430522197509010024"  # wrong check digit: BAD_ID_NUMBER shows the number
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    write_clean(inbox / "T001.xlsx", data)
    summary = cxzy_xl.aggregate(read_folder(inbox, isolate=False))
    masked = cxzy_xl.write_result(summary, tmp_path / "汇总.xlsx")
    whole = cxzy_xl.write_result(summary, tmp_path / "汇总-完整.xlsx", mask=False)

    def texts(path):
        ws = openpyxl.load_workbook(path)["问题清单"]
        return " ".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None)

    assert "430522197509010024" not in texts(masked)
    assert "430522********0024" in texts(masked)
    assert "430522197509010024" in texts(whole)
