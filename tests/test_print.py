"""The result workbook on paper and on screen: 数据 and _meta never print, 督导组汇总 prints whole,
each figure shows as its display declares (学时: 353 or 374.5, never 353.00), and the charts compare
like with like."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile

import openpyxl
import pytest
from helpers import clean_data, write_clean

import cxzy_xl
from cxzy_xl.demo import make_demo
from cxzy_xl.pipeline import read_folder, run_aggregate
from cxzy_xl.resultbook import read_result


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


# --- on paper (LibreOffice) -----------------------------------------------------------------------

needs_office = pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                                  reason="needs LibreOffice (soffice) and poppler-utils (pdftotext)")


def printed(path, tmp_path):
    """The pages LibreOffice prints of a workbook, as text in drawing order (a wrapped cell's lines
    one after another)."""
    out = tmp_path / f"pdf-{path.stem}"
    # a profile of its own: a running soffice with the default profile would take the job and drop it
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
                    "--convert-to", "pdf", "--outdir", str(out), str(path)], check=True, capture_output=True,
                   timeout=300)
    text = subprocess.run(["pdftotext", "-raw", str(out / f"{path.stem}.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout
    return text.split("\f")[:-1]


def without_print_areas(src, dst, sheets):
    """A copy of ``src`` whose ``sheets`` have no print area: what it printed before they had one."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/workbook.xml":
                text = data.decode("utf-8")
                for sheet in sheets:
                    text = re.sub(rf'<definedName name="_xlnm.Print_Area" localSheetId="\d+">{sheet}!'
                                  r"[^<]*</definedName>", "", text)
                data = text.encode("utf-8")
            zout.writestr(item, data)
    return dst


@needs_office
def test_data_and_meta_never_print_and_the_group_table_prints_whole(tmp_path):
    demo = make_demo(tmp_path / "demo", n_branches=16, quarters=1)
    run = run_aggregate(demo.inbox, demo.registry, folder=tmp_path)
    path = run.path
    wb = openpyxl.load_workbook(path)
    assert wb["数据"].sheet_state == "visible"  # people check figures against it
    assert len(read_result(path).base) == len(run.summary.base) == 15  # the roll-up reads it (one never reported)

    pages = printed(path, tmp_path)
    before = printed(without_print_areas(path, tmp_path / "可打印.xlsx", ("数据", "_meta")), tmp_path)
    data_header = "综合得分支部数"  # a 数据 column and nowhere else
    assert any(data_header in p for p in before) and len(pages) < len(before)
    assert not any(data_header in p or "template_id" in p or "data_digest" in p for p in pages)

    groups = wb["督导组汇总"]
    heads = [c.value for c in groups[2]]
    rows = [r for r in groups.iter_rows(min_row=3, values_only=True) if r[0]]
    shown = "".join(p.replace("\n", "") for p in pages if "督导组汇总" in p)
    for row in rows:
        for column in ("联系领导", "联系支部"):
            assert row[heads.index(column)] in shown, (column, row[heads.index(column)])


# --- charts that compare like with like -------------------------------------------------------------

def charts(path):
    """Each chart of the workbook: (title, its XML)."""
    with zipfile.ZipFile(path) as z:
        xml = [z.read(n).decode("utf-8") for n in sorted(z.namelist()) if re.match(r"xl/charts/chart\d+\.xml", n)]
    return [("".join(re.findall(r"<a:t>([^<]*)</a:t>", x.split("</c:title>")[0])), x) for x in xml]


def value_axis(xml):
    ax = re.search(r"<c:valAx>.*?</c:valAx>", xml, re.S).group(0)
    low = re.search(r'<c:min val="([^"]+)"/>', ax)
    title = "".join(re.findall(r"<a:t>([^<]*)</a:t>", ax))
    return (float(low.group(1)) if low else None), title


@pytest.fixture(scope="module")
def demo_result(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("charts")
    demo = make_demo(tmp / "demo", n_branches=16, quarters=1)
    run = run_aggregate(demo.inbox, demo.registry, folder=tmp)
    return run.summary, run.path


def test_commitments_compare_rates_across_branch_types_not_counts(demo_result):
    summary, path = demo_result
    titles = [t for t, _ in charts(path)]
    assert not any("公开承诺兑现情况" in t for t in titles)  # raw counts of very different types
    (xml,) = [x for t, x in charts(path) if t.startswith("承诺兑现率（按党组织类型")]
    assert 'grouping val="stacked"' not in xml and '<c:max val="1"/>' in xml and 'formatCode="0%"' in xml
    types = summary.by_type[summary.by_type["党组织类型"] != "合计"]
    # each type named with how many commitments its rate is of
    for kind, n in zip(types["党组织类型"], types["承诺数"], strict=True):
        assert f"<c:v>{kind}\n{int(n)}项</c:v>" in xml
    total = float(summary.total.iloc[0]["承诺兑现率"])
    assert f"{total:.1%}" in next(t for t in titles if t.startswith("承诺兑现率"))


def test_the_score_axis_starts_near_the_lowest_score_and_says_so(demo_result):
    summary, path = demo_result
    (xml,) = [x for t, x in charts(path) if t.startswith("各支部综合得分")]
    low, name = value_axis(xml)
    lowest = float(summary.by_branch["综合得分"].min())
    assert low == 5 * ((lowest - 5) // 5) and 0 < low < lowest
    assert f"从{low:g}分起" in name
