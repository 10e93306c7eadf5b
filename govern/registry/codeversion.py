"""The code version a model was built from: a git commit, where it lives, and whether the
working tree matched it.

A model is reproducible from its commit only if the tree held nothing else, so a tree with
uncommitted changes is refused unless the caller accepts recording it as dirty. Untracked files
count as changes (a new module the training script imports is not in the commit); files git
ignores do not (data, virtual environments, caches).
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from govern.errors import BadInput

_COMMIT = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")  # SHA-1 or SHA-256 object names
_EXPLICIT_HINT = (
    "give the code version explicitly with --commit SHA --repo URL (and --branch NAME if "
    "there is one)"
)


@dataclass(frozen=True)
class CodeVersion:
    """A commit, its remote (credentials removed), branch (None when detached), whether the
    working tree had uncommitted changes, and the model's folder relative to the repository's
    top level ("." for the top)."""

    commit: str
    remote: str | None
    branch: str | None
    dirty: bool
    path: str

    def as_dict(self) -> dict[str, str | bool | None]:
        """The record as JSON-ready values."""
        return asdict(self)


def _git(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    # Never prompt for credentials, and let `git status` skip refreshing the index, which
    # would take index.lock and could collide with a git command the user is running.
    env["GIT_TERMINAL_PROMPT"] = "0"
    env["GIT_OPTIONAL_LOCKS"] = "0"
    try:
        return subprocess.run(
            ["git", "-C", str(folder), *args],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
    except FileNotFoundError:
        raise BadInput("git is not installed or not on PATH", _EXPLICIT_HINT) from None


def _out(folder: Path, *args: str) -> str:
    done = _git(folder, *args)
    if done.returncode != 0:
        detail = done.stderr.strip().splitlines()
        raise BadInput(
            f"`git {' '.join(args)}` failed in {folder}: {detail[-1] if detail else 'no output'}",
            _EXPLICIT_HINT,
        )
    return done.stdout.strip()


def redact_remote(url: str) -> str:
    """``url`` without secrets: the password, and for http(s) the user name too (often a
    token). scp-style ``git@host:path`` addresses are kept as they are."""
    if "://" not in url:
        return url
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    userinfo, _, host = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    keep_user = parts.scheme not in ("http", "https") and user
    netloc = f"{user}@{host}" if keep_user else host
    return urlunsplit(parts._replace(netloc=netloc))


def _remote(folder: Path) -> str | None:
    done = _git(folder, "remote", "get-url", "origin")
    if done.returncode == 0:
        return redact_remote(done.stdout.strip())
    names = _out(folder, "remote").splitlines()
    if not names:
        return None
    # `git remote` lists remotes in alphabetical order: "the first" is therefore stable.
    return redact_remote(_out(folder, "remote", "get-url", names[0]))


def capture(path: Path = Path("."), *, allow_dirty: bool = False) -> CodeVersion:
    """The code version of the git working tree holding ``path``.

    BadInput if ``path`` is not in a git working tree, git is missing, the repository has no
    commit, or the tree has uncommitted changes (tracked or untracked, not ignored) and
    ``allow_dirty`` is False.
    """
    folder = Path(path).resolve()
    if not folder.exists():
        raise BadInput(f"{folder} does not exist", _EXPLICIT_HINT)
    if folder.is_file():
        folder = folder.parent
    probe = _git(folder, "rev-parse", "--show-toplevel")
    if probe.returncode != 0:
        raise BadInput(f"{folder} is not inside a git working tree", _EXPLICIT_HINT)
    top = Path(probe.stdout.strip()).resolve()
    if _git(folder, "rev-parse", "--verify", "--quiet", "HEAD^{commit}").returncode != 0:
        raise BadInput(
            f"the git repository at {top} has no commit yet",
            "commit the code that builds the model, then register it",
        )
    commit = _out(folder, "rev-parse", "HEAD^{commit}").lower()
    branch = _out(folder, "branch", "--show-current") or None
    # --porcelain lists tracked changes and untracked files, and leaves ignored files out.
    dirty = bool(_out(folder, "status", "--porcelain", "--untracked-files=normal"))
    if dirty and not allow_dirty:
        raise BadInput(
            f"the working tree at {top} has uncommitted changes; commit them, or pass "
            "--allow-dirty to record the model as built from a dirty tree",
        )
    relative = folder.relative_to(top).as_posix() if folder != top else "."
    return CodeVersion(commit, _remote(folder), branch, dirty, relative)


def given(commit: str, remote: str | None, branch: str | None, *, path: str = ".") -> CodeVersion:
    """A code version stated by the caller rather than read from git (never dirty, since
    govern cannot know). BadInput unless ``commit`` is 40 or 64 hex digits."""
    sha = commit.strip().lower()
    if not _COMMIT.fullmatch(sha):
        raise BadInput(
            f"{commit!r} is not a full git commit id",
            "give all 40 hex digits (64 in a SHA-256 repository), as `git rev-parse HEAD` "
            "prints them",
        )
    return CodeVersion(
        sha,
        redact_remote(remote) if remote else None,
        branch or None,
        False,
        path,
    )


__all__ = ["CodeVersion", "capture", "given", "redact_remote"]
