"""One pass over every operation the client implements, used by the conformance test."""

from __future__ import annotations

import contextlib
from decimal import Decimal

from mkmw_emulators.mplus.server import MplusEmulator
from mkmw_flows.mplus.client import MplusClient
from mkmw_flows.mplus.errors import MplusBusinessError
from mkmw_flows.mplus.models import (
    Address,
    Article,
    Invoice,
    Order,
    OrderLine,
    Payment,
    Product,
    Relation,
)
from mkmw_flows.mplus.paging import iter_product_pages

REQUIRED = {
    "getApiVersion",
    "getCurrentSyncMarkers",
    "getProducts",
    "createProduct",
    "updateProduct",
    "getArticleGroups",
    "getArticleGroupChanges",
    "getStock",
    "getStockHistoryV2",
    "getRelations",
    "findRelationV2",
    "createRelation",
    "updateRelation",
    "getOrders",
    "findOrder",
    "getOrdersByExtOrderIds",
    "createOrderV3",
    "payOrderV2",
    "cancelOrder",
    "getInvoices",
    "saveInvoice",
    "getVatGroupList",
    "getTurnoverGroups",
    "getPaymentMethods",
    "getDeliveryMethods",
    "getBranches",
    "getEmployees",
}


def exercise_all(client: MplusClient, emulator: MplusEmulator) -> None:
    """Call every operation at least once, including business-error answers."""
    client.get_api_version()
    client.get_current_sync_markers()
    for _page in iter_product_pages(client, 0, 100):
        pass
    client.get_products(article_numbers=[10001], plu_numbers=["10001"], only_webshop=True)
    created = client.create_product(
        Product(
            description="Regenponcho",
            extra_text="Nieuw binnen",
            group_numbers=[13],
            articles=[
                Article(
                    description="Regenponcho geel",
                    colour="Geel",
                    size="One size",
                    barcode="8712300999996",
                    vat_code=1,
                    turnover_group=10,
                    price_incl=Decimal("14.95"),
                    webshop=True,
                    category_ids=[3],
                )
            ],
        )
    )
    client.update_product(
        Product(
            product_number=created.product_number,
            description="Regenponcho unisex",
            articles=[
                Article(article_number=created.article_numbers[0], price_incl=Decimal("12.95")),
                Article(description="Regenponcho zwart", vat_code=1, price_incl=Decimal("12.95")),
            ],
        )
    )
    with contextlib.suppress(MplusBusinessError):
        client.create_product(Product(product_number=100, articles=[Article(description="x")]))
    client.get_article_groups(retrieve_article_numbers=True)
    client.get_article_groups(sync_marker=0, group_numbers=[1])
    client.get_article_group_changes(sync_marker=0, sync_marker_limit=5)
    client.get_stock(1)
    client.get_stock(2, article_numbers=[10001, 10002], stock_id=1)
    client.update_stock(1, 10001, Decimal("2.5"), reference="telling")
    client.get_stock_history(branch_numbers=[1], article_numbers=[10001], since_stock_id=0)
    client.get_relations(sync_marker=0, sync_marker_limit=10)
    client.get_relation(1)
    client.get_relation(987654)
    relation = client.create_relation(
        Relation(
            name="Bakkerij De Vries",
            address="Dorpsstraat 1",
            zipcode="1234 AB",
            city="Utrecht",
            country="NL",
            contact="Jan de Vries",
            email="jan@bakkerijdevries.example.nl",
            vat_number="NL001234567B01",
            company_name="Bakkerij De Vries B.V.",
            contacts=[Relation(name="Jan de Vries", email="jan@bakkerijdevries.example.nl")],
        )
    )
    client.update_relation(Relation(relation_number=relation.relation_number, mobile="0612345678"))
    client.find_relation_by_email("JAN@bakkerijdevries.example.nl")
    client.find_relation(Relation(name="de vries"), exact_match=False)
    client.find_relation_by_email("nobody@example.nl")
    order = Order(
        ext_order_id="WEB-100234",
        entry_branch_number=1,
        employee_number=999999,
        relation_number=relation.relation_number,
        delivery_address=Address(
            name="Jan de Vries", address="Dorpsstraat 1", zipcode="1234 AB", city="Utrecht"
        ),
        reference="Webshop order 100234",
        vat_method="VAT-METHOD-INCLUSIVE",
        delivery_method="POSTNL",
        lines=[
            OrderLine(
                article_number=10001, text="T-shirt", quantity=Decimal(1), price=Decimal("19.95")
            ),
            OrderLine(
                article_number=999, text="Verzendkosten", quantity=Decimal(1), price=Decimal("4.95")
            ),
        ],
    )
    result = client.create_order(
        order,
        idempotency_key="6f1c2a8e-4d4b-4a55-9d8e-2f0f3b1c9a77",
        prepay=True,
        payments=[Payment(method="IDEAL", amount=Decimal("24.90"), external_reference="tr_1")],
    )
    client.create_order(order, idempotency_key="6f1c2a8e-4d4b-4a55-9d8e-2f0f3b1c9a77")
    with contextlib.suppress(MplusBusinessError):
        client.create_order(order, idempotency_key="another-key")
    client.pay_order(
        result.order_id,
        [Payment(method="PIN", amount=Decimal(0))],
        idempotency_key="pay-1",
        prepay=False,
    )
    client.get_orders(sync_marker=0, sync_marker_limit=10)
    client.get_orders(
        sync_marker=0, include_lines=False, relation_numbers=[relation.relation_number]
    )
    client.find_order("WEB-100234")
    client.find_order("WEB-missing")
    client.get_order(result.order_id)
    client.get_orders_by_ext_order_ids(["WEB-100234", "WEB-missing"])
    second = client.create_order(
        order.model_copy(update={"ext_order_id": "WEB-100235"}), idempotency_key="k-100235"
    )
    client.cancel_order(second.order_id, branch_number=1)
    with contextlib.suppress(MplusBusinessError):
        client.cancel_order(second.order_id)
    client.get_invoices(sync_marker=0)
    saved = client.save_invoice(
        Invoice(
            ext_invoice_id="INV-EXT-1",
            relation_number=relation.relation_number,
            employee_number=999999,
            reference="Factuur zakelijk",
            lines=[OrderLine(article_number=20001, quantity=Decimal("1.5"))],
        )
    )
    client.get_invoices(sync_marker=0, include_lines=False, invoice_ids=[saved.invoice_id])
    client.get_vat_groups()
    client.get_turnover_groups(only_active=True)
    client.get_payment_methods()
    client.get_delivery_methods()
    client.get_branches()
    client.get_employees()
    client.get_employees(employee_numbers=[999999], sync_marker=0, sync_marker_limit=2)
