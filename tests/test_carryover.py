"""Next quarter's templates carried over from last quarter's inbox (cxzy template --from).

Quarter one is built here by hand (the demo's realistic data, edited so that every kind of row is
there); the expected carried rows are picked from that input, not from what the code wrote.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import random
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from helpers import cell_of, edit

from cxzy_xl import schema, templates
from cxzy_xl.carryover import CarryRefused, write_carried_templates
from cxzy_xl.cli import main
from cxzy_xl.demo import branch_data, registry_branches
from cxzy_xl.findings import Code, Severity
from cxzy_xl.pipeline import read_folder
from cxzy_xl.templates import CARRIED_FILL, branch_filename, write_branch_workbook, write_registry

D = dt.date
COMMITTEE = "德新镇党委"
NEW_PERIOD = "2011年第三季度"
B1, B2, B3, B4 = registry_branches(16)[:4]  # DX001 carried, DX002 twice, DX003 unreadable, DX004 never sent
FILL = "FF" + CARRIED_FILL.lstrip("#")
ID_WITH_X = "43052219680312123X"
OLD_COPY, NEW_COPY, UNREADABLE = "DX002_旧.xlsx", "DX002_新.xlsx", "DX003_xxx.xlsx"


def commitment(n: int, status: str, who: str, done: dt.date | None = None) -> dict:
    return {"序号": n, "承诺主体": "党员", "承诺人": who, "承诺类别": "带头服务群众", "承诺内容": f"承诺内容{n}",
            "承诺日期": D(2011, 5, n), "计划完成日期": D(2011, 12, 20 + n), "完成情况": status,
            "实际完成日期": done, "群众评价": "满意" if done else None, "备注": f"备注{n}"}


def concern(n: int, settled: dt.date | None) -> dict:
    return {"序号": n, "登记日期": D(2011, 5, 10 + n), "反映人": f"群众{n}", "反映问题": f"反映问题{n}",
            "问题类别": "基础设施", "承办人": "王建国", "办结时限": D(2011, 9, n), "办结日期": settled,
            "办理结果": "已办结" if settled else None, "群众满意度": "满意" if settled else None}


def quarter_one(branch, seed: int) -> dict:
    """A filled 2011Q2 workbook: 8 members (one departed), commitments in all four states, concerns
    settled and open, an ID number ending in X."""
    d = branch_data(branch, random.Random(seed), members_n=8)
    roster = d["党员名册"]
    roster[0].update({"性别": "男", "出生日期": D(1968, 3, 12), "身份证号": ID_WITH_X, "入党日期": D(1995, 7, 1)})
    roster[2]["备注"] = "2011年5月转出"
    roster[3]["备注"] = "村会计"  # a note that is not a departure
    names = [m["姓名"] for m in roster]
    d["公开承诺"] = [commitment(1, "已完成", names[0], D(2011, 6, 10)), commitment(2, "未兑现", names[1]),
                 commitment(3, "推进中", names[0]), commitment(4, "未开始", names[1]),
                 commitment(5, "推进中", names[3])]
    d["民情台账"] = [concern(1, D(2011, 5, 25)), concern(2, None), concern(3, D(2011, 6, 2)), concern(4, None)]
    d["基本信息"]["争创主题"] = "强班子、带队伍、促发展"
    return d


def write_q1(path: Path, branch, data: dict) -> Path:
    return write_branch_workbook(path, branch, committee=COMMITTEE, period="2011Q2", data=data)


def expected_rows(sheet: str, rows: list[dict]) -> list[dict]:
    """What a carried sheet must hold: each input row in every column, 序号 counted again from 1."""
    labels = schema.BRANCH_SHEET[sheet].labels
    return [{**{lab: r.get(lab) for lab in labels}, "序号": n} for n, r in enumerate(rows, 1)]


@pytest.fixture(scope="module")
def q(tmp_path_factory):
    root = tmp_path_factory.mktemp("carry")
    registry = write_registry(root / "支部名单.xlsx", [B1, B2, B3, B4], {"所属党委": COMMITTEE, "报告期": NEW_PERIOD})
    inbox = root / "上季度收件箱"
    inbox.mkdir()
    d1 = quarter_one(B1, 1)
    write_q1(inbox / branch_filename(B1), B1, d1)
    old = quarter_one(B2, 2)
    old["基本信息"].update({"书记姓名": "旧书记", "填报日期": D(2011, 6, 24)})
    new = copy.deepcopy(old)
    new["基本信息"].update({"书记姓名": "新书记", "填报日期": D(2011, 6, 29)})
    new["公开承诺"].append(commitment(6, "未开始", new["党员名册"][0]["姓名"]))
    write_q1(inbox / NEW_COPY, B2, new)
    write_q1(inbox / OLD_COPY, B2, old)
    os.utime(inbox / NEW_COPY, (1_300_000_000, 1_300_000_000))  # the older copy is the newer file:
    os.utime(inbox / OLD_COPY, (1_310_000_000, 1_310_000_000))  # 填报日期 decides, not the file time
    (inbox / UNREADABLE).write_bytes(random.Random(3).randbytes(4000))
    before = {p.name: p.stat().st_mtime_ns for p in inbox.iterdir()}
    out = root / "下发"
    result = write_carried_templates(out, registry, inbox)
    assert {p.name: p.stat().st_mtime_ns for p in inbox.iterdir()} == before  # the earlier inbox untouched
    books = {p.name.split("_")[0]: openpyxl.load_workbook(p) for p in result.paths}
    return {"root": root, "registry": registry, "inbox": inbox, "out": out, "result": result, "books": books,
            "d1": d1, "old": old, "new": new}


def table(ws, sheet: str) -> list[dict]:
    """The non-blank data rows of a table sheet, dates as dates."""
    labels = schema.BRANCH_SHEET[sheet].labels
    assert [c.value for c in ws[2]][: len(labels)] == labels
    rows = []
    for values in ws.iter_rows(min_row=3, max_col=len(labels), values_only=True):
        if any(v is not None for v in values):
            rows.append({lab: v.date() if isinstance(v, dt.datetime) else v for lab, v in zip(labels, values, strict=True)})
    return rows


def form(ws) -> dict:
    return {r[0]: r[1].date() if isinstance(r[1], dt.datetime) else r[1]
            for r in ws.iter_rows(min_row=2, max_col=2, values_only=True) if r[0]}


def tinted(cell) -> bool:
    return cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb == FILL


def test_which_branches_were_carried_and_what_was_met(q):
    r = q["result"]
    assert [p.name for p in r.paths] == [branch_filename(b) for b in (B1, B2, B3, B4)]
    assert r.carried == {"DX001": branch_filename(B1), "DX002": NEW_COPY}
    assert r.ordinary == ["DX003", "DX004"]
    assert (r.period, r.previous_period) == ("2011Q3", "2011Q2")
    seen = {(f.code, f.file) for f in r.problems}
    assert seen == {(Code.FILE_UNREADABLE, UNREADABLE), (Code.DUPLICATE_SUBMISSION, OLD_COPY)}
    assert all(f.branch_code in ("DX002", "DX003") for f in r.problems)


def test_roster_carries_every_member_but_the_departed_in_every_column(q):
    ws = q["books"]["DX001"]["党员名册"]
    members = [m for i, m in enumerate(q["d1"]["党员名册"]) if i != 2]
    got = table(ws, "党员名册")
    assert got == expected_rows("党员名册", members)
    assert len(got) == 7 and got[0]["身份证号"] == ID_WITH_X and got[2]["备注"] == "村会计"
    assert all(isinstance(r["联系电话"], str) and len(r["联系电话"]) == 11 for r in got)
    labels = schema.BRANCH_SHEET["党员名册"].labels
    id_col, date_col = labels.index("身份证号") + 1, labels.index("入党日期") + 1
    assert ws.cell(row=3, column=id_col).data_type == "s"
    assert ws.cell(row=3, column=id_col).number_format == "@"  # typed over, it stays text
    assert ws.cell(row=3, column=date_col).number_format == "yyyy-mm-dd"


def test_commitments_carry_only_the_open_ones(q):
    got = table(q["books"]["DX001"]["公开承诺"], "公开承诺")
    assert [r["承诺内容"] for r in got] == ["承诺内容3", "承诺内容4", "承诺内容5"]
    assert got == expected_rows("公开承诺", q["d1"]["公开承诺"][2:5])


def test_concerns_carry_only_those_without_a_settled_date(q):
    got = table(q["books"]["DX001"]["民情台账"], "民情台账")
    assert [r["反映问题"] for r in got] == ["反映问题2", "反映问题4"]
    assert got == expected_rows("民情台账", [q["d1"]["民情台账"][1], q["d1"]["民情台账"][3]])


def test_posts_carry_every_row_and_other_sheets_start_empty(q):
    book = q["books"]["DX001"]
    assert table(book["示范岗"], "示范岗") == expected_rows("示范岗", q["d1"]["示范岗"])
    for sheet in ("活动记录", "为民办实事", "评选表彰"):
        assert table(book[sheet], sheet) == [], sheet
    assert all(v is None for k, v in form(book["考核测评"]).items() if k in schema.BRANCH_SHEET["考核测评"].labels)


def test_basic_information_carries_its_fields_and_takes_the_new_period(q):
    ws = q["books"]["DX001"][schema.INFO_SHEET]
    info, q1 = form(ws), q["d1"]["基本信息"]
    for label in ("书记姓名", "联系电话", "特色党支部类型", "争创主题", "是否成立领导小组", "是否制定实施方案",
                  "动员大会日期", "党员总数", "正式党员数", "预备党员数", "流动党员数"):
        assert info[label] == q1[label], label
    assert info["填报日期"] is None and info["填报人"] is None
    assert info["报告期"] == NEW_PERIOD
    assert (info["党组织编码"], info["党组织名称"], info["所属党委"]) == ("DX001", B1.name, COMMITTEE)
    assert ws[cell_of(schema.INFO_SHEET, "党组织编码")].protection.locked
    assert tinted(ws[cell_of(schema.INFO_SHEET, "书记姓名")]) and tinted(ws[cell_of(schema.INFO_SHEET, "党员总数")])
    for label in ("填报日期", "填报人", "报告期", "党组织名称"):
        assert not tinted(ws[cell_of(schema.INFO_SHEET, label)]), label
    assert ws[cell_of(schema.INFO_SHEET, "书记姓名")].border.left.style == "thin"  # a form cell keeps its border
    assert dict(q["books"]["DX001"]["_meta"].values)["carried_from"] == "2011Q2"


def test_carried_rows_are_tinted_and_the_rows_below_are_not(q):
    book = q["books"]["DX001"]
    for sheet, n in (("党员名册", 7), ("公开承诺", 3), ("民情台账", 2), ("示范岗", len(q["d1"]["示范岗"]))):
        ws, width = book[sheet], len(schema.BRANCH_SHEET[sheet].fields)
        for r in range(3, 3 + n):
            assert all(tinted(ws.cell(row=r, column=c)) for c in range(1, width + 1)), (sheet, r)
            assert ws.cell(row=r, column=1).protection.locked is False
        for r in (3 + n, 3 + n + 1, 60):
            assert not any(tinted(ws.cell(row=r, column=c)) for c in range(1, width + 1)), (sheet, r)
        assert "上季度" in ws["D1"].value
        # marked by formatting only: no cell says where it came from
        assert not any("上季度" in str(c.value) for row in ws.iter_rows(min_row=2) for c in row if c.value)
    assert "上季度" not in book["活动记录"]["D1"].value  # nothing carried there
    intro = [c.value for row in book[schema.INSTRUCTIONS_SHEET].iter_rows() for c in row if isinstance(c.value, str)]
    assert any("上季度（2011年第二季度）" in t for t in intro) and any("整行删除" in t for t in intro)


def test_the_newer_of_two_copies_is_carried(q):
    book = q["books"]["DX002"]
    assert form(book[schema.INFO_SHEET])["书记姓名"] == "新书记"
    got = table(book["公开承诺"], "公开承诺")
    assert [r["承诺内容"] for r in got] == ["承诺内容3", "承诺内容4", "承诺内容5", "承诺内容6"]


def test_branches_without_an_accepted_submission_get_the_ordinary_template(q, tmp_path):
    plain = templates.write_branch_templates(tmp_path, [B3, B4], COMMITTEE, NEW_PERIOD)
    for path, code in zip(plain, ("DX003", "DX004"), strict=True):
        assert (q["out"] / path.name).read_bytes() == path.read_bytes(), code
        book = q["books"][code]
        assert "carried_from" not in dict(book["_meta"].values)
        for sheet in schema.TABLE_SHEETS:
            ws = book[sheet.name]
            assert table(ws, sheet.name) == []
            assert not any(tinted(c) for row in ws.iter_rows(min_row=1, max_row=10) for c in row)


def test_a_carried_template_filled_in_reads_back_the_same_rows_cleanly(q, tmp_path):
    inbox = tmp_path / "本季度收件箱"
    inbox.mkdir()
    sent = shutil.copy(q["out"] / branch_filename(B1), inbox / "DX001.xlsx")

    def fill(wb):
        ws = wb[schema.INFO_SHEET]
        ws[cell_of(schema.INFO_SHEET, "填报日期")] = dt.datetime(2011, 9, 28)
        ws[cell_of(schema.INFO_SHEET, "填报人")] = "李红"
        for label, value in q["d1"]["考核测评"].items():  # filled anew every quarter
            wb["考核测评"][cell_of("考核测评", label)] = value

    edit(Path(sent), fill)
    batch = read_folder(inbox, q["registry"], isolate=False)
    assert batch.period == "2011Q3"
    mine = [f for f in batch.findings if f.file == "DX001.xlsx"]
    bad = [f for f in mine if f.code in (Code.BAD_TYPE, Code.BAD_CHOICE, Code.REQUIRED, Code.BAD_ID_NUMBER,
                                         Code.BAD_PHONE, Code.WRONG_PERIOD, Code.EMPTY_TEMPLATE)]
    assert bad == []
    assert not [f for f in mine if f.severity is Severity.ERROR]

    def rows(sheet):
        df = batch[sheet]
        df = df[df[schema.FILE_COL] == "DX001.xlsx"]
        out = []
        for _, r in df.iterrows():
            out.append({lab: None if pd.isna(r[lab]) else r[lab].date() if isinstance(r[lab], pd.Timestamp)
                        else r[lab] for lab in schema.BRANCH_SHEET[sheet].labels})
        return out

    members = [m for i, m in enumerate(q["d1"]["党员名册"]) if i != 2]
    assert rows("党员名册") == expected_rows("党员名册", members)
    assert rows("公开承诺") == expected_rows("公开承诺", q["d1"]["公开承诺"][2:5])
    assert rows("民情台账") == expected_rows("民情台账", [q["d1"]["民情台账"][1], q["d1"]["民情台账"][3]])


def test_writing_into_the_earlier_inbox_is_refused_by_the_library(q):
    target = q["inbox"] / "下发"
    for out in (target, q["inbox"]):
        with pytest.raises(CarryRefused, match="收件箱"):
            write_carried_templates(out, q["registry"], q["inbox"])
    assert not target.exists()


def test_without_marking_a_template_is_written_as_before(tmp_path):
    plain = write_branch_workbook(tmp_path / "a.xlsx", B1, committee=COMMITTEE, period="2011Q3")
    again = write_branch_workbook(tmp_path / "b.xlsx", B1, committee=COMMITTEE, period="2011Q3", carried={})
    assert plain.read_bytes() == again.read_bytes()


# --- the command -------------------------------------------------------------------------------

def run(*args):
    return CliRunner().invoke(main, ["template", *[str(a) for a in args]])


def test_command_writes_the_templates_and_says_what_it_carried(q, tmp_path):
    out = tmp_path / "下发"
    result = run("--registry", q["registry"], "--from", q["inbox"], "-o", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(branch_filename(b) for b in (B1, B2, B3, B4))
    assert "2 个支部按2011年第二季度报表预填" in result.output
    assert f"2 个支部上季度没有可用的报表，生成普通预填表：{B3.name}、{B4.name}" in result.output
    lines = result.output.splitlines()
    assert any(UNREADABLE in line and "无法读取" in line for line in lines)
    assert any(OLD_COPY in line and NEW_COPY in line for line in lines)
    assert "共生成 4 个文件" in result.output


def test_command_from_without_registry_is_a_usage_error(q, tmp_path):
    result = run("--from", q["inbox"], "-o", tmp_path / "x")
    assert result.exit_code == 2 and "--registry" in result.output
    assert not (tmp_path / "x").exists()


def test_command_refuses_an_output_folder_inside_the_earlier_inbox(q):
    before = sorted(p.name for p in q["inbox"].rglob("*"))
    result = run("--registry", q["registry"], "--from", q["inbox"], "-o", q["inbox"] / "下发")
    assert result.exit_code == 2 and "收件箱" in result.output
    assert sorted(p.name for p in q["inbox"].rglob("*")) == before


def test_command_refuses_an_earlier_inbox_of_the_same_period(q, tmp_path):
    # 设置 not moved on to the new quarter: every template would be last quarter's again
    same = write_registry(tmp_path / "支部名单.xlsx", [B1, B2], {"所属党委": COMMITTEE, "报告期": "2011年第二季度"})
    result = run("--registry", same, "--from", q["inbox"], "-o", tmp_path / "out")
    assert result.exit_code == 2 and "不早于" in result.output
    assert not (tmp_path / "out").exists()
