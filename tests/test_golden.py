"""Golden comparison: the demo's outputs, normalised, are exactly what they were when the golden file
was made.

The run (tests/golden.py, :func:`golden.build`): the full demo (two quarters: results, 总结 and 通报,
the carried templates in 下发, 督导组问题清单, and the inputs it writes), ``cxzy check`` with -o and
--feedback on each quarter's inbox, a second township, the county's roll-up of the two and its
report. Every file it writes is compared cell by cell (value and number format, comments, fills,
merged ranges, validations, charts…) and paragraph by paragraph, with only the run's clock and day
masked; the commands' exit codes and output too.

This pins behaviour so that internals can be refactored: a failure lists the first differences
(file, sheet!cell, expected, got). If a difference is a mistake, fix the code. If it is a change of
behaviour that is INTENDED, regenerate the golden file with

    python tests/data/golden/make_golden.py

and commit it with the change, saying in the commit message why the outputs changed.
"""

from __future__ import annotations

import golden


def test_demo_outputs_match_the_golden(tmp_path):
    expected = golden.loads(golden.GOLDEN.read_bytes())
    assert expected["format"] == golden.FORMAT, (
        f"{golden.GOLDEN.name} is of snapshot format {expected['format']}, tests/golden.py makes "
        f"format {golden.FORMAT}: regenerate it (see this module's docstring)")
    folder = tmp_path / "demo"
    got = golden.snapshot(folder, golden.build(folder))
    diffs = golden.differences(expected["snapshot"], got, limit=20)
    if not diffs:
        return
    saved = tmp_path / "got.json.gz"
    saved.write_bytes(golden.dumps(got))
    changed = sorted(k for k in expected["snapshot"].keys() | got.keys()
                     if expected["snapshot"].get(k) != got.get(k))
    lines = [f"{len(changed)} of {len(got)} files or commands differ from {golden.GOLDEN.name} "
             f"(this run's snapshot: {saved}); the first differences:", *diffs]
    env = golden.environment()
    if expected.get("environment") != env:
        lines.append(f"Note: the golden file was made with {expected.get('environment')}, this run uses {env}.")
    raise AssertionError("\n".join(lines))
