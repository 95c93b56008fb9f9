"""Query parameters and JSON bodies as the MijnWebwinkel API wants them.

Dates go as ``yyyy-mm-dd`` or ``yyyy-mm-dd hh:mm:ss``, booleans as ``true``/``false``, money
as a decimal string (never a float).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

DateLike = dt.date | dt.datetime | str


def datetime_param(value: DateLike | None) -> str | None:
    """Format a datetime filter as the API wants it: ``yyyy-mm-dd hh:mm:ss``."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value.strftime("%Y-%m-%d 00:00:00")


def date_param(value: DateLike | None) -> str | None:
    """Format a date filter as ``yyyy-mm-dd``."""
    if value is None or isinstance(value, str):
        return value
    return value.strftime("%Y-%m-%d")


def bool_param(value: bool | None) -> str | None:
    """A boolean filter as ``true``/``false`` (None leaves it out)."""
    return None if value is None else ("true" if value else "false")


def date_filters(
    created_start_date: DateLike | None,
    created_end_date: DateLike | None,
    changed_start_date: DateLike | None,
    changed_end_date: DateLike | None,
) -> dict[str, Any]:
    """The created/changed window filters of the article and category lists."""
    return {
        "created_start_date": datetime_param(created_start_date),
        "created_end_date": datetime_param(created_end_date),
        "changed_start_date": datetime_param(changed_start_date),
        "changed_end_date": datetime_param(changed_end_date),
    }


def body(value: BaseModel | Mapping[str, Any] | Sequence[Any]) -> Any:
    """The JSON body of a request model (its ``payload``) or of a hand-built value."""
    if isinstance(value, BaseModel):
        payload = getattr(value, "payload", None)
        return payload() if callable(payload) else value.model_dump(mode="json", exclude_unset=True)
    return jsonable(value)


def jsonable(value: Any) -> Any:
    """Plain JSON for a hand-built body: Decimal as a decimal string (never float)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return body(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value
