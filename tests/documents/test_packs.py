"""Regulation packs: they load, name known evidence, and cover every card section."""

from __future__ import annotations

from pathlib import Path

import pytest

from govern.documents import coverage
from govern.documents.card import SECTIONS, requirements_of
from govern.errors import BadInput, NotFound


def test_every_packaged_pack_loads() -> None:
    names = coverage.available()
    assert {"sr11-7", "sr26-2", "eu-ai-act", "reg-b"} <= set(names)
    for name in names:
        pack = coverage.load(name)
        assert pack.requirements and pack.primary_text.startswith("https://")


def test_every_card_section_names_a_requirement() -> None:
    for number, _key, title in SECTIONS:
        cites = [r["cite"] for r in requirements_of(number)]
        assert cites, f"section {number} ({title}) answers no requirement"


def test_sr26_2_maps_back_to_sr11_7() -> None:
    pack = coverage.load("sr26-2")
    sr11 = coverage.load("sr11-7")
    sections = {r.cite.split(" (")[0] for r in sr11.requirements} | {"SR 11-7 V", "SR 11-7 VI"}
    for req in pack.requirements:
        assert req.crosswalk, req.id
        assert all(c in sections or c.startswith("SR 11-7 ") for c in req.crosswalk)


def test_mandatory_from_is_a_floor() -> None:
    req = next(r for r in coverage.load("sr11-7").requirements if r.id == "IV-theory")
    assert req.mandatory_from == "medium"
    assert req.mandatory_for("high") and req.mandatory_for("medium")
    assert not req.mandatory_for("low")
    advisory = next(r for r in coverage.load("sr11-7").requirements if r.id == "V.3-backtesting")
    assert not any(advisory.mandatory_for(t) for t in ("low", "medium", "high"))


def test_a_bank_pack_file(tmp_path: Path) -> None:
    path = tmp_path / "bank.toml"
    path.write_text(
        'id = "bank"\ntitle = "Bank policy"\nshort = "Bank"\nprimary_text = "https://bank"\n'
        '[[requirements]]\nid = "B1"\ncite = "Bank 1"\ntitle = "t"\ntext = "x"\n'
        'evidence = ["approval", "narrative:fairness|challenger"]\nmandatory_from = "low"\n'
    )
    pack = coverage.load(str(path))
    assert pack.requirements[0].evidence == ("approval", "narrative:fairness|challenger")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('evidence = ["telepathy"]', "unknown evidence 'telepathy'"),
        ('evidence = ["narrative:horoscope"]', "unknown evidence"),
        ("evidence = []", "non-empty list"),
        ('evidence = ["approval"]\nmandatory_from = "extreme"', "mandatory_from"),
    ],
)
def test_malformed_packs(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        'id = "bad"\ntitle = "Bad"\nshort = "Bad"\nprimary_text = "https://x"\n'
        f'[[requirements]]\nid = "X"\ncite = "X"\ntitle = "t"\ntext = "x"\n{body}\n'
    )
    with pytest.raises(BadInput, match=message):
        coverage.load(str(path))


def test_unknown_pack() -> None:
    with pytest.raises(NotFound, match="no regulation pack"):
        coverage.load("basel-9")
