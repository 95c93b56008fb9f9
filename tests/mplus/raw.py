"""Raw SOAP for tests: hand-written request bodies, parsed answers; no product client code.

``body("getImages", {"request": {"imageIds": [1, 2], "includeImageData": True}})`` writes the
elements in the order given (keep the WSDL's ``xsd:sequence`` order), a list as repeated
elements and a bool as ``true``/``false``. :func:`call` posts it like the official clients do
(``?ident=&secret=``, ``SOAPAction``) and returns the status and the Body's first child.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

import httpx
from lxml import etree

NS = "urn:mplusqapi"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"


def _xml(name: str, value: Any) -> str:
    if isinstance(value, list):
        return "".join(_xml(name, item) for item in value)
    if isinstance(value, dict):
        inner = "".join(_xml(k, v) for k, v in value.items())
        return f"<ns1:{name}>{inner}</ns1:{name}>"
    if isinstance(value, bool):
        value = "true" if value else "false"
    return f"<ns1:{name}>{escape(str(value))}</ns1:{name}>"


def body(operation: str, fields: dict[str, Any]) -> bytes:
    """A SOAP 1.1 envelope with one operation element holding ``fields``."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP_ENV}" xmlns:ns1="{NS}"><SOAP-ENV:Body>'
        f"{_xml(operation, fields)}</SOAP-ENV:Body></SOAP-ENV:Envelope>"
    ).encode()


def call(
    url: str, ident: str, secret: str, operation: str, fields: dict[str, Any]
) -> tuple[int, bytes, Any]:
    """POST one operation; returns (HTTP status, raw response, the Body's first child)."""
    response = httpx.post(
        url.rstrip("/") + "/",
        params={"ident": ident, "secret": secret},
        content=body(operation, fields),
        headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": operation},
        timeout=30,
    )
    root = etree.fromstring(response.content)
    child = root.find(f"{{{SOAP_ENV}}}Body")[0]
    return response.status_code, response.content, child


def find(element: Any, path: str) -> Any:
    """The first element at a slash path of local names (None when absent)."""
    return element.find("/".join(f"{{{NS}}}{p}" for p in path.split("/")))


def findall(element: Any, path: str) -> list[Any]:
    """Every element at a slash path of local names."""
    return list(element.findall("/".join(f"{{{NS}}}{p}" for p in path.split("/"))))


def text(element: Any, path: str) -> str | None:
    """The text at a slash path (None when absent)."""
    found = find(element, path)
    return None if found is None else (found.text or "")


def children(element: Any) -> list[str]:
    """Local names of an element's children, in order."""
    return [etree.QName(c).localname for c in element]
