"""The emulator's own SOAP 1.1 reading and writing, driven by :mod:`.schema`, as gSOAP does it.

Writing (the answers): elements in ``xsd:sequence`` order under the exact WSDL response element
with the ``ns:`` prefix; repeated elements from lists; absent optional elements omitted;
required elements the backend left out written empty (a gSOAP server sends the empty string or
the empty struct of an unset required member). Every element is written as a start and an end
tag, ``<ns:x></ns:x>`` when empty, never self-closing: gSOAP writes them so, and clients
generated from the WSDL read a self-closing string element as null.

Reading (the requests): namespace-aware and prefix-agnostic, an element the schema does not
know is refused (gSOAP's strict validation), values are checked against their XSD type (range
of the integer types, ``true``/``false``/``1``/``0`` booleans, enumeration values); repeated
elements always become lists. The parser resolves no entity, loads no DTD, uses no network.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree

from mkmw_emulators.mplus.schema import NS, PREFIX, ComplexType, Kind, Particle, Schema

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP_ENV}" '
    'xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
    f'xmlns:ns="{NS}"><SOAP-ENV:Body>'
)
TAIL = "</SOAP-ENV:Body></SOAP-ENV:Envelope>"
_QUALIFIED = "{" + NS + "}"


_STRING, _BASE64, _INT, _BOOL, _ENUM = Kind.STRING, Kind.BASE64, Kind.INT, Kind.BOOL, Kind.ENUM
_COMPLEX = Kind.COMPLEX
#: Kinds of a required element the backend left unset that are written empty, as gSOAP does.
_WRITTEN_EMPTY = frozenset({Kind.STRING, Kind.BASE64, Kind.COMPLEX})


class MalformedRequest(ValueError):
    """The request is not a safe, well-formed SOAP 1.1 envelope with a Body child."""


class ValidationError(ValueError):
    """A body does not fit the schema (unknown element, bad value, wrong shape)."""


# ---- writing ----------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Escape character data (``&``, ``<``, ``>``; CR as a reference so it survives parsing)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#xD;")
    return text


def _text(particle: Particle, value: Any, where: str) -> str:
    kind = particle.kind
    if kind is Kind.STRING or kind is Kind.BASE64:
        if isinstance(value, str):
            return escape(value)
    elif kind is Kind.ENUM:
        if isinstance(value, str) and particle.values and value in particle.values:
            return value
        raise ValidationError(f"{where}: {value!r} is not a {particle.type} value")
    elif kind is Kind.INT:
        if type(value) is int:
            if particle.low <= value <= particle.high:
                return str(value)
            raise ValidationError(f"{where}: {value} is out of range for {particle.type}")
    elif kind is Kind.BOOL:
        if isinstance(value, bool):
            return "true" if value else "false"
    elif kind is Kind.DECIMAL:
        if isinstance(value, Decimal):
            return format(value, "f")
        if type(value) is int:
            return str(value)
    elif kind is Kind.DATETIME:
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, str):
            return escape(value)
    elif kind is Kind.DATE:
        if isinstance(value, date) and not isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, str):
            return escape(value)
    raise ValidationError(f"{where}: {particle.type} expected, got {value!r}")


def write(
    schema: Schema, ctype: ComplexType, data: Mapping[str, Any], tag: str, out: list[str]
) -> None:
    """Append ``<ns:tag>…</ns:tag>`` for `data` (values by element name) of type `ctype`.

    Raises:
        ValidationError: On a key the type does not have, a value of the wrong type, a
            non-list for a repeated element, or a required scalar (number, boolean) left out.
    """
    by_name = ctype.by_name
    positions: list[int] = []
    for key, value in data.items():
        if value is None:
            continue
        particle = by_name.get(key)
        if particle is None:
            raise ValidationError(f"{ctype.key} has no element {key!r}")
        positions.append(particle.position)
    for particle in ctype.required:
        if data.get(particle.name) is None:
            if particle.kind not in _WRITTEN_EMPTY:
                raise ValidationError(f"{ctype.key}.{particle.name} is required")
            positions.append(particle.position)
    positions.sort()
    particles = ctype.particles
    append = out.append
    append(f"<{PREFIX}:{tag}>")
    for position in positions:
        particle = particles[position]
        value = data.get(particle.name)
        if particle.repeated:
            if value is None:
                continue
            if not isinstance(value, (list, tuple)):
                raise ValidationError(
                    f"{ctype.key}.{particle.name} is repeated: a list is expected"
                )
            items: Any = value
        else:
            items = (value,)
        kind = particle.kind
        if kind is _COMPLEX:
            inner = schema.types[particle.type]
            for item in items:
                if item is None:
                    item = {}
                elif not isinstance(item, Mapping):
                    raise ValidationError(f"{ctype.key}.{particle.name}: a mapping is expected")
                write(schema, inner, item, particle.name, out)
            continue
        start, end = particle.start, particle.end
        for item in items:
            if type(item) is str and (kind is _STRING or kind is _BASE64):
                append(start + escape(item) + end if item else start + end)
            elif type(item) is int and kind is _INT and particle.low <= item <= particle.high:
                append(start + str(item) + end)
            elif type(item) is bool and kind is _BOOL:
                append(start + ("true" if item else "false") + end)
            elif type(item) is str and kind is _ENUM and item in (particle.values or ()):
                append(start + item + end)
            elif item is None:  # a required string or base64 the backend left unset
                append(start + end)
            else:
                append(start + _text(particle, item, f"{ctype.key}.{particle.name}") + end)
    append(f"</{PREFIX}:{tag}>")


def response_document(schema: Schema, operation: str, data: Mapping[str, Any]) -> bytes:
    """The whole SOAP envelope answering `operation` with `data`.

    Raises:
        ValidationError: When `data` does not fit the response element's type.
    """
    element = schema.response_element(operation)
    out = [HEAD]
    write(schema, schema.element_type(element), data, element, out)
    out.append(TAIL)
    return "".join(out).encode("utf-8")


def fault_document(code: str, message: str) -> bytes:
    """A SOAP 1.1 fault envelope (``SOAP-ENV:Client`` / ``SOAP-ENV:Server``)."""
    return (
        f"{HEAD}<SOAP-ENV:Fault><faultcode>SOAP-ENV:{code}</faultcode>"
        f"<faultstring>{escape(message)}</faultstring></SOAP-ENV:Fault>{TAIL}"
    ).encode()


# ---- reading ----------------------------------------------------------------------------------

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)


def body_element(content: bytes) -> Any:
    """Parse a request safely and return the first element child of its SOAP Body.

    Raises:
        MalformedRequest: On a DTD or entity declaration, malformed XML, no SOAP 1.1
            envelope, no Body or an empty Body.
    """
    if b"<!DOCTYPE" in content or b"<!ENTITY" in content:
        raise MalformedRequest("a request with a DTD or entity declarations is refused")
    try:
        root = etree.fromstring(content, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise MalformedRequest(f"malformed XML: {exc}") from None
    if root is None or root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise MalformedRequest("not a SOAP 1.1 envelope")
    body = root.find(f"{{{SOAP_ENV}}}Body")
    if body is None:
        raise MalformedRequest("SOAP envelope without a Body")
    for child in body:
        if isinstance(child.tag, str):
            return child
    raise MalformedRequest("empty SOAP Body")


def operation_name(element: Any) -> str | None:
    """The operation a Body child names, or None when it is not in ``urn:mplusqapi``."""
    tag = element.tag
    return tag[len(_QUALIFIED) :] if tag.startswith(_QUALIFIED) else None


def _value(particle: Particle, text: str | None, where: str) -> Any:
    kind = particle.kind
    if kind is Kind.STRING or kind is Kind.BASE64 or kind is Kind.DATETIME or kind is Kind.DATE:
        return text or ""
    raw = (text or "").strip()
    if kind is Kind.INT:
        try:
            number = int(raw)
        except ValueError:
            raise ValidationError(f"{where}: not an integer: {text!r}") from None
        if not particle.low <= number <= particle.high:
            raise ValidationError(f"{where}: {number} is out of range for {particle.type}")
        return number
    if kind is Kind.BOOL:
        if raw in ("true", "1"):
            return True
        if raw in ("false", "0"):
            return False
        raise ValidationError(f"{where}: not a boolean: {text!r}")
    if kind is Kind.DECIMAL:
        try:
            return Decimal(raw)
        except InvalidOperation:
            raise ValidationError(f"{where}: not a decimal: {text!r}") from None
    if kind is Kind.ENUM:
        if particle.values and raw in particle.values:
            return raw
        raise ValidationError(f"{where}: {text!r} is not a {particle.type} value")
    raise ValidationError(f"{where}: cannot read {particle.type}")  # pragma: no cover


def read(schema: Schema, ctype: ComplexType, element: Any) -> dict[str, Any]:
    """Read the children of `element` (of type `ctype`) into a dict keyed by element name.

    Children may be qualified (``urn:mplusqapi``, any prefix) or unqualified, as some SOAP
    stacks write them.

    Raises:
        ValidationError: On an element the type does not have or a value that does not fit.
    """
    by_name = ctype.by_name
    result: dict[str, Any] = {}
    for child in element:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        if tag.startswith(_QUALIFIED):
            name = tag[len(_QUALIFIED) :]
        elif tag.startswith("{"):
            raise ValidationError(f"{ctype.key}: element {tag} is in a foreign namespace")
        else:
            name = tag
        particle = by_name.get(name)
        if particle is None:
            raise ValidationError(f"{ctype.key} has no element {name!r}")
        if particle.kind is Kind.COMPLEX:
            value: Any = read(schema, schema.types[particle.type], child)
        else:
            value = _value(particle, child.text, f"{ctype.key}.{name}")
        if particle.repeated:
            result.setdefault(name, []).append(value)
        elif name in result:
            raise ValidationError(f"{ctype.key}.{name} occurs more than once")
        else:
            result[name] = value
    return result


def read_request(schema: Schema, operation: str, element: Any) -> dict[str, Any]:
    """Read the request element of `operation`.

    Raises:
        ValidationError: When the request does not fit the schema.
    """
    return read(schema, schema.element_type(schema.request_element(operation)), element)
