"""Wire value helpers of the emulated MplusKASSA: dates, times, quantities, VAT.

The emulator's own versions (it shares no code with the product's client). MplusKASSA keeps
wall clock time in Europe/Amsterdam and sends the UTC offset in minutes (SoapMplusDateTime);
quantities travel as a long plus ``decimalPlaces``; money as whole cents.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def mplus_date(value: date) -> dict[str, int]:
    """Return a ``SoapMplusDate`` dict for a date."""
    return {"day": value.day, "mon": value.month, "year": value.year}


def mplus_datetime(value: datetime) -> dict[str, Any]:
    """Return a ``SoapMplusDateTime`` dict: Amsterdam wall clock, UTC offset in minutes."""
    local = value.astimezone(AMSTERDAM) if value.tzinfo else value.replace(tzinfo=AMSTERDAM)
    offset = local.utcoffset() or timedelta(0)
    return {
        "sec": local.second,
        "min": local.minute,
        "hour": local.hour,
        "day": local.day,
        "mon": local.month,
        "year": local.year,
        "isdst": False,
        "timezone": int(offset.total_seconds() // 60),
    }


def quantity_to_wire(quantity: Decimal | int) -> tuple[int, int]:
    """Return (long, decimalPlaces) for a quantity (``Decimal('0.530')`` -> ``(530, 3)``).

    Raises:
        TypeError: When given a float.
    """
    if isinstance(quantity, float):
        raise TypeError("quantities must be Decimal, not float")
    value = Decimal(quantity).normalize()
    places = max(0, -int(value.as_tuple().exponent))
    return int(value.scaleb(places)), places


def wire_quantity(value: int, places: int | None) -> Decimal:
    """Return the Decimal a (long, decimalPlaces) pair stands for."""
    return Decimal(value).scaleb(-(places or 0))


def excl_vat(incl: int, vat: int) -> int:
    """Cents excluding VAT for cents including ``vat`` percent (half up)."""
    return int((Decimal(incl) * 100 / (100 + vat)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def incl_vat(excl: int, vat: int) -> int:
    """Cents including ``vat`` percent for cents excluding VAT (half up)."""
    return int((Decimal(excl) * (100 + vat) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
