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


# scalar kinds, for the fast paths
_STR, _INT, _BOOL, _DEC, _COMPLEX, _OTHER = range(6)


def _kind(xsd_type: str) -> int:
    if not xsd_type.startswith("xsd:"):
        return _COMPLEX
    if xsd_type == "xsd:string":
        return _STR
    if xsd_type in _INT_TYPES:
        return _INT
    if xsd_type == "xsd:boolean":
        return _BOOL
    if xsd_type == "xsd:decimal":
        return _DEC
    return _OTHER


# encode spec per type: name -> (position, type, repeated, kind); plus the required names
_Spec = tuple[dict[str, tuple[int, str, bool, int]], tuple[tuple[str, str, int], ...]]


@cache
def _spec(type_name: str) -> _Spec:
    fields = TYPES[type_name]
    spec = {
        name: (i, ftype, mx != 1, _kind(ftype)) for i, (name, ftype, _mn, mx) in enumerate(fields)
    }
    required = tuple((name, ftype, i) for i, (name, ftype, mn, _mx) in enumerate(fields) if mn > 0)
    return spec, required


def encode(type_name: str, data: Mapping[str, Any], tag: str, prefix: str, out: list[str]) -> None:
    """Append ``<prefix:tag>…</prefix:tag>`` for `data` of complex type `type_name` to `out`.

    Elements are written in ``xsd:sequence`` order whatever the dict order; None values are
    skipped; required-but-absent complex elements are written empty (and strings as empty).

    Args:
        type_name: Type-table key (a complex type, or ``@element`` for an anonymous one).
        data: Field values by WSDL element name.
        tag: Element name to write.
        prefix: Namespace prefix bound to ``urn:mplusqapi``.
        out: Output chunks.

    Raises:
        CodecError: On an unknown key, a wrong value type or a missing required scalar.
    """
    spec, required = _spec(type_name)
    present: list[tuple[int, str]] = []
    for key, value in data.items():
        if value is None:
            continue
        entry = spec.get(key)
        if entry is None:
            raise CodecError(f"{type_name} has no element {key!r}")
        present.append((entry[0], key))
    for name, ftype, position in required:
        if data.get(name) is None:
            if not ftype.startswith("xsd:") or ftype == "xsd:string":
                present.append((position, name))
            else:
                raise CodecError(f"{type_name}.{name} is required")
    present.sort()
    p = prefix + ":"
    out.append(f"<{p}{tag}>")
    mark = len(out)
    for _position, name in present:
        _i, ftype, repeated, kind = spec[name]
        value = data.get(name)
        if repeated:
            if not isinstance(value, (list, tuple)):
                raise CodecError(f"{type_name}.{name} is repeated: a list is expected")
            items: Any = value
        else:
            items = (value,)
        for item in items:
            if kind == _STR and isinstance(item, str):
                text = _escape(item) if item else ""
            elif kind == _INT and type(item) is int:
                text = str(item)
            elif kind == _COMPLEX:
                if item is None:
                    item = {}
                if not isinstance(item, Mapping):
                    raise CodecError(f"{type_name}.{name}: mapping expected, got {item!r}")
                encode(ftype, item, name, prefix, out)
                continue
            else:
                if item is None and kind == _STR:
                    item = ""
                text = _scalar(item, ftype, f"{type_name}.{name}")
            out.append(f"<{p}{name}>{text}</{p}{name}>" if text else f"<{p}{name}/>")
    if len(out) == mark:
        out[-1] = f"<{p}{tag}/>"
    else:
        out.append(f"</{p}{tag}>")


# decode plan per type: clark tag -> (name, type, repeated, kind)
_Plan = dict[str, tuple[str, str, bool, int]]


@cache
def _plan(type_name: str) -> _Plan:
    plan: _Plan = {}
    for name, ftype, _min, max_occurs in TYPES[type_name]:
        entry = (name, ftype, max_occurs != 1, _kind(ftype))
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


_DATE_STRUCTS = frozenset({"SoapMplusDateTime", "SoapMplusDate"})
_QLEN = len(_Q)


def date_struct(element: Any) -> dict[str, Any]:
    """Fast path for SoapMplusDate/SoapMplusDateTime: all ints except the ``isdst`` boolean."""
    texts = [child.text for child in element]
    if len(texts) == 8:  # SoapMplusDateTime: every element required, in sequence order
        try:
            sec, minute, hour, day, mon, year, isdst, tz = texts
            return {
                "sec": int(sec), "min": int(minute), "hour": int(hour), "day": int(day),
                "mon": int(mon), "year": int(year), "isdst": isdst in ("true", "1"),
                "timezone": int(tz),
            }  # fmt: skip
        except (TypeError, ValueError):
            pass  # fall back to the tag-driven path (comments, odd whitespace, bad values)
    value: dict[str, Any] = {}
    for child in element:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        local = tag[_QLEN:] if tag.startswith(_Q) else tag
        text = (child.text or "").strip()
        try:
            value[local] = text in ("true", "1") if local == "isdst" else int(text)
        except ValueError:
            raise CodecError(f"date field {local}: not an integer: {text!r}") from None
    return value


def decode_value(
    child: Any, entry: tuple[str, str, bool, int], type_name: str, strict: bool = False
) -> Any:
    """Read one child element by its decode-plan entry (see :func:`decode_plan`).

    Raises:
        CodecError: On a malformed value or, when strict, an unknown nested element.
    """
    name, ftype, _repeated, kind = entry
    if kind == _STR:
        return child.text or ""
    if kind == _COMPLEX:
        if ftype in _DATE_STRUCTS and not strict:
            return date_struct(child)
        return decode(child, ftype, strict=strict)
    if kind == _INT:
        try:
            return int(child.text)
        except (TypeError, ValueError):
            raise CodecError(f"{type_name}.{name}: not an integer: {child.text!r}") from None
    return _convert(child.text, ftype, f"{type_name}.{name}")


def decode_plan(type_name: str) -> dict[str, tuple[str, str, bool, int]]:
    """The children of complex type `type_name` by tag (qualified and bare).

    Returns:
        Tag -> (WSDL element name, type, repeated, scalar kind).
    """
    return _plan(type_name)


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
        entry = plan.get(child.tag)
        if entry is None:
            if strict and isinstance(child.tag, str):
                raise CodecError(f"{type_name} has no element {child.tag!r}")
            continue  # comments, processing instructions, fields of a newer server
        name, ftype, repeated, kind = entry
        if kind == _STR:
            value: Any = child.text or ""
        else:
            value = decode_value(child, entry, type_name, strict)
        if repeated:
            bucket = result.get(name)
            if bucket is None:
                result[name] = [value]
            else:
                bucket.append(value)
        else:
            result[name] = value
    return result
