"""Property (contract 1.2, figures an official can sign): for random inboxes with random invalid cells,
every figure of 支部汇总 equals a plain-Python reference computed from the valid rows only, no rate
exceeds 100 %, every file is counted once or listed as not counted, and the headline adds up."""

from __future__ import annotations

import copy
import datetime as dt
import tempfile
from pathlib import Path

import pandas as pd
from helpers import clean_data, write_clean
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxzy_xl import schema
from cxzy_xl.aggregate import aggregate, submissions
from cxzy_xl.pipeline import read_folder

D = dt.date
COUNT = st.one_of(st.none(), st.integers(0, 40), st.sampled_from(("abc", "十", -3, 2.5, "#REF!")))
STATUS = st.one_of(st.none(), st.sampled_from(("未开始", "推进中", "已完成", "未兑现", "完成了", "?")))
DONE_ON = st.one_of(st.none(), st.sampled_from((D(2011, 6, 10), D(2011, 4, 1), "昨天")))


@st.composite
def branch(draw, code: str):
    data = copy.deepcopy(clean_data(code, f"{code}村党支部"))
    data["活动记录"] = [{"序号": i + 1, "活动日期": D(2011, 5, 1 + i), "活动类型": "集中学习", "活动主题": "学习",
                      "应参加人数": draw(COUNT), "实际参加人数": draw(COUNT), "学时": 1}
                     for i in range(draw(st.integers(0, 4)))]
    promises = []
    for i in range(draw(st.integers(0, 4))):
        status = draw(STATUS)
        promises.append({"序号": i + 1, "承诺主体": "党员", "承诺人": "李红", "承诺类别": "带头服务群众",
                         "承诺内容": f"事项{i}", "承诺日期": D(2011, 5, 20), "计划完成日期": D(2011, 6, 20),
                         "完成情况": status, "实际完成日期": draw(DONE_ON)})
    data["公开承诺"] = promises
    data["民情台账"] = [{"序号": i + 1, "登记日期": D(2011, 5, 10), "反映问题": f"问题{i}", "问题类别": "基础设施",
                      "承办人": "王建国", "办结时限": D(2011, 6, 30), "办结日期": draw(DONE_ON)}
                     for i in range(draw(st.integers(0, 3)))]
    voters = draw(COUNT)
    data["考核测评"].update({"民主测评参评人数": voters, "满意票": draw(COUNT), "基本满意票": draw(COUNT),
                          "不满意票": draw(COUNT)})
    return data


def _valid(batch, sheet: str, fields: tuple[str, ...]) -> pd.DataFrame:
    """Rows of ``sheet`` with no error finding on ``fields`` (a form: its one row per file)."""
    errors = [f for f in batch.findings if f.severity.value == "error" and f.sheet == sheet and f.column in fields]
    df = batch[sheet]
    if sheet in {s.name for s in schema.FORM_SHEETS}:
        bad = {f.file for f in errors}
        return df[pd.Series([f not in bad for f in df["来源文件"]], index=df.index, dtype=bool)]
    bad_rows = {(f.file, f.row) for f in errors}
    keep = [(f, int(r)) not in bad_rows for f, r in zip(df["来源文件"], df["来源行"], strict=True)]
    return df[pd.Series(keep, index=df.index, dtype=bool)]


def _num(v) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


def _rate(num: float, den: float) -> float | None:
    return num / den if den else None


def reference(batch, file: str) -> dict[str, float | None]:
    """The figures of one file from its valid rows, in plain Python."""
    def mine(df):
        return df[df["来源文件"] == file]

    acts = mine(_valid(batch, "活动记录", ("应参加人数", "实际参加人数")))
    pairs = [(_num(a), _num(b)) for a, b in zip(acts["应参加人数"], acts["实际参加人数"], strict=True)]
    pairs = [(a, b) for a, b in pairs if a is not None and b is not None]
    promises = mine(_valid(batch, "公开承诺", ("完成情况", "实际完成日期")))
    done = sum(1 for s in promises["完成情况"] if isinstance(s, str) and s == "已完成")
    concerns = mine(_valid(batch, "民情台账", ("登记日期", "办结日期")))
    closed = sum(1 for d in concerns["办结日期"] if not pd.isna(d))
    votes = mine(_valid(batch, "考核测评", ("民主测评参评人数", "满意票", "基本满意票", "不满意票")))
    sat = None
    if len(votes):
        v = votes.iloc[0]
        a, b, n = _num(v["满意票"]), _num(v["基本满意票"]), _num(v["民主测评参评人数"])
        if a is not None and b is not None and n:
            sat = (a + b) / n
    return {"参学率": _rate(sum(b for _, b in pairs), sum(a for a, _ in pairs)),
            "承诺数": float(len(promises)), "承诺兑现率": _rate(done, len(promises)),
            "民情件数": float(len(concerns)), "办结率": _rate(closed, len(concerns)), "测评满意率": sat}


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=3).flatmap(
    lambda seeds: st.tuples(*[branch(f"T00{i + 1}") for i in range(len(seeds))])))
def test_figures_come_from_valid_rows_only(branches):
    with tempfile.TemporaryDirectory() as d:
        inbox = Path(d) / "inbox"
        inbox.mkdir()
        for i, data in enumerate(branches, 1):
            write_clean(inbox / f"T00{i}.xlsx", data, f"T00{i}", f"T00{i}村党支部")
        (inbox / "说明.txt").write_text("不是报表", encoding="utf-8")
        batch = read_folder(inbox, isolate=False)
        summary = aggregate(batch)
    rows = summary.by_branch.set_index("党组织编码")
    files = dict(zip(batch["基本信息"]["党组织编码"], batch["基本信息"]["来源文件"], strict=True))
    for code, file in files.items():
        want = reference(batch, file)
        for figure, value in want.items():
            got = rows.loc[code, figure]
            if value is None:
                assert pd.isna(got), (code, figure, got)
            else:
                assert abs(float(got) - value) <= 1e-12 * max(1.0, abs(value)), (code, figure, got, value)
    rates = summary.by_branch[["承诺兑现率", "参学率", "办结率", "测评满意率", "填报完整率"]].astype("float64")
    assert (rates.fillna(0) <= 1 + 1e-12).all().all()
    totals = summary.total[["承诺兑现率", "参学率", "办结率", "测评满意率"]].astype("float64")
    assert (totals.fillna(0) <= 1 + 1e-12).all().all()
    # every file counted once, or listed with why not
    assert len(batch.files) == len(branches) + 1  # the .txt is listed too
    counted = batch.files["状态"] == "已计入"
    assert counted.sum() == len(summary.by_branch) == len(branches)
    assert batch.files.loc[~counted, "未计入原因"].astype(str).str.len().gt(0).all()
    sent = submissions(summary)
    assert sent.expected == sent.reported + sent.missing


def _cell_text(value, number_format: str) -> str:
    """What a spreadsheet shows for ``value`` with ``number_format`` (the few formats figures use),
    worked out here: half away from zero on the decimal value, percent, thousands separators."""
    from decimal import ROUND_HALF_UP, Decimal

    pct = number_format.endswith("%")
    places = len(number_format.split(".")[1].rstrip("%")) if "." in number_format else 0
    x = Decimal(repr(float(value) * (100 if pct else 1))).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    text = f"{x:,.{places}f}" if number_format.startswith("#,##0") else f"{x:.{places}f}"
    return text + ("%" if pct else "")


@settings(max_examples=6, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.tuples(branch("T001"), branch("T002")))
def test_the_notice_quotes_each_figure_as_its_cell_shows_it(branches):
    """Every figure the 通报 quotes for the township equals, as text, the cell of 分类汇总's 合计 row it
    comes from (read back from the file, formatted as the spreadsheet shows it)."""
    import docx
    import openpyxl

    from cxzy_xl.output import write_result
    from cxzy_xl.report import write_reports

    with tempfile.TemporaryDirectory() as d:
        inbox = Path(d) / "inbox"
        inbox.mkdir()
        for i, data in enumerate(branches, 1):
            write_clean(inbox / f"T00{i}.xlsx", data, f"T00{i}", f"T00{i}村党支部")
        result = write_result(aggregate(read_folder(inbox, isolate=False)), Path(d) / "result.xlsx")
        notice = write_reports(result, Path(d) / "docs", today=D(2011, 7, 10)).notice
        said = "\n".join(p.text for p in docx.Document(str(notice)).paragraphs)
        ws = openpyxl.load_workbook(result)["分类汇总"]
    header = [c.value for c in ws[2]]
    total = next(row for row in ws.iter_rows(min_row=3) if row[0].value == "合计")
    quoted = {"承诺兑现率": "兑现率", "参学率": "参学率", "办结率": "办结率", "综合得分": "综合平均得分"}
    for figure, words in quoted.items():
        cell = total[header.index(figure)]
        if cell.value is None:
            continue
        text = _cell_text(cell.value, cell.number_format)
        assert f"{words}{text}" in said, (figure, text)
