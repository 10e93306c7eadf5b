"""Output through a pipe (a CI log, `less`, `| cat`): tables print whole, every cell on one line,
and every listing command also speaks JSON (docs/cli.md, "Output")."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.provenance.conftest import Demo


def _piped(demo: Demo, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    env["COLUMNS"] = "80"  # what a pipe reports; tables must ignore it
    done = subprocess.run(
        [sys.executable, "-m", "govern.cli.main", *args, "--db", str(demo.db)],
        capture_output=True,  # a pipe, not a terminal
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_inventory_through_a_pipe_has_every_name_and_time_whole(demo: Demo) -> None:
    listed = json.loads(_piped(demo, "inventory", "--json"))
    names = {row["name"] for row in listed}
    assert names
    text = _piped(demo, "inventory")
    lines = text.splitlines()
    for name in names:
        assert any(name in line for line in lines), (name, text)
    # one line per model between the rules: no cell spilled onto a second line
    body = [line for line in lines if line.startswith("│")]
    assert len(body) == len(listed)
    assert max(len(line) for line in lines) > 80  # laid out at its natural width, not 80


def test_the_log_keeps_timestamps_on_one_line(demo: Demo) -> None:
    text = _piped(demo, "log", "--limit", "5")
    rows = [line for line in text.splitlines() if line.startswith("│")]
    assert len(rows) == 5
    assert all("Z" in row for row in rows)  # each row holds its whole RFC 3339 time


def test_people_and_tokens_list_as_json(demo: Demo) -> None:
    people = json.loads(_piped(demo, "people", "list", "--json"))
    assert {"ada", "vera"} <= {p["name"] for p in people}
    assert json.loads(_piped(demo, "tokens", "list", "--json")) == []


def test_a_reader_that_stops_early_is_not_an_error(demo: Demo) -> None:
    """`govern log | head -1`: the command succeeds, quietly, when the reader goes away."""
    govern = f"{sys.executable} -m govern.cli.main"
    script = f"set -o pipefail; {govern} log --limit 1000 --db {demo.db} | head -1"
    done = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == "" and len(done.stdout.splitlines()) == 1
