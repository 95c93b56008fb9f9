"""The stock calculation on its own: settings -> the figure the shop shows."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mkmw_flows.blocks import StockSyncSettings
from mkmw_flows.mplus.models import StockLevel
from mkmw_flows.sync.stock.calc import StockPolicy, is_truthy


def level(branch: int, free: str, reserved: str = "0", incoming: str = "0") -> StockLevel:
    return StockLevel(
        branch_number=branch,
        article_number=1,
        stock_id=1,
        amount_free=Decimal(free),
        amount_reserved=Decimal(reserved),
        amount_incoming=Decimal(incoming),
    )


LEVELS = [level(1, "10", reserved="3", incoming="20"), level(2, "4", reserved="1", incoming="5")]


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({}, 14),  # free, all branches
        ({"calculation": "free_plus_incoming"}, 39),
        ({"calculation": "on_hand"}, 18),
        ({"branches": [2]}, 4),
        ({"branches": [1], "calculation": "on_hand"}, 13),
        ({"safety_buffer": 5}, 9),
        ({"safety_buffer": 50}, 0),  # never below zero
    ],
)
def test_each_setting_changes_the_figure(settings: dict[str, object], expected: int) -> None:
    policy = StockPolicy.from_settings(StockSyncSettings(**settings))
    assert policy.compute(LEVELS) == expected


def test_fractions_round_down_and_negative_branches_count_as_zero() -> None:
    policy = StockPolicy()
    assert policy.compute([level(1, "2.9")]) == 2
    assert policy.compute([level(1, "0.5"), level(2, "0.6")]) == 1  # 1.1 summed, then down
    assert policy.compute([level(1, "-3"), level(2, "5")]) == 5
    assert policy.compute([]) == 0
    buffered = StockPolicy(safety_buffer=1)
    assert buffered.compute([level(1, "1.5")]) == 0


def test_unmanaged_reasons() -> None:
    assert StockPolicy(manage_stock=False).unmanaged_reason("1")
    listed = StockPolicy(unmanaged_skus=frozenset({"20001"}))
    assert listed.unmanaged_reason("20001") and not listed.unmanaged_reason("20002")
    by_field = StockPolicy(unmanaged_field="geen_voorraad")
    assert by_field.field_says_unmanaged({"geen_voorraad": "Ja"})
    assert not by_field.field_says_unmanaged({"geen_voorraad": "nee"})
    assert by_field.unmanaged_reason("1", True) and not by_field.unmanaged_reason("1", False)
    assert not StockPolicy().unmanaged_reason("1", True)  # no field configured
    assert is_truthy("x") and is_truthy(True) and not is_truthy(None) and not is_truthy("0")


def test_backorder_setting() -> None:
    assert StockPolicy(backorders="keep").backorder_value() is None
    assert StockPolicy(backorders="allow").backorder_value() is True
    assert StockPolicy(backorders="deny").backorder_value() is False
