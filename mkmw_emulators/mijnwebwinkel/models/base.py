"""Shared state and helpers of the MijnWebwinkel backend's entity mixins.

:class:`ShopState` declares the state every entity module reads (the composed
:class:`~mkmw_emulators.mijnwebwinkel.backend.MijnWebwinkelBackend` fills it in) plus the
clock and id helpers; the constants are the shop's rounding and the EU member states.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import uuid as uuidlib
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mkmw_emulators.mijnwebwinkel.models.articles import Article
    from mkmw_emulators.mijnwebwinkel.models.categories import Category
    from mkmw_emulators.mijnwebwinkel.models.optionlists import OptionList
    from mkmw_emulators.mijnwebwinkel.models.orders import Order, OrderStatus
    from mkmw_emulators.mijnwebwinkel.models.store import (
        PaymentGateway,
        ShippingMethod,
        StoreSettings,
        TaxRegion,
    )

CENT = Decimal("0.01")
MICRO = Decimal("0.000001")
EU = {
    "AT",
    "BE",
    "BG",
    "CY",
    "CZ",
    "DE",
    "DK",
    "EE",
    "ES",
    "FI",
    "FR",
    "GR",
    "HR",
    "HU",
    "IE",
    "IT",
    "LT",
    "LU",
    "LV",
    "MT",
    "NL",
    "PL",
    "PT",
    "RO",
    "SE",
    "SI",
    "SK",
}
COUNTRY_NAMES = {
    "NL": "Nederland",
    "BE": "België",
    "DE": "Duitsland",
    "FR": "Frankrijk",
    "GB": "Verenigd Koninkrijk",
    "US": "Verenigde Staten",
}


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _between(value: dt.datetime, start: dt.datetime | None, end: dt.datetime | None) -> bool:
    return (start is None or value >= start) and (end is None or value <= end)


class ShopState:
    """The shop's state (declared here, set up by the composed backend) and its clock."""

    _clock: Callable[[], dt.datetime] | None
    special_access: bool
    lock: threading.RLock
    store: StoreSettings
    articles: dict[int, Article]
    lists: dict[int, OptionList]
    categories: dict[int, Category]
    orders: dict[int, Order]
    statuses: dict[int, OrderStatus]
    shipping_methods: dict[str, ShippingMethod]
    gateways: dict[str, PaymentGateway]
    tax_regions: dict[str, TaxRegion]
    _article_ids: itertools.count[int]
    _url_ids: itertools.count[int]
    _list_ids: itertools.count[int]
    _option_ids: itertools.count[int]
    _variant_ids: itertools.count[int]
    _category_ids: itertools.count[int]
    next_order_number: int
    _ordered_cache: tuple[int, int, list[Article]] | None
    _article_changes: int

    def now(self) -> dt.datetime:
        """Shop time now, to the second."""
        return (self._clock() if self._clock else dt.datetime.now()).replace(microsecond=0)

    def set_clock(self, clock: Callable[[], dt.datetime] | None) -> None:
        """Pin (or unpin) the clock."""
        self._clock = clock

    @staticmethod
    def new_uuid() -> str:
        return str(uuidlib.uuid4())
