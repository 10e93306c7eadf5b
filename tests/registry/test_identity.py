"""Every write is signed by who makes it and allowed by the policy; verify re-checks both.

The attacks: an unenrolled key, a name that is not the key's, an enrolled person acting
outside their role (for every kind of write), and entries appended below govern's checks, as an
insider with the database would: signed by nobody, by a key enrolled for nobody, by another
person's key, or by someone the policy of their time did not allow.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from govern.errors import (
    ActionNotAllowed,
    ActorNotEnrolled,
    BadInput,
    EntrySignatureBad,
    EntryUnsigned,
    GovernError,
    PolicyViolation,
)
from govern.ledger.jcs import canonicalize
from govern.records import FindingRaised, PolicySet, Record, subjects
from govern.registry import (
    Registry,
    approvals,
    catalog,
    deployments,
    findings,
    models,
    people,
)
from govern.registry import policy as policy_mod
from govern.registry.audit import audit
from govern.registry.identity import KeySigner, load_signer
from govern.registry.signing import namespace
from govern.registry.sshsig import new_keypair
from tests.conftest import World
from tests.credit import CODE, TARGET
from tests.provenance.conftest import register


def size(world: World) -> int:
    return world.reg.ledger.size


def test_an_unenrolled_key_cannot_act(world: World, tmp_path: Path) -> None:
    stranger = tmp_path / "mallory_ed25519"
    public = new_keypair(stranger, comment="mallory")
    before = size(world)
    with pytest.raises(PolicyViolation, match=f"{re.escape(public.fingerprint())} is not enrolled"):
        world.reg.use_key(stranger)
    with pytest.raises(PolicyViolation, match="is not enrolled"):
        Registry.open(world.reg.ledger.url, key=stranger)
    assert size(world) == before


def test_a_name_must_be_the_keys(world: World) -> None:
    with pytest.raises(PolicyViolation, match="apo's, not val's"):
        Registry.open(world.reg.ledger.url, actor="val", key=world.keys["apo"])


def test_nothing_is_written_without_a_key(world: World, german_split: dict[str, Path]) -> None:
    reg = Registry.open(world.reg.ledger.url, artifacts=world.folder / "artifacts")
    try:
        before = reg.ledger.size
        with pytest.raises(PolicyViolation, match="must be signed by who makes it"):
            catalog.add_dataset(reg, german_split["train"], name="unsigned", target=TARGET)
        assert reg.ledger.size == before
    finally:
        reg.close()


def _approved(world: World, pipeline) -> str:  # type: ignore[no-untyped-def]
    ref: str = register(world, pipeline).ref
    world.act("val")
    approvals.approve(world.reg, ref, decision="approve", role="validator")
    world.act("apo")
    approvals.approve(world.reg, ref, decision="approve", role="approver")
    return ref


def test_every_write_outside_the_actors_role_is_refused(  # type: ignore[no-untyped-def]
    world: World, pipeline, german_split: dict[str, Path], tmp_path: Path
) -> None:
    reg = world.reg
    ref = _approved(world, pipeline)
    narrative = tmp_path / "n.md"
    narrative.write_text("## Purpose\nScores retail applicants.\n", encoding="utf-8")
    newcomer = new_keypair(tmp_path / "eve_ed25519", comment="eve").openssh()
    attempts: list[tuple[str, str, Callable[[], object]]] = [
        (
            "val",
            "register a dataset version",
            lambda: catalog.add_dataset(reg, german_split["holdout"], name="x", target=TARGET),
        ),
        (
            "val",
            "register a model version",
            lambda: models.register_model(
                reg,
                pipeline,
                name="other",
                training_data=["german-train@1"],
                target=TARGET,
                intended_use="x",
                owner="dan",
                risk_tier="low",
                positive_label="good",
                favorable_label="good",
                code=CODE,
            ),
        ),
        (
            "dan",
            "raise a validation finding",
            lambda: findings.raise_finding(reg, ref, severity="low", text="x"),
        ),
        (
            "dan",
            "sign an approval",
            lambda: approvals.approve(reg, ref, decision="approve", role="validator"),
        ),
        ("dan", "deploy a model version", lambda: deployments.deploy(reg, ref)),
        (
            "apo",
            "enrol a person or service",
            lambda: people.enroll(reg, "eve", ["developer"], newcomer),
        ),
        ("dan", "revoke a key", lambda: people.revoke(reg, "val", reason="x")),
        (
            "dan",
            "record the governance policy",
            lambda: reg.record(PolicySet(subject=subjects.POLICY, policy={})),
        ),
    ]
    for who, what, attempt in attempts:
        world.act(who)
        before = size(world)
        with pytest.raises(PolicyViolation) as refused:
            attempt()
        assert what in refused.value.message or "not enrolled as" in refused.value.message, (
            who,
            refused.value.message,
        )
        assert size(world) == before, what


def test_the_card_narrative_is_its_owners(world: World, pipeline, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from govern.documents import narrative

    ref = register(world, pipeline).ref
    path = tmp_path / "n.md"
    path.write_text("## Purpose\nScores retail applicants.\n", encoding="utf-8")
    world.act("val")
    before = size(world)
    with pytest.raises(PolicyViolation):
        narrative.record(world.reg, ref, path)
    assert size(world) == before
    world.act("dan")
    narrative.record(world.reg, ref, path)  # the owner may


# ---- below govern's checks: what verify catches ------------------------------------------------


def _forge(world: World, record: Record, actor: str, signer: KeySigner | None) -> None:
    """Append ``record`` with the ledger's own append, bypassing every check of the registry."""
    if signer is not None:
        assert record.PURPOSE is not None
        statement = canonicalize(replace(record, signature=None).to_statement())  # type: ignore[call-arg]
        signature = signer.sign(statement, namespace(record.PURPOSE, world.reg.origin))
        record = replace(record, signature=signature)  # type: ignore[call-arg]
    world.reg.ledger.append(record.KIND, record.to_payload(), actor=actor)


def _finding(world: World, ref: str, text: str = "forged") -> FindingRaised:
    return FindingRaised(
        subject=subjects.finding(ref, 9),
        model=ref,
        model_entry=models.resolve(world.reg, ref).leaf,
        number=9,
        severity="low",
        type="validation issue",
        text=text,
        due=None,
    )


def _audit(world: World) -> object:
    return audit(world.reg.ledger.entries(), world.reg.origin)


def test_verify_refuses_an_unsigned_entry(world: World, pipeline) -> None:  # type: ignore[no-untyped-def]
    ref = register(world, pipeline).ref
    _forge(world, _finding(world, ref), "val", None)
    with pytest.raises(EntryUnsigned) as failed:
        _audit(world)
    assert failed.value.exit_code == 51 and failed.value.seq == size(world) - 1


def test_verify_refuses_a_key_enrolled_for_nobody(  # type: ignore[no-untyped-def]
    world: World, pipeline, tmp_path: Path
) -> None:
    ref = register(world, pipeline).ref
    new_keypair(tmp_path / "mallory_ed25519", comment="mallory")
    _forge(world, _finding(world, ref), "mallory", load_signer(tmp_path / "mallory_ed25519"))
    with pytest.raises(ActorNotEnrolled, match="enrolled for nobody") as failed:
        _audit(world)
    assert failed.value.exit_code == 53


def test_verify_refuses_another_persons_key(world: World, pipeline) -> None:  # type: ignore[no-untyped-def]
    ref = register(world, pipeline).ref
    # val's name on the entry, dan's key on the signature
    _forge(world, _finding(world, ref), "val", load_signer(world.keys["dan"]))
    with pytest.raises(EntrySignatureBad, match="signed with dan's key") as failed:
        _audit(world)
    assert failed.value.exit_code == 52


def test_verify_judges_an_act_by_the_policy_of_its_time(world: World, pipeline) -> None:  # type: ignore[no-untyped-def]
    ref = register(world, pipeline).ref
    # dan, a developer, raises a finding below govern's checks: signed by him, but not his to do
    _forge(world, _finding(world, ref), "dan", load_signer(world.keys["dan"]))
    with pytest.raises(ActionNotAllowed, match=r"dan \(developer\) was not allowed") as failed:
        _audit(world)
    assert failed.value.exit_code == 54
    # a later, looser policy that lets developers raise findings does not make it legal
    looser = policy_mod.DEFAULT.as_dict()
    looser["permissions"]["developer"] = [*looser["permissions"]["developer"], "raise-finding"]
    world.act("ada")
    world.reg.record(PolicySet(subject=subjects.POLICY, policy=looser))
    with pytest.raises(ActionNotAllowed):
        _audit(world)


def test_verify_refuses_an_edited_signed_entry(world: World, pipeline) -> None:  # type: ignore[no-untyped-def]
    """A signature over other words: the text changed after val signed it."""
    ref = register(world, pipeline).ref
    world.act("val")
    signed = world.reg.sign_records([_finding(world, ref, "the original text")])[0][0]
    edited = replace(signed, text="an edited text")  # type: ignore[call-arg]
    world.reg.ledger.append(edited.KIND, edited.to_payload(), actor="val")
    with pytest.raises(EntrySignatureBad, match="does not verify"):
        _audit(world)


def test_a_ledger_from_before_signatures_verifies_with_them_counted(tmp_path: Path) -> None:
    import shutil

    from typer.testing import CliRunner

    from govern.cli.main import app

    example = tmp_path / "example.db"
    old = Path(__file__).resolve().parents[1] / "vectors" / "registry-before-signatures.db"
    shutil.copy(old, example)
    result = CliRunner().invoke(app, ["verify", "--db", str(example), "--json"])
    assert result.exit_code == 0, result.stderr
    assert '"unsigned_before_signatures_were_required": 2' in result.stdout


# ---- dual control, rotation, compromise --------------------------------------------------------


def test_an_administrator_cannot_enrol_a_second_identity_alone(  # type: ignore[no-untyped-def]
    world: World, tmp_path: Path
) -> None:
    reg = world.reg
    world.act("ada")
    bea = new_keypair(tmp_path / "bea_ed25519", comment="bea")
    people.enroll(reg, "bea", ["administrator"], bea.openssh())  # the second administrator
    world.keys["bea"] = tmp_path / "bea_ed25519"
    ada2 = new_keypair(tmp_path / "ada2_ed25519", comment="ada's second identity")
    before = size(world)
    with pytest.raises(PolicyViolation, match="needs a second administrator"):
        people.enroll(reg, "ada-approver", ["approver"], ada2.openssh())
    with pytest.raises(PolicyViolation, match="cannot co-sign their own"):
        people.enroll(
            reg, "ada-approver", ["approver"], ada2.openssh(), cosigner_key=world.keys["ada"]
        )
    assert size(world) == before
    people.enroll(reg, "otto", ["approver"], ada2.openssh(), cosigner_key=world.keys["bea"])
    assert audit(reg.ledger.entries(), reg.origin).signed == size(world) - 1


def test_a_forged_enrolment_without_the_cosignature_fails_verify(  # type: ignore[no-untyped-def]
    world: World, tmp_path: Path
) -> None:
    reg = world.reg
    world.act("ada")
    bea = new_keypair(tmp_path / "bea_ed25519", comment="bea")
    people.enroll(reg, "bea", ["administrator"], bea.openssh())
    second = new_keypair(tmp_path / "ada2_ed25519", comment="ada2")
    statement = people.enrolment_statement(
        reg, "ada-approver", ["approver"], second.openssh(), "ada"
    )
    signature = load_signer(world.keys["ada"]).sign(
        canonicalize(statement), namespace("enrol", reg.origin)
    )
    reg.ledger.append("person.enrolled", {**statement, "signature": signature}, actor="ada")
    with pytest.raises(ActionNotAllowed, match="co-signature"):
        audit(reg.ledger.entries(), reg.origin)


def test_one_key_one_person(world: World) -> None:
    world.act("ada")
    vic_key = Path(str(world.keys["vic"]) + ".pub").read_text()
    with pytest.raises(GovernError, match="already enrolled for vic"):
        people.enroll(world.reg, "vic-again", ["auditor"], vic_key)


def test_a_key_rotated_by_its_holder(world: World, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    reg = world.reg
    new = tmp_path / "dan_new_ed25519"
    new_keypair(new, comment="dan, new")
    world.act("dan")
    people.rotate(reg, "dan", new, reason="yearly rotation")
    with pytest.raises(PolicyViolation, match=r"was dan.s until it was replaced"):
        reg.use_key(world.keys["dan"])  # the old key signs nothing any more
    reg.use_key(new)
    assert reg.actor == "dan"
    report = audit(reg.ledger.entries(), reg.origin)
    assert report.unsigned_legacy == 0


def test_a_compromised_key_stops_counting(world: World, pipeline) -> None:  # type: ignore[no-untyped-def]
    from govern.registry.status import status

    reg = world.reg
    ref = _approved(world, pipeline)
    assert status(reg, ref).approved
    approved_at = next(reg.ledger.entries(kind="approval.signed")).seq
    world.act("ada")
    people.revoke(
        reg, "val", reason="laptop stolen", compromised=True, compromised_from=approved_at
    )
    st = status(reg, ref)
    assert not st.approved  # the validator's sign-off no longer counts
    report = audit(
        reg.ledger.entries(), reg.origin, revocations=reg.ledger.entries(kind="person.revoked")
    )
    assert report.compromised == (approved_at,)


def test_a_revocation_position_must_be_in_the_log(world: World) -> None:
    world.act("ada")
    with pytest.raises(BadInput, match="needs --compromised"):
        people.revoke(world.reg, "val", reason="x", compromised_from=3)
    with pytest.raises(BadInput, match="is not in this log"):
        people.revoke(world.reg, "val", reason="x", compromised=True, compromised_from=10**9)


def test_a_statement_signed_elsewhere_is_accepted_from_its_signer_only(world: World) -> None:
    """The two-step flow: the administrator signs the statement on her workstation."""
    reg = world.reg
    statement = people.enrolment_statement(reg, "eve", ["auditor"], _pub(world, "eve"), "ada")
    good = load_signer(world.keys["ada"]).sign(
        canonicalize(statement), namespace("enrol", reg.origin)
    )
    bad = load_signer(world.keys["dan"]).sign(
        canonicalize(statement), namespace("enrol", reg.origin)
    )
    before = size(world)
    eve = _pub(world, "eve")
    with pytest.raises(GovernError):
        people.enroll(reg, "eve", ["auditor"], eve, admin="ada", signature=bad, statement=statement)
    assert size(world) == before
    entry = people.enroll(
        reg, "eve", ["auditor"], eve, admin="ada", signature=good, statement=statement
    )
    assert entry.actor == "ada"
    assert good.startswith("-----BEGIN SSH SIGNATURE-----")  # an armored SSHSIG


def _pub(world: World, name: str) -> str:
    path = world.folder / f"{name}_ed25519"
    if not path.exists():
        new_keypair(path, comment=name)
    return Path(str(path) + ".pub").read_text()
