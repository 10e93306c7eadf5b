"""The habits the house keeps, checked by the test command: one lint, one format, strict types,
every imported library declared, and package faces that list exactly their public names."""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "govern"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], capture_output=True, text=True, cwd=ROOT, check=False
    )


def test_ruff_check() -> None:
    done = _run("ruff", "check", "govern", "tests", "bench", "scripts")
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_format() -> None:
    done = _run("ruff", "format", "--check", "govern", "tests", "bench", "scripts")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_mypy_strict() -> None:
    done = _run("mypy", "--strict", "govern")
    assert done.returncode == 0, done.stdout + done.stderr


def _requirement_names(specs: list[str]) -> set[str]:
    return {
        re.split(r"[<>=!~\[; ]", spec, maxsplit=1)[0].lower().replace("_", "-") for spec in specs
    }


def _third_party_imports() -> dict[str, str]:
    """Top-level module -> the first file that imports it, for modules outside govern."""
    found: dict[str, str] = {}
    stdlib = set(sys.stdlib_module_names)
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top not in stdlib and top != "govern":
                    found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def test_every_imported_library_is_declared() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    required = _requirement_names(project["dependencies"])
    extras = {
        name
        for group, specs in project["optional-dependencies"].items()
        if group != "dev"
        for name in _requirement_names(specs)
    }
    distributions = importlib.metadata.packages_distributions()
    undeclared = []
    for module, where in _third_party_imports().items():
        dists = {d.lower().replace("_", "-") for d in distributions.get(module, [module])}
        if not dists & (required | extras):
            undeclared.append(f"{module} ({', '.join(sorted(dists))}), imported in {where}")
    assert not undeclared, "imported but not declared in pyproject.toml:\n" + "\n".join(undeclared)


def test_declared_libraries_are_used() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    distributions = importlib.metadata.packages_distributions()
    imported = set()
    for module in _third_party_imports():
        imported |= {d.lower().replace("_", "-") for d in distributions.get(module, [module])}
    # Drivers and engines reached by name (a database URL, skops' loaders) are declared too.
    by_name = {"psycopg", "pyarrow", "sqlalchemy"}
    unused = _requirement_names(project["dependencies"]) - imported - by_name
    assert not unused, f"declared but never imported by govern: {sorted(unused)}"


def _packages() -> list[str]:
    return sorted(
        ".".join(("govern", *p.parent.relative_to(PACKAGE).parts)).rstrip(".")
        for p in PACKAGE.rglob("__init__.py")
    )


def _defined_names(path: Path) -> set[str]:
    """The public names an __init__ binds: imports, definitions and assignments."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom | ast.Import):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            targets = {t.id for t in node.targets if isinstance(t, ast.Name)}
            names |= targets
            if targets == {"_LAZY"} and isinstance(node.value, ast.Tuple):  # served on first use
                names |= {e.value for e in node.value.elts if isinstance(e, ast.Constant)}
    public = {n for n in names if not n.startswith("_") and n != "annotations"}
    return public | ({"__version__"} & names)


@pytest.mark.parametrize("package", _packages())
def test_a_package_face_lists_exactly_its_public_names(package: str) -> None:
    path = PACKAGE.joinpath(*package.split(".")[1:], "__init__.py")
    module = importlib.import_module(package)
    listed = getattr(module, "__all__", None)
    defined = _defined_names(path)
    if listed is None:
        assert not defined, f"{package} binds public names but has no __all__: {sorted(defined)}"
        return
    assert sorted(listed) == sorted(set(listed)), f"{package}.__all__ lists a name twice"
    assert set(listed) == defined, (
        f"{package}.__all__ and the names it binds differ: "
        f"listed only {sorted(set(listed) - defined)}, bound only {sorted(defined - set(listed))}"
    )


#: Modules that are public faces of their own although they sit inside a package: renderings
#: kept apart so that scoring loads no document code.
PUBLIC_MODULES = {"govern.provenance.report"}
_PY_FENCE = re.compile(r"```python\n(.*?)```", re.S)


def _doc_imports() -> list[tuple[str, str, str]]:
    found = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for body in _PY_FENCE.findall(doc.read_text(encoding="utf-8")):
            for node in ast.walk(ast.parse(body)):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("govern"):
                    found += [(doc.name, str(node.module), a.name) for a in node.names]
    return found


def test_the_docs_import_only_public_names_from_package_faces() -> None:
    wrong = []
    for doc, module, name in _doc_imports():
        if module.count(".") > 1 and module not in PUBLIC_MODULES:
            wrong.append(f"{doc}: from {module} import {name} (import it from its package)")
            continue
        listed = getattr(importlib.import_module(module), "__all__", ())
        if name not in listed:
            wrong.append(f"{doc}: from {module} import {name} ({name} is not in its __all__)")
    assert not wrong, "\n".join(wrong)


def test_every_package_ships_in_the_wheel() -> None:
    """pyproject.toml lists the packages; a new one left out would be missing after a plain
    `pip install .` (only CI's non-editable install would notice)."""
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
            "packages"
        ]
    )
    assert set(_packages()) <= listed, f"not shipped: {sorted(set(_packages()) - listed)}"
