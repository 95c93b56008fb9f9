"""Building blocks of the settings' mapping rows: shared types and the old-shape converter.

Mappings in the settings are lists of small typed rows (the Prefect form renders each row as
its own form with "Add item"). Documents saved before that held ``{key: value}`` objects;
:func:`dict_to_rows` turns such an object into rows when the document is loaded, so stored
blocks keep working.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field, PlainSerializer, WithJsonSchema

#: The country of a row that applies to every destination country.
ANY_COUNTRY = "any"
COUNTRY_PATTERN = r"^[A-Z]{2}$"
COUNTRY_OR_ANY_PATTERN = r"^([A-Z]{2}|any)$"


def _number(value: Decimal) -> int | float:
    # A VAT percentage as a JSON number, so the Prefect form shows a number input; the
    # few decimals a rate has (5.5) are exact in a float.
    return int(value) if value == value.to_integral_value() else float(value)


#: A percentage 0-100: a Decimal in Python, a number in the JSON schema and stored documents.
Percent = Annotated[
    Decimal,
    Field(ge=0, le=100),
    PlainSerializer(_number, return_type=int | float, when_used="json"),
    WithJsonSchema({"type": "number", "minimum": 0, "maximum": 100}),
]


def upper_country(value: Any) -> Any:
    """A country code in capitals (``be`` -> ``BE``); ``any`` (any case) stays ``any``."""
    if isinstance(value, str):
        text = value.strip()
        return ANY_COUNTRY if text.lower() == ANY_COUNTRY or not text else text.upper()
    return value


def dict_to_rows(value: Any, row: Callable[[str, Any], dict[str, Any]]) -> Any:
    """Rows from the older ``{key: value}`` shape of a mapping; anything else as it is.

    Args:
        value: The stored value: a list of rows (new shape) or a mapping (old shape).
        row: Makes one row from a key and its value.

    Returns:
        A list of row mappings when `value` is a mapping, else `value` unchanged.
    """
    if isinstance(value, Mapping):
        return [row(str(key), item) for key, item in value.items()]
    return value
