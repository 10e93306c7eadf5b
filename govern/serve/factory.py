"""The apps as uvicorn starts them in each worker process (``govern serve``): the command line
checks the registry and the key once, then passes them to the workers in the environment."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from govern.errors import PolicyViolation
from govern.registry import authority
from govern.registry.core import Registry

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["auditor", "check_service", "decisions", "environment"]

_DB, _KEY, _ENV, _ART = (
    "GOVERN_SERVE_DB",
    "GOVERN_SERVE_KEY",
    "GOVERN_SERVE_ENV",
    "GOVERN_SERVE_ARTIFACTS",
)


def check_service(reg: Registry) -> None:
    """The registry signs as someone whose roles may log predictions (the service)."""
    _signer, person = authority.acting(reg)
    if not reg.policy().allows(person.roles, "log-predictions"):
        raise PolicyViolation(
            f"{person.name} may not log predictions (roles: {', '.join(person.roles)}): the "
            "decisions service signs every decision as the service",
            hint="pass the scoring service's key with --sign-with",
        )


def environment(
    url: str,
    key: Path | None,
    *,
    env: str = "production",
    artifacts: Path | None = None,
) -> dict[str, str]:
    out = {_DB: url, _ENV: env}
    if key is not None:
        out[_KEY] = str(Path(key).absolute())
    if artifacts is not None:
        out[_ART] = str(Path(artifacts).absolute())
    return out


def _open(*, key: bool) -> Registry:
    art = os.environ.get(_ART)
    signing = os.environ.get(_KEY) if key else None
    return Registry.open(
        os.environ[_DB],
        artifacts=Path(art) if art else None,
        key=Path(signing) if signing else None,
    )


def decisions() -> FastAPI:
    from govern.serve.decisions import decisions_app

    return decisions_app(_open(key=True), env=os.environ.get(_ENV, "production"))


def auditor() -> FastAPI:
    from govern.serve.auditor import auditor_app

    return auditor_app(_open(key=False))
