"""The house's structure, as README's module table declares it: modules in layer order (contract →
read → check → collect → figures → write → pipeline → command line), each importing only modules
listed before it; no module takes another's private names; imports inside functions only for what a
platform or an optional extra may lack."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "cxzy_xl"
LAYERS = ("contract", "read", "check", "collect", "figures", "write", "pipeline", "command line")
# Linux only: the address-space limit of a worker; and the optional extras (parquet, dask), imported
# where used so that `cxzy` starts without them and says what to install.
PLATFORM_EXTRAS = {"resource", "pyarrow", "pyarrow.parquet", "dask", "distributed"}


def declared() -> list[tuple[str, str]]:
    """(module, layer) from README's module table, in its order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(\w+)\.py` \| ([a-z ]+): ", text, flags=re.M)
    assert rows, "README's module table is missing or lost its layer words"
    return rows


def imports(module: str) -> list[tuple[str, list[str], bool]]:
    """(imported package module, names, inside a function) for every ``from .x import …``, and for
    absolute imports inside functions (module name, [], True)."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    out = []
    in_function: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            in_function.update(id(n) for n in ast.walk(node) if n is not node)
    for node in ast.walk(tree):
        inside = id(node) in in_function
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module is None:  # from . import schema
                out.extend((a.name, [], inside) for a in node.names)
            else:
                out.append((node.module, [a.name for a in node.names], inside))
        elif inside and isinstance(node, (ast.Import, ast.ImportFrom)):
            name = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
            out.append((f"<{name}>", [], True))
    return out


def test_the_table_lists_every_module_once_with_a_known_layer():
    rows = declared()
    names = [m for m, _ in rows]
    assert len(names) == len(set(names))
    assert set(names) == {p.stem for p in PACKAGE.glob("*.py")} - {"__init__", "__main__"}
    order = [LAYERS.index(layer) for _, layer in rows]  # an unknown layer word raises here
    assert order == sorted(order), "README's module table is not in layer order"


def test_imports_point_one_way():
    rows = declared()
    position = {m: i for i, (m, _) in enumerate(rows)}
    back = []
    for module, _ in rows:
        for target, _, _ in imports(module):
            if target.startswith("<"):
                continue
            if position[target] >= position[module]:
                back.append(f"{module} → {target}")
    assert not back, "imports that run back up (or sideways to a later module): " + ", ".join(back)


def test_no_private_names_across_modules_and_no_hidden_imports():
    private, hidden = [], []
    for module, _ in declared():
        for target, names, inside in imports(module):
            private += [f"{module} ← {target}.{n}" for n in names if n.startswith("_")]
            if inside and target.strip("<>") not in PLATFORM_EXTRAS:
                hidden.append(f"{module}: {target}")
    assert not private, private
    assert not hidden, f"imports inside functions: {hidden}"


def test_the_tests_catch_a_circle(tmp_path, monkeypatch):
    """The check itself: an import from the contract up to the command line is reported."""
    fake = tmp_path / "cxzy_xl"
    fake.mkdir()
    for p in PACKAGE.glob("*.py"):
        (fake / p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    (fake / "schema.py").write_text((fake / "schema.py").read_text(encoding="utf-8") + "\nfrom .cli import main\n",
                                    encoding="utf-8")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", fake)
    try:
        test_imports_point_one_way()
    except AssertionError as exc:
        assert "schema → cli" in str(exc)
    else:
        raise AssertionError("a back-up import went unnoticed")
