"""The emulator's answers, byte for byte, as a gSOAP server writes them, for every operation.

Raw SOAP requests (hand-written, no client code) go over HTTP to the served demo emulator. Each
answer must validate against the WSDL's schema and must not write a required string element
(``xsd:string``/``SOAP-ENC:base64``, minOccurs >= 1, not nillable) as a self-closing tag: a
client generated from the WSDL reads ``<ns:x/>`` as null and fails on a non-nullable string.
gSOAP writes an empty string as ``<ns:x></ns:x>`` and never self-closes an element at all.
"""
# ruff: noqa: E501  (hand-written SOAP fixtures read better on one line)

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mkmw_emulators.core.serving import BackgroundServer
from mkmw_emulators.mplus.server import create_emulator

from .conftest import IDENT, SECRET, validate_body
from .gsoap import (
    Session,
    envelope,
    exercise_every_operation,
    order_element,
    self_closed_required_strings,
)


@pytest.fixture(scope="module")
def session() -> Iterator[Session]:
    emulator = create_emulator("demo", ident=IDENT, secret=SECRET)
    with BackgroundServer(emulator.app) as server:
        s = Session(server.url, set(emulator.wire.handlers))
        exercise_every_operation(s)
        yield s


def test_every_implemented_operation_is_exercised(session: Session) -> None:
    called = {e.operation for e in session.exchanges}
    assert called == session.implemented
    failed = [
        (e.operation, e.status, e.response[:400]) for e in session.exchanges if e.status != 200
    ]
    assert not failed, failed


def test_every_answer_validates_against_the_wsdl_schema(session: Session, xsd, wsdl) -> None:
    failures: list[str] = []
    for exchange in session.exchanges:
        name, errors = validate_body(xsd, exchange.response)
        assert name == wsdl.operations[exchange.operation][1]
        failures += [f"{exchange.operation} -> {name}: {e}" for e in errors]
    assert not failures, "\n".join(failures[:20])


def test_no_required_string_is_self_closing(session: Session, wsdl) -> None:
    found = {
        f"{e.operation}: {path}"
        for e in session.exchanges
        for path in self_closed_required_strings(e.response, wsdl)
    }
    assert not found, sorted(found)[:20]


def test_no_element_is_self_closing_at_all(session: Session) -> None:
    # gSOAP writes every element with a start and an end tag
    for exchange in session.exchanges:
        assert b"/>" not in exchange.response, (exchange.operation, exchange.response[:400])


def test_the_three_known_empty_strings_are_written_open_and_closed(session: Session) -> None:
    by_op: dict[str, list[bytes]] = {}
    for e in session.exchanges:
        by_op.setdefault(e.operation, []).append(e.response)
    relation = by_op["createRelation"][0]
    assert b"<ns:result>CREATE-RELATION-RESULT-OK</ns:result>" in relation
    assert b"<ns:errorMessage></ns:errorMessage>" in relation
    products = by_op["getProducts"][0]
    images = products.count(b"<ns:image>")
    assert images >= 5
    assert products.count(b"<ns:imageData></ns:imageData>") == images
    assert products.count(b"<ns:thumbData></ns:thumbData>") == images
    exists = by_op["createOrderV3"][1]
    assert b"CREATE-ORDER-RESULT-EXT-ORDER-ID-ALREADY-EXISTS" in exists
    assert (
        b"<ns:info><ns:orderId></ns:orderId><ns:orderString></ns:orderString></ns:info>" in exists
    )
    replay = by_op["createOrderV3"][2]
    assert b"IDEMPOTENCY-RESULT-REPLAY-RESPONSE" in replay


def test_the_checker_finds_a_self_closing_required_string(wsdl) -> None:
    raw = envelope(
        '<ns:CreateRelationResponse xmlns:ns="urn:mplusqapi"><ns:result>CREATE-RELATION-RESULT-OK</ns:result>'
        "<ns:relationNumber>7</ns:relationNumber><ns:errorMessage/></ns:CreateRelationResponse>"
    )
    assert list(self_closed_required_strings(raw, wsdl)) == ["CreateRelationResponse/errorMessage"]


def test_bad_enumeration_and_out_of_range_numbers_are_client_faults(session: Session) -> None:
    bad_enum = session.call(
        "createOrderV3",
        "<urn:request><urn:idempotencyKey>key-bad</urn:idempotencyKey>"
        + order_element("WEB-9100", 10001, 100).replace(
            "VAT-METHOD-INCLUSIVE", "VAT-METHOD-SOMETIMES"
        )
        + "</urn:request>",
    )
    too_big = session.call("getRelation", f"<urn:relationNumber>{2**63}</urn:relationNumber>")
    twice = session.call(
        "getRelation",
        "<urn:relationNumber>1</urn:relationNumber><urn:relationNumber>2</urn:relationNumber>",
    )
    for answer in (bad_enum, too_big, twice):
        session.exchanges.remove(answer)
        assert answer.status == 500
        assert b"<faultcode>SOAP-ENV:Client</faultcode>" in answer.response
    assert b"VAT-METHOD-SOMETIMES" in bad_enum.response
