"""State and business semantics of the MijnWebwinkel emulator (no HTTP, no JSON).

Like a moto backend: it holds the store, articles with option lists and generated variants,
categories, orders and the lookup tables, and enforces the shop's rules (variant combinations
get new ids when a list or option is added; an order lowers stock; order numbers are sequential
and a failed order does not consume one; status changes stamp ``status_changed``). The wire
layer (:mod:`mkmw_emulators.mijnwebwinkel.server`) maps its errors onto HTTP statuses.

Tests mutate it directly, e.g. ``backend.edit_article(...)``, ``backend.add_order(...)``.

The state and rules live per entity in :mod:`mkmw_emulators.mijnwebwinkel.models`
(``store``, ``categories``, ``optionlists``, ``articles``, ``orders``, ``ordering``,
``credits``); this
module composes them into one backend and re-exports the records and errors under their
old names, so ``from mkmw_emulators.mijnwebwinkel.backend import Address`` keeps working.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections.abc import Callable

from mkmw_emulators.mijnwebwinkel.models.articles import Article, Image
from mkmw_emulators.mijnwebwinkel.models.base import COUNTRY_NAMES, EU
from mkmw_emulators.mijnwebwinkel.models.categories import Category, CategoryLink
from mkmw_emulators.mijnwebwinkel.models.credits import CreditsMixin
from mkmw_emulators.mijnwebwinkel.models.exceptions import (
    BackendError,
    Forbidden,
    Invalid,
    NotFound,
)
from mkmw_emulators.mijnwebwinkel.models.optionlists import (
    AttachedList,
    Option,
    OptionList,
    Variant,
)
from mkmw_emulators.mijnwebwinkel.models.orders import (
    Address,
    Order,
    OrderLine,
    OrderLineOption,
    OrderStatus,
    TaxAmount,
)
from mkmw_emulators.mijnwebwinkel.models.store import (
    PaymentGateway,
    ShippingMethod,
    StoreSettings,
    TaxRegion,
)

__all__ = [
    "COUNTRY_NAMES",
    "EU",
    "Address",
    "Article",
    "AttachedList",
    "BackendError",
    "Category",
    "CategoryLink",
    "Forbidden",
    "Image",
    "Invalid",
    "MijnWebwinkelBackend",
    "NotFound",
    "Option",
    "OptionList",
    "Order",
    "OrderLine",
    "OrderLineOption",
    "OrderStatus",
    "PaymentGateway",
    "ShippingMethod",
    "StoreSettings",
    "TaxAmount",
    "TaxRegion",
    "Variant",
]


class MijnWebwinkelBackend(CreditsMixin):
    """The emulated shop: state plus the rules that change it.

    Args:
        clock: Returns "now" (naive, shop time); tests may pin it.
        special_access: Whether the partner may use ``override_stock`` and ``price_override``.
    """

    def __init__(
        self,
        clock: Callable[[], dt.datetime] | None = None,
        special_access: bool = False,
    ) -> None:
        self._clock = clock
        self.special_access = special_access
        self.lock = threading.RLock()
        self.store = StoreSettings()
        self.articles: dict[int, Article] = {}
        self.lists: dict[int, OptionList] = {}
        self.categories: dict[int, Category] = {}
        self.orders: dict[int, Order] = {}
        self.statuses: dict[int, OrderStatus] = {}
        self.shipping_methods: dict[str, ShippingMethod] = {}
        self.gateways: dict[str, PaymentGateway] = {}
        self.tax_regions: dict[str, TaxRegion] = {}
        self._article_ids = itertools.count(1001)
        self._url_ids = itertools.count(201)
        self._list_ids = itertools.count(5001)
        self._option_ids = itertools.count(70001)
        self._variant_ids = itertools.count(90001)
        self._category_ids = itertools.count(301)
        self.next_order_number = 1001
        self._ordered_cache: tuple[int, int, list[Article]] | None = None
        self._article_changes = 0
