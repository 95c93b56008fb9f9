"""The transform registry of the datamapper: a fixed set of named functions, never eval.

A field rule names its transforms with arguments, for example
``{"name": "truncate", "args": {"length": 100}}``. Users add their own with
:func:`register_transform`, or by dotted path (``"name": "mypkg.transforms:shout"``) to a
function that takes the value and keyword arguments.
"""

from __future__ import annotations

import html
import importlib
import re
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

Transform = Callable[..., Any]

_REGISTRY: dict[str, Transform] = {}


class TransformError(ValueError):
    """A transform that cannot be found or cannot handle its input."""


def register_transform(name: str, function: Transform | None = None) -> Any:
    """Register a transform under `name` (usable as a decorator).

    Args:
        name: The name field rules use.
        function: ``f(value, **args) -> value``.

    Returns:
        The function (so it can decorate).
    """

    def decorate(fn: Transform) -> Transform:
        _REGISTRY[name] = fn
        return fn

    return decorate(function) if function is not None else decorate


def get_transform(name: str) -> Transform:
    """Return the transform called `name`, importing ``module:function`` paths on demand.

    Raises:
        TransformError: When no such transform exists.
    """
    if name in _REGISTRY:
        return _REGISTRY[name]
    if ":" in name:
        module_name, _, attribute = name.partition(":")
        try:
            function = getattr(importlib.import_module(module_name), attribute)
        except (ImportError, AttributeError) as exc:
            raise TransformError(f"transform {name!r} cannot be imported: {exc}") from None
        if not callable(function):
            raise TransformError(f"transform {name!r} is not a function")
        _REGISTRY[name] = function
        return function
    raise TransformError(f"unknown transform {name!r}; known: {', '.join(sorted(_REGISTRY))}")


def known_transforms() -> list[str]:
    """Names of the registered transforms."""
    return sorted(_REGISTRY)


def apply_transform(
    name: str, value: Any, args: Mapping[str, Any], record: Mapping[str, Any]
) -> Any:
    """Run one transform; transforms that need the whole record get it as ``record``."""
    function = get_transform(name)
    if getattr(function, "wants_record", False):
        return function(value, record=record, **args)
    return function(value, **args)


def _decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        raise TransformError("money must not be a float")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise TransformError(f"not a number: {value!r}") from None


@register_transform("default")
def default(value: Any, *, value_if_empty: Any = None) -> Any:
    """Use `value_if_empty` when the value is None or an empty string."""
    return value_if_empty if value in (None, "") else value


@register_transform("lookup")
def lookup(
    value: Any, *, table: Mapping[str, Any], fallback: Any = None, strict: bool = False
) -> Any:
    """Translate through a table (keys compared as strings)."""
    key = "" if value is None else str(value)
    if key in table:
        return table[key]
    if strict:
        raise TransformError(f"no entry for {key!r} in the lookup table")
    return value if fallback is None else fallback


class _Missing(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def _template(value: Any, *, template: str, record: Mapping[str, Any]) -> str:
    """Fill ``{field}`` placeholders from the source record (``{value}`` is the value)."""
    fields = _Missing({k: "" if v is None else v for k, v in record.items()})
    fields["value"] = "" if value is None else value
    return template.format_map(fields).strip()


_template.wants_record = True  # type: ignore[attr-defined]
register_transform("template", _template)


@register_transform("truncate")
def truncate(value: Any, *, length: int, ellipsis: str = "") -> Any:
    """Cut text to at most `length` characters (the ellipsis included)."""
    if value is None:
        return None
    text = str(value)
    if len(text) <= length:
        return text
    return text[: max(0, length - len(ellipsis))] + ellipsis


_TAG = re.compile(r"<[^>]+>")


@register_transform("strip_html")
def strip_html(value: Any) -> Any:
    """Remove HTML tags and decode entities; collapse whitespace."""
    if value is None:
        return None
    return re.sub(r"\s+", " ", html.unescape(_TAG.sub(" ", str(value)))).strip()


@register_transform("round")
def round_decimal(value: Any, *, places: int = 2) -> Any:
    """Round a number half-up to `places` decimals (as Decimal)."""
    if value is None:
        return None
    quantum = Decimal(1).scaleb(-places)
    return _decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)


@register_transform("price_rule")
def price_rule(value: Any, *, multiply: str | int = 1, add: str | int = 0, places: int = 2) -> Any:
    """Adjust a price: ``value * multiply + add``, rounded half-up (e.g. multiply "1.05" = +5%)."""
    if value is None:
        return None
    result = _decimal(value) * _decimal(multiply) + _decimal(add)
    return result.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@register_transform("cents_to_decimal")
def cents_to_decimal(value: Any) -> Any:
    """Integer cents to a Decimal amount (1999 -> 19.99)."""
    if value is None:
        return None
    return (_decimal(value) / 100).quantize(Decimal("0.01"))


@register_transform("upper")
def upper(value: Any) -> Any:
    """Upper-case text."""
    return None if value is None else str(value).upper()


@register_transform("lower")
def lower(value: Any) -> Any:
    """Lower-case text."""
    return None if value is None else str(value).lower()


@register_transform("strip")
def strip(value: Any) -> Any:
    """Trim surrounding whitespace."""
    return None if value is None else str(value).strip()


#: The transforms every installation has, in the order the docs list them.
BUILTIN_TRANSFORMS: tuple[str, ...] = tuple(_REGISTRY)
