"""The scoring service: decisions over HTTP, every one logged before it is answered
(docs/serving.md). ``decisions_app(registry)`` is the FastAPI app ``govern serve decisions``
runs on uvicorn.

Two faces on one path (``batching.Decider``): govern's ``POST /v1/models/{name}/decisions``
(JSON rows in, one decision per row out) and the Open Inference Protocol's (KServe V2)
``POST /v2/models/{name}/infer`` (one input tensor per feature). Both need a ``decide`` token;
each decision entry names it. The registry signs as the service whose key it was opened with.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import orjson
from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from govern._version import __version__
from govern.errors import BadInput, GovernError
from govern.registry.core import Registry
from govern.registry.tokens import Caller, Tokens
from govern.serve._http import install_errors, requires
from govern.serve.batching import Decided, Decider, DecisionRequest

__all__ = ["decisions_app"]


class DecisionsBody(BaseModel):
    """Rows to decide, each an object of the version's features; their prediction ids (one per
    row; generated when left out)."""

    rows: list[dict[str, Any]] = Field(min_length=1)
    ids: list[str] | None = None


class V2Tensor(BaseModel):
    name: str
    shape: list[int]
    datatype: str
    data: list[Any]
    parameters: dict[str, Any] | None = None


class V2Request(BaseModel):
    """An Open Inference Protocol request: one tensor per feature, prediction ids in
    ``parameters.prediction_ids``, principal reasons with ``parameters.reasons``."""

    id: str | None = None
    inputs: list[V2Tensor] = Field(min_length=1)
    parameters: dict[str, Any] | None = None
    outputs: list[dict[str, Any]] | None = None


def _json(value: Any, status: int = 200) -> Response:
    return Response(
        orjson.dumps(value),
        status_code=status,
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


def _decided(d: Decided) -> dict[str, Any]:
    out: dict[str, Any] = {
        "prediction_id": d.prediction_id,
        "score": float(d.score),
        "score_text": d.score,
        "decision": d.decision,
        "action": d.action,
        "adverse": d.adverse,
        "model": d.model,
        "model_entry": d.model_entry,
        "entry": d.entry,
        "retried": d.retried,
    }
    if d.reasons is not None:
        out["reasons"] = [
            {"rank": r.rank, "code": r.code, "statement": r.statement} for r in d.reasons
        ]
    return out


_V2_TYPES = {"BYTES": str, "FP64": float, "FP32": float, "INT64": int, "INT32": int}


def _v2_rows(body: V2Request) -> list[dict[str, Any]]:
    """The rows of a V2 request: the i-th element of every input tensor."""
    n = None
    columns: dict[str, list[Any]] = {}
    for t in body.inputs:
        if t.datatype not in _V2_TYPES:
            raise BadInput(
                f"input {t.name} has datatype {t.datatype}; send BYTES for text and FP64 or "
                "INT64 for numbers"
            )
        if len(t.shape) not in (1, 2) or (len(t.shape) == 2 and t.shape[1] != 1):
            raise BadInput(f"input {t.name} must have shape [n] or [n, 1], not {t.shape}")
        data = [v[0] if isinstance(v, list) and len(v) == 1 else v for v in t.data]
        if len(data) != t.shape[0]:
            raise BadInput(f"input {t.name} holds {len(data)} values for shape {t.shape}")
        if n is not None and len(data) != n:
            raise BadInput(f"input {t.name} holds {len(data)} rows, another input {n}")
        n = len(data)
        if t.name in columns:
            raise BadInput(f"input {t.name} is given twice")
        if t.datatype == "BYTES":
            if any(not isinstance(v, str) for v in data):
                raise BadInput(f"input {t.name} is BYTES: send its values as strings")
        elif any(isinstance(v, bool) or not isinstance(v, int | float) for v in data):
            raise BadInput(f"input {t.name} is {t.datatype}: send its values as numbers")
        columns[t.name] = data
    assert n is not None
    return [{name: values[i] for name, values in columns.items()} for i in range(n)]


def _v2_response(name: str, body: V2Request, decided: Sequence[Decided], reasons: bool) -> Any:
    n = len(decided)
    outputs: list[dict[str, Any]] = [
        {
            "name": "score",
            "datatype": "FP64",
            "shape": [n],
            "data": [float(d.score) for d in decided],
        },
        {
            "name": "action",
            "datatype": "BYTES",
            "shape": [n],
            "data": [d.action or d.decision or "" for d in decided],
        },
        {
            "name": "prediction_id",
            "datatype": "BYTES",
            "shape": [n],
            "data": [d.prediction_id for d in decided],
        },
    ]
    if reasons:
        outputs.append(
            {
                "name": "reasons",
                "datatype": "BYTES",
                "shape": [n],
                "data": [
                    orjson.dumps(
                        [
                            {"rank": r.rank, "code": r.code, "statement": r.statement}
                            for r in d.reasons or ()
                        ]
                    ).decode()
                    for d in decided
                ],
            }
        )
    first = decided[0]
    return {
        "model_name": name,
        "model_version": first.model.rsplit("@", 1)[1],
        "id": body.id or first.prediction_id,
        "parameters": {
            "model": first.model,
            "model_entry": first.model_entry,
            "retried": [d.retried for d in decided],
        },
        "outputs": outputs,
    }


def decisions_app(
    reg: Registry,
    *,
    env: str = "production",
    tokens: Tokens | None = None,
    max_wait: float = 0.004,
    max_rows: int = 512,
    log: bool = True,
) -> FastAPI:
    """The scoring service on ``reg`` (opened with the service's signing key). ``log=False``
    answers without logging: the benchmark's baseline only, never a command-line option."""
    decider = Decider(reg, env=env, max_wait=max_wait, max_rows=max_rows, log=log)
    if tokens is None:
        # its own connection to the registry: the batching thread writes through ``reg``
        tokens = Tokens(
            Registry.open(
                reg.ledger.engine.url.render_as_string(hide_password=False), readonly=True
            )
        )
    decide = requires(tokens, "decide")

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        decider.start()
        try:
            yield
        finally:
            decider.stop()

    app = FastAPI(
        title="govern decisions",
        version=__version__,
        description="Decisions by governed models, each one logged in the ledger before it is "
        "answered (docs/serving.md).",
        lifespan=lifespan,
    )
    app.state.decider = decider
    install_errors(app)

    async def _decide(
        model: str,
        rows: Sequence[Mapping[str, Any]],
        ids: list[str] | None,
        caller: Caller,
        reasons: int,
    ) -> list[Decided]:
        if reasons < 0 or reasons > 10:
            raise BadInput("reasons must be between 0 and 10")
        request = DecisionRequest(model, list(rows), ids, caller.token, reasons)
        return await asyncio.wrap_future(decider.submit(request))

    body_schema = {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": DecisionsBody.model_json_schema()}},
        },
        "parameters": [
            {
                "name": "reasons",
                "in": "query",
                "required": False,
                "schema": {"type": "integer", "minimum": 0, "maximum": 10, "default": 0},
                "description": "principal reasons for adverse actions (Reg B: up to 4)",
            }
        ],
    }

    @app.post(
        "/v1/models/{name}/decisions",
        summary="Decide rows with a governed model",
        openapi_extra=body_schema,
    )
    async def decisions(name: str, request: Request) -> Response:
        # parsed here rather than by FastAPI's body machinery: the route runs thousands of
        # times a second and the rows are checked against the version's features anyway
        caller = tokens.authenticate(request.headers.get("authorization"), "decide")
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError as exc:
            raise BadInput(f"the request body is not JSON: {exc}") from None
        if not isinstance(body, dict) or set(body) - {"rows", "ids"}:
            raise BadInput('the request body is an object with "rows" and, optionally, "ids"')
        rows, ids = body.get("rows"), body.get("ids")
        if not isinstance(rows, list) or not rows:
            raise BadInput('"rows" must be a non-empty list of objects of feature values')
        if ids is not None and not isinstance(ids, list):
            raise BadInput('"ids" must be a list of prediction ids, one per row')
        raw = request.query_params.get("reasons", "0")
        if not raw.isdigit():
            raise BadInput("reasons must be a whole number between 0 and 10")
        decided = await _decide(name, rows, ids, caller, int(raw))
        return _json({"decisions": [_decided(d) for d in decided]})

    @app.post("/v2/models/{name}/infer", summary="Open Inference Protocol (KServe V2) inference")
    async def infer(
        name: str,
        body: V2Request,
        caller: Caller = Depends(decide),
    ) -> Response:
        params = body.parameters or {}
        ids = params.get("prediction_ids")
        if ids is not None and (
            not isinstance(ids, list) or any(not isinstance(i, str) for i in ids)
        ):
            raise BadInput("parameters.prediction_ids must be a list of strings")
        reasons = params.get("reasons", 0)
        if isinstance(reasons, bool) or not isinstance(reasons, int):
            raise BadInput("parameters.reasons must be a whole number")
        decided = await _decide(name, _v2_rows(body), ids, caller, reasons)
        return _json(_v2_response(name.split("@")[0], body, decided, bool(reasons)))

    @app.get("/v2/models/{name}", summary="Open Inference Protocol model metadata")
    async def metadata(name: str, _caller: Caller = Depends(decide)) -> Response:
        v = await asyncio.to_thread(decider.version, name)
        inputs = [
            {"name": f, "datatype": "FP64" if f in v.numeric else "BYTES", "shape": [-1]}
            for f in v.features
        ]
        outputs = [
            {"name": "score", "datatype": "FP64", "shape": [-1]},
            {"name": "action", "datatype": "BYTES", "shape": [-1]},
            {"name": "prediction_id", "datatype": "BYTES", "shape": [-1]},
            {"name": "reasons", "datatype": "BYTES", "shape": [-1]},
        ]
        body = {
            "name": name.split("@")[0],
            "versions": [v.ref.rsplit("@", 1)[1]],
            "platform": "govern",
            "inputs": inputs,
            "outputs": outputs,
        }
        return _json(body)

    @app.get("/healthz", summary="Liveness")
    @app.get("/v2/health/live", include_in_schema=False)
    async def live() -> Response:
        return _json({"live": True})

    @app.get("/readyz", summary="Readiness: the registry answers and the batching thread runs")
    @app.get("/v2/health/ready", include_in_schema=False)
    async def ready() -> Response:
        try:
            size = await asyncio.to_thread(lambda: reg.ledger.size)
        except GovernError as exc:
            return _json({"ready": False, "error": exc.message}, 503)
        running = decider.running
        return _json({"ready": running, "ledger_size": size}, 200 if running else 503)

    return app
