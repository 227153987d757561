"""点评 and 整改要求 (contract 1.2, "Talking with branches"; seed 004's 领导点评): per branch, 成绩 (figures
clearly above the township's), 问题 (clearly below, overdue, report errors, late) with 整改要求 and a
deadline, recorded in the 汇总表 and followed up next quarter (已改进 / 未改进) from the same figure.

The expectations are worked out here from the 汇总表 as an official reads it (支部汇总 and 分类汇总's 合计
row, values as their number formats show them), not from the code that wrote it."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from docx import Document

from cxzy_xl import schema
from cxzy_xl.aggregate import aggregate
from cxzy_xl.cli import main
from cxzy_xl.demo import make_demo
from cxzy_xl.output import write_result
from cxzy_xl.pipeline import read_folder, run_rollup
from cxzy_xl.report import comment_context, report_context, write_comments
from cxzy_xl.resultbook import open_result, recorded_requirements

RATES = {"承诺兑现率": "兑现率偏低", "参学率": "参学率偏低", "办结率": "办结率偏低", "测评满意率": "满意率偏低"}
COUNTS = {"错误数": "报表错误", "超期承诺数": "超期承诺", "超期未办结件数": "超期民情"}


@pytest.fixture(scope="module")
def township(tmp_path_factory):
    return make_demo(tmp_path_factory.mktemp("review") / "d", n_branches=24, quarters=2)


def _as_shown(value, number_format: str) -> str:
    """A cell's value as its number format shows it (the formats 支部汇总 uses)."""
    if value is None or isinstance(value, str):
        return "" if value is None else value
    if number_format.endswith("%"):
        places = len(number_format.split(".")[1]) - 1 if "." in number_format else 0
        return f"{value * 100:.{places}f}%"
    places = len(number_format.split(".")[1]) if "." in number_format else 0
    text = f"{value:,.{places}f}" if number_format.startswith("#,##") else f"{value:.{places}f}"
    return text


def _table(path: Path, sheet: str) -> list[dict]:
    """A result sheet's rows as {header: (value, shown)}, the header row found by 党组织编码 or 党组织类型."""
    ws = openpyxl.load_workbook(path)[sheet]
    rows = list(ws.iter_rows())
    at = next(i for i, r in enumerate(rows) if any(c.value in ("党组织编码", "党组织类型") for c in r[:2]))
    header = [c.value for c in rows[at]]
    return [{h: (c.value, _as_shown(c.value, c.number_format)) for h, c in zip(header, r, strict=False) if h}
            for r in rows[at + 1:] if r[0].value not in (None, "")]


def _branches(path: Path) -> dict[str, dict]:
    return {r["党组织编码"][0]: r for r in _table(path, "支部汇总") if r["党组织编码"][0] != "合计"}


def _whole(path: Path) -> dict:
    return next(r for r in _table(path, "分类汇总") if r["党组织类型"][0] == "合计")


def _asked(path: Path):
    _, book = open_result(path)
    return recorded_requirements(book)


def test_every_requirement_and_only_those_as_worked_out_from_the_printed_figures(township):
    path = township.result
    rows, whole = _branches(path), _whole(path)
    expected = set()
    for code, r in rows.items():
        doubtful = set(str(r["待核实项目"][0] or "").split("、"))
        for figure, key in RATES.items():
            v, w = r[figure][0], whole[figure][0]
            if v is not None and w is not None and figure not in doubtful and v <= w - 0.05 + 1e-12:
                expected.add((code, key))
        for figure, key in COUNTS.items():
            if (r[figure][0] or 0) > 0:
                expected.add((code, key))
        if r["报送情况"][0] == "逾期":
            expected.add((code, "逾期报送"))
    asked = _asked(path)
    assert set(zip(asked["党组织编码"], asked["事项"], strict=True)) == expected
    assert expected, "the demo township has problems to name"
    # each states the branch's figure as 支部汇总 shows it, and the township's for a rate
    for _, q in asked.iterrows():
        r = rows[q["党组织编码"]]
        assert r[q["指标"]][1] in q["问题"] if q["指标"] in r else True
        if q["事项"] in RATES.values():
            assert whole[q["指标"]][1] in q["问题"]
        due = "2011-07-20" if q["事项"] == "报表错误" else "2011-09-30"  # 报送截止 7月5日 + 15 days; next quarter's end
        assert q["期限"] == due


def test_next_quarter_follows_each_requirement_up_from_the_same_figure(township):
    before, after = _asked(township.result), _asked(township.next.result)
    now = _branches(township.next.result)
    followed = after[after["提出报告期"] == "2011Q2"]
    assert len(followed) == len(before), "every 整改要求 of last quarter is followed up"
    for (_, q), (_, f) in zip(before.iterrows(), followed.iterrows(), strict=True):
        assert (q["党组织编码"], q["事项"]) == (f["党组织编码"], f["事项"])
        r = now.get(q["党组织编码"])
        if r is None:
            assert f["跟进"] == "本期未报送"
            continue
        value, shown = r[q["指标"]] if q["指标"] in r else (None, "")
        if q["指标"] in str(r["待核实项目"][0] or ""):
            assert f["跟进"] == "待核实"
        elif value is None:
            assert f["跟进"] == "本期无此数"
        else:
            was = _as_shown(q["当时"], "0.0%" if q["指标"] in RATES else "0")
            better = {"higher": float(shown.rstrip("%")) > float(was.rstrip("%")),
                      "lower": value < q["当时"], "zero": value == 0}[
                next(r.better for r in schema.RECTIFY if r.key == q["事项"])]
            assert f["跟进"] == ("已改进" if better else "未改进"), (q["事项"], was, shown)
    assert {"已改进", "未改进"} <= set(followed["跟进"]), "the demo has both outcomes"
    # 支部汇总 says it per branch
    for code, r in now.items():
        mine = followed[followed["党组织编码"] == code]["跟进"].value_counts()
        said = r[schema.FOLLOW_UP][0] or ""
        assert said == "，".join(f"{k}{mine[k]}项" for k in ("已改进", "未改进", "待核实", "本期无此数") if k in mine)


def test_a_boundary_changed_in_the_schema_changes_the_comments_and_the_notice_together(township, monkeypatch):
    def low(path):
        ctx = report_context(path)
        named = {b["名称"] for b in ctx["兑现率偏低"]}
        asked = {b["名称"] for b in comment_context(path)["点评"] if any(q["事项"] == "兑现率偏低" for q in b["问题"])}
        return named, asked

    # the 通报 names at most three lowest; all of them are among the 点评's
    named, asked = low(township.result)
    assert named <= asked
    monkeypatch.setattr(schema, "CLEAR_GAP", 0.5)
    from cxzy_xl.aggregate import aggregate as again
    from cxzy_xl.review import requirements

    summary = again(read_folder(township.inbox, township.registry, isolate=False))
    assert not [k for k in requirements(summary)["事项"] if k == "兑现率偏低"]
    assert low(township.result)[0] == set()


def _pages(path: Path) -> list[str]:
    """The 点评's text, one string per page (a page starts at a title that breaks the page)."""
    pages: list[list[str]] = []
    for p in Document(str(path)).paragraphs:
        if p.paragraph_format.page_break_before:
            pages.append([])
        if pages:
            pages[-1].append(p.text)
    return ["\n".join(p) for p in pages]


def test_the_comments_have_a_page_per_branch_quoting_only_figures_of_the_result(township, tmp_path):
    path = township.next.result
    written = write_comments(path, tmp_path, today=__import__("datetime").date(2011, 10, 12))
    pages = _pages(written.path)
    rows = _branches(path)
    whole = _whole(path)
    assert len(pages) == len(rows)
    allowed_whole = {s for v, s in whole.values() if s}
    recorded = _asked(path)  # the hidden _整改要求: last quarter's figure beside this one's
    for page, (code, r) in zip(pages, sorted(rows.items()), strict=True):
        mine = recorded[recorded["党组织编码"] == code]
        then = {_as_shown(v, "0.0%" if f in RATES else "0") for f, v in zip(mine["指标"], mine["当时"], strict=True)}
        assert page.startswith(r["党组织名称"][0])
        for part in ("一、取得的成绩", "二、存在的问题", "三、整改要求"):
            assert part in page
        allowed = {s for v, s in r.values() if s} | allowed_whole | then | {
            str(len([x for x in rows.values() if x["排名"][0]]))}
        text = re.sub(r"\d{4}年(第.季度|\d{1,2}月\d{1,2}日)", "", page)  # the period and the dates
        text = re.sub(r"\d+．", "", text)  # the numbers of the list items (1．2．)
        for number in re.findall(r"\d[\d,]*(?:\.\d+)?%?", text):
            assert number in allowed, f"{code}: {number} is not in the 汇总表 ({page[:200]}…)"
    # a branch asked to improve last quarter reads how it went
    asked = _asked(township.result)
    code = asked["党组织编码"].iloc[0]
    page = pages[sorted(rows).index(code)]
    assert "四、上期整改落实情况" in page and re.search("已改进|未改进", page)


def test_report_writes_the_comments_when_asked_and_refuses_a_rollup(township, tmp_path):
    out = CliRunner().invoke(main, ["report", str(township.result), "-o", str(tmp_path), "--点评", "--date", "2011-07-12"])
    assert out.exit_code == 0, out.output
    assert "支部点评（草稿）" in out.output
    assert len(list(tmp_path.glob("*.docx"))) == 3
    up = run_rollup([township.result], unit="新邵县委组织部", output=tmp_path / "县.xlsx")
    out = CliRunner().invoke(main, ["report", str(up.path), "-o", str(tmp_path / "县"), "--点评"])
    assert out.exit_code == 2 and "逐级汇总" in out.output


def test_a_result_without_recorded_requirements_gets_them_worked_out_with_a_note(township, tmp_path):
    summary = aggregate(read_folder(township.inbox, township.registry, isolate=False))
    assert summary.requirements is None
    plain = write_result(summary, tmp_path / "旧.xlsx")
    said = write_comments(plain, tmp_path)
    assert said.notes and "没有记录整改要求" in said.notes[0]
    assert len(_pages(said.path)) == len(_branches(plain))


def test_readme_names_every_variable_of_the_comments_template(township):
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    part = readme[readme.index("支部点评模板.docx"):][:1200]
    ctx = comment_context(township.next.result)
    branch = next(b for b in ctx["点评"] if b["问题"] and b["跟进"])
    names = {*ctx, *branch, *branch["问题"][0], *branch["跟进"][0]}
    assert not [n for n in names if n not in part], "README's list of the 点评 template's variables"


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="needs LibreOffice (soffice) and poppler-utils (pdftotext)")
@pytest.mark.parametrize("quarter", ["one", "two"])
def test_the_comments_print_one_page_per_branch(township, tmp_path, quarter):
    """Rendered as a printer would (LibreOffice to PDF): each branch's 点评 on its own A4 page, its name on
    top, signed at its foot (quarter two has 上期整改落实情况 too)."""
    result = township.result if quarter == "one" else township.next.result
    written = write_comments(result, tmp_path, today=__import__("datetime").date(2011, 10, 12))
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(written.path)], check=True,
                   capture_output=True, timeout=300)
    text = subprocess.run(["pdftotext", "-raw", str(written.path.with_suffix(".pdf")), "-"], check=True,
                          capture_output=True, text=True).stdout
    pages = text.split("\f")[:-1]
    names = [r["党组织名称"][0] for _, r in sorted(_branches(result).items())]
    assert [p.strip().splitlines()[0] for p in pages] == names
    assert all("德新镇党委" in p and "2011年10月12日" in p.replace(" ", "") for p in pages)


def test_report_on_a_detail_book_or_a_register_says_what_it_is(township, tmp_path):
    from cxzy_xl.detailbook import detail_filename

    for path, words in ((detail_filename(township.result), "这是明细表"),
                        (township.folder / schema.REGISTER_NAME, "这是收件登记")):
        out = CliRunner().invoke(main, ["report", str(path), "--点评", "-o", str(tmp_path)])
        assert out.exit_code == 2 and words in out.output, out.output
