"""Every request the client sends and every response the emulator returns fits the WSDL schema."""

from __future__ import annotations

from mkmw_flows.mplus import _schema_table
from mkmw_flows.mplus.codec import response_element
from mkmw_flows.mplus.wsdl import WsdlSchema, render_table

from .conftest import validate_body
from .scenario import REQUIRED, exercise_all


def test_committed_type_table_matches_the_wsdl(wsdl: WsdlSchema) -> None:
    table = wsdl.table()
    assert table["OPERATIONS"] == _schema_table.OPERATIONS
    assert table["ELEMENTS"] == _schema_table.ELEMENTS
    assert table["TYPES"] == _schema_table.TYPES
    assert render_table(table).count("TYPES") == 1
    assert set(_schema_table.OPERATIONS) >= REQUIRED


def test_response_element_names_come_from_the_wsdl_messages() -> None:
    assert response_element("getApiVersion") == "getApiVersionResponse"
    assert response_element("getProducts") == "GetProductsResponse"
    assert response_element("findOrder") == "GetOrderResponse"
    assert response_element("getStockHistoryV2") == "GetStockHistoryResponse"
    assert response_element("getVatGroupList") == "getVatGroupListResponse"
    assert response_element("getPaymentMethods") == "GetPaymentMethodsResponse"


def test_every_body_on_the_wire_validates_against_the_wsdl_schema(served, xsd) -> None:
    exercise_all(served.client, served.emulator)
    requests_seen: set[str] = set()
    responses_seen: set[str] = set()
    failures: list[str] = []
    for request, status, response in served.recorder.exchanges:
        name, errors = validate_body(xsd, request)
        requests_seen.add(name)
        failures += [f"request {name}: {e}" for e in errors]
        assert status == 200, response[:500]
        name, errors = validate_body(xsd, response)
        responses_seen.add(name)
        failures += [f"response {name}: {e}" for e in errors]
    assert not failures, "\n".join(failures[:20])
    assert requests_seen >= REQUIRED
    assert {response_element(op) for op in REQUIRED} <= responses_seen
    # business errors were exercised too, and were valid bodies
    assert served.emulator.counters.calls["createOrderV3"] >= 4


def test_required_but_empty_wrappers_are_written(served) -> None:
    served.client.get_products(sync_marker=1, sync_marker_limit=10)
    served.client.get_stock(1)
    served.client.get_orders(sync_marker=1)
    bodies = [r for r, _s, _b in served.recorder.exchanges]
    assert b"<ns1:pluNumbers/>" in bodies[0]
    assert b"<ns1:articleNumbers/>" in bodies[1]
    assert b"<ns1:articlePluNumbers/><ns1:articleBarcodes/>" in bodies[2]
    # response uses the gSOAP ns: prefix and exact element names
    assert b"<ns:GetProductsResponse>" in served.recorder.exchanges[0][2]
