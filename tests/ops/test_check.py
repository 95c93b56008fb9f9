"""`mkmw check` lists every problem planted in the two emulators' catalogs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from typer.testing import CliRunner

from mkmw_flows.cli.main import app
from mkmw_flows.ops.check import BLOCKER, run_check

MAPPED = {
    "vat_codes": [
        {"country": country, "rate": rate, "vat_code": code}
        for country, rate, code in (
            ("NL", 21, 1),
            ("NL", 9, 2),
            ("BE", 21, 1),
            ("BE", 6, 2),
            ("DE", 19, 1),
            ("DE", 7, 2),
        )
    ],
    "register_payments": False,
}


def _plant(pair) -> None:
    mplus, shop = pair.mplus.backend, pair.shop.backend
    # MplusKASSA: a duplicate EAN, a variant without colour or size, two clashing variants.
    mplus.add_product(
        880001,
        "Planted jas",
        [
            {
                "articleNumber": 880011,
                "description": "Jas rood M",
                "colour": "Rood",
                "size": "M",
                "barcode": "8712345000019",
                "priceIncl": 5000,
                "vatCode": 1,
            },
            {
                "articleNumber": 880012,
                "description": "Jas rood M bis",
                "colour": "rood",
                "size": "M",
                "barcode": "8712345000026",
                "priceIncl": 5000,
                "vatCode": 1,
            },
            {
                "articleNumber": 880013,
                "description": "Jas zonder maat",
                "barcode": "8712345000019",
                "priceIncl": 5000,
                "vatCode": 1,
            },
        ],
    )
    # The shop: a SKU that is not a number and a SKU used twice.
    shop.add_article("Planted sjaal", sku="SJAAL-01", price=Decimal("12.50"))
    shop.add_article("Planted muts", sku="880099", price=Decimal("9.95"))
    shop.add_article("Planted muts (kopie)", sku="880099", price=Decimal("9.95"))


def test_check_lists_each_planted_problem(emulators, make_integration) -> None:
    _plant(emulators)
    _, block = make_integration(
        emulators,
        orders={
            **MAPPED,
            "employee_number": 424242,
            "branch_number": 9,
            "workplace_number": 1,
            "shipping_articles": [{"shop_method": "PostNL pakket", "article_number": 990001}],
        },
        stock={"branches": [1, 8]},
    )
    report = run_check(block)
    found = {(f.code, f.subject) for f in report.findings if f.severity == BLOCKER}
    subjects = {code: {s for c, s in found if c == code} for code, _ in found}

    assert "EAN 8712345000019" in subjects["EAN_DUPLICATE"]
    assert "article 880013" in subjects["VARIANT_WITHOUT_OPTIONS"]
    assert any("880001" in s for s in subjects["VARIANT_CLASH"])
    assert any("Planted sjaal" in s for s in subjects["SKU_NOT_NUMERIC"])
    assert "SKU 880099" in subjects["SKU_DUPLICATE"]
    assert subjects["EMPLOYEE_MISSING"] == {"employee 424242"}
    assert subjects["BRANCH_MISSING"] == {"branch 9", "branch 8"}
    shipping = subjects["SHIPPING_UNMAPPED"]
    assert "shipping 'bpost België'" in shipping and "shipping 'PostNL pakket'" not in shipping
    assert "VAT_UNMAPPED" not in subjects and "PAYMENT_UNMAPPED" not in subjects
    assert any(f.code == "API_VERSION" for f in report.findings)
    # read-only: the check wrote nothing in either system
    assert sum(emulators.mplus.counters.writes.values()) == 0
    assert sum(emulators.shop.counters.writes.values()) == 0


def test_unmapped_vat_and_payment_block(emulators, make_integration) -> None:
    _, block = make_integration(emulators, orders={"vat_codes": {"21": 1, "9": 2, "0": 3}})
    codes = {(f.code, f.subject) for f in run_check(block).blockers}
    assert ("VAT_UNMAPPED", "VAT 19% (DE)") in codes
    assert ("VAT_UNMAPPED", "VAT 21% (NL)") not in codes
    assert ("PAYMENT_UNMAPPED", "payment mollie:ideal") in codes


@pytest.mark.usefixtures("prefect_server")
def test_mkmw_check_exits_non_zero_on_blockers(emulators, make_integration) -> None:
    _plant(emulators)
    name, _ = make_integration(emulators, save=True, orders={"employee_number": 424242})
    result = CliRunner().invoke(app, ["check", "--integration", name], env={"COLUMNS": "250"})
    assert result.exit_code == 1, result.output
    assert "EMPLOYEE_MISSING" in result.output and "SKU_DUPLICATE" in result.output
    assert "blocking problem(s)" in result.output
    # the same stored integration, listed read-only
    shown = CliRunner().invoke(
        app, ["settings", "show", "--integration", name], env={"COLUMNS": "200"}
    )
    assert shown.exit_code == 0, shown.output
    assert "orders: VAT rules (vat_codes)" in shown.output and "meta_description" in shown.output


RULES = [
    {"target": "meta_title", "source": "name", "policy": "create_only"},
    {"target": "price.default", "source": "price", "transforms": [{"name": "round"}]},
    {"target": "extra.visible.Herkomst", "value": "Nederland"},
    {"target": "meta_description", "source": "description", "policy": "if_unchanged"},
]


def _save_bad_policy_through_the_api(name: str) -> None:
    """Do what the Prefect UI does: PATCH the nested products document with a bad policy."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import BlockDocumentUpdate

    with get_client(sync_client=True) as client:
        integration = client.read_block_document_by_name(name, "mkmw-integration")
        ref = integration.block_document_references["products"]["block_document"]
        products = client.read_block_document(ref["id"])
        data = dict(products.data)
        rules = [dict(rule) for rule in data["field_map"]["fields"]]
        rules[3]["policy"] = "alwayz"
        data["field_map"] = {"fields": rules}
        data["page_size"] = 0
        # The server takes it (it does not validate nested data); the product must say what
        # is wrong when the document is loaded.
        client.update_block_document(ref["id"], BlockDocumentUpdate(data=data))


@pytest.mark.usefixtures("prefect_server")
def test_invalid_stored_settings_fail_with_one_plain_message(emulators, make_integration) -> None:
    from prefect.client.orchestration import get_client

    from mkmw_flows.flows.products import sync_products

    name, block = make_integration(emulators, products={"field_map": {"fields": RULES}})
    # saved as `mkmw blocks apply` saves it: each part its own document, the Integration
    # referencing them, so the products settings can be edited on their own in the UI
    for part in ("mplus", "mijnwebwinkel", "products", "stock", "orders"):
        getattr(block, part).save(name, overwrite=True)
    block.save(name, overwrite=True)
    _save_bad_policy_through_the_api(name)
    expected = (
        f"Integration {name!r} has invalid settings: "
        "products.field_map.fields[3].policy = 'alwayz' "
        "(allowed: always, create_only, if_unchanged); "
        "products.page_size = 0 (Input should be greater than or equal to 1). "
        "Fix it in the Prefect UI (Blocks → mkmw Product Sync Settings → "
        f"{name}) or with mkmw blocks apply."
    )

    # (a) the flow run fails with that message as its state message
    state = sync_products(integration=name, return_state=True)
    assert state.is_failed()
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(state.state_details.flow_run_id)
    assert run.state is not None and run.state.message is not None
    assert run.state.message.endswith(expected), run.state.message
    assert "Traceback" not in run.state.message and "validate=False" not in run.state.message

    # (b) `mkmw check` prints it, without a traceback, and exits non-zero
    result = CliRunner().invoke(app, ["check", "--integration", name], env={"COLUMNS": "100"})
    assert result.exit_code == 2
    assert expected in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)

    # `mkmw settings show` says the same instead of listing
    shown = CliRunner().invoke(app, ["settings", "show", "--integration", name])
    assert shown.exit_code == 2 and expected in shown.output
