"""The reader's shortcuts (already-canonical values, remembered normalisations) change nothing: findings
before summarising and DataFrames are identical to the general path's, on the demo inbox and on an
inbox typed the way staff type; and a messy file reads to the same values as its clean original."""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest
from messy import messy_data  # bench/messy.py (tests/conftest.py puts bench/ on sys.path)

from cxzy_xl import checks, demo, normalize, schema
from cxzy_xl.findings import Code
from cxzy_xl.pipeline import read_folder
from cxzy_xl.schema import Branch
from cxzy_xl.templates import write_branch_workbook

SAMPLE = Path(__file__).parent.parent / "workbooks" / "示例"


def write_inbox(folder: Path, messy: bool) -> Path:
    folder.mkdir()
    for i in range(1, 5):
        rng = random.Random(i)
        b = Branch(f"B{i:03d}", f"第{i}村党支部", "村", demo.COMMITTEE, demo._name(rng), demo._phone(rng))
        data = demo.branch_data(b, rng, members_n=30)
        if messy:
            data = messy_data(data, random.Random(-i), 0.8)
        write_branch_workbook(folder / f"{b.code}.xlsx", b, committee=demo.COMMITTEE, period=demo.PERIOD, data=data)
    return folder


def general_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(normalize, "_already_canonical", lambda f, raw: None)
    monkeypatch.setattr(checks, "normalize_value", normalize._normalize)  # nothing remembered


def assert_same(a, b) -> None:  # type: ignore[no-untyped-def]
    assert a.findings == b.findings
    for sheet in schema.BRANCH_SHEETS:
        pd.testing.assert_frame_equal(a[sheet.name], b[sheet.name])


@pytest.mark.parametrize("inbox", ["demo", "messy"])
def test_shortcuts_change_nothing(tmp_path, monkeypatch, inbox):
    folder = SAMPLE / "收件箱" if inbox == "demo" else write_inbox(tmp_path / "messy", messy=True)
    registry = SAMPLE / "支部名单.xlsx" if inbox == "demo" else None
    fast = read_folder(folder, registry, isolate=False)
    fast_again = read_folder(folder, registry, isolate=False)  # now every value is remembered
    general_path(monkeypatch)
    slow = read_folder(folder, registry, isolate=False)
    assert_same(fast, slow)
    assert_same(fast_again, slow)
    if inbox == "messy":
        assert sum(f.code is Code.NORMALISED for f in slow.findings) > 300


def test_messy_files_read_to_the_same_values_as_their_clean_originals(tmp_path):
    clean = read_folder(write_inbox(tmp_path / "clean", messy=False), isolate=False)
    messy = read_folder(write_inbox(tmp_path / "messy", messy=True), isolate=False)
    assert [f for f in messy.findings if f.severity.value != "info"] == \
        [f for f in clean.findings if f.severity.value != "info"]
    for sheet in schema.BRANCH_SHEETS:
        pd.testing.assert_frame_equal(messy[sheet.name], clean[sheet.name])
