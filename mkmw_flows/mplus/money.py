"""Money and quantities at the MplusKASSA client boundary.

* Money is ``xsd:long`` integer cents on the wire and :class:`~decimal.Decimal` euros in Python.
* Quantities are a ``long`` plus a companion ``decimalPlaces`` (missing means 0).

Dates and times (and the Europe/Amsterdam wall clock) are in :mod:`mkmw_flows.mplus.times`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def cents_to_decimal(cents: int) -> Decimal:
    """Return euros for integer cents (995 -> Decimal('9.95'))."""
    return Decimal(cents).scaleb(-2)


def decimal_to_cents(amount: Decimal | int) -> int:
    """Return integer cents for an amount in euros, rounding half up to the cent.

    Raises:
        TypeError: When given a float (money is never a float).
    """
    if isinstance(amount, float):
        raise TypeError("money must be Decimal, not float")
    return int((Decimal(amount) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def quantity_from_wire(value: int, decimal_places: int | None) -> Decimal:
    """Return the quantity for a wire ``long`` and its decimalPlaces (125, 2 -> 1.25)."""
    return Decimal(value).scaleb(-(decimal_places or 0))


def quantity_to_wire(quantity: Decimal | int) -> tuple[int, int]:
    """Return (long, decimalPlaces) for a quantity (Decimal('0.530') -> (530, 3)).

    Raises:
        TypeError: When given a float.
    """
    if isinstance(quantity, float):
        raise TypeError("quantities must be Decimal, not float")
    value = Decimal(quantity).normalize()
    exponent = int(value.as_tuple().exponent)
    places = max(0, -exponent)
    return int(value.scaleb(places)), places
