"""What both services share: govern's errors as JSON responses, and bearer-token checks
(docs/serving.md, "Errors" and "Tokens")."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from govern.errors import (
    BadInput,
    Conflict,
    GovernError,
    NotFound,
    PolicyViolation,
    TokenRefused,
)
from govern.registry.tokens import Caller, Tokens

__all__ = ["error_body", "install_errors", "requires", "status_of"]


def status_of(err: GovernError) -> int:
    """The HTTP status of a govern error: 401 without a live token, 403 refused by policy, 404
    not found, 409 a conflict with what is logged, 422 bad input, 503 anything else."""
    if isinstance(err, TokenRefused):
        return 401
    if isinstance(err, PolicyViolation):
        return 403
    if isinstance(err, NotFound):
        return 404
    if isinstance(err, Conflict):
        return 409
    if isinstance(err, BadInput):
        return 422
    return 503


def error_body(err: GovernError) -> dict[str, object]:
    return {
        "error": err.message,
        "hint": err.hint,
        "type": type(err).__name__,
        "code": err.exit_code,
    }


def install_errors(app: FastAPI) -> None:
    """Every govern error becomes ``{"error", "hint", "type", "code"}`` with its status; a
    request FastAPI cannot parse becomes the same shape with 422."""

    @app.exception_handler(GovernError)
    async def _governed(_request: Request, err: GovernError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(err, TokenRefused) else None
        return JSONResponse(error_body(err), status_code=status_of(err), headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _unparsed(_request: Request, err: RequestValidationError) -> JSONResponse:
        first = err.errors()[0] if err.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        body = {
            "error": f"the request body is not what this route takes: {where}: {first.get('msg')}",
            "hint": "see /openapi.json for the request's shape",
            "type": "BadInput",
            "code": BadInput.exit_code,
        }
        return JSONResponse(body, status_code=422)


def requires(tokens: Tokens, scope: str) -> Callable[[Request], Awaitable[Caller]]:
    """A FastAPI dependency: the request's Caller, or TokenRefused / PolicyViolation. Async:
    the check is in memory (the token entries are read again at most once a second), so it
    runs on the event loop instead of a worker thread."""

    async def dependency(request: Request) -> Caller:
        return tokens.authenticate(request.headers.get("authorization"), scope)

    return dependency
