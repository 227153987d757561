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
