"""The arrows point one way: a package imports only the packages below it, and the scoring and
explaining paths load no template, plot or PDF code (each checked in a fresh interpreter)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PRESENTATION = ("jinja2", "matplotlib", "weasyprint", "govern.presentation", "govern.documents")


def loaded_after(statement: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``statement``."""
    probe = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout.splitlines()[-1]))


def heavy(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


@pytest.mark.parametrize(
    "statement",
    [
        "import govern.explain",
        "import govern.explain.registered",
        "from govern.explain import ModelExplainer, explain, load_reason_table",
    ],
)
def test_explain_returns_data_and_renders_nothing(statement: str) -> None:
    assert heavy(loaded_after(statement), PRESENTATION) == []


@pytest.mark.parametrize(
    "statement",
    [
        "import govern.provenance.scorer",
        "from govern.provenance import Scorer, score_file",
        "import govern.registry",
    ],
)
def test_scoring_loads_no_template_plot_or_pdf_code(statement: str) -> None:
    assert heavy(loaded_after(statement), PRESENTATION) == []


def test_the_look_up_is_loaded_when_first_used() -> None:
    modules = loaded_after("from govern.provenance import Lookup")
    assert "govern.provenance.lookup" in modules and "govern.provenance.report" not in modules


def test_the_presentation_layer_is_below_every_document() -> None:
    modules = loaded_after("import govern.presentation")
    assert heavy(modules, ("govern.documents", "govern.provenance", "govern.cli")) == []
    assert heavy(modules, ("govern.explain", "govern.registry")) == []


def test_a_moved_name_imports_its_new_place_only_when_used() -> None:
    # (govern.documents' own face lists the explanation reports, so only the shim in the layer
    # below can show that forwarding waits until a name is used.)
    modules = loaded_after("import govern.explain.report")
    assert "govern.documents.explanation" not in modules
    assert "govern.documents.explanation" in loaded_after(
        "import warnings\nwarnings.simplefilter('ignore')\nfrom govern.explain import global_report"
    )
