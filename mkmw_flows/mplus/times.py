"""MplusKASSA date structs and the Europe/Amsterdam wall clock at the client boundary.

``SoapMplusDate`` is ``{day, mon, year}``; ``SoapMplusDateTime`` is ``{sec, min, hour, day,
mon, year, isdst, timezone}`` with ``timezone`` the UTC offset in minutes. Wall-clock values
are Europe/Amsterdam (:data:`AMSTERDAM`, also the shop's clock); all-zero dates mean "no date".
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def mplus_date_to_date(raw: dict[str, Any] | None) -> date | None:
    """Return a date for a decoded ``SoapMplusDate`` (None when absent or all zero)."""
    if not raw or not raw.get("year") or not raw.get("mon") or not raw.get("day"):
        return None
    return date(int(raw["year"]), int(raw["mon"]), int(raw["day"]))


def date_to_mplus_date(value: date) -> dict[str, int]:
    """Return a ``SoapMplusDate`` dict for a date."""
    return {"day": value.day, "mon": value.month, "year": value.year}


def mplus_datetime_to_datetime(raw: dict[str, Any] | None) -> datetime | None:
    """Return an aware datetime for a decoded ``SoapMplusDateTime``.

    A non-zero ``timezone`` is the UTC offset in minutes; zero means Europe/Amsterdam wall clock.
    Returns None when absent or all zero.
    """
    if not raw or not raw.get("year") or not raw.get("mon") or not raw.get("day"):
        return None
    return _mplus_datetime(
        int(raw["year"]),
        int(raw["mon"]),
        int(raw["day"]),
        int(raw.get("hour", 0)),
        int(raw.get("min", 0)),
        int(raw.get("sec", 0)),
        int(raw.get("timezone") or 0),
    )


@lru_cache(maxsize=4096)
def _mplus_datetime(
    year: int, mon: int, day: int, hour: int, minute: int, sec: int, offset: int
) -> datetime:
    naive = datetime(year, mon, day, hour, minute, sec)
    if offset:
        return naive.replace(tzinfo=timezone(timedelta(minutes=offset)))
    return naive.replace(tzinfo=AMSTERDAM)


def datetime_to_mplus_datetime(value: datetime) -> dict[str, Any]:
    """Return a ``SoapMplusDateTime`` dict: Europe/Amsterdam wall clock, offset in minutes."""
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
