"""Figures checked against values counted by hand, rates pooled never averaged, the result workbook's
shape, and a roll-up of two townships equal to aggregating all their branches at once."""

import datetime as dt
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from helpers import clean_data, two_townships, valid_rows, workbook_view, write_clean

from cxzy_xl import schema
from cxzy_xl.aggregate import FIGURES, aggregate, summarise
from cxzy_xl.cli import main
from cxzy_xl.demo import make_demo
from cxzy_xl.detailbook import write_results
from cxzy_xl.findings import for_reading
from cxzy_xl.model import RollupError
from cxzy_xl.output import write_result
from cxzy_xl.pipeline import read_folder
from cxzy_xl.resultbook import read_result
from cxzy_xl.rollup import rollup
from cxzy_xl.schema import Branch
from cxzy_xl.templates import write_registry

FIXED = dt.datetime(2011, 7, 6, 9, 0)
FIGURE_HEADERS = ["党员数", "预备党员数", "流动党员数", "承诺数", "已兑现承诺数", "承诺兑现率", "超期承诺数", "本期新增承诺", "本期兑现承诺",
                  "活动次数", "累计活动次数", "应参加人次", "实际参加人次", "参学率", "学时合计", "累计学时", "办实事项目数", "投入资金（万元）",
                  "争取上级资金（万元）", "受益户数", "民情件数", "已办结件数", "办结率", "超期未办结件数", "本期新登记民情", "本期办结民情",
                  "示范岗数", "五个好得分", "测评满意率", "填报完整率", "错误数", "警告数",
                  "综合得分", "排名", "等次"]


def inbox(tmp_path, **branches):
    folder = tmp_path / "inbox"
    folder.mkdir(exist_ok=True)
    for code, data in branches.items():
        write_clean(folder / f"{code}.xlsx", data, code=code, name=data["基本信息"]["党组织名称"])
    return folder


def branch(code, name, org_type="村", **changes):
    data = clean_data(code, name)
    data["基本信息"]["党组织类型"] = org_type
    for m in data["党员名册"]:  # each branch its own people
        m["身份证号"] = None
    for fn in changes.values():
        fn(data)
    return data


def test_the_headers_are_the_issues():
    assert [f.name for f in FIGURES] == FIGURE_HEADERS


def test_one_branch_counted_by_hand(tmp_path):
    s = aggregate(read_folder(inbox(tmp_path, T001=branch("T001", "石门村党支部")), isolate=False))
    row = s.by_branch.iloc[0]
    assert list(s.by_branch.columns) == ["党组织编码", "党组织名称", "党组织类型", *FIGURE_HEADERS, "待核实项目", "报送情况"]
    expected = {"党员数": 3, "预备党员数": 1, "流动党员数": 0, "承诺数": 2, "已兑现承诺数": 1, "承诺兑现率": 0.5,
                "超期承诺数": 0, "活动次数": 2, "应参加人次": 6, "实际参加人次": 5, "参学率": 5 / 6, "学时合计": 3.5,
                "办实事项目数": 1, "投入资金（万元）": 12.5, "争取上级资金（万元）": 8.0, "受益户数": 120, "民情件数": 2,
                "已办结件数": 1, "办结率": 0.5, "超期未办结件数": 0, "示范岗数": 1, "五个好得分": 87.0,
                "测评满意率": 48 / 50, "填报完整率": 1.0, "错误数": 0, "警告数": 0, "排名": 1, "等次": "一般"}
    for k, v in expected.items():
        assert row[k] == pytest.approx(v) if isinstance(v, float) else row[k] == v, k
    # (40×87 + 15×50 + 15×83.33… + 10×50 + 10×96 + 10×100) / 100
    assert row["综合得分"] == pytest.approx(79.4)


def test_rates_are_pooled_not_averaged_and_grouped_by_type(tmp_path):
    def four_kept(d):
        d["公开承诺"] = [dict(d["公开承诺"][0], 序号=i + 1) for i in range(4)]

    folder = inbox(tmp_path, A001=branch("A001", "甲村党支部"), A002=branch("A002", "乙村党支部", 公开承诺=four_kept),
                   B001=branch("B001", "镇机关党支部", "机关"))
    s = aggregate(read_folder(folder, isolate=False))
    rates = dict(zip(s.by_branch["党组织编码"], s.by_branch["承诺兑现率"], strict=True))
    assert rates == {"A001": 0.5, "A002": 1.0, "B001": 0.5}
    village = s.by_type.set_index("党组织类型").loc["村"]
    assert village["党组织数"] == 2 and village["承诺数"] == 6
    assert village["承诺兑现率"] == pytest.approx(5 / 6)  # pooled; the average of the rates would be 0.75
    total = s.by_type.set_index("党组织类型").loc["合计"]
    assert total["党组织数"] == 3 and total["承诺兑现率"] == pytest.approx(6 / 8)
    assert list(s.by_type["党组织类型"]) == ["机关", "村", "合计"]
    assert total["五个好得分"] == pytest.approx(87.0) and total["党员数"] == 9


def test_empty_denominator_gives_an_empty_rate_and_errors_count_as_missing(tmp_path):
    def no_concerns(d):
        d["民情台账"] = []

    def unreadable_count(d):
        d["活动记录"][1]["应参加人数"] = "很多"

    folder = inbox(tmp_path, T001=branch("T001", "石门村党支部", 民情台账=no_concerns, 活动记录=unreadable_count))
    s = aggregate(read_folder(folder, isolate=False))
    row = s.by_branch.iloc[0]
    assert pd.isna(row["办结率"]) and row["民情件数"] == 0
    assert (row["应参加人次"], row["实际参加人次"], row["参学率"]) == (3, 3, 1.0)  # the bad row is left out
    assert row["活动次数"] == 2  # but still counted as an activity
    assert row["错误数"] == 1 and row["填报完整率"] == pytest.approx(65 / 66)  # 76 required cells by hand, less 10 of 民情台账
    # 办结率 has no denominator: its weight is left out, the others rescaled
    assert row["综合得分"] == pytest.approx((40 * 87 + 15 * 50 + 15 * 100 + 10 * 96 + 10 * 100 * 65 / 66) / 90)


def test_weights_and_thresholds_come_from_the_registry(tmp_path):
    folder = inbox(tmp_path, T001=branch("T001", "石门村党支部"))
    settings = {"所属党委": "德新镇党委", "报告期": "2011年第二季度", "五个好得分权重": 100, "承诺兑现率权重": 0,
                "参学率权重": 0, "办结率权重": 0, "测评满意率权重": 0, "填报完整率权重": 0, "好等次最低分": 85}
    reg = write_registry(tmp_path / "reg.xlsx", [Branch("T001", "石门村党支部", "村")], settings)
    s = aggregate(read_folder(folder, reg, isolate=False))
    assert s.by_branch.iloc[0]["综合得分"] == pytest.approx(87.0) and s.by_branch.iloc[0]["等次"] == "好"


@pytest.fixture(scope="module")
def township(tmp_path_factory):
    folder = tmp_path_factory.mktemp("town")
    demo = make_demo(folder / "d", n_branches=16, quarters=1)
    s = aggregate(read_folder(demo.inbox, demo.registry))
    written = write_results(s, folder / "result.xlsx", generated_at=FIXED)
    assert written.detail is not None and written.detail.path == folder / "result_明细表.xlsx"
    return s, written.result


def test_result_workbook_sheets_and_headers(township):
    s, path = township
    wb = openpyxl.load_workbook(path)
    kept = [k.name for k in schema.KEPT]
    assert wb.sheetnames == ["总览", "支部汇总", "分类汇总", "督导组汇总", "分项统计", "问题清单", "未报送", "数据", "_meta", *kept]
    assert all(wb[n].sheet_state == "hidden" for n in ("_meta", *kept))
    details = openpyxl.load_workbook(path.with_name("result_明细表.xlsx"))
    assert details.sheetnames == [*(sh.name for sh in schema.TABLE_SHEETS), "_meta"]
    assert dict(details["_meta"].values)["template_id"] == "cxzy-detail"
    meta = dict(wb["_meta"].values)
    assert (meta["template_id"], meta["level"], meta["report_period"], meta["unit"]) == ("cxzy-result", "1", "2011Q2", "德新镇党委")
    ws = wb["支部汇总"]
    assert [c.value for c in ws[2]] == ["党组织编码", "党组织名称", "党组织类型", *FIGURE_HEADERS, "待核实项目", "报送情况"]
    assert ws.freeze_panes == "D3" and ws.auto_filter.ref.startswith("A2")
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.print_title_rows == "$2:$2"
    last = ws.max_row
    assert ws.cell(row=last, column=1).value == "合计" and ws.cell(row=last, column=4).value == s.total.iloc[0]["党员数"]
    rate_col = FIGURE_HEADERS.index("承诺兑现率") + 4
    assert ws.cell(row=3, column=rate_col).number_format == "0.0%"
    assert len(ws.conditional_formatting) >= 6
    assert [c.value for c in wb["分类汇总"][2]][:2] == ["党组织类型", "党组织数"]
    assert wb["分类汇总"].cell(row=wb["分类汇总"].max_row, column=1).value == "合计"
    assert len(wb["总览"]._charts) >= 4
    chase = [[c.value for c in row] for row in wb["未报送"].iter_rows()]
    assert chase[0] == ["党组织编码", "党组织名称", "党组织类型", "书记姓名", "联系电话"] and chase[1][0] == "DX002"
    assert len(list(wb["问题清单"].iter_rows())) == len(for_reading(s.findings)) + 1


def test_personal_data_is_masked_unless_asked(township, tmp_path):
    s, path = township
    for book, sheet in ((path.with_name("result_明细表.xlsx"), "党员名册"), (path, "_党员名册")):
        roster = openpyxl.load_workbook(book)[sheet]
        header = [c.value for c in roster[1]]
        ids = [i for r in roster.iter_rows(min_row=2, values_only=True) if r[header.index("身份证号")]
               for i in r[header.index("身份证号")].split("\n") if i]  # the hidden roster packs a branch to a row
        assert ids and all(len(i) == 18 and i[6:14] == "********" for i in ids)
        if "联系电话" in header:
            phones = [r[header.index("联系电话")] for r in roster.iter_rows(min_row=2, values_only=True)
                      if r[header.index("联系电话")]]
            assert phones and all(p[3:7] == "****" for p in phones)
    plain = write_results(s, tmp_path / "plain.xlsx", mask=False, generated_at=FIXED)
    for book, sheet in ((plain.detail.path, "党员名册"), (plain.result, "_党员名册")):
        roster = openpyxl.load_workbook(book)[sheet]
        header = [c.value for c in roster[1]]
        assert "*" not in "".join(str(r[header.index("身份证号")]) for r in roster.iter_rows(min_row=2, values_only=True))


def test_staff_text_is_never_a_formula_and_output_is_repeatable(tmp_path):
    def formula_like(d):
        d["党员名册"][0]["备注"] = "=1+1"
        d["党员名册"][1]["备注"] = '=HYPERLINK("http://example.com","点我")'

    s = aggregate(read_folder(inbox(tmp_path, T001=branch("T001", "石门村党支部", 党员名册=formula_like)), isolate=False))
    a = write_results(s, tmp_path / "out" / "a.xlsx", generated_at=FIXED)
    b = write_results(s, tmp_path / "out" / "b.xlsx", generated_at=FIXED)
    ws = openpyxl.load_workbook(a.detail.path)["党员名册"]
    notes = [c for c in ws["P"] if c.value and str(c.value).startswith("=")]
    assert [c.value for c in notes] == ["=1+1", '=HYPERLINK("http://example.com","点我")']
    assert all(c.data_type == "s" for c in notes)
    assert a.result.read_bytes() == b.result.read_bytes()
    assert workbook_view(a.detail.path, ("generated_at", "result")) == workbook_view(b.detail.path, ("generated_at", "result"))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.xlsx", "a_明细表.xlsx", "b.xlsx",
                                                                   "b_明细表.xlsx"]  # no temp files left


def test_aggregate_command(tmp_path):
    data = branch("T001", "石门村党支部")
    data["党员名册"][0]["性别"] = "未知"
    folder = inbox(tmp_path, T001=data)
    out = tmp_path / "汇总.xlsx"
    result = CliRunner().invoke(main, ["aggregate", str(folder), "-o", str(out), "-q"])
    assert result.exit_code == 1 and out.exists()  # written all the same
    assert "党员 3 人" in result.output and str(out) in result.output
    refused = CliRunner().invoke(main, ["aggregate", str(folder), "-o", str(folder / "x.xlsx")])
    assert refused.exit_code == 2 and not (folder / "x.xlsx").exists()


def test_default_result_name(tmp_path, monkeypatch):
    folder = inbox(tmp_path, T001=branch("T001", "石门村党支部"))
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(main, ["aggregate", str(folder), "-q"]).exit_code == 0
    assert (tmp_path / "德新镇党委创先争优汇总_2011年第二季度.xlsx").exists()


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    root = tmp_path_factory.mktemp("county")
    return root, two_townships(root, (16, 18), generated_at=FIXED)


def test_rollup_equals_aggregating_all_branches_at_once(county):
    root, towns = county
    up = rollup([t[2] for t in towns], unit="新邵县委组织部")
    direct_base = pd.concat([t[1].base for t in towns], ignore_index=True)
    _, direct_by_type, direct_total = summarise(direct_base, towns[0][1].settings)
    pd.testing.assert_frame_equal(up.by_type.reset_index(drop=True), direct_by_type.reset_index(drop=True))
    pd.testing.assert_frame_equal(up.total, direct_total)
    # and against the raw rows, counted independently of the aggregation code
    acts = pd.concat([valid_rows(t[0], "活动记录", ("活动日期", "应参加人数", "实际参加人数")) for t in towns])
    acts = acts[(acts["活动日期"] >= "2011-04-01") & (acts["活动日期"] <= "2011-06-30")]  # 本期: the quarter's rows
    both = acts.dropna(subset=["应参加人数", "实际参加人数"])
    total = up.total.iloc[0]
    assert total["党员数"] == sum(len(valid_rows(t[0], "党员名册", ("姓名",))) for t in towns)
    assert total["参学率"] == int(both["实际参加人数"].sum()) / int(both["应参加人数"].sum())
    projects = pd.concat([valid_rows(t[0], "为民办实事", ("投入资金（万元）", "其中争取上级资金（万元）")) for t in towns])
    assert total["投入资金（万元）"] == pytest.approx(projects["投入资金（万元）"].sum(), abs=1e-9)
    units = up.by_unit.set_index("单位名称")
    assert list(units.index) == ["德新镇党委", "古河乡党委"]
    for _, s, _ in towns:
        assert units.loc[s.unit, "承诺兑现率"] == s.total.iloc[0]["承诺兑现率"]
    assert up.expected == 16 + 18 and len(up.missing) == 2 and set(up.missing["单位名称"]) == {"德新镇党委", "古河乡党委"}


def test_rollup_of_rollups_stays_exact(county, tmp_path):
    root, towns = county
    up = rollup([towns[0][2]], unit="甲县")
    county_a = write_result(up, tmp_path / "甲县.xlsx", generated_at=FIXED)
    up_b = rollup([towns[1][2]], unit="乙县")
    county_b = write_result(up_b, tmp_path / "乙县.xlsx", generated_at=FIXED)
    city = rollup([county_a, county_b], unit="邵阳市委组织部")
    direct = rollup([t[2] for t in towns], unit="x")
    pd.testing.assert_frame_equal(city.total, direct.total)
    assert city.level == 3
    wb = openpyxl.load_workbook(write_result(city, tmp_path / "市.xlsx", generated_at=FIXED))
    assert wb.sheetnames[:6] == ["总览", "下级汇总", "分类汇总", "分项统计", "问题清单", "未报送"]
    assert [c.value for c in wb["下级汇总"][2]][:2] == ["单位名称", "党组织数"]


def test_rollup_refuses_what_it_cannot_roll_up(county, tmp_path):
    root, towns = county
    template = write_clean(tmp_path / "branch.xlsx")
    with pytest.raises(RollupError, match="不是创先争优汇总表"):
        read_result(template)
    other = tmp_path / "other_period.xlsx"
    s = towns[1][1]
    s.settings.period, saved = "2011Q3", s.settings.period
    try:
        write_result(s, other, generated_at=FIXED)
    finally:
        s.settings.period = saved
    with pytest.raises(RollupError, match="报告期不一致"):
        rollup([towns[0][2], other])
    assert rollup([towns[0][2], other], allow_mixed_periods=True).reported == towns[0][1].reported + s.reported
    result = CliRunner().invoke(main, ["rollup", str(template), "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2 and "不是创先争优汇总表" in result.output


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_result_and_renders_it(township, tmp_path):
    _, path = township
    out = subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                         capture_output=True, timeout=240)
    pdf = tmp_path / (Path(path).stem + ".pdf")
    assert out.returncode == 0 and pdf.exists() and pdf.stat().st_size > 50_000


def _styled_view(path):
    """Every cell's value, number format, font and fill, and each sheet's widths, heights, panes and
    print titles: what the office sees and prints, whatever the file's string storage."""
    wb = openpyxl.load_workbook(path)
    view = {}
    for ws in wb.worksheets:
        cells = {c.coordinate: (c.value, c.number_format, c.font.name, c.font.b, c.fill.fgColor.rgb)
                 for row in ws.iter_rows() for c in row if c.value is not None or c.has_style}
        view[ws.title] = (cells, {k: d.width for k, d in ws.column_dimensions.items()},
                          {k: d.height for k, d in ws.row_dimensions.items() if d.height},
                          ws.freeze_panes, ws.print_title_rows, ws.sheet_state, len(ws._charts))
    return view


def test_a_streamed_result_is_the_same_workbook(tmp_path, monkeypatch):
    """Small results are written with shared strings and big ones streamed row by row: the same
    workbook either way (the demo inbox: masked numbers, planted errors, a duplicate, skipped files)."""
    import cxzy_xl.output as output

    sample = Path(__file__).parent.parent / "workbooks" / "示例"
    summary = aggregate(read_folder(sample / "收件箱", sample / "支部名单.xlsx", isolate=False))
    at = dt.datetime(2011, 7, 1, 9, 0)
    shared = write_result(summary, tmp_path / "shared.xlsx", generated_at=at)
    monkeypatch.setattr(output, "STREAMED_CELLS", 0)
    streamed = write_result(summary, tmp_path / "streamed.xlsx", generated_at=at)
    with zipfile.ZipFile(shared) as a, zipfile.ZipFile(streamed) as b:
        assert "xl/sharedStrings.xml" in a.namelist() and "xl/sharedStrings.xml" not in b.namelist()
    assert _styled_view(shared) == _styled_view(streamed)
