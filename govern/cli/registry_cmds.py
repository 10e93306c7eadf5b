"""Registry commands: data, model, people, keys, finding, approve, approval, deploy, retire,
status, inventory, rebuild, policy."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

if TYPE_CHECKING:
    from govern.records import Record
    from govern.registry import Registry

from govern.cli.app import (
    DbOption,
    actor_of,
    app,
    console,
    err_console,
    key_of,
    option_of,
)
from govern.cli.outputs import ForceOption, check_output
from govern.errors import BadInput

data_app = typer.Typer(help="Dataset versions.", no_args_is_help=True)
model_app = typer.Typer(help="Model versions.", no_args_is_help=True)
people_app = typer.Typer(help="People, their roles and their SSH keys.", no_args_is_help=True)
keys_app = typer.Typer(help="SSH keys for people who have none.", no_args_is_help=True)
finding_app = typer.Typer(help="Validation findings.", no_args_is_help=True)
approval_app = typer.Typer(
    help="Two-step approvals: write the statement, sign it elsewhere, submit it.",
    no_args_is_help=True,
)
policy_app = typer.Typer(help="The governance policy in force.", no_args_is_help=True)
clock_app = typer.Typer(
    help="The log's clock: repair it after a future-dated entry.", no_args_is_help=True
)
for sub, name in (
    (data_app, "data"),
    (model_app, "model"),
    (people_app, "people"),
    (keys_app, "keys"),
    (finding_app, "finding"),
    (approval_app, "approval"),
    (policy_app, "policy"),
    (clock_app, "clock"),
):
    app.add_typer(sub, name=name)

ArtifactsOption = typer.Option(
    None,
    "--artifacts",
    envvar="GOVERN_ARTIFACTS",
    help="Artifact store folder (default: registry.artifacts beside a SQLite registry).",
)
#: govern's own regulation packs, listed without importing the documents (start-up time)
PACKS = sorted(
    p.stem for p in (Path(__file__).resolve().parents[1] / "documents" / "packs").glob("*.toml")
)
PackOption = typer.Option(
    None,
    "--pack",
    help=f"Regulation pack ({', '.join(PACKS)}) or a pack "
    "file; repeat for several. Default: sr11-7, sr26-2.",
)
SignWith = typer.Option(
    None,
    "--sign-with",
    envvar="GOVERN_SIGNING_KEY",
    help="Your SSH private key (or key.pub with the key in ssh-agent); it says who you are.",
)


@contextmanager
def registry(
    ctx: typer.Context,
    db: str | None,
    artifacts: Path | None = None,
    readonly: bool = False,
    key: Path | None = None,
) -> Iterator[Registry]:
    """The registry, signing with ``key`` (a command's --sign-with) or the root --sign-with."""
    from govern.registry import Registry
    from govern.registry.statements import Presigned

    two_step = option_of(ctx, "statement_out") or option_of(ctx, "signed")
    signing = None if readonly or two_step else (key or key_of(ctx))
    with Registry.open(
        db, actor=actor_of(ctx), artifacts=artifacts, readonly=readonly, key=signing
    ) as reg:
        reg.on_sign = _show_statement
        if not readonly:
            reg.statement_out = option_of(ctx, "statement_out")
            signed = option_of(ctx, "signed")
            reg.presigned = Presigned.read(signed) if signed is not None else None
        yield reg


def data_frame(reg: Registry, data: str) -> tuple[Any, str]:
    """``--data NAME@V|FILE``: an existing file is read as a table, anything else is a
    registered dataset version; with the name to record."""
    from govern.registry import catalog, tables

    if Path(data).exists():
        return tables.read_table(Path(data)), Path(data).name
    return catalog.load(reg, data), catalog.resolve(reg, data).ref


def _show_statement(record: Record) -> None:
    """Before signing: what is being signed, in one line on stderr."""
    subject = getattr(record, "subject", None)
    err_console.print(
        f"[dim]signing {record.KIND}{f' for {subject}' if subject else ''}[/dim]", markup=True
    )


def _dump(obj: Any) -> None:
    typer.echo(json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=True))


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    table = Table(title=title)
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*["" if v is None else str(v) for v in row])
    console.print(table)


# ---- data -------------------------------------------------------------------------------------


@data_app.command("add")
def data_add(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="A CSV or Parquet file, or a folder of them."),
    name: str = typer.Option(..., "--name", help="The dataset's name."),
    source: str | None = typer.Option(
        None, "--source", help="Where it came from (an S3 version id, a DVC or lakeFS ref)."
    ),
    target: str | None = typer.Option(None, "--target", help="The outcome column, if any."),
    db: str | None = DbOption,
    artifacts: Path | None = ArtifactsOption,
) -> None:
    """Register a dataset version by its SHA-256, with its profile."""
    from govern.registry import catalog

    with registry(ctx, db, artifacts) as reg:
        dv = catalog.add_dataset(reg, path, name=name, source=source, target=target)
    verb = "registered" if dv.created else "already registered (identical bytes)"
    console.print(f"{dv.ref} {verb}: sha256 {dv.sha256}")


@data_app.command("list")
def data_list(
    ctx: typer.Context, db: str | None = DbOption, as_json: bool = typer.Option(False, "--json")
) -> None:
    """List dataset versions."""
    from govern.registry import catalog

    with registry(ctx, db, readonly=True) as reg:
        rows = catalog.versions(reg)
    if as_json:
        _dump(
            [
                {
                    "name": r.name,
                    "version": r.version,
                    "sha256": r.sha256,
                    "format": r.format,
                    "source": r.record.source,
                    "rows": r.rows,
                    "seq": r.seq,
                    "ts": r.ts,
                    "actor": r.actor,
                }
                for r in rows
            ]
        )
        return
    _table(
        "datasets",
        ["name", "version", "sha256", "format", "rows", "registered"],
        [[r.name, r.version, r.sha256[:16], r.format, r.rows, r.ts[:19]] for r in rows],
    )


# ---- models -----------------------------------------------------------------------------------


@model_app.command("add")
def model_add(
    ctx: typer.Context,
    artifact: Path = typer.Argument(..., help="The fitted model: .skops (or .pkl/.joblib)."),
    name: str = typer.Option(..., "--name"),
    train: list[str] = typer.Option(..., "--train", help="Training data NAME@V (repeatable)."),
    holdout: list[str] = typer.Option([], "--holdout", help="Validation data NAME@V (repeatable)."),
    target: str = typer.Option(..., "--target", help="The outcome column."),
    feature: list[str] = typer.Option(
        [], "--feature", help="A feature column (repeatable; default: all but the target)."
    ),
    intended_use: str = typer.Option(..., "--intended-use"),
    limitations: str = typer.Option("", "--limitations"),
    owner: str = typer.Option(..., "--owner"),
    tier: str = typer.Option(..., "--tier", help="Risk tier: high, medium or low."),
    positive_label: str | None = typer.Option(
        None,
        "--positive-label",
        help="The class whose probability is the score, and that the metrics count as positive "
        "(default: the last of the model's classes).",
    ),
    favorable_label: str | None = typer.Option(
        None,
        "--favorable-label",
        help="Required for a classifier: the outcome that is good for the applicant (0 for a "
        "probability-of-default model whose label 1 is default; good for German credit). "
        "Adverse-action reasons are the factors that pushed away from it.",
    ),
    threshold: float = typer.Option(
        0.5, "--threshold", help="Score >= threshold decides the positive label."
    ),
    allow_dirty: bool = typer.Option(False, "--allow-dirty"),
    commit: str | None = typer.Option(None, "--commit", help="Give the code commit instead."),
    repo: str | None = typer.Option(None, "--repo", help="With --commit: the repository."),
    branch: str | None = typer.Option(None, "--branch", help="With --commit: the branch."),
    code_path: Path = typer.Option(Path("."), "--code-path", help="The git work tree."),
    trust_pickle: bool = typer.Option(False, "--trust-pickle"),
    challenger_of: str | None = typer.Option(
        None, "--challenger-of", help="The version NAME@V this one would replace."
    ),
    db: str | None = DbOption,
    artifacts: Path | None = ArtifactsOption,
) -> None:
    """Register a model version: artifact, data, code, hyperparameters, holdout metrics."""
    from govern.presentation import fmt
    from govern.registry import models
    from govern.registry.codeversion import given

    with registry(ctx, db, artifacts) as reg:
        mv = models.register_model(
            reg,
            name=name,
            training_data=train,
            validation_data=holdout,
            target=target,
            features=feature or None,
            intended_use=intended_use,
            limitations=limitations,
            owner=owner,
            risk_tier=tier,
            positive_label=positive_label,
            favorable_label=favorable_label,
            threshold=threshold,
            code=given(commit, repo, branch) if commit else None,
            code_path=code_path,
            allow_dirty=allow_dirty,
            artifact_file=artifact,
            trust_pickle=trust_pickle,
            challenger_of=challenger_of,
        )
    console.print(f"{mv.ref} registered (entry {mv.seq})")
    if mv.record.challenger_of is not None:
        console.print(f"  a designated challenger of {mv.record.challenger_of.ref}")
    if mv.task == "classification":
        r = mv.record
        console.print(
            f"  score: the probability of {r.positive_label!r}; favourable outcome: "
            f"{r.favorable_label!r}"
        )
        for ref in mv.record.metrics:
            m = mv.record.classifier_metrics(ref)
            console.print(f"  {ref}: ROC AUC {fmt(m.roc_auc)}, Gini {fmt(m.gini)}, KS {fmt(m.ks)}")


@model_app.command("challenger")
def model_challenger(
    ctx: typer.Context,
    candidate: str = typer.Argument(..., metavar="CANDIDATE@V"),
    of: str = typer.Option(..., "--of", help="The live version NAME@V it would replace."),
    reason: str = typer.Option(..., "--reason", help="Why it is designated."),
    db: str | None = DbOption,
) -> None:
    """Designate a registered version as the challenger of another (a signed entry)."""
    from govern.registry import models

    with registry(ctx, db) as reg:
        entry = models.designate_challenger(reg, candidate, of, reason=reason)
    console.print(f"{candidate} designated a challenger of {of} (entry {entry.seq})")


@model_app.command("decision-policy")
def model_decision_policy(
    ctx: typer.Context,
    ref: str = typer.Argument(..., metavar="MODEL@V"),
    path: Path = typer.Argument(..., help="A TOML file: severity, adverse and [[bands]]."),
    db: str | None = DbOption,
) -> None:
    """Record the next version of a model version's decision policy (score bands to actions);
    approvals signed before it go stale."""
    from govern.registry import decisions

    bands, severity, adverse = decisions.load_file(path)
    with registry(ctx, db) as reg:
        entry = decisions.register(reg, ref, bands, severity=severity, adverse=adverse)
    console.print(f"decision policy recorded for {ref} (entry {entry.seq})")


@model_app.command("show")
def model_show(
    ctx: typer.Context, ref: str = typer.Argument(..., metavar="MODEL@V"), db: str | None = DbOption
) -> None:
    """Print a model version's registration entry."""
    from govern.registry import models

    with registry(ctx, db, readonly=True) as reg:
        _dump(models.entry_of(reg, ref).as_dict())


# ---- people and keys --------------------------------------------------------------------------


@people_app.command("add")
def people_add(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    role: list[str] = typer.Option(
        ..., "--role", help="developer, validator, approver, auditor or administrator (repeatable)."
    ),
    ssh_key: Path = typer.Option(..., "--ssh-key", help="Their OpenSSH public key file."),
    until: str | None = typer.Option(None, "--until", help="Key valid until (YYYY-MM-DD)."),
    sign_with: Path | None = SignWith,
    cosign_with: Path | None = typer.Option(
        None,
        "--cosign-with",
        help="A second administrator's key: dual control for validators, approvers and "
        "administrators once the registry has two administrators.",
    ),
    db: str | None = DbOption,
) -> None:
    """Enrol a person or service; signed by you, an administrator."""
    from govern.registry import people
    from govern.registry.dates import parse_date

    with registry(ctx, db, key=sign_with) as reg:
        entry = people.enroll(
            reg,
            name,
            role,
            _read(ssh_key),
            cosigner_key=cosign_with,
            valid_until=parse_date(until) if until else None,
        )
    console.print(f"{name} enrolled as {', '.join(sorted(role))} (entry {entry.seq})")


@people_app.command("revoke")
def people_revoke(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    reason: str = typer.Option(..., "--reason"),
    compromised: bool = typer.Option(
        False, "--compromised", help="The key was compromised: its signatures stop counting."
    ),
    since: int | None = typer.Option(
        None,
        "--since",
        help="With --compromised: the log position from which its signatures stop counting "
        "(default: since it was enrolled).",
    ),
    sign_with: Path | None = SignWith,
    db: str | None = DbOption,
) -> None:
    """Revoke a person's key; signed by you, an administrator."""
    from govern.registry import people

    with registry(ctx, db, key=sign_with) as reg:
        entry = people.revoke(
            reg, name, reason=reason, compromised=compromised, compromised_from=since
        )
    console.print(f"{name}'s key revoked (entry {entry.seq})")


@people_app.command("rotate")
def people_rotate(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    new_key: Path = typer.Option(
        ..., "--new-key", help="The new private key (or NEW.pub with it in ssh-agent)."
    ),
    reason: str = typer.Option(..., "--reason"),
    sign_with: Path | None = SignWith,
    db: str | None = DbOption,
) -> None:
    """Replace a person's key: signed with their old key (or an administrator's after a loss)
    and with the new one."""
    from govern.registry import people

    with registry(ctx, db, key=sign_with) as reg:
        entry = people.rotate(reg, name, new_key, reason=reason)
    console.print(f"{name}'s key replaced (entry {entry.seq})")


@people_app.command("list")
def people_list(
    ctx: typer.Context,
    db: str | None = DbOption,
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """List enrolled people."""
    from govern.registry import people

    with registry(ctx, db, readonly=True) as reg:
        rows = people.everyone(reg)
    if as_json:
        _dump([asdict(r) for r in rows])
        return
    _table(
        "people",
        ["name", "roles", "key", "valid until", "revoked"],
        [[r.name, ",".join(r.roles), r.fingerprint, r.valid_until, r.revoked_at] for r in rows],
    )


@keys_app.command("new")
def keys_new(
    name: str = typer.Argument(..., help="Whose key."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Private key path."),
    force: bool = ForceOption,
) -> None:
    """Make an OpenSSH Ed25519 key pair (private key mode 0600)."""
    from govern.registry.sshsig import new_keypair

    path = output or Path(f"{name}_ed25519")
    check_output(path, force=force)  # a key is never replaced by accident
    check_output(Path(f"{path}.pub"), force=force)
    key = new_keypair(path, comment=name)
    console.print(f"private key: {path}\npublic key:  {path}.pub\nfingerprint: {key.fingerprint()}")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read {path}: {exc}") from exc


# ---- findings, approvals ----------------------------------------------------------------------


@finding_app.command("add")
def finding_add(
    ctx: typer.Context,
    ref: str = typer.Argument(..., metavar="MODEL@V"),
    text: str = typer.Argument(...),
    severity: str = typer.Option(..., "--severity", help="high, medium or low."),
    kind: str = typer.Option(
        "validation issue", "--type", help="validation issue, policy exception or limitation."
    ),
    due: str | None = typer.Option(None, "--due", help="Due date (YYYY-MM-DD)."),
    db: str | None = DbOption,
) -> None:
    """Raise a validation finding (you must be a validator)."""
    from govern.records import FindingRaised
    from govern.registry import findings
    from govern.registry.dates import parse_date

    with registry(ctx, db) as reg:
        entry = findings.raise_finding(
            reg,
            ref,
            severity=severity,
            text=text,
            type=kind,
            due=parse_date(due) if due else None,
        )
    raised = FindingRaised.from_entry(entry)
    console.print(f"finding #{raised.number} raised on {raised.model}")


@finding_app.command("close")
def finding_close(
    ctx: typer.Context,
    ref: str = typer.Argument(..., metavar="MODEL@V"),
    number: int = typer.Argument(...),
    resolution: str = typer.Option(..., "--resolution"),
    db: str | None = DbOption,
) -> None:
    """Close a finding, saying how it was resolved."""
    from govern.registry import findings

    with registry(ctx, db) as reg:
        findings.close_finding(reg, ref, number, resolution=resolution)
    console.print(f"finding #{number} of {ref} closed")


@app.command()
def approve(
    ctx: typer.Context,
    ref: str = typer.Argument(..., metavar="MODEL@V"),
    decision: str = typer.Option(..., "--decision", help="approve, reject or conditional."),
    role: str = typer.Option(..., "--role", help="validator or approver."),
    conditions: str | None = typer.Option(None, "--conditions"),
    expires: str | None = typer.Option(None, "--expires", help="YYYY-MM-DD."),
    sign_with: Path | None = SignWith,
    db: str | None = DbOption,
) -> None:
    """Sign and record your decision on a model version."""
    from govern.registry import approvals
    from govern.registry.status import status as status_of

    with registry(ctx, db, key=sign_with) as reg:
        entry = approvals.approve(
            reg,
            ref,
            decision=decision,
            role=role,
            conditions=conditions,
            expires=expires,
        )
        st = status_of(reg, ref)
    console.print(f"{decision} as {role} recorded (entry {entry.seq}); {st.model} is {st.status}")


@approval_app.command("statement")
def approval_statement(
    ctx: typer.Context,
    ref: str = typer.Argument(..., metavar="MODEL@V"),
    decision: str = typer.Option(..., "--decision"),
    role: str = typer.Option(..., "--role"),
    conditions: str | None = typer.Option(None, "--conditions"),
    expires: str | None = typer.Option(None, "--expires"),
    output: Path = typer.Option(..., "-o", "--output", help="Where to write the statement."),
    force: bool = ForceOption,
    db: str | None = DbOption,
) -> None:
    """Write the statement to sign (canonical JSON) and the ssh-keygen command to sign it."""
    from govern.registry import approvals, signing

    check_output(output, force=force)

    with registry(ctx, db, readonly=True) as reg:
        st = approvals.statement(
            reg,
            ref,
            decision=decision,
            role=role,
            signer=reg.actor,
            conditions=conditions,
            expires=expires,
        )
        ns = signing.namespace("approval", reg.origin)
    output.write_bytes(signing.statement_bytes(st))
    console.print(f"statement written: {output}\nsign it on your workstation with:")
    typer.echo(f"  ssh-keygen -Y sign -f ~/.ssh/id_ed25519 -n {ns} {output}")
    typer.echo(f"then: govern approval submit {output} --signature {output}.sig")


@approval_app.command("submit")
def approval_submit(
    ctx: typer.Context,
    statement_file: Path = typer.Argument(..., help="The statement written by `statement`."),
    signature: Path = typer.Option(..., "--signature", help="Its .sig from ssh-keygen -Y sign."),
    db: str | None = DbOption,
) -> None:
    """Check a signed statement and record it."""
    from govern.ledger.jcs import loads_strict
    from govern.registry import approvals, signing

    try:
        st = loads_strict(statement_file.read_bytes())
    except OSError as exc:
        raise BadInput(f"cannot read {statement_file}: {exc}") from exc
    if not isinstance(st, dict):
        raise BadInput(f"{statement_file} is not an approval statement")
    with registry(ctx, db) as reg:
        entry = approvals.submit(reg, st, signing.read_signature(signature))
    console.print(f"approval by {st['signer']} recorded (entry {entry.seq})")


# ---- deployments, status, inventory -----------------------------------------------------------


@app.command()
def deploy(
    ctx: typer.Context,
    ref: str = typer.Argument(..., metavar="MODEL@V"),
    env: str = typer.Option("production", "--env"),
    override: str | None = typer.Option(
        None,
        "--override",
        help="Deploy a version the gates refuse (an approver): your signed justification.",
    ),
    packs: list[str] | None = PackOption,
    replaces: str | None = typer.Option(
        None, "--replaces", help="The live version NAME@V it retires (of any model)."
    ),
    rollback_reason: str | None = typer.Option(
        None, "--rollback-reason", help="Putting back the version that ran before: why."
    ),
    sign_with: Path | None = SignWith,
    db: str | None = DbOption,
) -> None:
    """Record a deployment: refused unless approved (not stale), documented as the regulation
    packs require, its card released and, replacing a live version, a passing recorded
    comparison with it (a rollback needs a reason instead), or by an approver's signed
    override."""
    from govern import gates
    from govern.documents import coverage
    from govern.records import ModelDeployed

    with registry(ctx, db, key=sign_with) as reg:
        entry = gates.deploy(
            reg,
            ref,
            env=env,
            override=override,
            packs=packs or coverage.DEFAULT_PACKS,
            replaces=replaces,
            rollback_reason=rollback_reason,
        )
    deployed = ModelDeployed.from_entry(entry)
    extra = ""
    if deployed.override is not None:
        extra = f" by signed override of: {'; '.join(deployed.override.statement.gates or ())}"
    replaced = f"; {deployed.replaces} retired from {env}" if deployed.replaces else ""
    console.print(f"{deployed.model} deployed to {env}{replaced} (entry {entry.seq}){extra}")


@app.command()
def retire(
    ctx: typer.Context,
    ref: str = typer.Argument(..., metavar="MODEL@V"),
    env: str = typer.Option("production", "--env"),
    reason: str = typer.Option(..., "--reason"),
    db: str | None = DbOption,
) -> None:
    """Record that a version no longer runs in an environment."""
    from govern.registry import deployments

    with registry(ctx, db) as reg:
        deployments.retire(reg, ref, env=env, reason=reason)
    console.print(f"{ref} retired from {env}")


@app.command()
def status(
    ctx: typer.Context,
    ref: str = typer.Argument(..., metavar="MODEL@V"),
    as_of: str | None = typer.Option(
        None, "--as-of", help="A past moment (YYYY-MM-DD or RFC 3339)."
    ),
    as_json: bool = typer.Option(False, "--json"),
    db: str | None = DbOption,
) -> None:
    """A version's lifecycle status now, or as of a past moment."""
    from govern.registry.dates import parse_date
    from govern.registry.status import status as status_of

    with registry(ctx, db, readonly=True) as reg:
        st = status_of(reg, ref, parse_date(as_of) if as_of else None)
    data = {
        "model": st.model,
        "as_of": st.as_of,
        "status": st.status,
        "tier": st.tier,
        "required_roles": list(st.required_roles),
        "deployed_in": list(st.deployed_in),
        "next_review_due": st.next_review_due,
        "warnings": list(st.warnings),
        "open_findings": [f"#{f.number} {f.severity}: {f.text}" for f in st.open_findings],
        "signoffs": [asdict(s) for s in st.signoffs],
        "stale": [asdict(c) for c in st.stale],
        "overridden_by": st.overridden_by,
        "flags": [asdict(f) for f in st.flags],
        "monitoring": None if st.monitoring is None else asdict(st.monitoring),
    }
    if as_json:
        _dump(data)
        return
    console.print(f"{st.model}: [bold]{st.status}[/bold] (tier {st.tier}, as of {st.as_of})")
    for s in st.signoffs:
        console.print(
            f"  {s.role} {s.decision} by {s.signer} at {s.signed_at}, expires "
            f"{s.expires[:10]}{'' if s.in_force else ' (not in force)'}"
            f"{' (stale)' if s.stale else ''}"
        )
    for f in st.open_findings:
        console.print(f"  open finding #{f.number} {f.severity}: {f.text}")
    for c in st.stale:
        console.print(f"  [bold red]stale:[/bold red] {c.detail} ({c.ts[:10]})")
    if st.overridden_by is not None:
        console.print(
            f"  overridden: an approver's signed override (entry {st.overridden_by}) lets it "
            "run while the approval is stale"
        )
    for w in st.warnings:
        console.print(f"  [bold red]warning:[/bold red] {w}")
    m = st.monitoring
    if m is not None and m.last_status is not None and m.last_at is not None:
        console.print(
            f"  monitoring: {m.last_status} (entry {m.last_entry}, {m.last_at[:10]}), next due "
            f"{(m.due or '')[:10]}"
        )
    for flag in st.flags:
        console.print(f"  [yellow]flag:[/yellow] {flag.kind} {flag.date[:10]}: {flag.detail}")


INVENTORY_COLUMNS = [
    "name",
    "version",
    "tier",
    "owner",
    "status",
    "approvals",
    "last_validation",
    "next_review_due",
    "open_findings",
    "deployed_in",
    "stale",
    "monitoring",
    "flags",
]


@app.command()
def inventory(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json"),
    as_csv: bool = typer.Option(False, "--csv"),
    as_of: str | None = typer.Option(None, "--as-of"),
    db: str | None = DbOption,
) -> None:
    """The model inventory (SR 11-7 section VI)."""
    from govern.registry.dates import parse_date
    from govern.registry.inventory import inventory as inventory_rows

    with registry(ctx, db, readonly=True) as reg:
        rows = inventory_rows(reg, parse_date(as_of) if as_of else None)
    if as_json:
        _dump([r.as_dict() for r in rows])
    elif as_csv:
        from govern.registry import tables

        out = io.StringIO()
        writer = csv.DictWriter(
            out,
            fieldnames=list(rows[0].as_dict()) if rows else INVENTORY_COLUMNS,
            lineterminator="\n",
        )
        writer.writeheader()
        for r in rows:
            # a name or owner a spreadsheet would run as a formula is written as text
            writer.writerow(
                {
                    k: "'" + v if isinstance(v, str) and v.startswith(tables.FORMULA_STARTS) else v
                    for k, v in r.as_dict().items()
                }
            )
        typer.echo(out.getvalue(), nl=False)
    else:
        _table(
            "model inventory",
            INVENTORY_COLUMNS,
            [[getattr(r, c) for c in INVENTORY_COLUMNS] for r in rows],
        )


@app.command()
def rebuild(ctx: typer.Context, db: str | None = DbOption) -> None:
    """Rebuild every registry table from the ledger alone."""
    with registry(ctx, db) as reg:
        n = reg.rebuild()
    console.print(f"registry tables rebuilt from {n} ledger entries")


@policy_app.command("set")
def policy_set(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="A TOML policy."),
    db: str | None = DbOption,
) -> None:
    """Record a new policy (it applies from now on)."""
    from govern.records import PolicySet, subjects
    from govern.registry import people
    from govern.registry import policy as policy_mod

    pol = policy_mod.load_file(path)
    with registry(ctx, db) as reg:
        people.require_active(reg, reg.actor, "administrator")
        entry = reg.record(PolicySet(subject=subjects.POLICY, policy=pol.as_dict()))
    console.print(f"policy recorded (entry {entry.seq})")


@clock_app.command("correct")
def clock_correct(
    ctx: typer.Context,
    reason: str = typer.Option(..., "--reason", help="Why the log's clock is corrected."),
    db: str | None = DbOption,
) -> None:
    """Repair a log frozen by a future-dated entry (an administrator's signed correction)."""
    from govern.registry import clock as clock_mod

    with registry(ctx, db) as reg:
        entry = clock_mod.correct(reg, reason)
    console.print(f"clock corrected (entry {entry.seq}); appends resume at real time ({entry.ts})")


@policy_app.command("show")
def policy_show(ctx: typer.Context, db: str | None = DbOption) -> None:
    """Print the policy in force."""
    with registry(ctx, db, readonly=True) as reg:
        _dump(reg.policy().as_dict())
