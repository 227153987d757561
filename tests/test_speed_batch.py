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


def test_a_finding_keeps_no_message_of_its_own_unless_one_was_written():
    f = make(Code.BAD_TYPE, "c.xlsx", column="党员人数", value="二十", detail="整数")
    assert f.text == "" and f.message == "“党员人数”应填整数，现为“二十”"
    assert f.to_dict()["message"] == f.message and list(f.to_dict())[:4] == ["code", "file", "message", "severity"]
    noted = f.with_message(f.message + "，请改正")
    assert noted.message == "“党员人数”应填整数，现为“二十”，请改正" and pickle.loads(pickle.dumps(noted)) == noted
    long = make(Code.BAD_TYPE, "c.xlsx", column="备注", value="长" * 500, detail="整数")
    assert long.value == "长" * 500 and "…" in long.message and len(long.message) < 260


def test_findings_from_workers_share_their_repeated_short_texts():
    # two files' findings, pickled separately as two workers send them
    def sent(file):
        return pickle.dumps([make(Code.NORMALISED, file, sheet="党员名册", row=8, column="学历", cell="I8",
                                  value="大专", detail="大学专科"),
                             make(Code.NORMALISED, file, sheet="基本信息", row=8, column="联系电话", cell="B8",
                                  value="139-6649-6171", detail="13966496171")])
    a, b = pickle.loads(sent("a.xlsx")), pickle.loads(sent("b.xlsx"))
    assert a[0].cell is b[0].cell and a[0].value is b[0].value and a[0].detail is b[0].detail
    assert a[1].value is not b[1].value, "a phone number is long and rarely repeats: not kept for sharing"
    assert [f.file for f in a] == ["a.xlsx"] * 2 and a[1].value == "139-6649-6171"


def test_the_digest_reads_plain_floats_as_the_general_path_does():
    import math

    import numpy as np

    from cxzy_xl.resultbook import canonical

    for v in (math.nan, math.inf, -math.inf, -0.0, 0.0, 0.1, 1e300, 1 / 3, 5.0, -2.5e-7, 123456789012345678.0):
        assert canonical(v) == canonical(np.float64(v))  # np.float64 takes the general path
