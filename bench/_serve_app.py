"""The scoring service as bench/serve.py runs it: a uvicorn factory reading its registry from
environment variables, so the server runs in processes of its own (``--workers N``).

    GOVERN_BENCH_DB=... GOVERN_BENCH_KEY=... GOVERN_BENCH_LOG=1 \
        uvicorn bench._serve_app:app_factory --factory --workers 2 --port 8000

GOVERN_BENCH_LOG=0 answers without logging (the benchmark's baseline); GOVERN_BENCH_MAX_WAIT
is the batching wait in seconds (default 0.004).
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from govern.registry import Registry
from govern.serve import decisions_app


def app_factory() -> FastAPI:
    """The decisions app on the registry named by the environment, opened as the service."""
    reg = Registry.open(os.environ["GOVERN_BENCH_DB"], key=os.environ["GOVERN_BENCH_KEY"])
    return decisions_app(
        reg,
        max_wait=float(os.environ.get("GOVERN_BENCH_MAX_WAIT", "0.004")),
        log=os.environ.get("GOVERN_BENCH_LOG", "1") == "1",
    )
