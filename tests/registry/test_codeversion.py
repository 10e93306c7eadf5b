"""Tests for govern.registry.codeversion, on real git repositories made in tmp_path."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from govern.errors import BadInput
from govern.registry.codeversion import CodeVersion, capture, given, redact_remote


@pytest.fixture(autouse=True)
def isolated_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep the machine's git configuration (hooks, signing, default branch) out of the tests."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Ada")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "ada@example.com")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Ada")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "ada@example.com")


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository on branch main with one commit holding train.py and a .gitignore."""
    root = tmp_path / "model-code"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "train.py").write_text("print('training')\n")
    (root / ".gitignore").write_text("data/\n")
    (root / "sub").mkdir()
    (root / "sub" / "features.py").write_text("X = 1\n")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "first")
    return root


def test_clean_tree(repo: Path) -> None:
    version = capture(repo)
    assert version == CodeVersion(
        commit=git(repo, "rev-parse", "HEAD"), remote=None, branch="main", dirty=False, path="."
    )
    assert len(version.commit) == 40
    assert version.as_dict() == {
        "commit": version.commit,
        "remote": None,
        "branch": "main",
        "dirty": False,
        "path": ".",
    }


def test_subfolder_and_file_paths_are_relative_to_the_top(repo: Path) -> None:
    assert capture(repo / "sub").path == "sub"
    assert capture(repo / "sub" / "features.py").path == "sub"


def test_origin_remote_is_recorded_without_credentials(repo: Path) -> None:
    git(repo, "remote", "add", "origin", "https://ada:s3cret@git.example.com/bank/model.git")
    assert capture(repo).remote == "https://git.example.com/bank/model.git"


def test_first_remote_when_there_is_no_origin(repo: Path) -> None:
    git(repo, "remote", "add", "zeta", "ssh://git@zeta.example.com/bank/model.git")
    git(repo, "remote", "add", "upstream", "git@git.example.com:bank/model.git")
    assert capture(repo).remote == "git@git.example.com:bank/model.git"


def test_modified_tracked_file_is_refused(repo: Path) -> None:
    (repo / "train.py").write_text("print('changed')\n")
    with pytest.raises(BadInput) as caught:
        capture(repo)
    assert caught.value.exit_code == 3
    assert "has uncommitted changes" in caught.value.message
    assert "--allow-dirty" in caught.value.message
    assert str(repo.resolve()) in caught.value.message


def test_staged_change_is_refused(repo: Path) -> None:
    (repo / "train.py").write_text("print('staged')\n")
    git(repo, "add", "train.py")
    with pytest.raises(BadInput, match="uncommitted changes"):
        capture(repo)


def test_dirty_tree_recorded_when_allowed(repo: Path) -> None:
    (repo / "train.py").write_text("print('changed')\n")
    version = capture(repo, allow_dirty=True)
    assert version.dirty is True
    assert version.commit == git(repo, "rev-parse", "HEAD")


def test_untracked_file_counts_as_dirty(repo: Path) -> None:
    (repo / "helpers.py").write_text("def f(): ...\n")
    with pytest.raises(BadInput, match="uncommitted changes"):
        capture(repo)
    assert capture(repo, allow_dirty=True).dirty is True


def test_ignored_files_do_not_count(repo: Path) -> None:
    (repo / "data").mkdir()
    (repo / "data" / "train.csv").write_text("a,b\n1,2\n")
    assert capture(repo).dirty is False


def test_detached_head_has_no_branch(repo: Path) -> None:
    first = git(repo, "rev-parse", "HEAD")
    (repo / "train.py").write_text("print('second')\n")
    git(repo, "commit", "-q", "-am", "second")
    git(repo, "checkout", "-q", "--detach", first)
    version = capture(repo)
    assert version.branch is None
    assert version.commit == first
    assert version.dirty is False


def test_not_a_repository(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(BadInput) as caught:
        capture(plain)
    assert "is not inside a git working tree" in caught.value.message
    assert caught.value.hint is not None and "--commit SHA --repo URL" in caught.value.hint


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="does not exist"):
        capture(tmp_path / "nowhere")


def test_repository_without_commits(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    git(empty, "init", "-q", "-b", "main")
    with pytest.raises(BadInput, match="has no commit yet"):
        capture(empty)


def test_git_not_installed(repo: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    no_tools = tmp_path / "no-tools"
    no_tools.mkdir()
    monkeypatch.setenv("PATH", str(no_tools))
    with pytest.raises(BadInput) as caught:
        capture(repo)
    assert "git is not installed" in caught.value.message
    assert caught.value.hint is not None and "--commit SHA" in caught.value.hint


def test_given_accepts_sha1_and_sha256_ids() -> None:
    sha1 = "A" * 40
    version = given(sha1, "https://tok@git.example.com/bank/model.git", "main")
    assert version == CodeVersion(
        "a" * 40, "https://git.example.com/bank/model.git", "main", False, "."
    )
    assert given("0123456789abcdef" * 4, None, None).commit == "0123456789abcdef" * 4
    assert given("f" * 40, None, "", path="scoring").as_dict()["path"] == "scoring"
    assert given("f" * 40, None, "").branch is None


@pytest.mark.parametrize("bad", ["", "abc123", "g" * 40, "a" * 41, "a" * 63, "HEAD"])
def test_given_refuses_anything_but_a_full_commit_id(bad: str) -> None:
    with pytest.raises(BadInput, match="is not a full git commit id"):
        given(bad, None, None)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://user:token@host.example/r.git", "https://host.example/r.git"),
        ("https://ghp_token@host.example/r.git", "https://host.example/r.git"),
        ("ssh://git:pw@host.example/r.git", "ssh://git@host.example/r.git"),
        ("ssh://git@host.example:2222/r.git", "ssh://git@host.example:2222/r.git"),
        ("git@host.example:org/r.git", "git@host.example:org/r.git"),
        ("/srv/git/r.git", "/srv/git/r.git"),
        ("https://host.example/r.git", "https://host.example/r.git"),
    ],
)
def test_redact_remote(url: str, expected: str) -> None:
    assert redact_remote(url) == expected
