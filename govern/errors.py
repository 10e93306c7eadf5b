"""One error tree for all of govern.

Every error carries a message written for the model-risk officer or auditor who reads it, an
optional hint saying what to do next, and the process exit code the CLI uses for it. The codes are
listed in docs/exit-codes.md; keep the two in step.
"""

from __future__ import annotations

__all__ = [
    "ActionNotAllowed",
    "ActorNotEnrolled",
    "AlreadyDeployed",
    "ApprovalLapsed",
    "ApprovalStale",
    "ArtifactTampered",
    "AuthorityBroken",
    "BadInput",
    "CardNotReleased",
    "ChainBroken",
    "CheckpointInvalid",
    "ComparisonMissing",
    "CompromisedSignatures",
    "Conflict",
    "CoverageIncomplete",
    "DuplicatePrediction",
    "EntryCorrupt",
    "EntryMalformed",
    "EntrySignatureBad",
    "EntryUnsigned",
    "ExplainerUnsupported",
    "FavourableOutcomeMissing",
    "FidelityError",
    "GovernError",
    "GuardsMissing",
    "HeadMismatch",
    "InconsistentWithCheckpoint",
    "IndexMismatch",
    "InputTampered",
    "LedgerCorrupt",
    "ModelNotDeployed",
    "NoCheckpoint",
    "NotApproved",
    "NotFound",
    "OpenFinding",
    "PolicyViolation",
    "ProjectionStale",
    "ProofInvalid",
    "ProvenanceCheckFailed",
    "ReleaseRefused",
    "SignatureInvalid",
    "StorageError",
    "TokenRefused",
    "TreeMismatch",
]


class GovernError(Exception):
    """Base of every error govern raises on purpose."""

    exit_code: int = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class BadInput(GovernError):
    """The caller gave something govern cannot use (a value, a file, an argument)."""

    exit_code = 3


class NotFound(GovernError):
    """A named thing (entry, model version, person, file) does not exist."""

    exit_code = 4


class StorageError(GovernError):
    """The database cannot be opened, created or written (path, permissions, server)."""

    exit_code = 5


class PolicyViolation(GovernError):
    """The action is well-formed but the governance policy forbids it."""

    exit_code = 6


class SignatureInvalid(GovernError):
    """A signature, key or signed statement does not verify."""

    exit_code = 7


class Conflict(GovernError):
    """The action collides with something already recorded (a duplicate id, a stale head)."""

    exit_code = 8


class ProjectionStale(GovernError):
    """The registry's tables disagree with the ledger (rebuild them with `govern rebuild`)."""

    exit_code = 9


# --- Ledger verification failures: one code per kind, so scripts can tell them apart. ---


class LedgerCorrupt(GovernError):
    """The ledger does not verify. Subclasses say which check failed and name the first bad item."""

    exit_code = 10
    seq: int | None = None

    def __init__(self, message: str, hint: str | None = None, seq: int | None = None) -> None:
        super().__init__(
            message,
            hint
            or "the ledger has been changed outside govern; compare with a checkpoint you hold "
            "(`govern verify --checkpoint FILE`) and restore from a trusted copy",
        )
        self.seq = seq


class EntryCorrupt(LedgerCorrupt):
    """An entry's stored bytes are not a valid entry, or do not hash to its stored leaf hash."""

    exit_code = 11


class EntryMalformed(EntryCorrupt):
    """An entry's payload does not have the shape its kind requires (docs/records.md)."""

    exit_code = 23


class ChainBroken(LedgerCorrupt):
    """Entries are missing, reordered or inserted: seq, prev or ts do not follow on."""

    exit_code = 12


class TreeMismatch(LedgerCorrupt):
    """A stored Merkle node or the root does not match the one recomputed from the entries."""

    exit_code = 13


class HeadMismatch(LedgerCorrupt):
    """The head row (size, root, chain tip, frontier) disagrees with the entries."""

    exit_code = 14


class IndexMismatch(LedgerCorrupt):
    """An indexed column (kind, subject, ts, actor) disagrees with the entry's bytes."""

    exit_code = 15


class GuardsMissing(LedgerCorrupt):
    """The database triggers that refuse UPDATE, DELETE and TRUNCATE are missing or disabled."""

    exit_code = 16


class InconsistentWithCheckpoint(LedgerCorrupt):
    """The log is not an append-only extension of a checkpoint: history was rewritten."""

    exit_code = 17


class FutureDated(LedgerCorrupt):
    """An entry is dated after the moment verify runs (beyond the clock tolerance) and no clock
    correction after it repairs the log (docs/ledger-format.md, "The clock")."""

    exit_code = 26


class ClockBehind(Conflict):
    """This writer's clock is behind the log's last entry by more than the tolerance: appending
    would either go back in time or adopt a time that may be far in the future."""

    exit_code = 25


class StatementReplayed(Conflict):
    """A signed statement already recorded, or one that reviewed an older log state than the
    same person's latest decision on the version, was submitted again (docs/registry.md)."""

    exit_code = 47


class CheckpointInvalid(GovernError):
    """A checkpoint file is malformed, from another log, or its signature does not verify."""

    exit_code = 18


class ArtifactTampered(GovernError):
    """A stored artifact's bytes no longer match the digest the ledger holds."""

    exit_code = 19


class InputTampered(ArtifactTampered):
    """A stored prediction input no longer matches the commitment its ledger entry holds, or is
    stored for an entry that is no prediction (``govern verify --stores``)."""

    exit_code = 27


class ProofInvalid(GovernError):
    """An inclusion or consistency proof does not verify."""

    exit_code = 20


class ExplainerUnsupported(BadInput):
    """No explainer in govern supports this model type."""

    exit_code = 21


class FavourableOutcomeMissing(BadInput):
    """A classifier was registered without naming the outcome that is good for the applicant."""

    exit_code = 24


class FidelityError(GovernError):
    """An explanation does not add up to the model's output."""

    exit_code = 22


# --- Prediction provenance (govern.provenance): codes from 40 upward. ---


class DuplicatePrediction(Conflict):
    """A prediction id is already in the ledger, or appears twice in one batch."""

    exit_code = 40


class ModelNotDeployed(PolicyViolation):
    """The model version is not deployed and approved now, and no override was given."""

    exit_code = 41


class ProvenanceCheckFailed(GovernError):
    """A provenance check failed: the stored input does not match its commitment, the re-score
    differs from the logged output, or the entry does not verify to a signed checkpoint."""

    exit_code = 42


class NoCheckpoint(NotFound):
    """No signed checkpoint covers the entry yet, and no log key is at hand to sign one."""

    exit_code = 43


# --- Deployment gates (govern deploy, and scoring in production): 44 to 49. ---


class ApprovalStale(PolicyViolation):
    """Something a sign-off pinned changed after it was signed (a narrative, the reason-code
    table, the tier's policy settings): deploy and scoring refuse the version unless an approver
    signs an override."""

    exit_code = 44


class CardNotReleased(PolicyViolation):
    """No model card was released for the version (`govern release`): it may not be deployed
    unless an approver signs an override."""

    exit_code = 45


class ComparisonMissing(PolicyViolation):
    """A candidate would replace a live version without a passing recorded comparison between
    the two (`govern compare --record`): the release gate refuses it."""

    exit_code = 48


class AlreadyDeployed(Conflict):
    """The version already runs in that environment: deploying it again records nothing."""

    exit_code = 46


# --- Authority (govern verify): who made each entry, and whether they were allowed to. ---


class AuthorityBroken(GovernError):
    """An entry is not backed by its author's enrolled key and the policy of its time: the
    bytes are intact, but the record is not evidence of what it claims. Subclasses say which
    check failed; ``seq`` names the entry."""

    exit_code = 50
    seq: int | None = None

    def __init__(self, message: str, hint: str | None = None, seq: int | None = None) -> None:
        super().__init__(
            message,
            hint
            or "the entry was written around govern's checks (by an insider with the database, "
            "or a bug): investigate who wrote it; `govern show SEQ` prints it",
        )
        self.seq = seq


class EntryUnsigned(AuthorityBroken):
    """An entry a person or service made carries no signature, in a ledger that requires them."""

    exit_code = 51


class EntrySignatureBad(AuthorityBroken):
    """An entry's signature does not verify with its actor's enrolled key (or signs something
    else, or a batch's digest does not match its predictions)."""

    exit_code = 52


class ActorNotEnrolled(AuthorityBroken):
    """An entry's actor was not enrolled, or their key was expired or revoked, when it was made."""

    exit_code = 53


class ActionNotAllowed(AuthorityBroken):
    """The policy in force when the entry was made did not let its actor's roles do it."""

    exit_code = 54


class CompromisedSignatures(AuthorityBroken):
    """The ledger verifies, but some entries were signed by keys later revoked as compromised:
    they no longer count (an approval made only by them no longer approves). A warning."""

    exit_code = 55


class TokenRefused(PolicyViolation):
    """An HTTP request's bearer token is missing, malformed, unknown, revoked or expired, or
    its holder's key is revoked (docs/serving.md, "Tokens"): the request is refused with 401
    and nothing is logged."""

    exit_code = 56


class ArtifactStoreMissing(StorageError):
    """The artifact store is not where the command looked (docs/registry.md, "Artifacts"): a
    wrong or missing ``--artifacts`` path, not a changed model; nothing was checked or
    written."""

    exit_code = 57


# --- Release and deploy refusals (govern release, govern deploy): one code per reason, so a CI
# job can tell them apart. ---


class ReleaseRefused(PolicyViolation):
    """`govern release` refused to issue the documents, or `govern deploy` to deploy the
    version; subclasses say why. Nothing was written."""

    exit_code = 30


class NotApproved(ReleaseRefused):
    """The model version is not approved (registered, in validation or rejected)."""

    exit_code = 31


class ApprovalLapsed(ReleaseRefused):
    """The version was approved, but a required sign-off has expired: it needs revalidation."""

    exit_code = 32


class OpenFinding(ReleaseRefused):
    """A finding of high (or another blocking) severity is open against the version."""

    exit_code = 33


class CoverageIncomplete(ReleaseRefused):
    """Evidence for a requirement that is mandatory for the version's tier is missing."""

    exit_code = 34
