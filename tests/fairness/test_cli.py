"""`govern fairness` and `govern groups add` on the demo registry (docs/fairness.md)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from govern.cli.main import app
from govern.fairness import analyse, groups_of, latest
from govern.registry import Registry
from tests.fairness.conftest import POLICY, REGION, SEX, WITH_REGION, set_policy
from tests.provenance.conftest import Demo

LIVE = "credit-risk@1"
runner = CliRunner()


def _size(demo: Demo) -> int:
    with Registry.open(str(demo.db), readonly=True) as reg:
        return reg.ledger.head().size


def _run(demo: Demo, *args: str, key: str | None = None):  # type: ignore[no-untyped-def]
    signing = ["--sign-with", str(demo.key_of(key))] if key else []
    return runner.invoke(app, [*signing, *args, "--db", str(demo.db)])


@pytest.mark.slow
def test_the_report_and_the_record(demo: Demo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    set_policy(demo.act("ada"))
    html = tmp_path / "fairness.html"
    done = _run(demo, "fairness", LIVE, "--data", "german-holdout@1", "-o", str(html))
    assert done.exit_code == 0, done.stderr
    # the designated attributes the model uses come first
    assert done.stdout.lstrip().startswith(f"this model uses {SEX}")
    page = html.read_text(encoding="utf-8")
    assert "Fair-lending analysis of credit-risk@1" in page and "DESIGNATED ATTRIBUTES USED" in page
    assert "http://" not in page and "https://" not in page  # it fetches nothing
    out = tmp_path / "fairness.json"
    done = _run(demo, "fairness", LIVE, "--data", "german-holdout@1", "-o", str(out), "--json")
    assert done.exit_code == 0, done.stderr
    assert json.loads(out.read_text()) == json.loads(done.stdout)
    assert latest(demo.reg, LIVE) is None
    done = _run(demo, "fairness", LIVE, "--data", "german-holdout@1", "--record", key="vera")
    assert done.exit_code == 0, done.stderr
    assert "recorded as entry" in done.stdout
    with Registry.open(str(demo.db), readonly=True) as reg:
        found = latest(reg, LIVE)
        assert found is not None and found[0].actor == "vera"
        assert found[1].source == "german-holdout@1" and found[1].rows == 300


@pytest.mark.parametrize(
    ("policy", "data", "message"),
    [
        (None, "german-holdout@1", "the policy designates no groups for credit-risk"),
        (
            POLICY.replace('reference = "male"', 'reference = "men"'),
            "german-holdout@1",
            "the reference group 'men' of personal_status_and_sex is not among",
        ),
        (WITH_REGION, "german-holdout@1", "the data has no column 'region'"),
    ],
    ids=["no designation", "no such reference group", "attribute missing"],
)
def test_bad_input_is_one_line_exit_3_and_writes_nothing(
    demo: Demo, tmp_path, policy: str | None, data: str, message: str
) -> None:  # type: ignore[no-untyped-def]
    if policy is not None:
        set_policy(demo.act("ada"), policy)
    size = _size(demo)
    out = tmp_path / "fairness.html"
    done = _run(demo, "fairness", LIVE, "--data", data, "-o", str(out), "--record", key="vera")
    assert done.exit_code == 3, done.stdout
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not out.exists() and _size(demo) == size


@pytest.mark.slow
def test_a_group_file_joins_a_replay_by_prediction_id(demo: Demo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    set_policy(demo.act("ada"), WITH_REGION)
    ids = [f"demo-{i:04d}" for i in range(300)]
    region = ["n" if i % 3 else "s" for i in range(300)]
    path = tmp_path / "groups.csv"
    pd.DataFrame({"application": ids, REGION: region}).iloc[:280].to_csv(path, index=False)
    size = _size(demo)
    done = _run(demo, "groups", "add", str(path), "--id-col", "application",
                "--attribute-col", REGION)  # fmt: skip
    assert done.exit_code == 0, done.stderr
    assert "280 values of region stored" in done.stdout
    assert _size(demo) == size  # nothing of it is in the ledger
    assert groups_of(demo.reg, REGION, ids[:2]) == {"demo-0000": "s", "demo-0001": "n"}
    report = analyse(demo.reg, LIVE, replay=True, with_reasons=False)
    assert report.source == "replay" and report.rows == 1000  # the demo scored 1,000
    by = {(g.attribute, g.group): g for g in report.groups}
    assert by[(REGION, "south")].count == sum(r == "s" for r in region[:280])
    assert report.ungrouped[REGION] == 720  # no value for them: left out, and said
    # the model's own attribute comes from the logged inputs
    assert by[(SEX, "male")].count + by[(SEX, "female")].count == 1000
    # an undesignated attribute, and an id never logged, are refused, nothing stored
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"application": ["demo-0000"], "religion": ["x"]}).to_csv(bad, index=False)
    done = _run(demo, "groups", "add", str(bad), "--id-col", "application",
                "--attribute-col", "religion")  # fmt: skip
    assert done.exit_code == 3 and "designates no attribute religion" in done.stderr
    pd.DataFrame({"application": ["nope"], REGION: ["n"]}).to_csv(bad, index=False)
    done = _run(demo, "groups", "add", str(bad), "--id-col", "application",
                "--attribute-col", REGION)  # fmt: skip
    assert done.exit_code == 3 and "never logged" in done.stderr
