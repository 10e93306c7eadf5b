"""The scoring service over a real uvicorn server: decisions logged field by field as
`govern provenance` reports them, refusals with nothing logged, tokens and scopes, retries."""

from __future__ import annotations

from typing import Any

import httpx
import pandas as pd
import pytest

from govern.demo import SERVICE
from govern.provenance import Scorer, provenance
from govern.registry import Registry, tokens
from govern.serve import decisions_app
from tests.serve.conftest import Served, running


def rows_of(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
        for r in frame.to_dict("records")
    ]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def service(served: Served):  # type: ignore[no-untyped-def]
    reg = served.open(as_=SERVICE)
    app = decisions_app(reg)
    with running(app) as url, httpx.Client(base_url=url, timeout=60) as client:
        yield client, reg
    reg.close()


def test_a_decision_is_logged_as_provenance_reports_it(served: Served, service) -> None:  # type: ignore[no-untyped-def]
    client, reg = service
    before = reg.ledger.size
    rows = rows_of(served.holdout.head(3))
    got = client.post(
        "/v1/models/credit-risk/decisions?reasons=4",
        json={"rows": rows, "ids": ["web-1", "web-2", "web-3"]},
        headers=bearer(served.decide),
    )
    assert got.status_code == 200, got.text
    decisions = got.json()["decisions"]
    assert [d["prediction_id"] for d in decisions] == ["web-1", "web-2", "web-3"]
    # the same scores as the library's scorer on the same rows
    expected = Scorer(reg, decisions[0]["model"]).model.predict_proba(served.holdout.head(3))
    with Registry.open(served.db, readonly=True) as fresh:
        for d, proba in zip(decisions, expected, strict=True):
            prov = provenance(fresh, d["prediction_id"], explain=False)
            assert prov.decision.entry == d["entry"]
            assert prov.decision.logged_by == SERVICE
            assert prov.decision.token == served.decide.split(".")[0][4:]
            assert (
                prov.model.ref == d["model"]
                and prov.model.entry_hash == d["model_entry"]
                and prov.model.entry_matches
            )
            assert prov.output.score == d["score_text"]
            assert prov.output.decision == d["decision"]
            # re-scored from the stored input, bit for bit
            assert prov.rescore.state == "same" and prov.rescore.score == d["score_text"]
            assert (
                abs(float(d["score"]) - float(proba.max() if d["score"] > 0.5 else proba.min()))
                < 1e-12
            )
            if d["adverse"]:
                assert 1 <= len(d["reasons"]) <= 4
            else:
                assert "reasons" not in d or d["reasons"] is None
    assert reg.ledger.size > before


def test_refusals_are_json_errors_and_log_nothing(served: Served, service) -> None:  # type: ignore[no-untyped-def]
    client, reg = service
    row = rows_of(served.holdout.head(1))[0]
    size = reg.ledger.size
    cases = [
        ({"rows": [{**row, "extra": 1}]}, 422, "unexpected extra"),
        (
            {"rows": [{k: v for k, v in row.items() if k != "age_in_years"}]},
            422,
            "missing age_in_years",
        ),
        ({"rows": [{**row, "age_in_years": "old"}]}, 422, "age_in_years must be a number"),
        ({"rows": []}, 422, "rows"),
        ({"rows": [row], "ids": ["a", "b"]}, 422, "2 ids for 1 rows"),
    ]
    for body, status, words in cases:
        got = client.post(
            "/v1/models/credit-risk/decisions", json=body, headers=bearer(served.decide)
        )
        assert got.status_code == status, got.text
        error = got.json()
        assert words.split()[-1] in error["error"] and error["type"]
    got = client.post(
        "/v1/models/nobody/decisions", json={"rows": [row]}, headers=bearer(served.decide)
    )
    assert got.status_code == 404, got.text
    got = client.post(
        "/v1/models/credit-risk@9/decisions", json={"rows": [row]}, headers=bearer(served.decide)
    )
    assert got.status_code == 404, got.text
    assert reg.ledger.size == size


def test_tokens_decide_who_gets_in(served: Served, service) -> None:  # type: ignore[no-untyped-def]
    client, reg = service
    body = {"rows": rows_of(served.holdout.head(1))}
    size = reg.ledger.size
    assert client.post("/v1/models/credit-risk/decisions", json=body).status_code == 401
    bad = client.post(
        "/v1/models/credit-risk/decisions",
        json=body,
        headers=bearer("gvt_000000000000." + "x" * 43),
    )
    assert bad.status_code == 401 and bad.json()["type"] == "TokenRefused"
    forged = served.decide[:-1] + ("A" if served.decide[-1] != "A" else "B")
    assert (
        client.post(
            "/v1/models/credit-risk/decisions", json=body, headers=bearer(forged)
        ).status_code
        == 401
    )
    # a read token is the wrong scope
    assert (
        client.post(
            "/v1/models/credit-risk/decisions", json=body, headers=bearer(served.read)
        ).status_code
        == 403
    )
    assert reg.ledger.size == size
    # revoked: refused within the refresh interval
    with served.open(as_="ada") as admin:
        tid = served.decide.split(".")[0][4:]
        tokens.revoke(admin, tid, reason="rotated")
    import time

    time.sleep(1.2)
    size = reg.ledger.size
    assert (
        client.post(
            "/v1/models/credit-risk/decisions", json=body, headers=bearer(served.decide)
        ).status_code
        == 401
    )
    assert reg.ledger.size == size


def test_a_retry_returns_the_logged_decision_and_another_input_is_a_conflict(
    served: Served, service
) -> None:  # type: ignore[no-untyped-def]
    client, reg = service
    rows = rows_of(served.holdout.head(2))
    first = client.post(
        "/v1/models/credit-risk/decisions",
        json={"rows": rows[:1], "ids": ["r-1"]},
        headers=bearer(served.decide),
    )
    assert first.status_code == 200
    size = reg.ledger.size
    again = client.post(
        "/v1/models/credit-risk/decisions",
        json={"rows": rows[:1], "ids": ["r-1"]},
        headers=bearer(served.decide),
    )
    assert again.status_code == 200
    a, b = first.json()["decisions"][0], again.json()["decisions"][0]
    assert b["retried"] is True and a["retried"] is False
    assert (a["score_text"], a["entry"], a["decision"]) == (
        b["score_text"],
        b["entry"],
        b["decision"],
    )
    other = client.post(
        "/v1/models/credit-risk/decisions",
        json={"rows": rows[1:], "ids": ["r-1"]},
        headers=bearer(served.decide),
    )
    assert other.status_code == 409 and "another input" in other.json()["error"]
    assert reg.ledger.size == size


def test_the_open_inference_protocol_face(served: Served, service) -> None:  # type: ignore[no-untyped-def]
    client, _reg = service
    frame = served.holdout.head(2)
    inputs = []
    for name in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[name])
        inputs.append(
            {
                "name": name,
                "shape": [2],
                "datatype": ("INT64" if pd.api.types.is_integer_dtype(frame[name]) else "FP64")
                if numeric
                else "BYTES",
                "data": [v.item() if hasattr(v, "item") else v for v in frame[name]],
            }
        )
    got = client.post(
        "/v2/models/credit-risk/infer",
        json={"inputs": inputs, "parameters": {"prediction_ids": ["v2-1", "v2-2"], "reasons": 2}},
        headers=bearer(served.decide),
    )
    assert got.status_code == 200, got.text
    out = {o["name"]: o for o in got.json()["outputs"]}
    assert out["prediction_id"]["data"] == ["v2-1", "v2-2"]
    assert set(out) == {"score", "action", "prediction_id", "reasons"}
    with Registry.open(served.db, readonly=True) as fresh:
        for pid, score in zip(out["prediction_id"]["data"], out["score"]["data"], strict=True):
            assert float(provenance(fresh, pid, explain=False).output.score) == score
    meta = client.get("/v2/models/credit-risk", headers=bearer(served.decide)).json()
    assert [i["name"] for i in meta["inputs"]] == list(frame.columns)
    assert client.get("/readyz").json()["ready"] is True
    assert "/v1/models/{name}/decisions" in client.get("/openapi.json").json()["paths"]
