"""Schema-driven XML codec for ``urn:mplusqapi`` bodies, shared by the client and the emulator.

Both directions are driven by the type table generated from the vendor WSDL
(``_schema_table.py``), never by name heuristics:

* :func:`encode` writes a plain ``dict`` as elements in ``xsd:sequence`` order, lists for
  repeated elements, required-but-absent wrappers written empty; an unknown key raises.
* :func:`decode` reads an lxml element into a ``dict``: namespace-aware and prefix-agnostic,
  repeated elements always lists (a single item stays a list), omitted optionals absent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from mkmw_flows.mplus._schema_table import ELEMENTS, OPERATIONS, TYPES

NS = "urn:mplusqapi"
_Q = f"{{{NS}}}"

_INT_TYPES = frozenset(
    {
        "xsd:int",
        "xsd:long",
        "xsd:short",
        "xsd:unsignedByte",
        "xsd:unsignedInt",
        "xsd:unsignedLong",
        "xsd:unsignedShort",
    }
)


class CodecError(ValueError):
    """A body does not fit the schema (unknown element, bad value, missing required field)."""


def response_element(operation: str) -> str:
    """Return the response element name of `operation`, exactly as in the WSDL messages."""
    return str(OPERATIONS[operation][1])


def request_element(operation: str) -> str:
    """Return the request wrapper element name of `operation` (the operation name)."""
    return str(OPERATIONS[operation][0])


def element_type(element: str) -> str:
    """Return the type-table key of a top-level element."""
    return str(ELEMENTS[element])


def _escape(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _scalar(value: Any, xsd_type: str, where: str) -> str:
    if xsd_type == "xsd:boolean":
        if not isinstance(value, bool):
            raise CodecError(f"{where}: boolean expected, got {value!r}")
        return "true" if value else "false"
    if xsd_type in _INT_TYPES:
        if isinstance(value, bool) or not isinstance(value, int):
            raise CodecError(f"{where}: integer expected, got {value!r}")
        return str(value)
    if xsd_type == "xsd:decimal":
        if isinstance(value, float) or not isinstance(value, (Decimal, int)):
            raise CodecError(f"{where}: Decimal expected, got {value!r}")
        return format(value, "f") if isinstance(value, Decimal) else str(value)
    if xsd_type == "xsd:dateTime" and isinstance(value, datetime):
        return value.isoformat()
    if xsd_type == "xsd:date" and isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str):
        raise CodecError(f"{where}: string expected, got {value!r}")
    return _escape(value)


def encode(type_name: str, data: Mapping[str, Any], tag: str, prefix: str, out: list[str]) -> None:
    """Append ``<prefix:tag>…</prefix:tag>`` for `data` of complex type `type_name` to `out`.

    Args:
        type_name: Type-table key (a complex type, or ``@element`` for an anonymous one).
        data: Field values by WSDL element name; None values are skipped.
        tag: Element name to write.
        prefix: Namespace prefix bound to ``urn:mplusqapi``.
        out: Output chunks.

    Raises:
        CodecError: On an unknown key, a wrong value type or a missing required scalar.
    """
    fields = TYPES[type_name]
    known = _known(type_name)
    for key in data:
        if key not in known:
            raise CodecError(f"{type_name} has no element {key!r}")
    p = prefix + ":"
    body: list[str] = []
    for name, ftype, min_occurs, max_occurs in fields:
        value = data.get(name)
        complex_type = not ftype.startswith("xsd:")
        if value is None:
            if min_occurs == 0:
                continue
            if complex_type:
                value = {}
            elif ftype == "xsd:string":
                value = ""
            else:
                raise CodecError(f"{type_name}.{name} is required")
        items = value if max_occurs != 1 else (value,)
        if max_occurs != 1 and not isinstance(value, (list, tuple)):
            raise CodecError(f"{type_name}.{name} is repeated: a list is expected")
        for item in items:
            if complex_type:
                if not isinstance(item, Mapping):
                    raise CodecError(f"{type_name}.{name}: mapping expected, got {item!r}")
                encode(ftype, item, name, prefix, body)
            else:
                text = _scalar(item, ftype, f"{type_name}.{name}")
                body.append(f"<{p}{name}>{text}</{p}{name}>" if text else f"<{p}{name}/>")
    if body:
        out.append(f"<{p}{tag}>")
        out.extend(body)
        out.append(f"</{p}{tag}>")
    else:
        out.append(f"<{p}{tag}/>")


@cache
def _known(type_name: str) -> frozenset[str]:
    return frozenset(f[0] for f in TYPES[type_name])


# decode plan per type: clark tag -> (name, type, repeated, complex)
_Plan = dict[str, tuple[str, str, bool, bool]]


@cache
def _plan(type_name: str) -> _Plan:
    plan: _Plan = {}
    for name, ftype, _min, max_occurs in TYPES[type_name]:
        entry = (name, ftype, max_occurs != 1, not ftype.startswith("xsd:"))
        plan[_Q + name] = entry
        plan[name] = entry  # unqualified children, as some SOAP stacks write them
    return plan


def _convert(text: str | None, xsd_type: str, where: str) -> Any:
    if xsd_type in _INT_TYPES:
        try:
            return int(text or "")
        except ValueError:
            raise CodecError(f"{where}: not an integer: {text!r}") from None
    if xsd_type == "xsd:boolean":
        value = (text or "").strip()
        if value in ("true", "1"):
            return True
        if value in ("false", "0"):
            return False
        raise CodecError(f"{where}: not a boolean: {text!r}")
    if xsd_type == "xsd:decimal":
        try:
            return Decimal(text or "")
        except InvalidOperation:
            raise CodecError(f"{where}: not a decimal: {text!r}") from None
    return text or ""


def decode(element: Any, type_name: str, *, strict: bool = False) -> dict[str, Any]:
    """Read an lxml element of complex type `type_name` into a dict.

    Args:
        element: The lxml element.
        type_name: Type-table key.
        strict: Raise on an element the schema does not know (the emulator does; the client
            ignores newer fields a newer server may send).

    Returns:
        Field values by WSDL element name; repeated elements as lists.

    Raises:
        CodecError: On a malformed value or, when strict, an unknown element.
    """
    plan = _plan(type_name)
    result: dict[str, Any] = {}
    for child in element:
        tag = child.tag
        if not isinstance(tag, str):
            continue  # comments, processing instructions
        entry = plan.get(tag)
        if entry is None:
            if strict:
                raise CodecError(f"{type_name} has no element {tag!r}")
            continue
        name, ftype, repeated, complex_type = entry
        if complex_type:
            value: Any = decode(child, ftype, strict=strict)
        else:
            value = _convert(child.text, ftype, f"{type_name}.{name}")
        if repeated:
            bucket = result.get(name)
            if bucket is None:
                result[name] = [value]
            else:
                bucket.append(value)
        else:
            result[name] = value
    return result
