"""The documents say what the code does: README's finding-code table, its commands and options, and its
module table; and the contract's finding codes (../shared/TEMPLATE-SPEC.md) are the enum's.

Each test reads both sides, so a new code, option or module without its line in README fails here, and
so does a README line for something that no longer exists."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from cxzy_xl.cli import main
from cxzy_xl.findings import Code

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"
PACKAGE = ROOT / "cxzy_xl"
CONTRACT = Path(__file__).parents[1].parent / "shared" / "TEMPLATE-SPEC.md"
DEVELOPERS = "## For developers"

# Codes the contract introduces but the code does not have yet. When one is built, the contract test fails
# until it is taken off this list, and the README test then asks for its row in the code table.
NOT_YET_BUILT: dict[str, str] = {}


def readme() -> str:
    return README.read_text(encoding="utf-8")


def users_part() -> str:
    return readme().split(DEVELOPERS, 1)[0]


def developers_part() -> str:
    text = readme()
    assert DEVELOPERS in text, f"README.md has no “{DEVELOPERS}” heading"
    return text.split(DEVELOPERS, 1)[1]


def cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def tables(text: str) -> list[tuple[list[str], list[list[str]]]]:
    """Every Markdown table in ``text``: (header cells, rows of cells)."""
    found: list[tuple[list[str], list[list[str]]]] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines) - 1:
        if lines[i].startswith("|") and re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", lines[i + 1].strip()):
            header, rows = cells(lines[i]), []
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(cells(lines[i]))
                i += 1
            found.append((header, rows))
        else:
            i += 1
    return found


def unquote(cell: str) -> str:
    return cell.strip().strip("`").strip()


# --- finding codes ------------------------------------------------------------------------------------


def test_every_code_has_a_short_distinct_chinese_kind():
    kinds = {c.name: c.kind for c in Code}
    for name, kind in kinds.items():
        assert kind and len(kind) <= 8 and re.search(r"[\u4e00-\u9fff]", kind), (name, kind)
    assert len(set(kinds.values())) == len(kinds), "two codes share a 问题类型"


def readme_code_rows() -> list[list[str]]:
    found = [rows for header, rows in tables(developers_part()) if header[:3] == ["code", "问题类型", "severity"]]
    assert len(found) == 1, "README's developer part should have one table headed | code | 问题类型 | severity | when |"
    return found[0]


def test_the_readme_code_table_lists_every_code_with_its_kind_and_severity():
    rows = readme_code_rows()
    listed = [unquote(r[0]) for r in rows]
    assert len(listed) == len(set(listed)), "a code is listed twice"
    assert sorted(set(Code.__members__) - set(listed)) == [], "codes missing from README's code table"
    assert sorted(set(listed) - set(Code.__members__)) == [], "README lists codes that do not exist"
    for row in rows:
        code = Code[unquote(row[0])]
        assert row[1] == code.kind, (code.name, row[1], code.kind)
        assert row[2] == code.severity.label, (code.name, row[2], code.severity.label)
        assert len(row) == 4 and row[3], f"{code.name}: say when it is found"


def contract_codes() -> dict[str, set[str]]:
    """Every code the contract gives a severity: its code tables (``| code | severity | when |``, a cell may
    name two codes as ``A / B``) and its prose lists (``NAME_MISMATCH (warning: …)``)."""
    if not CONTRACT.is_file():
        pytest.skip(f"the contract {CONTRACT} is not beside the repository (../shared/TEMPLATE-SPEC.md)")
    text = CONTRACT.read_text(encoding="utf-8")
    codes: dict[str, set[str]] = {}
    for header, rows in tables(text):
        if header[:2] != ["code", "severity"]:
            continue
        for row in rows:
            for name in row[0].split("/"):
                codes.setdefault(unquote(name), set()).add(row[1])
    for name, severity in re.findall(r"\b([A-Z][A-Z_]{3,})\s*\((error|warning|info)\b", text):
        codes.setdefault(name, set()).add(severity)
    return codes


def test_every_contract_code_exists_with_the_contracts_severity():
    codes = contract_codes()
    assert len(codes) >= 30, f"the contract's code tables were not found: {sorted(codes)}"
    for name, severities in sorted(codes.items()):
        assert len(severities) == 1, f"the contract gives {name} two severities: {severities}"
        if name in NOT_YET_BUILT:
            assert name not in Code.__members__, (
                f"{name} is built now: take it off NOT_YET_BUILT ({NOT_YET_BUILT[name]}) and give it its row in "
                "README's code table")
            continue
        assert name in Code.__members__, f"the contract's {name} is not a Code"
        assert Code[name].severity.value == severities.pop(), f"{name}: severity differs from the contract's"
    assert set(NOT_YET_BUILT) <= set(codes), "NOT_YET_BUILT names a code the contract does not have"


def test_codes_are_distinct():
    assert len(Code.__members__) == len(list(Code))  # no code is an alias of another


# --- the command and its options ----------------------------------------------------------------------


def snippets(text: str) -> list[str]:
    """Inline code spans, and the lines of fenced code blocks without their # comments."""
    out: list[str] = []
    for i, part in enumerate(re.split(r"^```.*$", text, flags=re.M)):
        if i % 2:
            out += [line.split("#", 1)[0] for line in part.splitlines()]
        else:
            out += re.findall(r"`([^`\n]+)`", part)
    return out


def uses(text: str) -> list[tuple[str, list[str]]]:
    """Each ``cxzy <command> …`` written in ``text``: (command, its other words). ``cxzy --version`` is the
    command "" with the word ``--version``."""
    found = []
    for s in snippets(text):
        words = s.split()
        starts = [i for i, w in enumerate(words) if w == "cxzy"]
        for n, i in enumerate(starts):
            rest = words[i + 1:starts[n + 1] if n + 1 < len(starts) else len(words)]
            if rest and not rest[0].startswith("-"):
                found.append((rest[0], rest[1:]))
            else:
                found.append(("", rest))
    return found


def options_of(cmd: click.Command) -> set[str]:
    """Every option spelling ``cmd`` accepts, its help option included."""
    group = click.Context(main, info_name="cxzy", **main.context_settings)  # -h beside --help
    ctx = group if cmd is main else click.Context(cmd, info_name=cmd.name, parent=group)
    return {o for p in cmd.get_params(ctx) if isinstance(p, click.Option) for o in (*p.opts, *p.secondary_opts)}


def test_readme_names_every_command():
    written = {cmd for cmd, _ in uses(users_part())}
    for name in main.commands:
        assert name in written, f"README's users' part never shows `cxzy {name} …`"


def test_every_option_written_in_readme_exists():
    seen = uses(readme())
    assert len(seen) > 20, "README's command lines were not found"
    for cmd, words in seen:
        command = main.commands.get(cmd) if cmd else main
        assert command is not None, f"README writes `cxzy {cmd}`: there is no such command"
        accepted = options_of(command)
        for word in words:
            if word.startswith("-") and word.strip("-"):
                assert word.split("=", 1)[0] in accepted, f"README writes `cxzy {cmd} … {word}`: no such option"


def test_every_option_of_every_command_is_shown_in_readme():
    written: dict[str, set[str]] = {}
    for cmd, words in uses(users_part()):
        written.setdefault(cmd, set()).update(w.split("=", 1)[0] for w in words if w.startswith("-"))
    for name, command in [("", main), *main.commands.items()]:
        for p in command.params:
            if isinstance(p, click.Option) and not p.hidden:
                spellings = {*p.opts, *p.secondary_opts}
                assert spellings & written.get(name, set()), \
                    f"README's users' part never shows `cxzy {name} … {p.opts[-1]}`".replace("  ", " ")


def test_the_command_line_parser_reads_readme_as_written():
    assert uses("`cxzy demo 古河乡 --seed 7`，然后 `cxzy rollup cxzy-demo/a.xlsx --unit 县`") == [
        ("demo", ["古河乡", "--seed", "7"]), ("rollup", ["cxzy-demo/a.xlsx", "--unit", "县"])]
    assert uses("```bash\ncxzy demo  # a demo\npip install cxzy_xl\n```") == [("demo", [])]
    assert uses("`cxzy --version`") == [("", ["--version"])]


# --- modules ------------------------------------------------------------------------------------------


def test_the_readme_module_table_names_exactly_the_packages_modules():
    listed = re.findall(r"^\| `(\w+\.py)` \|", developers_part(), flags=re.M)
    assert len(listed) == len(set(listed)), "a module is listed twice"
    files = sorted(p.name for p in PACKAGE.glob("*.py") if p.name not in ("__init__.py", "__main__.py"))
    assert sorted(set(files) - set(listed)) == [], "modules missing from README's module table"
    assert sorted(set(listed) - set(files)) == [], "README's module table names modules that are not in cxzy_xl/"
