"""What the MijnWebwinkel models share: tolerant responses, strict request bodies, helpers.

Response models are tolerant: unknown fields are kept, and the live deviations from the vendor
spec listed in API-NOTES.md are normalised (order number as a string, ``price.tax`` as one
object, ``shipping[].country`` as ``[]``, variant options as a map, image ``urls`` as an object,
image ``position`` as a string, ``stock: null``). Money is :class:`~decimal.Decimal`, never float.

Request models (``*Input``, ``*Patch``) forbid unknown fields and serialise with
:meth:`RequestModel.payload`, which keeps only the fields the caller set (so ``stock=None`` is
sent as null to mean "unlimited", and untouched fields are left out of a PATCH).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict


def as_list(value: Any) -> Any:
    """One object where a list is expected becomes a one-item list; null becomes []."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [value]
    return value


def blank_to_none(value: Any) -> Any:
    """A blank string (the live API's "no value") becomes None."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


def combine_date_time(date: dt.date | None, time: str | None) -> dt.datetime | None:
    """A date and an ``hh:mm:ss`` time as one naive datetime (None without a date)."""
    if date is None:
        return None
    clock = dt.time.fromisoformat(time) if time else dt.time(0, 0)
    return dt.datetime.combine(date, clock)


class ResponseModel(BaseModel):
    """Base of the response models: unknown fields kept, fields by name or alias."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class RequestModel(BaseModel):
    """Base of the request bodies: unknown fields refused."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def payload(self) -> dict[str, Any]:
        """The JSON body: only the fields that were set, Decimals as strings."""
        return self.model_dump(mode="json", exclude_unset=True, by_alias=True)


class Count(ResponseModel):
    """``{"count": n}`` from a count endpoint."""

    count: int
