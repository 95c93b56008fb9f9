"""Tests of the helpers both clients and both emulators share."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr

from mkmw_emulators.core.faults import FaultConfig, FaultInjector
from mkmw_emulators.core.serving import serve
from mkmw_flows.clients_common.callstats import CallStats
from mkmw_flows.clients_common.redact import scrub


async def _counter_app(scope, receive, send):  # type: ignore[no-untyped-def]
    body = b""
    while True:
        msg = await receive()
        body += msg.get("body", b"")
        if not msg.get("more_body"):
            break
    _counter_app.writes += 1 if scope["method"] == "POST" else 0  # type: ignore[attr-defined]
    payload = b"ok:" + body
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-length", str(len(payload)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def _injector(config: FaultConfig) -> FaultInjector:
    _counter_app.writes = 0  # type: ignore[attr-defined]
    return FaultInjector(
        _counter_app,
        config,
        server_fault=lambda: (503, [(b"content-type", b"text/plain")], b"busy"),
        is_write=lambda scope, body: scope["method"] == "POST",
    )


def test_scrub_masks_query_credentials_and_values() -> None:
    url = "https://h/?ident=abc&secret=xyz123&x=1"
    assert scrub(url) == "https://h/?ident=***&secret=***&x=1"
    assert scrub("GET /v1/x?token=t0k3n&partner_token=p4rtn3r&format=json") == (
        "GET /v1/x?token=***&partner_token=***&format=json"
    )
    assert scrub("failed with hunter22 inside", [SecretStr("hunter22")]) == "failed with *** inside"


def test_callstats_counts_calls_errors_and_time() -> None:
    stats = CallStats()
    with stats.measure("getProducts"):
        pass
    with pytest.raises(ValueError), stats.measure("getProducts"):
        raise ValueError
    snap = stats.snapshot()
    assert snap["getProducts"]["calls"] == 2 and snap["getProducts"]["errors"] == 1
    assert stats.total_calls == 2 and stats.calls("nope") == 0


def test_no_faults_passes_everything_through() -> None:
    injector = _injector(FaultConfig())
    with serve(injector) as url, httpx.Client(base_url=url) as client:
        for i in range(5):
            assert client.post("/", content=f"{i}".encode()).text == f"ok:{i}"
    assert injector.stats.passed == 5 and not injector.stats.injected


def test_server_faults_are_seeded_and_reproducible() -> None:
    def run() -> list[int]:
        injector = _injector(FaultConfig(fault_rate=0.5, kinds=("server_error",), seed=7))
        with serve(injector) as url, httpx.Client(base_url=url) as client:
            return [client.get("/").status_code for _ in range(20)]

    first, second = run(), run()
    assert first == second
    assert 503 in first and 200 in first


def test_drop_cuts_the_connection() -> None:
    injector = _injector(FaultConfig(fault_rate=1.0, kinds=("drop",)))
    with (
        serve(injector) as url,
        httpx.Client(base_url=url) as client,
        pytest.raises(httpx.TransportError),
    ):
        client.get("/")
    assert injector.stats.injected["drop"] == 1


def test_commit_then_drop_commits_the_write_and_loses_the_answer() -> None:
    injector = _injector(FaultConfig(commit_then_drop_rate=1.0))
    with serve(injector) as url, httpx.Client(base_url=url) as client:
        with pytest.raises(httpx.TransportError):
            client.post("/", content=b"order")
        assert _counter_app.writes == 1  # type: ignore[attr-defined]
        assert client.get("/").status_code == 200  # reads are never commit-then-dropped
    assert injector.stats.injected["commit_then_drop"] == 1


def test_fault_config_validates() -> None:
    with pytest.raises(ValueError):
        FaultConfig(fault_rate=1.5)
    with pytest.raises(ValueError):
        FaultConfig(kinds=("meteor",))


def test_httpx_request_logs_are_scrubbed(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    injector = _injector(FaultConfig())
    with serve(injector) as url, httpx.Client() as client:
        client.get(f"{url}/?ident=abc&secret=S3cr3tValue&token=T0kenValue")
    assert "HTTP Request" in caplog.text
    assert "S3cr3tValue" not in caplog.text and "T0kenValue" not in caplog.text
