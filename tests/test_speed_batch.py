"""What the workers send is what the parent gets: findings survive pickling field for field (they have
their own, faster reduce), and stay frozen."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import pytest

from cxzy_xl.findings import Code, Finding, Severity, make


def test_findings_pickle_field_for_field():
    fs = [make(Code.NORMALISED, "a.xlsx", branch_code="B1", sheet="党员名册", row=3, column="出生日期", cell="E3",
               value="1940/05/25", detail="1940-05-25"),
          make(Code.FILE_UNREADABLE, "b.xlsx", detail="坏了"),
          make(Code.BAD_TYPE, "c.xlsx", value=None, severity=Severity.WARNING)]
    back = pickle.loads(pickle.dumps(fs))
    assert back == fs
    assert [dataclasses.astuple(f) for f in back] == [dataclasses.astuple(f) for f in fs]
    assert copy.deepcopy(fs) == fs and dataclasses.replace(fs[0], file="x.xlsx").file == "x.xlsx"
    with pytest.raises(dataclasses.FrozenInstanceError):
        back[0].file = "y"  # type: ignore[misc]
    assert type(back[0]) is Finding


def test_the_digest_reads_plain_floats_as_the_general_path_does():
    import math

    import numpy as np

    from cxzy_xl.resultbook import canonical

    for v in (math.nan, math.inf, -math.inf, -0.0, 0.0, 0.1, 1e300, 1 / 3, 5.0, -2.5e-7, 123456789012345678.0):
        assert canonical(v) == canonical(np.float64(v))  # np.float64 takes the general path
