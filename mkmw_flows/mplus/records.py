"""Read typed records straight from a parsed response element, without a dict in between.

The generic path is ``Model.from_wire(codec.decode(element, type))``: every element becomes a
dict entry first, then a field value. On the hot reads (``getProducts`` pages of 1,000
articles, about 25 elements each) that double walk dominated the client's CPU, so this module
compiles, once per (model, WSDL type), a plan from each child tag straight to the field it
fills: strings, integers, booleans and decimals, cents, dates and date-times, and wrapped lists
of nested records are read in one pass. Every other child (a dotted path, a quantity with its
decimal places, an element no field uses) is decoded exactly as :func:`codec.decode` does and
handed to :meth:`WireModel.wire_values`, so the values, the errors (``CodecError`` on a
malformed value) and the validated models are the same as on the generic path.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any, TypeVar

from mkmw_flows.mplus.codec import (
    _BOOL,
    _DEC,
    _INT,
    _STR,
    CodecError,
    date_struct,
    decode_plan,
    decode_value,
)
from mkmw_flows.mplus.models.wire import WireModel, _model
from mkmw_flows.mplus.money import cents_to_decimal
from mkmw_flows.mplus.times import mplus_date_to_date, mplus_datetime_to_datetime

M = TypeVar("M", bound=WireModel)

# what to do with a child element
_RAW, _TEXT, _INTEGER, _SCALAR, _CENTS, _DATETIME, _DATE, _WRAPPED, _BOOLEAN = range(9)

# tag -> (action, field name or WSDL name, repeated, codec entry, wrapped item plan)
_Step = tuple[int, str, bool, tuple[str, str, bool, int], Any]


@cache
def _steps(model: type[WireModel], type_name: str) -> dict[str, _Step]:
    """Compile the per-tag plan of `model` read from an element of WSDL type `type_name`."""
    by_wire: dict[str, list[Any]] = {}
    companions: set[str] = set()
    for entry in model._wire_plan():  # noqa: SLF001
        by_wire.setdefault(entry[1][0], []).append(entry)
        if entry[3]:
            companions.add(entry[3][0])
    steps: dict[str, _Step] = {}
    for tag, codec_entry in decode_plan(type_name).items():
        wire_name, ftype, repeated, kind = codec_entry
        action, target, extra = _RAW, wire_name, None
        entries = by_wire.get(wire_name, [])
        if len(entries) == 1 and wire_name not in companions:
            name, wire, field_kind, places, item, sub = entries[0]
            if len(wire) == 1 and places is None:
                if field_kind == "plain" and kind == _STR:
                    action = _TEXT
                elif field_kind == "plain" and kind == _INT:
                    action = _INTEGER
                elif field_kind == "plain" and kind == _BOOL:
                    action = _BOOLEAN
                elif field_kind == "plain" and kind == _DEC:
                    action = _SCALAR
                elif field_kind == "cents" and kind == _INT and not repeated:
                    action = _CENTS
                elif field_kind == "datetime" and ftype == "SoapMplusDateTime" and not repeated:
                    action = _DATETIME
                elif field_kind == "date" and ftype == "SoapMplusDate" and not repeated:
                    action = _DATE
                elif field_kind == "wrapped" and sub and item and not repeated:
                    item_entry = decode_plan(ftype).get(item)
                    if item_entry is not None and item_entry[2]:
                        item_tags = frozenset(
                            t for t, e in decode_plan(ftype).items() if e[0] == item
                        )
                        action, extra = _WRAPPED, (item_tags, _model(sub), item_entry[1])
                if action != _RAW:
                    target = name
        steps[tag] = (action, target, repeated, codec_entry, extra)
    return steps


def read_record(model: type[M], element: Any, type_name: str) -> M:
    """Read one record of `model` from an lxml element of WSDL type `type_name`.

    Args:
        model: The record class.
        element: The element (e.g. one ``product``).
        type_name: Its WSDL type (e.g. ``Product``).

    Returns:
        The validated record, equal to ``model.from_wire(decode(element, type_name))``.

    Raises:
        CodecError: On a value that does not fit the schema.
        pydantic.ValidationError: On values the model refuses.
    """
    steps = _steps(model, type_name)
    values: dict[str, Any] = {}
    raw: dict[str, Any] | None = None
    for child in element:
        step = steps.get(child.tag)
        if step is None:
            continue  # comments, processing instructions, fields of a newer server
        action, name, repeated, entry, extra = step
        if action == _TEXT:
            value: Any = child.text or ""
        elif action == _INTEGER:
            try:
                value = int(child.text)
            except (TypeError, ValueError):
                raise CodecError(
                    f"{type_name}.{entry[0]}: not an integer: {child.text!r}"
                ) from None
        elif action == _BOOLEAN:
            text = child.text
            if text == "true":
                value = True
            elif text == "false":
                value = False
            else:  # "1", "0", padded text or an error, exactly as the codec reads it
                value = decode_value(child, entry, type_name)
        elif action == _CENTS:
            try:
                value = cents_to_decimal(int(child.text))
            except (TypeError, ValueError):
                raise CodecError(
                    f"{type_name}.{entry[0]}: not an integer: {child.text!r}"
                ) from None
        elif action == _DATETIME:
            value = mplus_datetime_to_datetime(date_struct(child))
        elif action == _WRAPPED:
            item_tags, sub, item_type = extra
            value = [read_record(sub, item, item_type) for item in child if item.tag in item_tags]
        elif action == _DATE:
            value = mplus_date_to_date(date_struct(child))
        else:
            value = decode_value(child, entry, type_name)
            if action == _RAW:
                if raw is None:
                    raw = {}
                target = raw
                if repeated:
                    target.setdefault(name, []).append(value)
                else:
                    target[name] = value
                continue
        if repeated:
            bucket = values.get(name)
            if bucket is None:
                values[name] = [value]
            else:
                bucket.append(value)
        else:
            values[name] = value
    if raw:
        values.update(model.wire_values(raw))
    return model.model_validate(values)


def read_records(model: type[M], element: Any, type_name: str, path: Iterable[str]) -> list[M]:
    """Read the repeated records at `path` below a response element.

    Args:
        model: The record class.
        element: The response element (e.g. ``GetProductsResponse``).
        type_name: Its WSDL type.
        path: WSDL element names down to the repeated record, e.g.
            ``("productList", "product")``.

    Returns:
        The records in document order (empty when a wrapper is absent).
    """
    elements = [element]
    for name in path:
        plan = decode_plan(type_name)
        tags = frozenset(tag for tag, entry in plan.items() if entry[0] == name)
        entry = plan.get(name)
        if entry is None:
            raise KeyError(f"{type_name} has no element {name!r}")
        type_name = entry[1]
        elements = [child for parent in elements for child in parent if child.tag in tags]
    return [read_record(model, item, type_name) for item in elements]
