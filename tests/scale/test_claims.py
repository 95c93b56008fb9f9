"""Claims per record: one run at a time per record, on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import timedelta

from sqlmodel import Session

from mkmw_flows.state import StateStore
from mkmw_flows.state.claims import claim_owner, claim_records
from mkmw_flows.state.models import utcnow

SHOP, F = "shop-a", "orders"


def test_a_claimed_record_is_refused_to_another_run_until_released(store: StateStore) -> None:
    assert store.claim(SHOP, F, "1001", "run-a") is True
    assert store.claim(SHOP, F, "1001", "run-b") is False
    assert store.claim(SHOP, F, "1001", "run-a") is True  # renewing your own claim
    assert [c.owner for c in store.claims(SHOP, F)] == ["run-a"]

    assert store.release_claims(SHOP, F, ["1001"], "run-b") == 0  # not b's to release
    assert store.claim(SHOP, F, "1001", "run-b") is False
    assert store.release_claims(SHOP, F, ["1001"], "run-a") == 1
    assert store.claim(SHOP, F, "1001", "run-b") is True
    assert [c.owner for c in store.claims(SHOP, F)] == ["run-b"]


def test_claims_are_per_integration_and_flow(store: StateStore) -> None:
    assert store.claim(SHOP, F, "7", "run-a")
    assert store.claim("shop-b", F, "7", "run-b")
    assert store.claim(SHOP, "orders-reverse", "7", "run-c")
    assert not store.claim(SHOP, F, "7", "run-d")


def test_a_batch_claim_returns_only_the_free_records(store: StateStore) -> None:
    assert store.claim_many(SHOP, F, ["1", "2", "3"], "run-a") == {"1", "2", "3"}
    assert store.claim_many(SHOP, F, ["2", "3", "4", "5"], "run-b") == {"4", "5"}
    store.release_claims(SHOP, F, ["1", "2", "3"], "run-a")
    assert store.claim_many(SHOP, F, ["1", "2", "3", "4"], "run-b") == {"1", "2", "3", "4"}
    assert store.claim_many(SHOP, F, [], "run-b") == set()


def test_an_expired_claim_is_taken_over(store: StateStore) -> None:
    # a run that died without releasing: its claim expires and the next run takes the record
    past = utcnow() - timedelta(hours=1)
    with Session(store.engine) as session:
        assert claim_records(session, SHOP, F, ["9"], "dead-run", ttl_seconds=60, now=past) == {"9"}
        session.commit()
    assert store.claims(SHOP, F) == []  # expired: not active any more
    assert store.claim(SHOP, F, "9", "run-b", ttl_seconds=60) is True
    assert store.claim(SHOP, F, "9", "dead-run") is False
    assert store.release_claims(SHOP, F, ["9"], "dead-run") == 0


def test_racing_runs_never_claim_the_same_record(store: StateStore) -> None:
    keys = [str(n) for n in range(200)]
    owners = [f"run-{n}" for n in range(6)]
    won: dict[str, set[str]] = {}
    start = threading.Barrier(len(owners))

    def race(owner: str) -> None:
        start.wait()
        got: set[str] = set()
        for offset in range(0, len(keys), 20):  # batches, in different orders per run
            chunk = keys[offset : offset + 20]
            got |= store.claim_many(SHOP, F, chunk[:: 1 if int(owner[-1]) % 2 else -1], owner)
        won[owner] = got

    threads = [threading.Thread(target=race, args=(o,)) for o in owners]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert all(not t.is_alive() for t in threads)
    claimed = [k for got in won.values() for k in got]
    assert sorted(claimed, key=int) == keys  # every record exactly once over all runs
    by_owner = {c.record_key: c.owner for c in store.claims(SHOP, F)}
    assert all(by_owner[k] == o for o, got in won.items() for k in got)


def test_a_claim_of_a_killed_process_on_this_host_is_taken_over_at_once(
    store: StateStore,
) -> None:
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],  # noqa: S603
        capture_output=True,
        text=True,
        check=True,
    )
    host = claim_owner("x").split("|")[1]
    dead_owner = f"run-killed|{host}|{gone.stdout.strip()}"
    assert store.claim(SHOP, F, "5", dead_owner, ttl_seconds=3600)
    alive_owner = claim_owner("run-alive")  # this process: alive
    assert store.claim(SHOP, F, "6", alive_owner, ttl_seconds=3600)
    other_host = "run-far|some-other-host|1"
    assert store.claim(SHOP, F, "7", other_host, ttl_seconds=3600)

    taker = claim_owner("run-next")
    assert store.claim_many(SHOP, F, ["5", "6", "7"], taker) == {"5"}
    owners = {c.record_key: c.owner for c in store.claims(SHOP, F)}
    assert owners == {"5": taker, "6": alive_owner, "7": other_host}


def test_two_runs_setting_a_new_cursor_at_once_do_not_collide(store: StateStore) -> None:
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def set_it(value: str) -> None:
        start.wait()
        try:
            with store.transaction() as tx:
                tx.set_cursor(SHOP, "orders.shop.changed", value)
        except BaseException as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)

    threads = [threading.Thread(target=set_it, args=(f"2026-01-0{n}",)) for n in range(1, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert store.get_cursor(SHOP, "orders.shop.changed") in {f"2026-01-0{n}" for n in range(1, 5)}
    store.set_cursor(SHOP, "orders.shop.changed", "2026-02-01")
    assert store.get_cursor(SHOP, "orders.shop.changed") == "2026-02-01"
