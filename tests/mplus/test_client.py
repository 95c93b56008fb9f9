"""The client alone, against pytest-httpx mocks: headers, retries, errors, secrets."""
# ruff: noqa: E501  (hand-written SOAP fixtures read better on one line)

from __future__ import annotations

import logging
from decimal import Decimal

import httpx
import pytest

from mkmw_flows.mplus.client import MplusClient
from mkmw_flows.mplus.errors import MplusBusinessError, MplusTransportError
from mkmw_flows.mplus.models import Order, Relation

URL = "https://mplus.test:45166"
SECRET = "Zz-very-secret-42"

OK_VERSION = (
    b'<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns="urn:mplusqapi">'
    b"<SOAP-ENV:Body><ns:getApiVersionResponse><ns:majorNumber>1</ns:majorNumber><ns:minorNumber>0</ns:minorNumber>"
    b"<ns:revisionNumber>0</ns:revisionNumber><ns:inDebugMode>false</ns:inDebugMode></ns:getApiVersionResponse>"
    b"</SOAP-ENV:Body></SOAP-ENV:Envelope>"
)


def _client(**kw) -> MplusClient:
    return MplusClient(URL, "ident-1", SECRET, retry_wait_initial=0.001, retry_wait_max=0.01, **kw)


def test_request_shape(httpx_mock) -> None:
    httpx_mock.add_response(content=OK_VERSION, is_reusable=True)
    client = _client()
    client.get_api_version()
    client.get_api_version()
    first, second = httpx_mock.get_requests()
    assert first.method == "POST" and first.url.path == "/"
    assert first.url.params["ident"] == "ident-1" and first.url.params["secret"] == SECRET
    assert first.headers["content-type"] == "text/xml; charset=utf-8"
    assert first.headers["soapaction"] == "getApiVersion"
    assert (
        first.headers["x-request-id"]
        and first.headers["x-request-id"] != second.headers["x-request-id"]
    )
    assert b"<ns1:getApiVersion/>" in first.content


def test_reads_retry_on_503_then_succeed(httpx_mock) -> None:
    httpx_mock.add_response(status_code=503, text="busy")
    httpx_mock.add_response(content=OK_VERSION)
    client = _client()
    assert client.get_api_version().major_number == 1
    assert client.stats.operations["getApiVersion"].calls == 2


def test_plain_writes_are_not_retried(httpx_mock) -> None:
    httpx_mock.add_response(status_code=503, text="busy")
    client = _client()
    with pytest.raises(MplusTransportError) as err:
        client.create_relation(Relation(name="x"))
    assert err.value.status_code == 503
    assert len(httpx_mock.get_requests()) == 1


def test_non_soap_500_is_a_transport_error(httpx_mock) -> None:
    httpx_mock.add_response(status_code=500, text="<html>Internal error</html>", is_reusable=True)
    with pytest.raises(MplusTransportError):
        _client(retry_attempts=2).get_api_version()
    assert len(httpx_mock.get_requests()) == 2


def test_business_result_raises_with_enum_and_message(httpx_mock) -> None:
    httpx_mock.add_response(
        content=b'<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns="urn:mplusqapi"><e:Body>'
        b"<ns:CreateOrderV3Response><ns:idempotencyResult>IDEMPOTENCY-RESULT-ORIGINAL-RESPONSE</ns:idempotencyResult>"
        b"<ns:result>CREATE-ORDER-RESULT-EXT-ORDER-ID-ALREADY-EXISTS</ns:result><ns:errorMessage>Order WEB-1 exists</ns:errorMessage>"
        b"<ns:info><ns:orderId/><ns:orderString/></ns:info></ns:CreateOrderV3Response></e:Body></e:Envelope>"
    )
    with pytest.raises(MplusBusinessError) as err:
        _client().create_order(Order(ext_order_id="WEB-1"), idempotency_key="k")
    assert err.value.result == "CREATE-ORDER-RESULT-EXT-ORDER-ID-ALREADY-EXISTS"
    assert err.value.error_message == "Order WEB-1 exists"
    assert (
        b"<ns1:idempotencyKey>k</ns1:idempotencyKey><ns1:order><ns1:orderId/><ns1:extOrderId>WEB-1"
        in httpx_mock.get_requests()[0].content
    )


def test_money_is_never_float() -> None:
    from mkmw_flows.mplus.money import decimal_to_cents

    with pytest.raises(TypeError):
        decimal_to_cents(9.95)  # type: ignore[arg-type]
    assert decimal_to_cents(Decimal("9.95")) == 995


def test_secret_never_in_repr_logs_or_errors(httpx_mock, caplog) -> None:
    def boom(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot connect to {request.url}", request=request)

    httpx_mock.add_callback(boom, is_reusable=True)
    client = _client(retry_attempts=3)
    caplog.set_level(logging.DEBUG, logger="mkmw_flows")
    with pytest.raises(MplusTransportError) as err:
        client.get_branches()
    texts = [repr(client), str(err.value), repr(err.value), caplog.text]
    assert err.value.retryable and "ConnectError" in str(err.value)
    assert "retry" in caplog.text
    for text in texts:
        assert SECRET not in text
    assert "secret=***" in str(err.value)


def test_secret_not_in_errors_from_a_real_closed_port() -> None:
    client = MplusClient(
        "http://127.0.0.1:9", "ident-1", SECRET, retry_attempts=1, connect_timeout=1
    )
    with pytest.raises(MplusTransportError) as err:
        client.get_api_version()
    assert SECRET not in str(err.value) and SECRET not in repr(client)
