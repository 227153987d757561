"""The result workbook on paper and on screen: 数据 and _meta never print, 督导组汇总 prints whole,
each figure shows as its display declares (学时: 353 or 374.5, never 353.00), and the charts compare
like with like."""

from __future__ import annotations

import openpyxl
from helpers import clean_data, write_clean

import cxzy_xl
from cxzy_xl.pipeline import read_folder


def result_of(tmp_path, data, name="汇总.xlsx"):
    inbox = tmp_path / name.removesuffix(".xlsx")
    inbox.mkdir()
    write_clean(inbox / "T001.xlsx", data)
    return cxzy_xl.write_result(cxzy_xl.aggregate(read_folder(inbox, isolate=False)), tmp_path / name)


def card(ws, label):
    """The cell right of a 总览 card's name."""
    return next(row[i + 1] for row in ws.iter_rows(max_col=7) for i, c in enumerate(row[:-1]) if c.value == label)


def branch_cell(ws, column):
    heads = [c.value for c in ws[2]]
    return ws.cell(3, heads.index(column) + 1)


def test_hours_show_as_the_value_needs_never_353_00(tmp_path):
    whole = clean_data()
    whole["活动记录"][1]["学时"] = 1  # 2 + 1 = 3 hours
    half = clean_data()  # 2 + 1.5 = 3.5 hours
    for data, name, value, fmt in ((whole, "整.xlsx", 3, "#,##0"), (half, "半.xlsx", 3.5, "#,##0.0")):
        wb = openpyxl.load_workbook(result_of(tmp_path, data, name))
        hours = card(wb["总览"], "学时")
        assert (hours.value, hours.number_format) == (value, fmt), name
        cell = branch_cell(wb["支部汇总"], "学时合计")
        assert (cell.value, cell.number_format) == (value, fmt), name
        # the others keep theirs: money in 万元 to two places, rates to one place of a per cent
        assert card(wb["总览"], "投入资金（万元）").number_format == "#,##0.00"
        assert card(wb["总览"], "兑现率").number_format == "0.0%"
