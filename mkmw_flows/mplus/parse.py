"""Parse SOAP responses safely: namespace-aware, prefix-agnostic, XXE and entity-bomb proof.

The parser never resolves entities, never loads a DTD and never touches the network; a
document that carries a DOCTYPE at all is rejected (SOAP 1.1 forbids DTDs in messages).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from lxml import etree

from mkmw_flows.mplus.codec import NS, CodecError, decode, element_type, response_element
from mkmw_flows.mplus.errors import (
    MplusClientFault,
    MplusFault,
    MplusProtocolError,
    MplusServerFault,
)

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
T = TypeVar("T")
_BODY = f"{{{SOAP_ENV}}}Body"
_FAULT = f"{{{SOAP_ENV}}}Fault"


def safe_parser() -> etree.XMLParser:
    """Return an lxml parser that resolves no entities, loads no DTD and uses no network."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


_PARSER = safe_parser()


def parse_document(content: bytes) -> Any:
    """Parse an XML document safely and return its root element.

    Raises:
        MplusProtocolError: When the document has a DOCTYPE/ENTITY or is not well-formed.
    """
    if b"<!DOCTYPE" in content or b"<!ENTITY" in content:
        raise MplusProtocolError("refusing an XML document with a DTD or entity declarations")
    try:
        root = etree.fromstring(content, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise MplusProtocolError(f"malformed XML: {exc}") from None
    if root is None:
        raise MplusProtocolError("empty XML document")
    docinfo: Any = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise MplusProtocolError("refusing an XML document with a DTD")
    return root


def body_child(root: Any) -> Any:
    """Return the first element child of the SOAP Body.

    Raises:
        MplusProtocolError: When there is no Envelope/Body or the Body is empty.
    """
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise MplusProtocolError(f"not a SOAP 1.1 envelope: {root.tag}")
    body = root.find(_BODY)
    if body is None:
        raise MplusProtocolError("SOAP envelope without a Body")
    for child in body:
        if isinstance(child.tag, str):
            return child
    raise MplusProtocolError("empty SOAP Body")


def fault_from(element: Any, **context: str | None) -> MplusFault:
    """Build the typed fault for a ``SOAP-ENV:Fault`` element (Client*/Server* by faultcode)."""
    code = element.findtext("faultcode") or element.findtext(f"{{{SOAP_ENV}}}faultcode") or ""
    text = element.findtext("faultstring") or element.findtext(f"{{{SOAP_ENV}}}faultstring") or ""
    code = code.strip().split(":", 1)[-1]
    if code.startswith("Server"):
        return MplusServerFault(code, text.strip(), **context)
    # Client* and anything unknown: the request has to change, never retry blindly.
    return MplusClientFault(code, text.strip(), **context)


def parse_response(
    content: bytes, operation: str, *, request_id: str | None = None
) -> dict[str, Any]:
    """Parse the response of `operation` into a dict keyed by WSDL element names.

    Args:
        content: The HTTP response body.
        operation: The operation that was called.
        request_id: The call's ``X-Request-Id`` (for error context).

    Returns:
        The response element's content.

    Raises:
        MplusClientFault: On a ``Client*`` SOAP fault.
        MplusServerFault: On a ``Server*`` SOAP fault.
        MplusProtocolError: On unsafe, malformed or unexpected XML.
    """
    type_name = element_type(response_element(operation))
    return read_response(
        content, operation, lambda child: decode(child, type_name), request_id=request_id
    )


def read_response(
    content: bytes,
    operation: str,
    reader: Callable[[Any], T],
    *,
    request_id: str | None = None,
) -> T:
    """Parse the response of `operation` safely and hand its response element to `reader`.

    The hot reads use this to build typed records straight from the element
    (:mod:`mkmw_flows.mplus.records`) instead of going through a dict first.

    Args:
        content: The HTTP response body.
        operation: The operation that was called.
        reader: Reads the (checked) response element; may raise ``CodecError``.
        request_id: The call's ``X-Request-Id`` (for error context).

    Returns:
        What `reader` returns.

    Raises:
        MplusClientFault: On a ``Client*`` SOAP fault.
        MplusServerFault: On a ``Server*`` SOAP fault.
        MplusProtocolError: On unsafe, malformed or unexpected XML, or a value that does
            not fit the schema.
    """
    context = {"operation": operation, "request_id": request_id}
    root = parse_document(content)
    child = body_child(root)
    if child.tag == _FAULT:
        raise fault_from(child, **context)
    expected = response_element(operation)
    if child.tag != f"{{{NS}}}{expected}":
        raise MplusProtocolError(f"expected {expected}, got {child.tag}", **context)
    try:
        return reader(child)
    except CodecError as exc:
        raise MplusProtocolError(str(exc), **context) from None
