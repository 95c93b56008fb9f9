"""Fault injection: reads and idempotency-keyed writes are retried; other writes never blindly."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from mkmw_emulators.core.faults import FaultConfig
from mkmw_emulators.core.serving import BackgroundServer
from mkmw_emulators.mplus.server import create_emulator
from mkmw_flows.mplus.client import MplusClient
from mkmw_flows.mplus.errors import MplusServerFault, MplusTransportError
from mkmw_flows.mplus.models import Order, OrderLine, Relation

from .conftest import IDENT, SECRET


def _client(url: str, attempts: int = 5, timeout: float = 5.0) -> MplusClient:
    return MplusClient(
        url,
        IDENT,
        SECRET,
        retry_attempts=attempts,
        retry_wait_initial=0.01,
        retry_wait_max=0.05,
        timeout=timeout,
        connect_timeout=2.0,
    )


def _order(ext: str) -> Order:
    return Order(
        ext_order_id=ext,
        employee_number=999999,
        relation_number=1,
        lines=[OrderLine(article_number=10001, quantity=Decimal(1))],
    )


@pytest.fixture
def faulty():
    emulator = create_emulator("demo", ident=IDENT, secret=SECRET)
    with BackgroundServer(emulator.app) as server:
        yield emulator, server.url


@pytest.mark.parametrize("kind", ["server_error", "drop"])
def test_transient_faults_on_reads_are_retried(faulty, kind: str) -> None:
    emulator, url = faulty
    emulator.faults.reconfigure(FaultConfig(fault_rate=0.4, kinds=(kind,), seed=7))
    client = _client(url, attempts=8)
    versions = [client.get_api_version().major_number for _ in range(15)]
    assert versions == [1] * 15
    injected = emulator.faults.stats.injected[kind]
    assert injected > 0
    stats = client.stats.operations["getApiVersion"]
    assert stats.calls == 15 + injected and stats.errors == injected


def test_server_fault_on_a_plain_write_is_not_retried(faulty) -> None:
    emulator, url = faulty
    emulator.faults.reconfigure(FaultConfig(fault_rate=1.0, kinds=("server_error",)))
    client = _client(url)
    with pytest.raises(MplusServerFault):
        client.create_relation(Relation(name="Eenmalig", email="eenmalig@example.nl"))
    assert client.stats.calls("createRelation") == 1
    assert emulator.faults.stats.injected["server_error"] == 1


def test_commit_then_drop_on_a_plain_write_is_not_retried(faulty) -> None:
    emulator, url = faulty
    emulator.faults.reconfigure(FaultConfig(commit_then_drop_rate=1.0))
    client = _client(url)
    with pytest.raises(MplusTransportError):
        client.create_relation(Relation(name="Eenmalig", email="eenmalig@example.nl"))
    assert emulator.counters.writes["createRelation"] == 1
    emulator.faults.reconfigure(FaultConfig())
    found = client.find_relation_by_email("eenmalig@example.nl")  # look before you retry
    assert found is not None and found.name == "Eenmalig"


def test_commit_then_drop_on_create_order_v3_leaves_exactly_one_order(faulty) -> None:
    emulator, url = faulty
    emulator.faults.reconfigure(FaultConfig(commit_then_drop_rate=1.0))
    client = _client(url, attempts=3)
    with pytest.raises(MplusTransportError):
        client.create_order(_order("WEB-DROP"), idempotency_key="drop-key")
    assert emulator.counters.writes["createOrderV3"] == 3  # retried: it carries an idempotencyKey
    assert emulator.faults.stats.injected["commit_then_drop"] == 3
    emulator.faults.reconfigure(FaultConfig())
    found = client.find_order("WEB-DROP")
    assert found is not None
    assert len(emulator.backend.orders_by_ext_id("WEB-DROP")) == 1
    again = client.create_order(_order("WEB-DROP"), idempotency_key="drop-key")
    assert again.replayed and again.order_id == found.order_id
    assert emulator.backend.stock_level(10001)["reserved"] == 1  # reserved once, not three times


def _seed_dropping_first_write_only(rate: float = 0.5) -> int:
    for seed in range(1000):
        rng = random.Random(seed)
        if rng.random() < rate and rng.random() >= rate:
            return seed
    raise AssertionError("no seed found")


def test_retry_after_commit_then_drop_gets_the_replay(faulty) -> None:
    emulator, url = faulty
    emulator.faults.reconfigure(
        FaultConfig(commit_then_drop_rate=0.5, seed=_seed_dropping_first_write_only())
    )
    client = _client(url, attempts=3)
    result = client.create_order(_order("WEB-ONCE"), idempotency_key="once-key")
    assert result.replayed is True  # the first attempt committed, its answer was lost
    assert emulator.counters.writes["createOrderV3"] == 2
    assert len(emulator.backend.orders_by_ext_id("WEB-ONCE")) == 1


def test_timeouts_become_transport_errors(faulty) -> None:
    emulator, url = faulty
    emulator.faults.reconfigure(FaultConfig(fault_rate=1.0, kinds=("timeout",), hang_seconds=1.0))
    client = _client(url, attempts=2, timeout=0.3)
    with pytest.raises(MplusTransportError) as err:
        client.get_branches()
    assert "timeout" in str(err.value).lower()
    assert client.stats.operations["getBranches"].errors == 2


def test_latency_is_added(faulty) -> None:
    emulator, url = faulty
    emulator.faults.reconfigure(FaultConfig(latency_ms=60))
    client = _client(url)
    client.get_api_version()
    assert client.stats.operations["getApiVersion"].seconds >= 0.06
