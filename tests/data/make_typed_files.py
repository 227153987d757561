"""Regenerate tests/data/typed/: the situations of "Figures an official can sign", each a workbook typed
into LibreOffice Calc the way a clerk types it.

The library writes a township's registry (支部名单.xlsx: DX001 石门村党支部, DX002 金龙村党支部, 2011年第二季度)
and the branch templates (pre-filled for a branch, or blank). A headless soffice, started here with a
private profile and a pipe and stopped at the end, opens each template; every value goes in through UNO as
a person types it (``setString`` for a text, ``setFormula`` for what is typed on the input line: "22",
"2011-06-28", "2026.3.5"), and Calc saves the file as .xlsx (Calc MS Excel 2007 XML) or .ods (calc8).

    clean.xlsx      DX002 金龙村党支部, complete and correct: the township's other branch
    votes.xlsx      DX001, 考核测评: 参评人数 20, 满意 18, 基本满意 3, 不满意 1 (a 105 % satisfaction rate)
    nocode.xlsx     a blank template: 党组织编码 left empty, 党组织名称 typed 金龙村支部 (the registry's DX002)
    typo_date.xlsx  DX001, 填报日期 typed 2026.3.5 in a 2011年第二季度 report
    dup_a.xlsx      DX001, 填报日期 2011-06-28, one 实际参加人数 of 活动记录 left empty (a REQUIRED error)
    dup_b.ods       the same branch and 填报日期, that cell filled in: fewer errors
    long_cell.xlsx  DX001, a 32,000-character text typed into 活动记录's 活动主题 (row 3); the same paste also
                    landed one column to the left, in 活动类型 of the next row (row 4)

Needs the Debian packages libreoffice-calc and python3-uno; the tests need only the files.
Run from the project root with the system Python (it has the uno module), the project's Python on PATH
(or named by CXZY_PYTHON):  . venv/bin/activate && /usr/bin/python3 tests/data/make_typed_files.py
The script calls that Python itself for the part that uses the library.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OUT = HERE / "typed"
FILTERS = {".xlsx": "Calc MS Excel 2007 XML", ".ods": "calc8"}
MAX_BYTES = 300_000

COMMITTEE, PERIOD = "德新镇党委", "2011Q2"
SHIMEN = ("DX001", "石门村党支部", "王建国", "13812345678")
JINLONG = ("DX002", "金龙村党支部", "陈志明", "13907391234")
# each branch's other four members, and the area code of its members' ID numbers
PEOPLE = {"DX001": (("李红", "赵强", "刘秀英", "周建军"), "430522"),
          "DX002": (("杨丽", "彭勇", "谢桂兰", "邓小军"), "430523")}
PASTE = ("认真学习贯彻党的十七届五中全会精神，深入开展创先争优活动，推动科学发展、促进社会和谐、服务人民群众、"
         "加强基层组织，")
LONG_LENGTH = 32_000


def long_text() -> str:
    """The 32,000 characters a clerk pasted into a cell: a document, not a topic."""
    head, tail = "创先争优主题学习：", "（全文完）"
    body = (PASTE * (LONG_LENGTH // len(PASTE) + 1))[:LONG_LENGTH - len(head) - len(tail)]
    return head + body + tail


# --- the data a clerk types (project side) ------------------------------------------------------------

def id_number(area: str, born: str, seq: str) -> str:
    """A citizen ID number with its check digit (GB 11643): area, birth date, sequence (odd: male)."""
    body = area + born + seq
    total = sum(int(c) * w for c, w in zip(body, (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    return body + "10X98765432"[total % 11]


def branch_data(code: str, name: str, secretary: str, phone: str) -> dict:  # type: ignore[type-arg]
    """A branch's quarter, complete and consistent for 2011年第二季度 and the campaign 2010-05-01…2012-06-30:
    five members, commitments, activities, a project, concerns, a post, votes, an award."""
    import datetime as dt

    d = dt.date
    (clerk, away, elder, young), area = PEOPLE[code]
    return {
        "基本信息": {"所属党委": COMMITTEE, "党组织名称": name, "党组织编码": code, "党组织类型": "村",
                 "上级党组织": COMMITTEE, "书记姓名": secretary, "联系电话": phone, "填报人": clerk,
                 "填报日期": d(2011, 6, 28), "报告期": "2011年第二季度", "争创主题": "强班子、带队伍、促发展",
                 "特色党支部类型": "致富型", "是否成立领导小组": "是", "是否制定实施方案": "是",
                 "动员大会日期": d(2011, 5, 10), "党员总数": 5, "正式党员数": 4, "预备党员数": 1, "流动党员数": 1},
        "党员名册": [
            {"序号": 1, "姓名": secretary, "性别": "男", "民族": "汉族", "出生日期": d(1968, 3, 12),
             "身份证号": id_number(area, "19680312", "123"), "入党日期": d(1995, 7, 1), "党员类别": "正式党员", "学历": "高中",
             "工作单位及职务": f"{name.removesuffix('党支部')}党支部书记", "是否流动党员": "否", "联系电话": phone,
             "民主评议等次": "优秀"},
            {"序号": 2, "姓名": clerk, "性别": "女", "民族": "汉族", "出生日期": d(1975, 9, 1),
             "身份证号": id_number(area, "19750901", "002"), "入党日期": d(2001, 7, 1), "党员类别": "正式党员", "学历": "大学专科",
             "工作单位及职务": "村委会 文书", "是否流动党员": "否", "民主评议等次": "合格"},
            {"序号": 3, "姓名": away, "性别": "男", "民族": "汉族", "出生日期": d(1982, 11, 3), "入党日期": d(2008, 6, 20),
             "党员类别": "正式党员", "学历": "初中", "工作单位及职务": "在广东务工", "是否流动党员": "是",
             "民主评议等次": "合格"},
            {"序号": 4, "姓名": elder, "性别": "女", "民族": "汉族", "出生日期": d(1950, 2, 14), "入党日期": d(1972, 5, 4),
             "党员类别": "正式党员", "学历": "小学及以下", "是否流动党员": "否", "民主评议等次": "合格"},
            {"序号": 5, "姓名": young, "性别": "男", "民族": "汉族", "出生日期": d(1988, 8, 8), "入党日期": d(2010, 12, 1),
             "党员类别": "预备党员", "学历": "高中", "是否流动党员": "否", "民主评议等次": "合格"},
        ],
        "公开承诺": [
            {"序号": 1, "承诺主体": "党员", "承诺人": clerk, "承诺类别": "带头服务群众", "承诺内容": "为五保户送米送油",
             "承诺日期": d(2011, 5, 20), "计划完成日期": d(2011, 6, 20), "完成情况": "已完成",
             "实际完成日期": d(2011, 6, 10), "群众评价": "满意"},
            {"序号": 2, "承诺主体": "党组织", "承诺人": name, "承诺类别": "带头争创佳绩", "承诺内容": "修通组级公路",
             "承诺日期": d(2011, 5, 20), "计划完成日期": d(2011, 12, 31), "完成情况": "推进中"},
            {"序号": 3, "承诺主体": "党员", "承诺人": young, "承诺类别": "带头学习提高", "承诺内容": "学会两门实用技术",
             "承诺日期": d(2011, 5, 20), "计划完成日期": d(2011, 10, 31), "完成情况": "推进中"},
        ],
        "活动记录": [
            {"序号": 1, "活动日期": d(2011, 5, 10), "活动类型": "动员大会", "活动主题": "创先争优动员", "应参加人数": 5,
             "实际参加人数": 4, "学时": 2, "地点": "村部会议室"},
            {"序号": 2, "活动日期": d(2011, 6, 1), "活动类型": "集中学习", "活动主题": "学习党章", "应参加人数": 5,
             "实际参加人数": 4, "学时": 1.5, "地点": "村部会议室"},
            {"序号": 3, "活动日期": d(2011, 6, 28), "活动类型": "主题党日", "活动主题": "庆祝建党90周年", "应参加人数": 5,
             "实际参加人数": 5, "学时": 2, "地点": "村部会议室"},
        ],
        "为民办实事": [
            {"序号": 1, "项目名称": "硬化村组公路", "项目类别": "基础设施", "投入资金（万元）": 12.5,
             "其中争取上级资金（万元）": 8, "受益户数": 120, "开始日期": d(2011, 5, 1), "完成情况": "已完成",
             "完成日期": d(2011, 6, 15), "责任人": secretary},
        ],
        "民情台账": [
            {"序号": 1, "登记日期": d(2011, 5, 10), "反映人": "刘大妈", "反映问题": "水渠堵塞", "问题类别": "基础设施",
             "承办人": secretary, "办结时限": d(2011, 5, 30), "办结日期": d(2011, 5, 25), "办理结果": "已组织清淤",
             "群众满意度": "满意"},
            {"序号": 2, "登记日期": d(2011, 6, 20), "反映人": "张大爷", "反映问题": "路灯不亮", "问题类别": "基础设施",
             "承办人": clerk, "办结时限": d(2011, 7, 20)},
        ],
        "示范岗": [{"序号": 1, "岗位类型": "致富带富示范岗", "认领党员": secretary, "岗位职责": "带动5户困难户发展养殖",
                 "认领日期": d(2011, 5, 20)}],
        "考核测评": {"领导班子好": 18, "党员队伍好": 17, "工作机制好": 18, "工作业绩好": 16, "群众反映好": 18,
                 "民主测评参评人数": 50, "满意票": 42, "基本满意票": 6, "不满意票": 2},
        "评选表彰": [{"序号": 1, "表彰类别": "优秀共产党员", "对象名称": secretary, "推荐级别": "县",
                  "主要事迹": "带领群众修路致富", "评选结果": "推荐中"}],
    }


def _typed(value: object) -> tuple[str, str]:
    """How a value goes into its cell: a text as it reads (setString); a number or a date on the input
    line (setFormula), as a person types it: 22, 12.5, 2011-06-28."""
    import datetime as dt

    if isinstance(value, str):
        return "text", value
    if isinstance(value, dt.date):
        return "input", value.isoformat()  # ISO dates are recognised whatever the locale
    return "input", str(value)


def _cells(data: dict, skip: dict) -> list[list[str]]:  # type: ignore[type-arg]
    """[sheet, A1, how, text] for every value of ``data``; a 基本信息 value the template already shows
    (``skip``) is not typed again."""
    from xlsxwriter.utility import xl_rowcol_to_cell

    from cxzy_xl import schema

    cells = []
    for sheet in schema.BRANCH_SHEETS:
        values = data.get(sheet.name)
        if not values:
            continue
        if sheet.layout == "form":
            for label, v in values.items():
                if v is not None and skip.get(label) != v:
                    cells.append([sheet.name, f"B{sheet.labels.index(label) + 2}", *_typed(v)])
        else:
            for i, row in enumerate(values):
                for label, v in row.items():
                    if v is not None:
                        cells.append([sheet.name, xl_rowcol_to_cell(i + 2, sheet.labels.index(label)), *_typed(v)])
    return cells


def library_side(work: Path) -> None:
    """Run by the project's Python: the registry (into OUT), the templates and the typing jobs (into work)."""
    import datetime as dt

    from cxzy_xl import schema
    from cxzy_xl.schema import Branch
    from cxzy_xl.templates import write_branch_workbook, write_registry

    def branch(t: tuple[str, str, str, str]) -> Branch:
        return Branch(t[0], t[1], "村", COMMITTEE, t[2], t[3])

    OUT.mkdir(exist_ok=True)
    shimen, jinlong = branch(SHIMEN), branch(JINLONG)
    write_registry(OUT / "支部名单.xlsx", [shimen, jinlong], {
        "所属党委": COMMITTEE, "报告期": "2011年第二季度", "活动开始日期": dt.date(2010, 5, 1),
        "活动结束日期": dt.date(2012, 6, 30), "报送截止日期": dt.date(2011, 7, 5)})
    templates = {b.code: write_branch_workbook(work / f"{b.code}.xlsx", b, committee=COMMITTEE, period=PERIOD)
                 for b in (shimen, jinlong)}
    blank = write_branch_workbook(work / "blank.xlsx")
    prefilled = {b.code: {"所属党委": COMMITTEE, "党组织名称": b.name, "党组织编码": b.code, "党组织类型": "村",
                          "上级党组织": COMMITTEE, "报告期": "2011年第二季度"} for b in (shimen, jinlong)}

    def info(label: str) -> str:
        """Where 基本信息 (a form: labels in A, values in B from row 2) holds ``label``."""
        return f"B{schema.BRANCH_SHEET[schema.INFO_SHEET].labels.index(label) + 2}"

    def job(src: Path, data: dict, skip: dict, target: str, extra: list | None = None) -> dict:  # type: ignore[type-arg]
        return {"src": str(src.resolve()), "cells": _cells(data, skip) + (extra or []), "target": str(OUT / target)}

    jobs = []
    jobs.append(job(templates["DX002"], branch_data(*JINLONG), prefilled["DX002"], "clean.xlsx"))

    votes = branch_data(*SHIMEN)
    votes["考核测评"].update({"民主测评参评人数": 20, "满意票": 18, "基本满意票": 3, "不满意票": 1})
    jobs.append(job(templates["DX001"], votes, prefilled["DX001"], "votes.xlsx"))

    # a blank template (the pre-filled one keeps the code in its _meta): everything typed but the code,
    # and the name as the clerk says it
    nocode = branch_data(*JINLONG)
    nocode["基本信息"]["党组织名称"] = "金龙村支部"
    del nocode["基本信息"]["党组织编码"]
    jobs.append(job(blank, nocode, {}, "nocode.xlsx", [["基本信息", info("党组织编码"), "clear", ""]]))

    typo = branch_data(*SHIMEN)
    typo["基本信息"]["填报日期"] = None
    jobs.append(job(templates["DX001"], typo, prefilled["DX001"], "typo_date.xlsx",
                    [["基本信息", info("填报日期"), "input", "2026.3.5"]]))

    first = branch_data(*SHIMEN)
    first["活动记录"][1]["实际参加人数"] = None  # forgotten the first time
    jobs.append(job(templates["DX001"], first, prefilled["DX001"], "dup_a.xlsx"))
    jobs.append(job(templates["DX001"], branch_data(*SHIMEN), prefilled["DX001"], "dup_b.ods"))

    long = branch_data(*SHIMEN)
    text = long_text()
    long["活动记录"][0]["活动主题"] = text
    long["活动记录"][1]["活动类型"] = text
    jobs.append(job(templates["DX001"], long, prefilled["DX001"], "long_cell.xlsx"))

    (work / "jobs.json").write_text(json.dumps(jobs, ensure_ascii=False), encoding="utf-8")


# --- the LibreOffice side: the system Python, which has the uno module ---------------------------------

def _props(**kw):  # type: ignore[no-untyped-def]
    from com.sun.star.beans import PropertyValue

    out = []
    for k, v in kw.items():
        p = PropertyValue()
        p.Name, p.Value = k, v
        out.append(p)
    return tuple(out)


def _connect(pipe: str, office: subprocess.Popen):  # type: ignore[no-untyped-def,type-arg]
    import uno

    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(120):
        if office.poll() is not None:
            raise SystemExit(f"soffice ended before answering (exit code {office.returncode})")
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            return ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        except Exception:  # soffice still starting
            time.sleep(0.5)
    raise SystemExit("LibreOffice did not answer on its pipe")


CLEAR = 1 | 2 | 4 | 16  # com.sun.star.sheet.CellFlags VALUE | DATETIME | STRING | FORMULA


def type_into(desktop, jobs: list[dict]) -> None:  # type: ignore[no-untyped-def,type-arg]
    """Each job: open ``src``, type ``cells`` [sheet, A1, how, text], save as ``target``. ``how``:
    "text" (setString: a text as it reads), "input" (setFormula: typed on the input line, so 22 is a
    number and 2011-06-28 a date) or "clear" (the cell's content deleted)."""
    import uno

    for job in jobs:
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(job["src"]), "_blank", 0, _props(Hidden=True))
        try:
            for name, ref, how, text in job["cells"]:
                cell = doc.Sheets.getByName(name).getCellRangeByName(ref)
                if how == "text":
                    cell.setString(text)
                elif how == "input":
                    cell.setFormula(text)
                else:
                    cell.clearContents(CLEAR)
            doc.calculateAll()
            target = Path(job["target"])
            doc.storeToURL(uno.systemPathToFileUrl(str(target)), _props(FilterName=FILTERS[target.suffix], Overwrite=True))
        finally:
            doc.close(True)
        print(f"{target.stat().st_size:>8}  {target.name}")


def _project_python() -> str:
    python = os.environ.get("CXZY_PYTHON") or shutil.which("python") or ""
    check = subprocess.run([python, "-c", "import cxzy_xl"], capture_output=True,
                           env={**os.environ, "PYTHONPATH": str(ROOT)}) if python else None
    if check is None or check.returncode:
        raise SystemExit("the project's Python (with cxzy_xl's dependencies) is not on PATH: activate its venv, "
                         "or name it in CXZY_PYTHON")
    return python


@contextlib.contextmanager
def office(work: Path) -> Iterator[object]:
    """A headless soffice with a private profile under ``work``, answering on a pipe: its Desktop,
    the office stopped afterwards."""
    pipe = f"cxzy_office_{os.getpid()}"
    proc = subprocess.Popen(["soffice", "--headless", "--invisible", "--norestore", "--nologo",
                             "--nodefault", "--nolockcheck", f"-env:UserInstallation={(work / 'profile').as_uri()}",
                             f"--accept=pipe,name={pipe};urp;"])
    try:
        desktop = _connect(pipe, proc)
        yield desktop
        try:
            desktop.terminate()
        except Exception:  # the bridge goes down with the office
            pass
    finally:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def main() -> None:
    try:
        import uno  # noqa: F401
    except ImportError:
        raise SystemExit("run this with the system Python, which has the uno module: /usr/bin/python3 "
                         f"{Path(__file__).relative_to(ROOT)}") from None
    work = Path(tempfile.mkdtemp(prefix="cxzy-typed-"))
    try:
        subprocess.run([_project_python(), __file__, "--library", str(work)], check=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
        with office(work) as desktop:
            type_into(desktop, json.loads((work / "jobs.json").read_text(encoding="utf-8")))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    too_big = [p.name for p in OUT.iterdir() if p.stat().st_size > MAX_BYTES]
    if too_big:
        raise SystemExit(f"over {MAX_BYTES} bytes: {', '.join(too_big)}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--library":
        library_side(Path(sys.argv[2]))
    else:
        main()
