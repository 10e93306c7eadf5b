"""`govern verify --stores`: the artifact and input stores against the ledger (docs/ledger-format.md,
"What `govern verify --stores` adds"), on a copy of the demo's registry."""

from __future__ import annotations

import json
import sqlite3

from typer.testing import CliRunner

from govern.cli.main import app
from govern.registry import models
from tests.provenance.conftest import Demo

runner = CliRunner()


def verify(demo: Demo, *extra: str) -> tuple[int, str, str]:
    result = runner.invoke(
        app,
        [
            "verify",
            "--db",
            str(demo.db),
            "--artifacts",
            str(demo.folder / "registry.artifacts"),
            *extra,
        ],
    )
    return result.exit_code, result.stdout, result.stderr


def test_the_stores_verify_and_each_tampering_has_its_code(demo: Demo) -> None:
    code, out, err = verify(demo, "--stores", "--json")
    assert code == 0, err
    stores = json.loads(out)["stores"]
    assert stores["artifacts"] >= 4 and stores["inputs"] > 0 and stores["inputs_erased"] >= 0
    code, out, _ = verify(demo, "--stores")
    assert "stored artifacts match their digests" in out
    # plain verify does not read the stores: a changed input is seen only with --stores
    conn = sqlite3.connect(demo.db)
    seq = conn.execute("SELECT min(seq) FROM prediction_inputs").fetchone()[0]
    conn.execute(
        "UPDATE prediction_inputs SET input_row = CAST('{}' AS BLOB) WHERE seq = ?", (seq,)
    )
    conn.commit()
    conn.close()
    assert verify(demo)[0] == 0
    code, _, err = verify(demo, "--stores")
    assert code == 27 and f"stored input of entry {seq}" in err and "Traceback" not in err
    # an input stored for an entry that is no prediction
    conn = sqlite3.connect(demo.db)
    conn.execute("DELETE FROM prediction_inputs WHERE seq = ?", (seq,))
    conn.execute("INSERT INTO prediction_inputs VALUES (3, X'00', X'00')")
    conn.commit()
    conn.close()
    code, _, err = verify(demo, "--stores")
    assert code == 27 and "an input for entry 3, which is a" in err
    conn = sqlite3.connect(demo.db)
    conn.execute("DELETE FROM prediction_inputs WHERE seq = 3")
    conn.commit()
    conn.close()
    assert verify(demo, "--stores")[0] == 0
    # a model file changed in the artifact store
    ref = models.versions(demo.reg)[0]
    path = demo.reg.artifacts.path_of(ref.artifact.sha256)
    path.chmod(0o644)
    path.write_bytes(path.read_bytes() + b"\0")
    code, _, err = verify(demo, "--stores")
    assert code == 19 and "Traceback" not in err


def test_a_projection_row_changed_fails_plain_verify(demo: Demo) -> None:
    conn = sqlite3.connect(demo.db)
    conn.execute("UPDATE reg_models SET risk_tier = 'low'")
    conn.commit()
    conn.close()
    code, _, err = verify(demo)
    assert code == 9 and "reg_models disagrees with the ledger at entry" in err
    assert runner.invoke(app, ["rebuild", "--db", str(demo.db)]).exit_code == 0
    assert verify(demo, "--stores")[0] == 0
