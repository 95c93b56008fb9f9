"""OrderSyncSettings: every field validated with a message that names it; pure helpers."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from mkmw_flows.settings.orders import OrderSyncSettings, normalise_rate, vat_key
from mkmw_flows.sync.order_build import split_street


def test_defaults_work_and_keys_are_normalised() -> None:
    settings = OrderSyncSettings(
        vat_codes={"21.00": 1, "be:21": 4, "9%": 2},
        turnover_groups={"be": 41},
        payment_methods={" Mollie:iDEAL ": "IDEAL"},
    )
    assert settings.employee_number == 999999
    assert settings.vat_codes == {"21": 1, "BE:21": 4, "9": 2}
    assert settings.turnover_groups == {"BE": 41}
    assert settings.payment_methods == {"mollie:ideal": "IDEAL"}
    assert vat_key("21.00", "nl") == "NL:21" and normalise_rate("5.50") == "5.5"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"vat_codes": {"abc": 1}}, "vat_codes key 'abc'"),
        ({"vat_codes": {"NLD:21": 1}}, "two-letter code"),
        ({"vat_codes": {"121": 1}}, "between 0 and 100"),
        ({"turnover_groups": {"Nederland": 1}}, "two-letter country code"),
        ({"turnover_groups": {"NL": 1000}}, "between 0 and 999"),
        ({"shipping_articles": {" ": 999}}, "empty shipping method"),
        ({"shipping_articles": {"PostNL": 0}}, "must be an article number"),
        ({"payment_methods": {"ideal": " "}}, "give a shop method and a code"),
        ({"status_write_back": {"shipped": 2}}, "unknown event"),
        ({"reverse_payment": "advance"}, "gateway:method"),
        ({"branch_number": 2}, "workplace_number is required"),
        ({"cancel_sync": True}, "cancel_sync needs the shop status"),
        ({"ext_order_id_prefix": "MW #"}, "ext_order_id_prefix"),
        ({"employee_number": 0}, "employee_number"),
        ({"overlap_minutes": -1}, "overlap_minutes"),
        ({"page_size": 500}, "page_size"),
        ({"payment_terms_days": 400}, "payment_terms_days"),
        ({"direction": "both"}, "direction"),
        ({"document_type": "receipt"}, "document_type"),
    ],
)
def test_wrong_values_are_refused_with_a_clear_message(
    fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        OrderSyncSettings(**fields)
    assert message in str(caught.value)


def test_cancel_sync_with_a_cancelled_status() -> None:
    settings = OrderSyncSettings(cancel_sync=True, status_write_back={"cancelled": 7})
    assert settings.shop_cancelled_statuses() == {7}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Molenstraat 62", ("Molenstraat", "62")),
        ("Molenstraat 62a", ("Molenstraat", "62a")),
        ("Van Heuven Goedhartlaan 12 bis", ("Van Heuven Goedhartlaan", "12 bis")),
        ("Postbus", ("Postbus", "")),
        ("", ("", "")),
    ],
)
def test_street_and_house_number_are_split(line: str, expected: tuple[str, str]) -> None:
    assert split_street(line) == expected
