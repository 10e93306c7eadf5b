"""The house plan, checked: imports point one way, payloads are read through records, and the
light entry points stay light (docs/architecture.md)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "govern"

#: From the ground up: a package may import only packages at its own level or below.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors", "_version", "_moved"),
    ("ledger",),
    ("records",),
    ("registry",),
    ("explain",),
    ("presentation",),
    ("documents", "monitor", "compare", "fairness"),
    ("provenance",),
    ("gates",),
    ("serve",),
    ("demo",),
    ("cli",),
)
LEVEL = {name: i for i, names in enumerate(LAYERS) for name in names}
#: Names kept for one release after they moved, reached by name through importlib (so they
#: point up only while deprecated). Each says when it goes.
DEPRECATED_SHIMS = {
    ("registry", "govern.provenance.scorer"): "0.3",  # Registry.scorer
}


def _part(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "govern" or len(parts) < 2:
        return None
    return parts[1]


def _package_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path) -> list[tuple[int, str, bool]]:
    """(line, module, by_name) for every import in ``path``, lazy ones included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = ".".join(("govern", *path.relative_to(PACKAGE).with_suffix("").parts))
    found: list[tuple[int, str, bool]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, False) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.split(".")[: -node.level]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append((node.lineno, module, False))
            found += [(node.lineno, f"{module}.{alias.name}", False) for alias in node.names]
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value, True))
    return found


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p != PACKAGE / "__init__.py")


def test_every_package_has_a_layer() -> None:
    unknown = {_package_of(p) for p in _modules()} - set(LEVEL)
    assert not unknown, f"packages missing from the house plan: {sorted(unknown)}"


def test_imports_point_down_the_layers() -> None:
    wrong = []
    for path in _modules():
        mine = _package_of(path)
        for line, module, by_name in _imports(path):
            theirs = _part(module)
            if theirs is None or theirs not in LEVEL or theirs == mine:
                continue
            if LEVEL[theirs] > LEVEL[mine]:
                if by_name and DEPRECATED_SHIMS.get((mine, module)):
                    continue
                wrong.append(f"{path.relative_to(ROOT)}:{line} ({mine}) imports {module}")
    assert not wrong, "imports that point up the layers:\n" + "\n".join(wrong)


def test_no_cycle_between_packages_of_one_layer() -> None:
    edges: dict[str, set[str]] = {}
    for path in _modules():
        mine = _package_of(path)
        for _line, module, _by_name in _imports(path):
            theirs = _part(module)
            if theirs and theirs != mine and theirs in LEVEL and LEVEL[theirs] == LEVEL[mine]:
                edges.setdefault(mine, set()).add(theirs)
    for a, targets in edges.items():
        for b in targets:
            assert a not in edges.get(b, set()), f"{a} and {b} import each other"


# Payload keys are read only through records: no ``entry.payload[...]`` or ``.payload.get``
# outside the ledger (which handles payloads as bytes) and records (which define them).
PAYLOAD_READ = re.compile(r"\.payload\b")


def test_no_payload_reads_outside_records() -> None:
    found = []
    for path in _modules():
        if _package_of(path) in ("ledger", "records"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if PAYLOAD_READ.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "payloads read by key instead of through a record:\n" + "\n".join(found)


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys\n{statement}\nprint('\\n'.join(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return set(done.stdout.split())


def _tops(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def test_the_ledger_loads_no_data_science_stack() -> None:
    loaded = _tops(_loaded_after("import govern.ledger"))
    assert not loaded & {"pandas", "numpy", "sklearn", "scipy", "shap", "matplotlib"}


def test_records_load_no_data_science_stack() -> None:
    loaded = _tops(_loaded_after("import govern.records"))
    assert not loaded & {"pandas", "numpy", "sklearn", "scipy", "shap", "matplotlib"}


@pytest.mark.parametrize(
    "statement", ["import govern.provenance.scorer", "import govern.provenance"]
)
def test_the_scoring_path_loads_no_document_code(statement: str) -> None:
    loaded = _loaded_after(statement)
    heavy = _tops(loaded) & {"jinja2", "matplotlib", "weasyprint", "markdown_it"}
    documents = {m for m in loaded if m.startswith(("govern.documents", "govern.presentation"))}
    assert not heavy and not documents, sorted(heavy | documents)
