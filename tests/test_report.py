"""The written outputs (issue “工作总结 and 通报”): read back with python-docx, for a township and for a
county roll-up; every figure worked out here from the branch data the test wrote, every number in the
text found among the result workbook's figures, no blank and no placeholder, the GB/T 9704 page."""

from __future__ import annotations

import copy
import datetime as dt
import math
import re
import shutil
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import docx
import openpyxl
import pytest
import report_templates  # tools/report_templates.py (tests/conftest.py puts tools/ on sys.path)
from click.testing import CliRunner
from docx.shared import Pt
from helpers import add_next_quarter_activities, in_quarter, two_townships, valid_rows, write_quarter
from hypothesis import given
from hypothesis import strategies as st

from cxzy_xl.aggregate import aggregate
from cxzy_xl.cli import main
from cxzy_xl.demo import branch_data
from cxzy_xl.output import write_result
from cxzy_xl.pipeline import read_folder
from cxzy_xl.report import (
    FILTERS,
    NOTICE_TEMPLATE,
    SUMMARY_TEMPLATE,
    TEMPLATE_DIR,
    ReportError,
    report_context,
    write_reports,
)
from cxzy_xl.rollup import rollup
from cxzy_xl.schema import Branch

TOWN = "青山镇党委"
DAY = dt.date(2011, 10, 12)
LATE_PROMISE, LATE_CONCERN, BIG_PROJECT = "修缮村小学围墙", "饮水管道破裂", "修建村级活动场所"
GROUPS = {"QS001": ("第一督导组", "李明"), "QS002": ("第一督导组", "李明"), "QS003": ("第二督导组", "张华"),
          "QS004": ("第二督导组", "张华")}


def branches() -> list[Branch]:
    return [Branch(code, f"青山{i}村党支部", "村" if i < 4 else "社区", TOWN, f"书记{i}", "13800000000",
                   group=GROUPS[code][0], leader=GROUPS[code][1])
            for i, code in enumerate(GROUPS, start=1)]


def quarter(rng_seed: int) -> dict[str, dict]:
    import random

    rng = random.Random(rng_seed)
    data = {b.code: branch_data(b, rng, members_n=8, committee=TOWN) for b in branches()}
    for d in data.values():
        for m in d["党员名册"]:
            m["备注"] = None
    p = data["QS001"]["公开承诺"][0]
    p.update({"承诺内容": LATE_PROMISE, "计划完成日期": dt.date(2011, 5, 31), "完成情况": "推进中",
              "实际完成日期": None, "群众评价": None})
    c = data["QS002"]["民情台账"][0]
    c.update({"反映问题": LATE_CONCERN, "办结时限": dt.date(2011, 6, 1), "办结日期": None, "办理结果": None,
              "群众满意度": None})
    data["QS003"]["为民办实事"][0].update({"项目名称": BIG_PROJECT, "投入资金（万元）": 88.88, "完成情况": "实施中",
                                       "完成日期": None})
    return data


def write_town(folder: Path, data: dict[str, dict], period: str, deadline: dt.date, skip=("QS004",)) -> tuple[Path, Path]:
    return write_quarter(folder, branches(), data, TOWN, period, deadline, skip, 动员大会截止日期=dt.date(2011, 5, 12))


@pytest.fixture(scope="module")
def town(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    q2 = quarter(5)
    in2, reg2 = write_town(root / "q2", q2, "2011年第二季度", dt.date(2011, 7, 5))
    r2 = write_result(aggregate(read_folder(in2, reg2)), root / "q2.xlsx")
    q3 = add_next_quarter_activities(copy.deepcopy(q2))
    for d in q3.values():
        d["基本信息"].update({"报告期": "2011年第三季度", "填报日期": dt.date(2011, 9, 28)})
    q3["QS002"]["基本信息"]["填报日期"] = dt.date(2011, 10, 9)  # after the deadline
    done = q3["QS003"]["公开承诺"]
    for p in done:
        p.update({"完成情况": "已完成", "实际完成日期": dt.date(2011, 9, 1)})
    in3, reg3 = write_town(root / "q3", q3, "2011年第三季度", dt.date(2011, 10, 5))
    r3 = write_result(aggregate(read_folder(in3, reg3, previous=[r2])), root / "q3.xlsx")
    out = write_reports(r3, root / "docs", today=DAY)
    return {"root": root, "q2": q2, "q3": q3, "r2": r2, "r3": r3, "reports": out}


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    root = tmp_path_factory.mktemp("county")
    towns = two_townships(root, isolate=False)
    summary = rollup([t[2] for t in towns], unit="新邵县委组织部", isolate=False)
    result = write_result(summary, root / "county.xlsx")
    return {"towns": towns, "result": result, "reports": write_reports(result, root / "docs", today=DAY)}


def text(path: Path) -> str:
    d = docx.Document(str(path))
    parts = [p.text for p in d.paragraphs]
    parts += [c.text for t in d.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


def paragraphs(path: Path) -> list[str]:
    return [p.text for p in docx.Document(str(path)).paragraphs]


def ranking(path: Path) -> list[list[str]]:
    [t] = docx.Document(str(path)).tables
    return [[c.text for c in row.cells] for row in t.rows]


def pct(num: float, den: float) -> str:
    return f"{num / den * 100:.1f}%"


# --- figures, worked out from the data the test wrote ----------------------------------------------

def reported(data: dict[str, dict]) -> list[dict]:
    return [d for code, d in data.items() if code != "QS004"]


def test_the_summary_states_the_townships_figures_worked_out_from_the_branch_data(town):
    q3 = reported(town["q3"])
    said = text(town["reports"].summary)
    members = sum(len(d["党员名册"]) for d in q3)
    promises = [p for d in q3 for p in d["公开承诺"]]
    kept = sum(p["完成情况"] == "已完成" for p in promises)
    acts = [a for d in q3 for a in d["活动记录"] if a["应参加人数"] is not None and a["实际参加人数"] is not None
            and in_quarter(a["活动日期"], "2011Q3")]  # 本期: the rows dated in the report quarter
    projects = [p for d in q3 for p in d["为民办实事"]]
    funds = math.fsum(p["投入资金（万元）"] or 0 for p in projects)
    concerns = [c for d in q3 for c in d["民情台账"]]
    closed = sum(c["办结日期"] is not None for c in concerns)
    assert "全镇共有党支部4个，本期已报送3个（其中逾期报送1个），未报送1个" in said
    assert f"共有党员{members}名" in said
    assert f"共作出公开承诺{len(promises)}项" in said and f"已兑现{kept}项，兑现率{pct(kept, len(promises))}" in said
    assert f"参学率{pct(sum(a['实际参加人数'] for a in acts), sum(a['应参加人数'] for a in acts))}" in said
    assert f"共安排为民办实事项目{len(projects)}个，计划投入资金{funds:.2f}万元" in said
    assert f"共登记民情{len(concerns)}件，已办结{closed}件，办结率{pct(closed, len(concerns))}" in said
    # the largest project under way named with its branch and amount, as seed 002 names them
    assert f"青山3村党支部“{BIG_PROJECT}”项目正在实施，投入资金88.88万元" in said
    # 督导组 from the registry (seed 000's blanks filled)
    assert "成立了2个联系督导小组" in said and "第一督导组由李明牵头，联系2个党支部" in said
    in_time = sum(d["基本信息"]["动员大会日期"] <= dt.date(2011, 5, 12) for d in q3)
    assert "已报送的3个党支部均成立了创先争优活动领导小组、制定了实施方案、召开了动员大会" in said
    assert f"其中{in_time}个在2011年5月12日前召开" in said
    # by 党组织类型: the three that reported are 村
    assert "村党支部3个" in said


def test_the_summary_compares_with_last_quarter_and_names_what_is_overdue_and_late(town):
    q2, q3 = reported(town["q2"]), reported(town["q3"])
    said = text(town["reports"].summary)
    before = [p for d in q2 for p in d["公开承诺"]]
    now = [p for d in q3 for p in d["公开承诺"]]
    was = sum(p["完成情况"] == "已完成" for p in before) / len(before)
    rate = sum(p["完成情况"] == "已完成" for p in now) / len(now)
    assert "与2011年第二季度相比" in said
    assert f"承诺兑现率由{was * 100:.1f}%提高到{rate * 100:.1f}%（提高{(rate - was) * 100:.1f}个百分点）" in said
    end = dt.date(2011, 9, 30)
    late = {b.name: sum(p["计划完成日期"] < end and p["完成情况"] != "已完成" for p in town["q3"][b.code]["公开承诺"])
            for b in branches()[:3]}
    listed = "、".join(f"{n}{k}项" for n, k in sorted(late.items(), key=lambda x: -x[1]) if k)
    assert f"{sum(late.values())}项承诺已过计划完成日期仍未兑现：{listed}。" in said
    open_ = {b.name: sum(c["办结时限"] < end and c["办结日期"] is None for c in town["q3"][b.code]["民情台账"])
             for b in branches()[:3]}
    listed = "、".join(f"{n}{k}件" for n, k in sorted(open_.items(), key=lambda x: -x[1]) if k)
    assert f"{sum(open_.values())}件民情超过办结时限仍未办结：{listed}。" in said
    assert "青山4村党支部未报送；青山2村党支部逾期报送" in said


def test_the_notice_ranks_every_branch_beside_last_quarter_and_says_what_each_must_fix(town):
    rows = ranking(town["reports"].notice)
    assert rows[0] == ["排名", "党组织", "综合得分", "等次", "上期排名", "排名变化"]
    wb = openpyxl.load_workbook(town["r3"], data_only=True)["支部汇总"]
    sheet = list(wb.iter_rows(values_only=True))
    head = sheet[1]
    by_name = {r[head.index("党组织名称")]: r for r in sheet[2:] if r[0] and r[0] != "合计"}
    ranked = {n for n, r in by_name.items() if r[head.index("排名")] != "待核实"}  # unranked: named apart
    assert sorted(r[1] for r in rows[1:]) == sorted(ranked)
    for r in rows[1:]:
        row = by_name[r[1]]
        assert r[0] == str(row[head.index("排名")])
        # the text 支部汇总 shows (0.0, rounded half away from zero as a spreadsheet does)
        score = Decimal(str(row[head.index("综合得分")])).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        assert r[2] == str(score)
        assert r[3] == row[head.index("等次")]
        assert r[4] == str(row[head.index("上期排名")])
        change = row[head.index("排名变化")]
        assert r[5] == ("持平" if change == 0 else f"上升{change}" if change > 0 else f"下降{-change}")
    assert [int(r[0]) for r in rows[1:]] == sorted(int(r[0]) for r in rows[1:])
    said = text(town["reports"].notice)
    assert re.search(f"青山1村党支部\\d+项（[^）]*“{LATE_PROMISE}”", said)
    assert re.search(f"青山2村党支部\\d+件（[^）]*“{LATE_CONCERN}”", said)
    assert "青山4村党支部未报送报表；青山2村党支部逾期报送。" in said
    assert "青山1村党支部：" in said and "超期未兑现承诺" in said
    assert "青山4村党支部：本期未报送，请尽快补报。" in said
    assert "青山2村党支部：" in said and "本期报表逾期报送" in said


def test_the_county_documents_speak_of_the_townships(county):
    towns = county["towns"]
    said = text(county["reports"].summary)
    notice = text(county["reports"].notice)
    branches_n = sum(len(t[0].tables["基本信息"]) for t in towns)
    counted = [valid_rows(t[0], "公开承诺", ("完成情况", "实际完成日期")) for t in towns]
    promises = sum(len(c) for c in counted)
    kept = sum(int((c["完成情况"] == "已完成").sum()) for c in counted)
    assert "全县2个乡镇共有党支部" in said and f"本期已报送{branches_n}个" in said
    assert f"共作出公开承诺{promises}项" in said and f"兑现率{pct(kept, promises)}" in said
    assert "各乡镇：" in notice
    rows = ranking(county["reports"].notice)
    assert rows[0][:4] == ["排名", "单位", "综合得分", "等次"]
    assert sorted(r[1] for r in rows[1:]) == ["古河乡党委", "德新镇党委"]
    assert "各乡镇" in said and "党支部（德新镇党委）" in said + notice  # a missing branch named with its township


# --- no blank, no placeholder, every number from the result ----------------------------------------

BLANKS = [
    r"\{\{", r"\}\}", r"\{%", r"%\}", r"None", r"nan", r"NaN", r"inf", r"XX", r"××", r"（）", r"“”",
    r"[，、；：][，、；。]", r"(共有|其中|共|投入资金)[个名项次件户%，。；、]", r"(兑现率|参学率|办结率|满意率)[%。；]",
    r"(已报送|未报送|逾期报送)[个名%]", r"[：:][。；，]",
    r"(党员|民情|承诺|项目)(名|件|项|个)[，。；、]",
]


def all_documents(town, county) -> list[Path]:
    return [town["reports"].summary, town["reports"].notice, county["reports"].summary, county["reports"].notice]


def test_no_blank_and_no_placeholder_is_left_in_any_document(town, county):
    for path in all_documents(town, county):
        for para in text(path).split("\n"):
            for pattern in BLANKS:
                assert not re.search(pattern, para), (path.name, pattern, para)


def result_numbers(path: Path) -> set[str]:
    """Every number the result workbook shows, as the documents may write it."""
    out: set[str] = set()
    wb = openpyxl.load_workbook(path, data_only=True)
    for ws in wb.worksheets:
        rows = [r for r in ws.iter_rows(values_only=True) if any(v is not None for v in r)]
        out.add(str(len(rows)))
        for row in rows:
            for v in row:
                if isinstance(v, bool) or v is None:
                    continue
                if isinstance(v, (int, float)):
                    x = float(v)
                    for y in (x, abs(x), x * 100, abs(x * 100)):
                        out |= {f"{y:.1f}", f"{y:.2f}", f"{y:.0f}" if float(y).is_integer() else "x"}
                    if x.is_integer():
                        out.add(str(int(abs(x))))
                else:
                    out |= set(re.findall(r"\d+(?:\.\d+)?", str(v)))
    return out


def numbers_said(path: Path) -> list[str]:
    said = text(path)
    said = re.sub(r"“[^”]*”", "", said)  # quoted items (a project's or a concern's own words)
    said = re.sub(r"\d{4}年\d{1,2}月\d{1,2}日|\d{4}年第.季度", "", said)  # dates and report periods
    return re.findall(r"\d+(?:\.\d+)?", said)


def test_every_number_in_the_documents_is_a_figure_of_the_result_workbook(town, county):
    for path, result in ((town["reports"].summary, town["r3"]), (town["reports"].notice, town["r3"]),
                         (county["reports"].summary, county["result"]), (county["reports"].notice, county["result"])):
        known = result_numbers(result)
        stray = [n for n in numbers_said(path) if n not in known]
        assert not stray, (path.name, stray)


def test_a_figure_the_data_cannot_give_is_left_out_of_its_sentence(tmp_path):
    data = quarter(9)
    for d in data.values():
        d["民情台账"] = []
        d["活动记录"] = []
    inbox, reg = write_town(tmp_path / "q", data, "2011年第二季度", dt.date(2011, 7, 5), skip=())
    result = write_result(aggregate(read_folder(inbox, reg)), tmp_path / "r.xlsx")
    out = write_reports(result, tmp_path / "docs", today=DAY)
    said = text(out.summary) + text(out.notice)
    assert "共登记民情0件，已办结0件。" in said and "办结率89" not in said and "办结率为" not in said
    assert not re.search(r"办结率\d", said) and not re.search(r"参学率\d", said)
    assert "共开展学习活动0次。" in said
    assert "未报送" not in said.replace("催促未报送", "")  # every branch reported: no 未报送 sentence at all
    assert "与上期" not in said and "上期排名" not in said  # made without --previous
    for para in said.split("\n"):
        for pattern in BLANKS:
            assert not re.search(pattern, para), (pattern, para)


def test_a_township_where_every_branch_reported_rolls_up_with_nothing_missing(tmp_path):
    inbox, reg = write_town(tmp_path / "q", quarter(3), "2011年第二季度", dt.date(2011, 7, 5), skip=())
    result = write_result(aggregate(read_folder(inbox, reg)), tmp_path / "r.xlsx")
    assert report_context(result)["未报数"] == 0 and report_context(result)["未报送"] == []
    county = rollup([result], unit="新邵县委组织部", isolate=False)
    assert county.missing.empty  # the 未报送 sheet's note “应报送的支部均已报送。” is not a branch


@given(st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**9, 10**9)))
def test_every_format_gives_a_number_or_words_never_nan_or_none(value):
    for name, fmt in FILTERS.items():
        if name in ("顿号", "列举"):
            continue
        shown = fmt(value)
        assert isinstance(shown, str)
        assert not re.search(r"nan|None|inf|NaN", shown), (name, value, shown)


# --- official-document format ----------------------------------------------------------------------

def style_font(style) -> tuple[str, float]:
    fonts = style.element.rPr.rFonts
    return fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"), style.font.size.pt


def test_the_documents_are_laid_out_as_gb_t_9704_asks(town, county):
    for path in all_documents(town, county):
        d = docx.Document(str(path))
        sec = d.sections[0]
        assert (round(sec.page_width.mm), round(sec.page_height.mm)) == (210, 297)
        assert [round(x.mm) for x in (sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin)] == \
            [37, 35, 28, 26]
        styles = {p.style.name for p in d.paragraphs}
        assert {"公文标题", "公文正文", "一级标题", "落款"} <= styles
        assert style_font(d.styles["公文标题"]) == ("方正小标宋简体", 22)
        assert style_font(d.styles["公文正文"]) == ("仿宋_GB2312", 16)
        assert style_font(d.styles["一级标题"]) == ("黑体", 16)
        assert style_font(d.styles["二级标题"]) == ("楷体_GB2312", 16)
        body = d.styles["公文正文"].paragraph_format
        lines = (sec.page_height - sec.top_margin - sec.bottom_margin) / body.line_spacing
        assert int(lines) == 22 and body.first_line_indent == Pt(32)
        assert d.settings.odd_and_even_pages_header_footer
        for footer, side in ((sec.footer, "RIGHT"), (sec.even_page_footer, "LEFT")):
            [p] = footer.paragraphs
            assert p.text == "— 1 —" and "PAGE" in p._p.xml and p.alignment.name == side
            assert style_font(d.styles["页码"]) == ("宋体", 14)
        with zipfile.ZipFile(path) as z:
            fonts = z.read("word/fontTable.xml").decode("utf-8")
        for name, alt in (("仿宋_GB2312", "仿宋"), ("方正小标宋简体", "宋体"), ("楷体_GB2312", "楷体"), ("黑体", "SimHei"),
                          ("宋体", "SimSun")):
            assert re.search(f'w:name="{name}"><w:altName w:val="{alt}"/>', fonts), name
        assert d.paragraphs[-1].text == "2011年10月12日" and d.paragraphs[-1].style.name == "落款"
        assert d.styles["落款"].paragraph_format.alignment.name == "RIGHT"


def test_paragraphs_are_in_the_order_such_summaries_take(town):
    heads = [p.text for p in docx.Document(str(town["reports"].summary)).paragraphs if p.style.name == "一级标题"]
    assert heads == ["一、基本情况", "二、主要做法和成效", "三、存在的问题", "四、下一步打算"]
    said = paragraphs(town["reports"].summary)
    assert said[0] == f"{TOWN}2011年第三季度\n创先争优活动工作总结" and said[1] == "（草稿）"
    assert said[-2:] == [TOWN, "2011年10月12日"]


# --- files: names, templates, never overwriting --------------------------------------------------

def test_names_say_unit_and_period_and_nothing_of_the_users_is_overwritten(town, tmp_path):
    out = tmp_path / "docs"
    out.mkdir()
    theirs = out / f"{TOWN}创先争优活动情况通报_2011年第三季度.docx"
    theirs.write_bytes(b"an office's own file")
    first = write_reports(town["r3"], out, today=DAY)
    assert first.summary.name == f"{TOWN}创先争优活动工作总结（草稿）_2011年第三季度.docx"
    assert first.notice.name == f"{TOWN}创先争优活动情况通报_2011年第三季度（2）.docx"
    assert theirs.read_bytes() == b"an office's own file"
    again = write_reports(town["r3"], out, today=DAY)
    assert again.summary == first.summary  # our own, unsaved since: replaced
    assert again.notice.name.endswith("（3）.docx")  # the name is the office's: never replaced, even by ours
    assert theirs.read_bytes() == b"an office's own file"
    assert len(list(out.iterdir())) == 4


def test_an_office_rewords_a_template_in_word_and_passes_it(town, tmp_path):
    mine = tmp_path / "我们的通报.docx"
    shutil.copy(TEMPLATE_DIR / NOTICE_TEMPLATE, mine)
    d = docx.Document(str(mine))
    p = next(p for p in d.paragraphs if p.text.startswith("按照创先争优活动"))
    p.text = "{{ 辖区 }}{{ 应报数 }}个党支部本期情况通报如下，请各支部对照整改："
    d.save(str(mine))
    result = CliRunner().invoke(main, ["report", str(town["r3"]), "-o", str(tmp_path / "out"), "--template", str(mine)])
    assert result.exit_code == 0, result.output
    notice = next((tmp_path / "out").glob("*通报*.docx"))
    assert "全镇4个党支部本期情况通报如下，请各支部对照整改：" in text(notice)


def test_a_template_with_a_wrong_field_or_an_unclear_name_is_refused_in_chinese(town, tmp_path):
    bad = tmp_path / "改过的总结.docx"
    d = docx.Document(str(TEMPLATE_DIR / SUMMARY_TEMPLATE))
    d.add_paragraph("{{ 党员总数 }}")
    d.save(str(bad))
    result = CliRunner().invoke(main, ["report", str(town["r3"]), "-o", str(tmp_path / "o"), "--template", str(bad)])
    assert result.exit_code == 2 and "党员总数" in result.output and "变量" in result.output
    odd = tmp_path / "模板.docx"
    shutil.copy(bad, odd)
    result = CliRunner().invoke(main, ["report", str(town["r3"]), "--template", str(odd)])
    assert result.exit_code == 2 and "总结" in result.output and "通报" in result.output
    assert not (tmp_path / "o").exists() or not list((tmp_path / "o").glob("*.docx"))


def test_a_file_that_is_not_a_result_workbook_is_refused(town, tmp_path):
    result = CliRunner().invoke(main, ["report", str(town["root"] / "q3" / "支部名单.xlsx"), "-o", str(tmp_path)])
    assert result.exit_code == 2 and "不能用来生成总结和通报" in result.output
    with pytest.raises(ReportError):
        report_context(town["root"] / "q3" / "支部名单.xlsx")


def test_the_shipped_templates_are_what_the_wording_tool_builds():
    # what cxzy report uses, what tools/report_templates.py writes into the repository, and workbooks/
    folders = dict.fromkeys((TEMPLATE_DIR, report_templates.PACKAGE_TEMPLATES, report_templates.WORKBOOKS))
    for name, built in report_templates.build_all().items():
        want = [p.text for p in built.paragraphs] + [c.text for t in built.tables for r in t.rows for c in r.cells]
        for folder in folders:
            shipped = docx.Document(str(folder / name))
            have = [p.text for p in shipped.paragraphs] + [c.text for t in shipped.tables for r in t.rows
                                                            for c in r.cells]
            assert have == want, (folder, name)


def test_the_cli_writes_both_documents_beside_the_result_by_default(town, tmp_path):
    result_copy = tmp_path / "汇总.xlsx"
    shutil.copy(town["r3"], result_copy)
    out = CliRunner().invoke(main, ["report", str(result_copy), "--date", "2011-10-12"])
    assert out.exit_code == 0, out.output
    assert all(paragraphs(p)[-1] == "2011年10月12日" for p in tmp_path.glob("*.docx"))
    assert "工作总结（草稿）" in out.output and "情况通报" in out.output
    assert len(list(tmp_path.glob("*.docx"))) == 2


def test_every_variable_the_templates_see_is_listed_for_the_office_and_in_the_readme(town, county):
    from cxzy_xl.report import VARIABLES

    listed = {name for key in VARIABLES for name in key.split("、")}
    for ctx in (report_context(town["r3"]), report_context(county["result"])):
        assert set(ctx) == listed
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for key, meaning in VARIABLES.items():
        assert f"| {key} | {meaning} |" in readme


def test_a_result_edited_by_hand_is_reported_and_the_documents_go_by_its_data_sheet(town, tmp_path):
    edited = tmp_path / "改过的汇总.xlsx"
    wb = openpyxl.load_workbook(town["r3"])
    ws = wb["支部汇总"]
    head = [c.value for c in ws[2]]
    col = head.index("承诺数") + 1
    true_value = ws.cell(3, col).value
    ws.cell(3, col).value = true_value + 100
    wb.save(edited)
    out = write_reports(edited, tmp_path / "docs", today=DAY)
    assert any("支部汇总" in n and "不一致" in n for n in out.notes)
    promises = sum(len(d["公开承诺"]) for d in reported(town["q3"]))
    assert f"共作出公开承诺{promises}项" in text(out.summary)
    result = CliRunner().invoke(main, ["report", str(edited), "-o", str(tmp_path / "cli")])
    assert result.exit_code == 0 and "注意" in result.output and "不一致" in result.output


def test_an_older_result_without_the_tally_columns_states_no_zero_as_a_fact(tmp_path):
    older = Path(__file__).parent / "data" / "resaved" / "result.xlsx"  # written before 数据 had them
    out = write_reports(older, tmp_path, today=DAY)
    said = text(out.summary) + text(out.notice)
    assert any("旧版本" in n for n in out.notes)
    assert "0个成立了" not in said and "领导小组" not in said and "均按时报送" not in said
    assert "女党员" not in said and "五带头" not in said
    for para in said.split("\n"):
        for pattern in BLANKS:
            assert not re.search(pattern, para), (pattern, para)
