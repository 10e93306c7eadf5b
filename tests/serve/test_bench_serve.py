"""bench/serve.py's reading of wrk's output (the benchmark itself is not a test)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[2] / "bench" / "serve.py"
_spec = importlib.util.spec_from_file_location("bench_serve", _PATH)
assert _spec is not None and _spec.loader is not None
serve = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = serve  # dataclasses look their module up
_spec.loader.exec_module(serve)

CLEAN = """\
Running 10s test @ http://127.0.0.1:41417/v1/models/credit-risk/decisions
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    27.90ms    9.12ms 104.33ms   71.20%
    Req/Sec   577.37     81.04   780.00     69.50%
  Latency Distribution
     50%   26.71ms
     75%   32.48ms
     90%   39.41ms
     99%   57.12ms
  11503 requests in 10.01s, 5.12MB read
Requests/sec:   1149.17
Transfer/sec:    524.06KB
"""

ERRORS = """\
Running 5s test @ http://127.0.0.1:41417/v1/models/credit-risk/decisions
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   312.33ms  158.90ms    1.18s    83.33%
    Req/Sec    33.83     13.13    60.00     83.33%
  Latency Distribution
     50%  307.47ms
     75%  313.68ms
     90%  618.15ms
     99%    1.18s
  306 requests in 5.06s, 2.73KB read
  Socket errors: connect 0, read 3, write 0, timeout 7
  Non-2xx or 3xx responses: 12
Requests/sec:     60.47
Transfer/sec:      0.54KB
"""


def test_a_clean_run_gives_its_rate_and_latencies() -> None:
    run = serve.parse_wrk(CLEAN)
    assert run.requests == 11503 and run.seconds == pytest.approx(10.01)
    assert run.requests_per_s == pytest.approx(1149.17)
    assert run.p50_ms == pytest.approx(26.71) and run.p99_ms == pytest.approx(57.12)
    assert run.errors == 0 and run.ok == 11503
    assert run.decisions_per_s == pytest.approx(11503 / 10.01)


def test_errors_are_counted_and_seconds_are_read_in_their_unit() -> None:
    run = serve.parse_wrk(ERRORS)
    assert run.non_2xx == 12 and run.ok == 294
    assert run.socket_errors == {"connect": 0, "read": 3, "write": 0, "timeout": 7}
    assert run.errors == 22
    assert run.p99_ms == pytest.approx(1180.0)


def test_output_without_latency_lines_is_refused() -> None:
    with pytest.raises(ValueError, match="not wrk --latency output"):
        serve.parse_wrk("  10 requests in 1.00s, 1KB read\nRequests/sec: 10.00\n")
