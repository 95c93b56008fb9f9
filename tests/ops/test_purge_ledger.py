from __future__ import annotations

from datetime import timedelta

import pytest
from prefect.client.orchestration import get_client

from mkmw_flows.blocks import Integration
from mkmw_flows.flows.maintenance import purge_ledger
from mkmw_flows.state import LedgerEntry, Outcome, StateStore
from mkmw_flows.state.models import utcnow

pytestmark = pytest.mark.usefixtures("prefect_server")


def _entry(integration: str, days_old: int, key: str) -> LedgerEntry:
    return LedgerEntry(
        integration=integration,
        run_id="r1",
        flow="orders",
        entity="order",
        record_key=key,
        outcome=Outcome.CREATED,
        message="created",
        source_data={"email": "jan@example.nl"},
        sent_data={"name": "Jan"},
        personal_data=True,
        created_at=utcnow() - timedelta(days=days_old),
    )


def test_purge_ledger_deletes_old_entries_and_publishes_artifact(tmp_path, emulators) -> None:
    fields = emulators.credentials()
    db = str(tmp_path / "state.db")
    block = Integration(**fields, state_database_url=db, ledger_retention_days=10)
    block.save("purge-test", overwrite=True)
    store = StateStore(db)
    store.append_ledger([_entry("purge-test", 40, "old-1"), _entry("purge-test", 11, "old-2")])
    store.append_ledger([_entry("purge-test", 1, "new-1")])

    summary = purge_ledger(integration="purge-test")

    assert summary["entries_deleted"] == 2
    assert summary["retention_days"] == 10
    left = store.ledger(integration="purge-test")
    assert [e.record_key for e in left] == ["new-1"]
    assert left[0].sent_data == {"name": "Jan"}  # inside the period: kept as it was

    import asyncio

    async def latest() -> str:
        async with get_client() as client:
            artifact = await client.read_latest_artifacts()
            keys = [a.key for a in artifact]
            return ",".join(k for k in keys if k)

    keys = asyncio.run(latest())
    assert "mkmw-purge-test-purge-ledger" in keys
    assert "mkmw-purge-test-purge-ledger-summary" in keys
    # no emulator call is needed for a purge
    assert sum(emulators.mplus.counters.calls.values()) == 0


def test_purge_ledger_keeps_to_its_own_integration_in_a_shared_database(
    tmp_path, emulators
) -> None:
    fields = emulators.credentials()
    db = str(tmp_path / "shared.db")
    Integration(**fields, state_database_url=db, ledger_retention_days=5).save(
        "purge-short", overwrite=True
    )
    Integration(**fields, state_database_url=db, ledger_retention_days=60).save(
        "purge-long", overwrite=True
    )
    store = StateStore(db)
    store.append_ledger(
        [
            _entry("purge-short", 20, "short-old"),
            _entry("purge-short", 1, "short-new"),
            _entry("purge-long", 20, "long-mid"),
            _entry("purge-long", 90, "long-old"),
        ]
    )
    with store.transaction() as tx:
        tx.hold("purge-short", "orders", "short-held", "PAYMENT_UNMAPPED", "no payment mapping")
        tx.hold("purge-long", "orders", "long-held", "PAYMENT_UNMAPPED", "no payment mapping")

    short = purge_ledger(integration="purge-short")

    assert short["entries_deleted"] == 1 and short["personal_data_erased"] == 1
    assert [e.record_key for e in store.ledger(integration="purge-short")] == ["short-new"]
    long_left = {e.record_key: e for e in store.ledger(integration="purge-long")}
    assert set(long_left) == {"long-mid", "long-old"}  # 5 days of the other integration
    assert long_left["long-old"].source_data == {"email": "jan@example.nl"}

    long = purge_ledger(integration="purge-long")

    assert long["entries_deleted"] == 1 and long["retention_days"] == 60
    assert [e.record_key for e in store.ledger(integration="purge-long")] == ["long-mid"]
    assert [e.record_key for e in store.ledger(integration="purge-short")] == ["short-new"]
    assert [h.record_key for h in store.held("purge-short", "orders")] == ["short-held"]
    assert [h.record_key for h in store.held("purge-long", "orders")] == ["long-held"]
    store.close()
