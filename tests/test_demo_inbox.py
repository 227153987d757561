"""The demo inbox gives exactly the findings its planted mistakes call for, and loses no row."""

from collections import Counter
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from cxzy_xl import schema
from cxzy_xl.demo import make_demo
from cxzy_xl.pipeline import read_folder

SAMPLE = Path(__file__).parent.parent / "workbooks" / "示例"


@pytest.fixture(scope="module")
def sample():
    return read_folder(SAMPLE / "收件箱", SAMPLE / "支部名单.xlsx")


def test_exactly_the_planted_findings(sample):
    problems = sorted((f.code.name, f.branch_code, f.sheet, f.cell) for f in sample.findings if f.severity.value != "info")
    roster_posts = len([1 for _ in sample["示范岗"].itertuples() if _.党组织编码 == "DX009"])
    commitment_row = next(f.cell for f in sample.findings if f.code.name == "INCONSISTENT" and f.sheet == "公开承诺")
    assert problems == sorted([
        ("MISSING_SUBMISSION", "DX002", "支部名单", ""),
        ("BAD_ID_NUMBER", "DX007", "党员名册", "F4"),
        ("REQUIRED", "DX007", "党员名册", "G5"),
        ("INCONSISTENT", "DX007", "活动记录", "F3"),
        ("INCONSISTENT", "DX007", "公开承诺", commitment_row),
        ("DUPLICATE_SUBMISSION", "DX008", "", ""),
        ("COUNT_MISMATCH", "DX009", "基本信息", "B17"),
        ("UNKNOWN_MEMBER", "DX009", "示范岗", f"C{roster_posts + 2}"),
    ])
    assert commitment_row.startswith("I")
    infos = Counter((f.code.name, f.branch_code) for f in sample.findings if f.severity.value == "info")
    assert infos == Counter({("NORMALISED", "DX003"): 4, ("NORMALISED", "DX004"): 5, ("NORMALISED", "DX005"): 5,
                             ("SKIPPED", ""): 2})


def test_clean_branches_have_no_findings(sample):
    planted = {"DX002", "DX003", "DX004", "DX005", "DX007", "DX008", "DX009", ""}
    assert not [f for f in sample.findings if f.branch_code not in planted]
    assert set(sample["基本信息"]["党组织编码"]) == {f"DX{i:03d}" for i in range(1, 17)} - {"DX002"}


def independent_row_count(path: Path, sheet: str) -> int:
    """Rows with any value below the header, counted with openpyxl, not with our reader."""
    ws = openpyxl.load_workbook(path, read_only=False)[sheet]
    header = next(r for r in range(1, 11) if ws.cell(row=r, column=1).value == "序号")
    return sum(1 for row in ws.iter_rows(min_row=header + 1, values_only=True)
               if any(v not in (None, "") for v in row))


def test_nothing_is_lost(sample):
    used = sample.files[sample.files["状态"] == "已计入"]["来源文件"]
    for sheet in schema.TABLE_SHEETS:
        expected = sum(independent_row_count(SAMPLE / "收件箱" / f, sheet.name) for f in used)
        assert len(sample[sheet.name]) == expected, sheet.name
    assert len(sample["基本信息"]) == len(used) == 15


def test_the_committed_sample_is_what_the_generator_makes(tmp_path, sample):
    fresh = make_demo(tmp_path / "d", n_branches=16, quarters=1)
    batch = read_folder(fresh.inbox, fresh.registry)
    def key(b):
        return sorted((f.code.name, f.file, f.sheet, f.cell, f.value) for f in b.findings)

    assert key(batch) == key(sample)
    for sheet in schema.BRANCH_SHEETS:
        assert len(batch[sheet.name]) == len(sample[sheet.name])


def test_every_reader_path_gives_the_same_result(sample):
    """Worker processes (any number) or in-process reading: identical tables and findings."""
    inbox, registry = SAMPLE / "收件箱", SAMPLE / "支部名单.xlsx"
    for other in (read_folder(inbox, registry, isolate=False), read_folder(inbox, registry, workers=1)):
        assert other.findings == sample.findings
        for name, df in sample.tables.items():
            pd.testing.assert_frame_equal(other[name], df)
