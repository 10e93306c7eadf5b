"""Fair lending over time inside `govern monitor` (docs/monitoring.md, "Fair lending over time"):
per designated group and window, the approval rate and adverse impact ratio equal a direct
pandas computation on the logged decisions; a group held apart from the scoring data is joined
by prediction id; a breach raises the finding; erasure takes the stored group values with it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from govern.cli.main import app
from govern.demo import SERVICE, german_credit_path
from govern.fairness import groups_of
from govern.monitor import monitor
from govern.monitor.lending import PERIOD
from govern.monitor.record import record
from govern.registry import status
from tests.fairness.conftest import AGE, FEMALE, POLICY, REGION, SEX, WITH_REGION, set_policy
from tests.provenance.conftest import Demo
from tests.provenance.helpers import OVERRIDE, as_privacy_officer

REF = "credit-risk@1"
runner = CliRunner()


def _add_groups(demo: Demo, file: Path) -> None:
    """`govern groups add FILE` as the scoring service."""
    demo.act(SERVICE)
    command = ["groups", "add", str(file), "--id-col", "id", "--attribute-col", REGION]
    done = runner.invoke(app, [*command, "--db", str(demo.db)])
    assert done.exit_code == 0, done.stderr


def _logged(demo: Demo) -> pd.DataFrame:
    """The demo's 1,000 logged decisions (demo-0000..0999, one per German credit row) beside
    the rows they decided."""
    data = pd.read_csv(german_credit_path())
    scored = pd.read_csv(demo.folder / "reports" / "scored.csv")
    assert len(scored) == len(data) == 1000
    data["id"] = [f"demo-{i:04d}" for i in range(len(data))]
    return data.merge(scored, left_on="id", right_on=scored.columns[0])


def _air(frame: pd.DataFrame, by: pd.Series, group: str, reference: str) -> float:
    approved = frame["decision"] == "good"
    return float(approved[by == group].mean() / approved[by == reference].mean())


def test_group_rates_equal_pandas_on_the_logged_decisions(demo: Demo) -> None:
    set_policy(demo.act("ada"))
    report = monitor(demo.reg, REF)
    frame = _logged(demo)
    sex = np.where(frame[SEX] == FEMALE, "female", "male")
    age = pd.cut(frame[AGE], [0, 25, 60, 200], right=False, labels=["under 25", "25 to 59", "60+"])
    period = {(g.attribute, g.group): g for g in report.lending if g.window == PERIOD}
    female = period[(SEX, "female")]
    assert female.rows == int((sex == "female").sum())
    assert female.approved == int(((sex == "female") & (frame["decision"] == "good")).sum())
    assert female.air == pytest.approx(_air(frame, pd.Series(sex), "female", "male"), abs=1e-12)
    assert period[(SEX, "male")].reference and period[(SEX, "male")].air is None
    young = period[(AGE, "under 25")]
    assert young.rows == int((age == "under 25").sum())
    assert young.air == pytest.approx(
        _air(frame, pd.Series(age.astype(str)), "under 25", "25 to 59"), abs=1e-12
    )
    assert young.low is not None and young.high is not None and young.low < young.air < young.high
    # the windows add up to the period
    windows = [g for g in report.lending if g.attribute == SEX and g.group == "female"]
    assert sum(g.rows for g in windows if g.window != PERIOD) == female.rows
    # each measured group is a check; the demo's model passes
    air = {c.on: c for c in report.checks if c.metric == "air"}
    assert set(air) >= {f"{SEX}: female", f"{AGE}: under 25"}
    assert all(c.status == "green" for c in air.values()), air
    # a group with fewer rows than the policy's min_rows is stated as such, never a check
    set_policy(demo.act("ada"), POLICY.replace("min_rows = 30", "min_rows = 200"))
    strict = monitor(demo.reg, REF)
    counts = {(g.attribute, g.group): g.rows for g in strict.lending if g.window == PERIOD}
    refs = {SEX: "male", AGE: "25 to 59"}
    checked = {c.on for c in strict.checks if c.metric == "air"}
    for (attribute, group), n in counts.items():
        if group == refs[attribute]:
            continue
        measured = n >= 200 and counts[(attribute, refs[attribute])] >= 200
        assert (f"{attribute}: {group}" in checked) == measured
        if not measured:
            assert any(f"{attribute}: {group} has {n} decisions" in x for x in strict.lending_notes)
    assert checked != set(air)  # the stricter floor left some group unmeasured


def test_no_designation_no_section(demo: Demo) -> None:
    report = monitor(demo.reg, REF)
    assert report.lending == () and not [c for c in report.checks if c.metric == "air"]


def test_a_group_held_apart_is_joined_by_id_and_a_breach_raises_the_finding(
    demo: Demo, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """The bank holds region apart from the scoring data; it happens that most declined
    applicants live in the south: the monitor shows the south's ratio far below 0.8, red, and
    recording it raises a monitoring finding that names it."""
    set_policy(demo.act("ada"), WITH_REGION)
    frame = _logged(demo)
    declined = frame["decision"] != "good"
    rng = np.random.default_rng(11)
    south = (declined & (rng.random(len(frame)) < 0.7)) | (
        ~declined & (rng.random(len(frame)) < 0.2)
    )
    file = tmp_path / "regions.csv"
    pd.DataFrame({"id": frame["id"], REGION: np.where(south, "s", "n")}).to_csv(file, index=False)
    _add_groups(demo, file)
    report = monitor(demo.reg, REF)
    period = {(g.attribute, g.group): g for g in report.lending if g.window == PERIOD}
    approved = ~declined
    expected = approved[south].mean() / approved[~south].mean()
    assert period[(REGION, "south")].air == pytest.approx(expected, abs=1e-12)
    assert period[(REGION, "south")].rows == int(south.sum())
    (check,) = [c for c in report.checks if c.on == f"{REGION}: south"]
    assert check.value < 0.8 and check.status == "red" and report.status == "red"
    demo.act("vera")
    recorded = record(demo.reg, report)
    assert recorded.finding is not None
    (finding,) = [f for f in status.status(demo.reg, REF).open_findings if f.type == "monitoring"]
    assert (
        f"adverse impact ratio of {REGION}: south" in finding.text and "below 0.8" in finding.text
    )
    # the command shows the check with its threshold read the right way round
    shown = runner.invoke(app, ["monitor", REF, "--db", str(demo.db)])
    assert shown.exit_code == 0, shown.stderr
    assert f"{REGION}: south" in shown.stdout and "< 0.8" in shown.stdout
    # the report files carry the section
    html = tmp_path / "monitoring.html"
    assert (
        runner.invoke(app, ["monitor", REF, "--db", str(demo.db), "-o", str(html)]).exit_code == 0
    )
    page = html.read_text(encoding="utf-8")
    assert "Fair lending over time" in page and "south" in page


def test_erasure_takes_the_stored_group_values_with_the_input(demo: Demo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    set_policy(demo.act("ada"), WITH_REGION)
    file = tmp_path / "regions.csv"
    pd.DataFrame({"id": ["demo-0001", "demo-0002"], REGION: ["s", "n"]}).to_csv(file, index=False)
    _add_groups(demo, file)
    demo.act("ada")
    key = as_privacy_officer(demo.reg, demo.folder / "keys")
    done = runner.invoke(
        app,
        [
            "--sign-with",
            str(key),
            "erase",
            "demo-0001",
            "--reason",
            "GDPR Art. 17 request 2026-7",
            "--retention-override",
            OVERRIDE,
            "--db",
            str(demo.db),
        ],
    )
    assert done.exit_code == 0, done.stderr
    assert "1 designated-attribute value(s)" in done.stdout
    assert groups_of(demo.reg, REGION, ["demo-0001", "demo-0002"]) == {"demo-0002": "n"}
    demo.reg.verify()
