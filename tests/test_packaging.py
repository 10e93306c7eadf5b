"""The installed package is complete: a plain `pip install .` (what CI does) ships the templates,
the regulation packs and the bundled data, and they load from outside the source tree."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _editable() -> bool:
    dist = metadata.distribution("govern")
    direct = dist.read_text("direct_url.json")
    return bool(direct and json.loads(direct).get("dir_info", {}).get("editable"))


pytestmark = pytest.mark.skipif(
    _editable(), reason="govern is installed editable here; CI checks the plain install"
)


def test_the_wheel_ships_templates_packs_and_data() -> None:
    files = {str(f) for f in metadata.files("govern") or []}
    for needed in (
        "govern/_templates/card.html.j2",
        "govern/_templates/card.css",
        "govern/_templates/provenance.html.j2",
        "govern/_templates/explain_decision.html.j2",
        "govern/documents/packs/sr11-7.toml",
        "govern/documents/packs/sr26-2.toml",
        "govern/data/germancredit.csv",
        "govern/data/germancredit_reasons.toml",
        "govern/data/germancredit_card.md",
    ):
        assert needed in files, f"{needed} is missing from the installed package"


def test_the_installed_package_loads_them_outside_the_source_tree(tmp_path: Path) -> None:
    code = (
        "import govern, pathlib\n"
        "from govern.documents import coverage\n"
        "from govern.documents.render import packaged_template_dir\n"
        "from govern.demo import german_credit_path\n"
        "print(pathlib.Path(govern.__file__).parent)\n"
        "print(sorted(coverage.load(p).id for p in coverage.DEFAULT_PACKS))\n"
        "print((packaged_template_dir() / 'card.html.j2').is_file())\n"
        "print(german_credit_path().is_file())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, check=True, env={"PATH": "/usr/bin:/bin"}).stdout.splitlines()
    assert not Path(out[0]).is_relative_to(ROOT), "imported from the source tree, not the install"
    assert out[1] == "['sr11-7', 'sr26-2']"
    assert out[2:] == ["True", "True"]
