"""What a sync-orders run tells at a glance: its final state, its warnings, its "new reason" event.

Real parts: the emulators on loopback, the state store in SQLite, the Prefect test server.
The event spy records what the flow emits and passes every event on to Prefect.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from prefect.exceptions import ObjectAlreadyExists

import mkmw_flows.flows.common as common
from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.flows.orders import sync_orders
from mkmw_flows.state import Outcome, StateStore
from mkmw_flows.sync.reasons import FIXES, Reason

from .helpers import BASE_SETTINGS, COFFEE, add_order, bind_articles, clear_demo_orders

pytestmark = pytest.mark.usefixtures("prefect_server")

UNMAPPED = ("mollie", "giropay")  # not in BASE_SETTINGS' payment_methods


class _Warnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def warnings() -> Iterator[_Warnings]:
    """WARNING records of the Prefect flow-run logger."""
    handler = _Warnings()
    logger = logging.getLogger("prefect.flow_runs")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, str], dict[str, Any]]]:
    """Every event publish_report emits (event, resource, payload); each still goes to Prefect."""
    seen: list[tuple[str, dict[str, str], dict[str, Any]]] = []
    real = common.emit_event

    def spy(event: str, resource: dict[str, str], payload: dict[str, Any] | None = None) -> Any:
        seen.append((event, resource, payload or {}))
        return real(event=event, resource=resource, payload=payload)

    monkeypatch.setattr(common, "emit_event", spy)
    return seen


def _save(make: Callable[..., Any], pair: EmulatorPair, name: str | None, **orders: Any) -> Any:
    try:
        return make(pair, save=True, name=name, orders=orders)
    except ObjectAlreadyExists:  # a first save on a fresh server can race on the block type
        return make(pair, save=True, name=name, orders=orders)


def _new_reasons(events: list[tuple[str, dict[str, str], dict[str, Any]]]) -> dict[str, Any]:
    return {r["mkmw.reason"]: p for e, r, p in events if e == "mkmw.records.held.new"}


def test_held_orders_name_the_run_warn_with_the_fix_and_alert_once_per_reason(
    emulators: EmulatorPair,
    make_integration: Callable[..., Any],
    warnings: _Warnings,
    events: list[tuple[str, dict[str, str], dict[str, Any]]],
) -> None:
    clear_demo_orders(emulators)
    held = [add_order(emulators, f"held{n}@example.nl", pay=UNMAPPED) for n in range(5)]
    add_order(emulators, "fine@example.nl", pay=("mollie", "ideal"))
    name, block = _save(make_integration, emulators, None, **BASE_SETTINGS)
    bind_articles(emulators, StateStore(block.state_database_url), name)

    # A dry run says it is a plan, and what would be held.
    plan = sync_orders(integration=name, dry_run=True, return_state=True)
    assert plan.is_completed() and plan.name == "Dry run"
    assert plan.message.startswith("Plan only, nothing written")
    assert plan.message.endswith("5 of 6 orders would be held: PAYMENT_UNMAPPED ×5")
    assert _new_reasons(events) == {}  # a plan holds nothing, so it alerts on nothing

    # The first real run: Completed, but named Held with the count and the reason.
    warnings.lines.clear()
    first = sync_orders(integration=name, return_state=True)
    assert first.is_completed() and first.name == "Held"
    assert first.message == "5 of 6 orders held: PAYMENT_UNMAPPED ×5"
    assert first.result()["counts"]["created"] == 1  # callers still get the summary
    fix = FIXES[Reason.PAYMENT_UNMAPPED]
    for order in held:
        line = next(w for w in warnings.lines if w.startswith(f"order {order.number} held"))
        assert "[PAYMENT_UNMAPPED]" in line and "mollie:giropay" in line
        assert line.endswith(f"Fix: {fix}")
    assert "Held: 5 of 6 orders held: PAYMENT_UNMAPPED ×5" in warnings.lines
    new = _new_reasons(events)
    assert list(new) == ["PAYMENT_UNMAPPED"]
    assert new["PAYMENT_UNMAPPED"]["count"] == 5 and new["PAYMENT_UNMAPPED"]["fix"] == fix
    assert sorted(new["PAYMENT_UNMAPPED"]["examples"]) == sorted(str(o.number) for o in held)
    resource = next(r for e, r, _ in events if e == "mkmw.records.held.new")
    assert resource["mkmw.integration"] == name and resource["mkmw.flow"] == "orders"

    # The next run takes the held orders again and holds them again: no new alert.
    events.clear()
    second = sync_orders(integration=name, return_state=True)
    assert (second.name, second.message) == ("Held", "5 of 5 orders held: PAYMENT_UNMAPPED ×5")
    assert _new_reasons(events) == {}
    assert any(e == "mkmw.sync.completed" for e, _, _ in events)

    # A different reason (no VAT code for 9 %) alerts, once, for that reason only.
    events.clear()
    coffee = add_order(
        emulators, "koffie@example.nl", lines=[{"type": "article", "article_id": COFFEE}]
    )
    vat = [{"rate": "21", "vat_code": 1}, {"rate": "0", "vat_code": 3}]
    _save(make_integration, emulators, name, **{**BASE_SETTINGS, "vat_codes": vat})
    third = sync_orders(integration=name, return_state=True)
    assert third.name == "Held"
    assert third.message == "6 of 6 orders held: PAYMENT_UNMAPPED ×5, VAT_UNMAPPED ×1"
    new = _new_reasons(events)
    assert list(new) == ["VAT_UNMAPPED"] and new["VAT_UNMAPPED"]["examples"] == [str(coffee.number)]
    assert new["VAT_UNMAPPED"]["fix"] == FIXES[Reason.VAT_UNMAPPED]

    # Everything mapped: the held orders go through and the run is plain Completed.
    payment = [
        *BASE_SETTINGS["payment_methods"],
        {"shop_method": "mollie:giropay", "mplus_method": "WEBSHOP"},
    ]
    _save(make_integration, emulators, name, **{**BASE_SETTINGS, "payment_methods": payment})
    events.clear()
    warnings.lines.clear()
    clean = sync_orders(integration=name, return_state=True)
    assert clean.is_completed() and clean.name == "Completed"
    assert clean.result()["counts"]["created"] == 6
    assert not [w for w in warnings.lines if re.search(r"\b(held|failed)\b", w)]
    assert _new_reasons(events) == {}


def test_an_order_whose_payment_is_refused_is_held_with_the_fix_and_booked_next_run(
    emulators: EmulatorPair, make_integration: Callable[..., Any]
) -> None:
    """A typo in payment_methods (a code MplusKASSA lacks): the order is in, its payment not.

    Seen walking the product: such an order was logged as plain "created ... it is booked
    later", the run showed nothing, and no later run booked it.
    """
    clear_demo_orders(emulators)
    order = add_order(emulators, "typo@example.nl", pay=("mollie", "ideal"))
    typo = [{"shop_method": "ideal", "mplus_method": "IDEEL"}]
    name, block = _save(
        make_integration, emulators, None, **{**BASE_SETTINGS, "payment_methods": typo}
    )
    store = StateStore(block.state_database_url)
    bind_articles(emulators, store, name)

    first = sync_orders(integration=name, return_state=True)
    assert (first.name, first.message) == ("Held", "1 of 1 order held: REJECTED_BY_MPLUS ×1")
    entry = store.ledger(integration=name, record_key=str(order.number))[0]
    assert entry.outcome == Outcome.CREATED and entry.reason_code == "REJECTED_BY_MPLUS"
    assert "did not book its payment" in entry.message and "'IDEEL'" in entry.message
    assert "mkmw check" in entry.message
    assert [h.record_key for h in store.held(name, "orders")] == [str(order.number)]

    _save(make_integration, emulators, name, **BASE_SETTINGS)  # the typo fixed
    second = sync_orders(integration=name, return_state=True)
    assert second.is_completed() and second.name == "Completed", second.message
    assert store.held(name, "orders") == []
    [booked] = emulators.mplus.backend.orders_by_ext_id(f"MW-{order.number}")
    assert booked.get("payments") or booked.get("prepaidAmount"), booked
