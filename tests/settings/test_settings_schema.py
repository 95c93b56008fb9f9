"""The settings' rows, the old dict shape, and the one plain message for invalid stored settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from mkmw_flows.blocks import Integration
from mkmw_flows.cli.main import app
from mkmw_flows.mapping.filters import ProductFilters, filter_reason
from mkmw_flows.settings.errors import describe_invalid, field_path, invalid_settings
from mkmw_flows.settings.products import ProductSyncSettings
from mkmw_flows.settings.show import as_text, default_sections, integration_sections
from mkmw_flows.sync.products.defaults import default_field_map

CREDENTIALS: dict[str, Any] = {
    "mplus": {"url": "http://127.0.0.1:1", "ident": "i", "secret": "mplus-secret-xyz"},
    "mijnwebwinkel": {"token": "shop-token-xyz", "partner_token": "partner-token-xyz"},
}


def _error(data: dict[str, Any]) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        Integration.model_validate({**CREDENTIALS, **data})
    return caught.value


def test_one_message_names_each_path_value_and_the_allowed_values() -> None:
    rules = [{"target": f"t{i}", "source": "name"} for i in range(3)]
    rules.append({"target": "meta_title", "source": "name", "policy": "alwayz"})
    error = _error(
        {
            "products": {"field_map": {"fields": rules}, "deactivated_action": "burn"},
            "orders": {"vat_codes": [{"country": "XX1", "rate": 21, "vat_code": 1}]},
            "stock": {"calculation": "magic"},
        }
    )
    message = describe_invalid("default", error)
    assert message.startswith("Integration 'default' has invalid settings: ")
    assert (
        "products.field_map.fields[3].policy = 'alwayz' "
        "(allowed: always, create_only, if_unchanged)" in message
    )
    assert "products.deactivated_action = 'burn' (allowed: hide, delete)" in message
    assert "stock.calculation = 'magic' (allowed: free, free_plus_incoming, on_hand)" in message
    assert "orders.vat_codes[0].country = 'XX1' (String should match pattern" in message
    assert message.endswith(
        "Fix it in the Prefect UI (Blocks → mkmw Integration → default) or with mkmw blocks apply."
    )
    assert "\n" not in message and "Traceback" not in message


def test_a_problem_in_a_linked_document_names_that_document() -> None:
    """The Integration's form only picks its linked documents: the fix is on their own page."""
    error = _error(
        {
            "products": {"field_map": {"fields": [{"target": "x", "source": "y", "policy": "a"}]}},
            "stock": {"calculation": "magic"},
        }
    )
    parts = {
        "products": ("mkmw Product Sync Settings", "winkel-products"),
        "stock": ("mkmw Stock Sync Settings", "winkel"),
    }
    message = describe_invalid("winkel", error, parts)
    assert message.endswith(
        "Fix it in the Prefect UI (Blocks → mkmw Product Sync Settings → winkel-products; "
        "Blocks → mkmw Stock Sync Settings → winkel) or with mkmw blocks apply."
    )


def test_secrets_are_never_repeated_and_a_cause_chain_is_searched() -> None:
    error = _error({"mplus": {"url": "http://127.0.0.1:1", "ident": "i", "secret": ""}})
    try:
        try:
            raise error
        except ValidationError as exc:
            raise RuntimeError("Unable to load 'x' ... validate=False") from exc
    except RuntimeError as wrapped:
        found = invalid_settings("x", wrapped)
    assert found is not None
    assert "mplus.secret: required: it is empty" in str(found)
    assert invalid_settings("x", RuntimeError("unrelated")) is None
    bad_token = _error({"mijnwebwinkel": {"token": 12345, "partner_token": "p"}})
    assert "12345" not in describe_invalid("x", bad_token)


def test_field_paths_read_like_the_settings() -> None:
    assert field_path(("products", "field_map", "fields", 3, "policy")) == (
        "products.field_map.fields[3].policy"
    )
    assert field_path(("orders", "status_write_back", "shipped", "[key]")) == (
        "orders.status_write_back.shipped (key)"
    )
    assert field_path(("x", "function-after[_known_transform(), str]")) == "x"


def test_transform_names_are_checked_and_listed() -> None:
    with pytest.raises(ValidationError) as caught:
        ProductSyncSettings(
            field_map={"fields": [{"target": "x", "source": "y", "transforms": [{"name": "evil"}]}]}
        )
    text = describe_invalid("default", caught.value)
    assert "field_map.fields[0].transforms[0].name = 'evil'" in text
    assert "unknown transform 'evil'; known: cents_to_decimal, default" in text


def test_old_filter_shape_loads_as_rows_and_filters_the_same() -> None:
    old = ProductFilters.model_validate(
        {"field_equals": {"brand_name": ["Huismerk"]}, "field_not_equals": {"custom.Merk": "X"}}
    )
    assert [(r.field, r.values) for r in old.field_equals] == [("brand_name", ["Huismerk"])]
    assert [(r.field, r.values) for r in old.field_not_equals] == [("custom.Merk", ["X"])]
    article = {"article_number": 1, "webshop": True, "brand_name": "Ander", "custom": {"Merk": "X"}}
    assert filter_reason(article, [], old) == "its brand_name is not one of Huismerk"
    article["brand_name"] = "Huismerk"
    assert filter_reason(article, [], old) == "its custom field 'Merk' is excluded (X)"
    with pytest.raises(ValidationError, match="field_equals.0.values"):
        ProductFilters.model_validate({"field_equals": [{"field": "brand_name", "values": []}]})


def test_the_default_rules_are_in_the_form_and_in_the_listing() -> None:
    description = ProductSyncSettings.model_fields["field_map"].description or ""
    for rule in default_field_map().fields:
        assert rule.describe() in description
    text = as_text(default_sections())
    assert (
        "| meta_description | description | strip_html, truncate(length=160) | if_unchanged "
        "| default |" in text
    )
    assert (
        "| order.reference | number | template(template='Webwinkel {value}') | always | default |"
        in text
    )


def test_an_integrations_listing_marks_its_own_rules_and_hides_secrets() -> None:
    block = Integration.model_validate(
        {
            **CREDENTIALS,
            "products": {
                "field_map": {
                    "fields": [
                        {"target": "description", "source": "extra_text", "policy": "always"},
                        {"target": "extra.visible.Herkomst", "value": "NL"},
                    ]
                }
            },
            "orders": {
                "vat_codes": [{"country": "BE", "rate": 21, "vat_code": 4}],
                "payment_methods": [{"shop_method": "ideal", "mplus_method": "IDEAL"}],
            },
        }
    )
    text = as_text(integration_sections(block))
    assert "| description | extra_text |  | always | yours (replaces the default) |" in text
    assert "| extra.visible.Herkomst | value 'NL' |  | always | yours |" in text
    assert "| BE | 21 | 4 |" in text and "| ideal | IDEAL |" in text
    for secret in ("mplus-secret-xyz", "shop-token-xyz", "partner-token-xyz"):
        assert secret not in text


def test_mkmw_settings_show_defaults_needs_no_server() -> None:
    result = CliRunner().invoke(app, ["settings", "show", "--defaults"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "price.default" in result.output and "create_only" in result.output
    assert "debtor.email" in result.output


def test_the_docs_list_the_default_rules_as_the_code_has_them() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs"
    sections = {s.title: s for s in default_sections()}
    maps = [s for title, s in sections.items() if "default" in title and "map" in title]
    assert len(maps) == 5
    datamapper = (docs / "datamapper.md").read_text()
    for section in maps:
        assert as_text([section]).strip() in datamapper, section.title
        flow = "products" if section.title.startswith("products") else "orders"
        assert as_text([section]).strip() in (docs / "flows" / f"{flow}.md").read_text()
