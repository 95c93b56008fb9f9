"""Build SOAP 1.1 document/literal requests for ``urn:mplusqapi``.

Children are written in ``xsd:sequence`` order with the ``ns1`` prefix, as the official
generated client does; required-but-empty wrappers (``pluNumbers``, the double-nested
``articleNumbers`` of getStock, the TextList filters of getOrders) are always written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mkmw_flows.mplus.codec import element_type, encode, request_element

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
_HEAD = (
    '<?xml version="1.0" encoding="utf-8"?>'
    f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP_ENV}" xmlns:ns1="urn:mplusqapi">'
    "<SOAP-ENV:Header/><SOAP-ENV:Body>"
)
_TAIL = "</SOAP-ENV:Body></SOAP-ENV:Envelope>"


def build_request(operation: str, body: Mapping[str, Any] | None = None) -> bytes:
    """Return the SOAP request document for `operation`.

    Args:
        operation: The operation name, e.g. ``getProducts``.
        body: The wrapper element's children by WSDL name, e.g. ``{"request": {...}}``.

    Returns:
        The UTF-8 encoded envelope.

    Raises:
        CodecError: When `body` does not fit the operation's schema.
    """
    element = request_element(operation)
    out: list[str] = [_HEAD]
    encode(element_type(element), body or {}, element, "ns1", out)
    out.append(_TAIL)
    return "".join(out).encode("utf-8")
