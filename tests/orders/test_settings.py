"""OrderSyncSettings: every field validated with a message that names it; pure helpers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from mkmw_flows.settings.order_rows import normalise_rate, vat_key
from mkmw_flows.settings.orders import OrderSyncSettings
from mkmw_flows.sync.orders.record import split_street


def test_rows_are_normalised_and_looked_up() -> None:
    settings = OrderSyncSettings(
        vat_codes=[
            {"rate": 21, "vat_code": 1},
            {"country": "be", "rate": "21.00", "vat_code": 4},
            {"country": "ANY", "rate": 9, "vat_code": 2},
        ],
        turnover_groups=[{"country": "be", "turnover_group": 41}],
        payment_methods=[{"shop_method": " Mollie:iDEAL ", "mplus_method": " IDEAL "}],
        shipping_articles=[{"shop_method": " PostNL pakket ", "article_number": 999}],
    )
    assert settings.employee_number == 999999
    assert [(r.country, r.vat_code) for r in settings.vat_codes] == [
        ("any", 1),
        ("BE", 4),
        ("any", 2),
    ]
    assert settings.vat_code_for("BE", "21") == 4  # the country's row wins
    assert settings.vat_code_for("nl", Decimal("21.00")) == 1  # else the "any" row
    assert settings.vat_code_for(None, 9) == 2
    assert settings.vat_code_for("NL", 6) is None
    assert settings.turnover_group_for("BE") == 41 and settings.turnover_group_for("NL") is None
    assert settings.payment_code_for("mollie", "iDEAL") == "IDEAL"
    assert settings.payment_code_for("other", "ideal") is None
    assert settings.shop_payment_for("IDEAL") == "mollie:ideal"
    assert settings.shipping_article_for("nope", "PostNL pakket") == 999
    assert settings.shipping_method_for(999) == "PostNL pakket"
    # stored as plain rows with numbers, so the Prefect form shows them as they are
    assert settings.model_dump(mode="json")["vat_codes"][1] == {
        "country": "BE",
        "rate": 21,
        "vat_code": 4,
    }
    assert vat_key("21.00", "nl") == "NL:21" and normalise_rate("5.50") == "5.5"


def test_documents_in_the_old_dict_shape_still_load() -> None:
    old = OrderSyncSettings.model_validate(
        {
            "vat_codes": {"21.00": 1, "be:21": 4, "9%": 2},
            "turnover_groups": {"be": 41},
            "payment_methods": {" Mollie:iDEAL ": "IDEAL"},
            "shipping_articles": {"PostNL pakket": 999},
        }
    )
    assert [(r.country, r.rate, r.vat_code) for r in old.vat_codes] == [
        ("any", Decimal(21), 1),
        ("BE", Decimal(21), 4),
        ("any", Decimal(9), 2),
    ]
    assert old.turnover_group_for("BE") == 41
    assert old.payment_code_for("mollie", "ideal") == "IDEAL"
    assert old.shipping_article_for("PostNL pakket") == 999


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"vat_codes": {"abc": 1}}, "vat_codes.0.rate"),
        ({"vat_codes": [{"country": "NLD", "rate": 21, "vat_code": 1}]}, "vat_codes.0.country"),
        ({"vat_codes": [{"rate": 121, "vat_code": 1}]}, "less than or equal to 100"),
        (
            {"vat_codes": [{"rate": 21, "vat_code": 1}, {"rate": "21.0", "vat_code": 2}]},
            "vat_codes[1] has the same country and rate as vat_codes[0]",
        ),
        ({"turnover_groups": {"Nederland": 1}}, "turnover_groups.0.country"),
        ({"turnover_groups": [{"country": "NL", "turnover_group": 1000}]}, "less than or equal"),
        ({"shipping_articles": {" ": 999}}, "shipping_articles.0.shop_method"),
        ({"shipping_articles": {"PostNL": 0}}, "shipping_articles.0.article_number"),
        ({"payment_methods": {"ideal": " "}}, "payment_methods.0.mplus_method"),
        ({"status_write_back": {"shipped": 2}}, "status_write_back.shipped\n  Extra inputs"),
        ({"status_write_back": {"imported": -1}}, "status_write_back.imported"),
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
