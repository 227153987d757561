"""Shared test helpers: a normalised view of a workbook, and small workbooks built from rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl


def workbook_view(path: Path, skip_meta_keys: tuple[str, ...] = ("generated_at",)) -> dict[str, Any]:
    """What a template promises: sheet names and states, every label/header cell, validations,
    protection and frozen panes. Bytes and timestamps are not part of it."""
    wb = openpyxl.load_workbook(path)
    view: dict[str, Any] = {"sheets": [(ws.title, ws.sheet_state) for ws in wb.worksheets]}
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None and c.protection.locked:
                    cells[c.coordinate] = c.value
        if ws.title == "_meta":
            cells = {k: v for k, v in cells.items()
                     if not any(ws[f"A{k[1:]}"].value == s for s in skip_meta_keys)}
        dvs = sorted((str(dv.sqref), dv.type, dv.formula1, dv.formula2, dv.promptTitle, dv.prompt, dv.error)
                     for dv in ws.data_validations.dataValidation)
        view[ws.title] = {"cells": cells, "validations": dvs, "protected": ws.protection.sheet,
                          "freeze": ws.freeze_panes}
    return view


def make_xlsx(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    """A plain workbook with the given rows per sheet (openpyxl, as a third-party tool would write)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


# --- a small, clean branch workbook, written by hand so tests know every value and cell ---------
import datetime as _dt  # noqa: E402

from openpyxl.utils import get_column_letter  # noqa: E402

from cxzy_xl import schema as _schema  # noqa: E402
from cxzy_xl.schema import Branch  # noqa: E402
from cxzy_xl.templates import write_branch_workbook  # noqa: E402

D = _dt.date
BRANCH = Branch("T001", "石门村党支部", "村", "德新镇党委", "王建国", "13812345678")


def clean_data(code: str = "T001", name: str = "石门村党支部") -> dict[str, Any]:
    """Three members, one of everything; consistent for period 2011Q2 and the default campaign."""
    return {
        "基本信息": {"所属党委": "德新镇党委", "党组织名称": name, "党组织编码": code, "党组织类型": "村",
                 "书记姓名": "王建国", "联系电话": "13812345678", "填报人": "李红", "填报日期": D(2011, 6, 28),
                 "报告期": "2011年第二季度", "是否成立领导小组": "是", "是否制定实施方案": "是", "党员总数": 3,
                 "正式党员数": 2, "预备党员数": 1, "流动党员数": 0},
        "党员名册": [
            {"序号": 1, "姓名": "王建国", "性别": "男", "出生日期": D(1968, 3, 12), "身份证号": "43052219680312123X",
             "入党日期": D(1995, 7, 1), "党员类别": "正式党员", "民主评议等次": "优秀"},
            {"序号": 2, "姓名": "李红", "性别": "女", "出生日期": D(1975, 9, 1), "身份证号": "430522197509010023",
             "入党日期": D(2001, 7, 1), "党员类别": "正式党员", "民主评议等次": "合格"},
            {"序号": 3, "姓名": "赵强", "性别": "男", "入党日期": D(2010, 12, 1), "党员类别": "预备党员",
             "民主评议等次": "合格"},
        ],
        "公开承诺": [
            {"序号": 1, "承诺主体": "党员", "承诺人": "李红", "承诺类别": "带头服务群众", "承诺内容": "为五保户送米送油",
             "承诺日期": D(2011, 5, 20), "计划完成日期": D(2011, 6, 20), "完成情况": "已完成",
             "实际完成日期": D(2011, 6, 10)},
            {"序号": 2, "承诺主体": "党组织", "承诺人": name, "承诺类别": "带头争创佳绩", "承诺内容": "修通组级公路",
             "承诺日期": D(2011, 5, 20), "计划完成日期": D(2011, 12, 31), "完成情况": "推进中"},
        ],
        "活动记录": [
            {"序号": 1, "活动日期": D(2011, 5, 15), "活动类型": "动员大会", "活动主题": "创先争优动员", "应参加人数": 3,
             "实际参加人数": 3, "学时": 2},
            {"序号": 2, "活动日期": D(2011, 6, 1), "活动类型": "集中学习", "活动主题": "学习党章", "应参加人数": 3,
             "实际参加人数": 2, "学时": 1.5},
        ],
        "为民办实事": [
            {"序号": 1, "项目名称": "硬化村组公路", "项目类别": "基础设施", "投入资金（万元）": 12.5,
             "其中争取上级资金（万元）": 8, "受益户数": 120, "开始日期": D(2011, 5, 1), "完成情况": "已完成",
             "完成日期": D(2011, 6, 15), "责任人": "王建国"},
        ],
        "民情台账": [
            {"序号": 1, "登记日期": D(2011, 5, 10), "反映问题": "水渠堵塞", "问题类别": "基础设施", "承办人": "王建国",
             "办结时限": D(2011, 5, 30), "办结日期": D(2011, 5, 25), "群众满意度": "满意"},
            {"序号": 2, "登记日期": D(2011, 6, 20), "反映问题": "路灯不亮", "问题类别": "基础设施", "承办人": "李红",
             "办结时限": D(2011, 7, 20)},
        ],
        "示范岗": [{"序号": 1, "岗位类型": "致富带富示范岗", "认领党员": "王建国", "认领日期": D(2011, 5, 20)}],
        "考核测评": {"领导班子好": 18, "党员队伍好": 17, "工作机制好": 18, "工作业绩好": 16, "群众反映好": 18,
                 "民主测评参评人数": 50, "满意票": 42, "基本满意票": 6, "不满意票": 2},
        "评选表彰": [{"序号": 1, "表彰类别": "优秀共产党员", "对象名称": "王建国", "推荐级别": "县", "评选结果": "推荐中"}],
    }


def write_clean(path: Path, data: dict[str, Any] | None = None, code: str = "T001",
                name: str = "石门村党支部") -> Path:
    branch = Branch(code, name, "村", "德新镇党委")
    return write_branch_workbook(path, branch, committee="德新镇党委", period="2011Q2",
                                 data=data or clean_data(code, name))


def cell_of(sheet: str, label: str, index: int = 0) -> str:
    """Where the template puts a value: tables from row 3, forms in column B from row 2."""
    s = _schema.BRANCH_SHEET[sheet]
    pos = s.labels.index(label)
    if s.layout == "form":
        return f"B{pos + 2}"
    return f"{get_column_letter(pos + 1)}{index + 3}"


def edit(path: Path, fn) -> Path:  # type: ignore[no-untyped-def]
    """Change a workbook the way staff do in Excel (openpyxl stands in for them)."""
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        ws.protection.sheet = False
    fn(wb)
    wb.save(path)
    return path


def two_townships(root: Path, sizes: tuple[int, int] = (16, 16), isolate: bool = True,
                  generated_at: Any = None) -> list[tuple[Any, Any, Path]]:
    """Two demo townships (quarter one only), 德新镇 (DX) and 古河乡 (GH): for each its batch, summary and
    result workbook, the children of a county roll-up."""
    from cxzy_xl.aggregate import aggregate
    from cxzy_xl.demo import make_demo
    from cxzy_xl.output import write_result
    from cxzy_xl.pipeline import read_folder

    towns = []
    for (committee, prefix, seed), n in zip((("德新镇党委", "DX", 1), ("古河乡党委", "GH", 2)), sizes, strict=True):
        demo = make_demo(root / prefix, n_branches=n, seed=seed, committee=committee, prefix=prefix, quarters=1)
        batch = read_folder(demo.inbox, demo.registry, isolate=isolate)
        s = aggregate(batch)
        towns.append((batch, s, write_result(s, root / f"{prefix}.xlsx", generated_at=generated_at)))
    return towns


def write_quarter(folder: Path, branches: list[Branch], data: dict[str, dict], committee: str, period: str,
                  deadline: _dt.date, skip: tuple[str, ...] = (), **settings: Any) -> tuple[Path, Path]:
    """A quarter's registry (with ``settings`` beside the usual ones) and inbox of filled workbooks, one
    per branch not in ``skip``."""
    from cxzy_xl.templates import branch_filename, write_registry

    inbox = folder / "收件箱"
    inbox.mkdir(parents=True)
    reg = write_registry(folder / "支部名单.xlsx", branches, {
        "所属党委": committee, "报告期": period, "活动开始日期": _dt.date(2010, 5, 1),
        "活动结束日期": _dt.date(2012, 6, 30), "报送截止日期": deadline, **settings})
    for b in branches:
        if b.code not in skip:
            write_branch_workbook(inbox / branch_filename(b), b, committee=committee, period=period, data=data[b.code])
    return inbox, reg


def valid_rows(batch, sheet: str, fields) -> pd.DataFrame:  # type: ignore[name-defined]  # noqa: F821
    """The rows of ``batch[sheet]`` with no error finding on any of ``fields``: what a figure computed
    from those fields may count (contract 1.2), worked out here without the aggregation code."""
    bad = {(f.file, f.row) for f in batch.findings
           if f.severity.value == "error" and f.sheet == sheet and f.column in set(fields) and f.row is not None}
    df = batch[sheet]
    keep = [(file, int(row)) not in bad for file, row in zip(df["来源文件"], df["来源行"], strict=True)]
    return df[keep]


def in_quarter(day, period: str) -> bool:
    """``day`` (a date, or None) falls in ``period`` ("2011Q3")."""
    if day is None or isinstance(day, str):
        return False
    year, q = int(period[:4]), int(period[-1])
    return _dt.date(year, 3 * q - 2, 1) <= day <= (_dt.date(year + q // 4, (3 * q) % 12 + 1, 1) - _dt.timedelta(days=1))


def add_next_quarter_activities(data: dict[str, dict], days: int = 92) -> dict[str, dict]:
    """Each branch keeps its rows and adds this quarter's activities, as a clerk does: last quarter's
    (2011Q2) activities again, ``days`` later (in 2011Q3). Changes ``data`` and returns it."""
    for d in data.values():
        acts = d["活动记录"]
        new = [{**a, "活动日期": a["活动日期"] + _dt.timedelta(days=days)} for a in acts
               if in_quarter(a.get("活动日期"), "2011Q2")]
        d["活动记录"] = [{**a, "序号": i} for i, a in enumerate(acts + new, 1)]
    return data
