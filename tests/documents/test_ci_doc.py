"""docs/ci.md works: its GitHub Actions and GitLab CI release scripts are run here, for real,
against a copy of the demo registry (the CI services themselves are not)."""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from govern.registry import people
from govern.registry.sshsig import new_keypair
from tests.documents.conftest import THIN_NARRATIVE, Demo, listing, register_copy

CI_DOC = Path(__file__).resolve().parents[2] / "docs" / "ci.md"
TAG = "model/credit-risk/1"


def _configs() -> tuple[dict[str, Any], dict[str, Any]]:
    github, gitlab = (
        yaml.safe_load(b)
        for b in re.findall(r"```yaml\n(.*?)```", CI_DOC.read_text(encoding="utf-8"), re.S)
    )
    return github, gitlab


def _run(
    shell: str, script: str, demo: Demo, cwd: Path, **env: str
) -> subprocess.CompletedProcess[str]:
    cwd.mkdir(parents=True, exist_ok=True)
    (cwd.parent / "tmp").mkdir(exist_ok=True)
    full = {
        "TMPDIR": str(cwd.parent / "tmp"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(cwd),
        "GOVERN_DB": str(demo.db),
        "GOVERN_ARTIFACTS": str(demo.folder / "registry.artifacts"),
        "GOVERN_LOG_KEY_TEXT": demo.key.read_text(encoding="utf-8").strip(),
        "GOVERN_SIGNING_KEY_TEXT": _release_bot(demo).read_text(encoding="utf-8").strip(),
        **env,
    }
    return subprocess.run(
        [shell, "-c", script], cwd=cwd, env=full, capture_output=True, text=True, check=False
    )


def _release_bot(demo: Demo) -> Path:
    """The release bot's key, enrolled as a service (once per demo copy), as docs/ci.md says."""
    key = demo.folder / "keys" / "release-bot_ed25519"
    if not key.exists():
        public = new_keypair(key, comment="release-bot")
        with demo.open("ada") as reg:
            people.enroll(reg, "release-bot", ["service"], public.openssh())
    return key


def _sums_match(folder: Path) -> bool:
    lines = (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    return all(
        hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
        for digest, name in (line.split("  ", 1) for line in lines)
    )


def test_the_triggers_match_model_tags() -> None:
    github, gitlab = _configs()
    # PyYAML reads the key `on` as True (YAML 1.1); GitHub reads it as "on".
    (pattern,) = github[True]["push"]["tags"]
    rule = gitlab["release-model-documents"]["rules"][0]["if"]
    regex = re.compile(rule.split("=~ ", 1)[1].strip("/").replace("\\/", "/"))
    for tag, release in (
        (TAG, True),
        ("model/credit-risk/12", True),
        ("v1.0", False),
        ("model/credit-risk", False),
    ):
        assert fnmatch.fnmatch(tag, pattern.replace("*", "[!/]*")) is release, tag
        assert bool(regex.match(tag)) is release, tag


def test_github_actions_release(demo: Demo, tmp_path: Path) -> None:
    github, _ = _configs()
    job = github["jobs"]["release"]
    assert "GOVERN_USER" not in job["env"]  # the signing key says who releases
    step = next(s for s in job["steps"] if s.get("id") == "release")
    upload = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-"))
    assert upload["with"]["path"] == "release/"
    script = step["run"]
    work = tmp_path / "runner"
    out = tmp_path / "github_output"

    # The latest card narrative lacks most sections: refused with 34, nothing written or recorded.
    demo.narrate(tmp_path, THIN_NARRATIVE)
    _release_bot(demo)
    before = demo.size
    refused = _run("bash", script, demo, work, GITHUB_REF_NAME=TAG, GITHUB_OUTPUT=str(out))
    assert refused.returncode == 34, refused.stderr
    assert "::error::evidence is missing for credit-risk@1" in refused.stdout
    assert listing(work) == [] and demo.size == before
    assert out.read_text(encoding="utf-8") == "model=credit-risk@1\n"

    demo.narrate(tmp_path)
    done = _run("bash", script, demo, work, GITHUB_REF_NAME=TAG, GITHUB_OUTPUT=str(out))
    assert done.returncode == 0, done.stderr
    assert "released credit-risk@1: 9 files, digests in the ledger" in done.stdout
    assert len(listing(work / "release")) == 10 and _sums_match(work / "release")
    entry = demo.latest("document.generated")
    assert entry.actor == "release-bot" and entry.payload["model"] == "credit-risk@1"
    assert listing(tmp_path / "tmp") == []  # the key's temporary file is gone


def test_gitlab_ci_release(demo: Demo, tmp_path: Path) -> None:
    _, gitlab = _configs()
    job = gitlab["release-model-documents"]
    assert job["artifacts"]["paths"] == ["release/"]
    script = "\n".join(job["script"])
    with demo.open() as reg:
        unapproved = register_copy(reg, "credit-risk", holdout=True)
    assert unapproved == "credit-risk@2"
    # GitLab's python image runs the script with a POSIX shell: dash here.
    refused = _run("sh", script, demo, tmp_path / "a", CI_COMMIT_TAG="model/credit-risk/2")
    assert refused.returncode == 31, refused.stderr
    assert "ERROR: credit-risk@2 is not approved" in refused.stdout
    assert listing(tmp_path / "a") == []

    demo.narrate(tmp_path)
    done = _run("sh", script, demo, tmp_path / "b", CI_COMMIT_TAG=TAG)
    assert done.returncode == 0, done.stderr
    assert len(listing(tmp_path / "b" / "release")) == 10 and _sums_match(
        tmp_path / "b" / "release"
    )
