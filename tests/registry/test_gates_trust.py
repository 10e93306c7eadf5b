"""An insider with the database cannot change what govern decides (docs/registry.md, "What a gate
trusts"): every attack on the registry's tables, on SQLite and on PostgreSQL as the documented
least-privileged application role, is refused by the gate with its code, logs nothing, and
``rebuild`` repairs it so that verify passes again."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from sklearn.pipeline import Pipeline
from sqlalchemy import create_engine, text

from govern.errors import (
    DuplicatePrediction,
    EntryCorrupt,
    IndexMismatch,
    ModelNotDeployed,
    ProjectionStale,
)
from govern.ledger.logkey import load_key
from govern.provenance import erase, provenance
from govern.provenance.scorer import Scorer
from govern.registry import approvals, catalog, findings, models, status
from govern.registry import projections as proj
from govern.registry.sshsig import new_keypair
from tests.conftest import PG_URL, World, make_world
from tests.credit import TARGET, make_pipeline
from tests.ledger.test_pg_roles import documented_roles
from tests.provenance.conftest import approve_and_deploy, register
from tests.provenance.helpers import OVERRIDE, as_privacy_officer, state


@dataclass
class Insider:
    """A registry with credit-risk@1 approved and deployed (and 20 decisions logged by it), an
    unapproved credit-risk@2 on another artifact, and SQL as the insider may run it."""

    world: World
    execute: Callable[[str], None]
    v1: str
    v2: str
    X: pd.DataFrame

    @property
    def reg(self):  # type: ignore[no-untyped-def]
        return self.world.reg

    def score(self, ref: str, ids: list[str]):  # type: ignore[no-untyped-def]
        self.world.act("svc")
        return Scorer(self.reg, ref).decide(self.X.iloc[: len(ids)], ids=ids)

    def repaired(self) -> None:
        """``rebuild`` restores the tables and verify passes."""
        self.reg.rebuild()
        self.reg.verify()


def _sqlite_executor(path: Path) -> Callable[[str], None]:
    def run(sql: str) -> None:
        conn = sqlite3.connect(path)
        try:
            conn.executescript(sql)
            conn.commit()
        finally:
            conn.close()

    return run


def _pg_app_role(tmp_path: Path, german_split: dict[str, Path]) -> Iterator[tuple[World, str]]:
    """The roles and grants of docs/postgresql.md; the registry is used as the app role."""
    if not PG_URL:
        pytest.skip("PostgreSQL tests need GOVERN_TEST_PG_URL")
    with documented_roles() as roles:
        app_url = roles.url("govern_app")
        world = make_world(
            roles.url("govern_owner"),
            tmp_path,
            german_split,
            open_url=app_url,
            after_init=roles.grant,
        )
        try:
            yield world, app_url
        finally:
            world.reg.close()


@pytest.fixture(scope="module")
def other_pipeline(german_split: dict[str, Path]) -> Pipeline:
    """Another fitted model: another artifact digest."""
    train = pd.read_csv(german_split["train"]).iloc[:400]
    model = make_pipeline(train)
    model.fit(train.drop(columns=[TARGET]), train[TARGET])
    return model


@pytest.fixture(params=["sqlite", pytest.param("postgresql-app", marks=pytest.mark.postgres)])
def insider(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    german_split: dict[str, Path],
    pipeline: Pipeline,
    other_pipeline: Pipeline,
) -> Iterator[Insider]:
    if request.param == "sqlite":
        world = make_world(str(tmp_path / "registry.db"), tmp_path, german_split)
        execute = _sqlite_executor(tmp_path / "registry.db")
        cleanup: Iterator[tuple[World, str]] | None = None
    else:
        cleanup = _pg_app_role(tmp_path, german_split)
        world, app_url = next(cleanup)
        engine = create_engine(app_url)

        def execute(sql: str) -> None:
            with engine.begin() as conn:
                for stmt in sql.split(";"):
                    if stmt.strip():
                        conn.execute(text(stmt))

    X = pd.read_csv(german_split["holdout"]).drop(columns=[TARGET])
    v1 = register(world, pipeline).ref
    approve_and_deploy(world, v1)
    v2 = register(world, other_pipeline).ref
    insider = Insider(world, execute, v1, v2, X)
    insider.score(v1, [f"before-{i}" for i in range(20)])
    try:
        yield insider
    finally:
        if cleanup is not None:
            engine.dispose()
            next(cleanup, None)
        else:
            world.reg.close()


def _refused(
    insider: Insider, call: Callable[[], object], error: type[Exception], code: int, match: str
) -> None:
    before = state(insider.reg)
    with pytest.raises(error, match=match) as refused:
        call()
    assert refused.value.exit_code == code  # type: ignore[attr-defined]
    assert "govern rebuild" in (refused.value.hint or "") or code != 9  # type: ignore[attr-defined]
    assert state(insider.reg) == before  # nothing logged, no input stored


def test_a_swapped_artifact_in_the_models_table_is_refused(insider: Insider) -> None:
    other = models.resolve(insider.reg, insider.v2).artifact.sha256
    insider.execute(
        f"UPDATE reg_models SET artifact_sha256 = '{other}' "
        "WHERE name = 'credit-risk' AND version = 1"
    )
    stale = r"registry table reg_models disagrees with the ledger at entry \d+"
    _refused(insider, lambda: insider.score(insider.v1, ["swap-1"]), ProjectionStale, 9, stale)
    key = load_key(insider.world.folder / "log.key")
    _refused(
        insider, lambda: provenance(insider.reg, "before-3", key=key), ProjectionStale, 9, stale
    )
    with pytest.raises(ProjectionStale):
        insider.reg.verify()
    insider.repaired()
    assert insider.score(insider.v1, ["swap-1"]).ids == ("swap-1",)
    found = provenance(insider.reg, "before-3", key=key)
    assert found.ok and found.rescore.state == "same"
    # pointing the row at another version's entry is the same disagreement
    insider.execute("UPDATE reg_models SET seq = seq + 0, leaf = 'ab' WHERE version = 1")
    _refused(insider, lambda: insider.score(insider.v1, ["swap-2"]), ProjectionStale, 9, stale)
    insider.repaired()


def test_inserted_approvals_and_deployments_do_not_let_a_version_score(insider: Insider) -> None:
    reg = insider.reg
    v1_rows = {
        "approvals": reg.rows(proj.approvals),
        "deployments": reg.rows(proj.deployments),
    }
    seq = reg.ledger.size + 100  # entries that do not exist
    for i, a in enumerate(v1_rows["approvals"]):
        insider.execute(
            "INSERT INTO reg_approvals (seq, model, role, decision, signer, fingerprint, "
            f"signed_at, expires, conditions) VALUES ({seq + i}, '{insider.v2}', '{a.role}', "
            f"'approve', '{a.signer}', '{a.fingerprint}', '{a.signed_at}', NULL, NULL)"
        )
    insider.execute(
        "INSERT INTO reg_deployments (seq, model, env, action, ts, actor, override, "
        f"justification) VALUES ({seq + 10}, '{insider.v2}', 'production', 'deploy', "
        f"'{v1_rows['deployments'][0].ts}', 'apo', false, NULL)"
    )
    _refused(
        insider,
        lambda: insider.score(insider.v2, ["forged-1"]),
        ProjectionStale,
        9,
        r"reg_(approvals|deployments) disagrees with the ledger at entry",
    )
    _refused(insider, lambda: status.status(reg, insider.v2), ProjectionStale, 9, "reg_")
    insider.repaired()
    with pytest.raises(ModelNotDeployed):
        insider.score(insider.v2, ["forged-1"])
    assert status.status(reg, insider.v2).status == status.REGISTERED


def test_a_deleted_row_changes_nothing_it_is_refused_until_rebuilt(insider: Insider) -> None:
    reg = insider.reg
    insider.world.act("val")
    findings.raise_finding(insider.reg, insider.v2, severity="high", text="unstable on thin files")
    insider.execute("DELETE FROM reg_findings")
    insider.world.act("val")
    _refused(
        insider,
        lambda: approvals.approve(reg, insider.v2, decision="approve", role="validator"),
        ProjectionStale,
        9,
        "reg_findings disagrees",
    )
    insider.repaired()
    with pytest.raises(Exception, match="open high-severity finding"):
        approvals.approve(reg, insider.v2, decision="approve", role="validator")
    insider.execute("DELETE FROM reg_deployments")
    _refused(
        insider,
        lambda: insider.score(insider.v1, ["gone-1"]),
        ProjectionStale,
        9,
        "reg_deployments disagrees",
    )
    insider.repaired()


def test_a_replaced_public_key_in_the_people_table_signs_nothing(insider: Insider) -> None:
    reg = insider.reg
    folder = insider.world.folder
    mallory = new_keypair(folder / "mallory_ed25519", comment="mallory")
    insider.execute(
        f"UPDATE reg_people SET public_key = '{mallory.openssh()}', "
        f"fingerprint = '{mallory.fingerprint()}' WHERE name = 'apo'"
    )
    _refused(
        insider,
        lambda: reg.use_key(folder / "mallory_ed25519"),
        ProjectionStale,
        9,
        "reg_people disagrees",
    )
    insider.world.act("val")
    approvals.approve(reg, insider.v2, decision="approve", role="validator")
    _refused(
        insider,
        lambda: approvals.approve(
            reg, insider.v2, decision="approve", role="approver", key=folder / "mallory_ed25519"
        ),
        ProjectionStale,
        9,
        "reg_people disagrees",
    )
    insider.repaired()
    with pytest.raises(Exception, match="not enrolled for anyone"):
        reg.use_key(folder / "mallory_ed25519")


def test_edited_policy_and_datasets_tables_are_refused(insider: Insider) -> None:
    reg = insider.reg
    insider.execute(
        "INSERT INTO reg_policies (seq, ts, actor, policy) VALUES "
        "(99999, '2026-01-01T00:00:00.000000Z', 'ada', '{}')"
    )
    _refused(
        insider,
        lambda: status.status(reg, insider.v1),
        ProjectionStale,
        9,
        "reg_policies disagrees",
    )
    insider.repaired()
    holdout = catalog.resolve(reg, "german-holdout@1").sha256
    insider.execute(f"UPDATE reg_datasets SET sha256 = '{holdout}' WHERE name = 'german-train'")
    _refused(
        insider,
        lambda: catalog.load(reg, "german-train@1"),
        ProjectionStale,
        9,
        "reg_datasets disagrees",
    )
    insider.repaired()
    assert catalog.resolve(reg, "german-train@1").sha256 != holdout


def _drop_guards_and(path: Path, sql: str) -> None:
    """What only an owner of the file can do: drop the guard triggers, edit, put them back."""
    conn = sqlite3.connect(path)
    try:
        triggers = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
            "AND tbl_name = 'ledger_entries'"
        ).fetchall()
        for name, _ in triggers:
            conn.execute(f"DROP TRIGGER {name}")
        conn.executescript(sql)
        for _, ddl in triggers:
            conn.execute(ddl)
        conn.commit()
    finally:
        conn.close()


def test_an_edited_subject_column_finds_nothing(
    tmp_path: Path, pipeline: Pipeline, german_split: dict[str, Path]
) -> None:
    """SQLite only: PostgreSQL's application role may not drop the guards (test_pg_roles.py)."""
    path = tmp_path / "registry.db"
    world = make_world(str(path), tmp_path, german_split)
    reg = world.reg
    X = pd.read_csv(german_split["holdout"]).drop(columns=[TARGET])
    ref = register(world, pipeline).ref
    approve_and_deploy(world, ref)
    world.act("svc")
    Scorer(reg, ref).decide(X.iloc[:2], ids=["real-1", "real-2"])
    _drop_guards_and(path, "UPDATE ledger_entries SET subject = 'forged' WHERE subject = 'real-1'")
    key = load_key(world.folder / "log.key")
    with pytest.raises(IndexMismatch, match="disagree with its bytes") as found:
        provenance(reg, "forged", key=key)
    assert found.value.exit_code == 15
    # a model entry's bytes rewritten with its leaf: the gate reads the bytes, not the column
    seq = models.resolve(reg, ref).seq
    _drop_guards_and(
        path,
        f"UPDATE ledger_entries SET body = CAST(REPLACE(CAST(body AS TEXT), 'repays', 'defaults')"
        f" AS BLOB) WHERE seq = {seq}",
    )
    # every gate reads the governance entries it relies on: a fresh process refuses at once
    with pytest.raises(EntryCorrupt, match="do not hash to its stored leaf hash") as broken:
        type(reg).open(reg.ledger.url, key=world.keys["svc"])
    assert broken.value.exit_code == 11
    reg.close()


def test_two_entries_for_one_prediction_id_are_refused_and_fail_verify(insider: Insider) -> None:
    reg = insider.reg
    key = load_key(insider.world.folder / "log.key")
    (first,) = [e for e in reg.ledger.checked(subject="before-3") if e.kind == "prediction.logged"]
    # written around the scorer's check, straight into the log (its guards allow appends)
    reg.ledger.append(first.kind, first.payload, actor=first.actor)
    with pytest.raises(DuplicatePrediction, match="2 predictions with id 'before-3'") as refused:
        provenance(reg, "before-3", key=key)
    assert refused.value.exit_code == 40
    with pytest.raises(DuplicatePrediction, match="are both the prediction with id 'before-3'"):
        reg.verify()
    with pytest.raises(DuplicatePrediction):
        insider.score(insider.v1, ["before-3"])


def test_scoring_erasure_and_look_up_work_as_the_app_role(insider: Insider) -> None:
    """Every table the application needs exists after `govern init`: as the app role (on
    PostgreSQL), a decision is logged, its input erased and the decision looked up."""
    reg = insider.reg
    insider.score(insider.v1, ["app-1"])
    insider.world.act("ada")
    as_privacy_officer(reg, insider.world.folder)
    done = erase(reg, "app-1", reason="erasure request 2026-118", retention_override=OVERRIDE)
    assert done.prediction_id == "app-1"
    found = provenance(reg, "app-1", key=load_key(insider.world.folder / "log.key"), explain=False)
    assert found.ok and found.data.input.state == "erased"
    reg.verify()
