"""State and business semantics of the MijnWebwinkel emulator (no HTTP, no JSON).

Like a moto backend: it holds the store, articles with option lists and generated variants,
categories, orders and the lookup tables, and enforces the shop's rules (variant combinations
get new ids when a list or option is added; an order lowers stock; order numbers are sequential
and a failed order does not consume one; status changes stamp ``status_changed``). The wire
layer (:mod:`mkmw_emulators.mijnwebwinkel.server`) maps its errors onto HTTP statuses.

Tests mutate it directly, e.g. ``backend.edit_article(...)``, ``backend.add_order(...)``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import uuid as uuidlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

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


# --------------------------------------------------------------------------- errors


class BackendError(Exception):
    """Base of the backend's errors."""

    status = 400

    def __init__(self, detail: str, errors: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors)


class NotFound(BackendError):
    """The id does not exist (404)."""

    status = 404


class Invalid(BackendError):
    """The request breaks a rule of the shop (422)."""

    status = 422


class Forbidden(BackendError):
    """The partner lacks special access for this option (403)."""

    status = 403


# --------------------------------------------------------------------------- records


@dataclass
class Option:
    id: int
    name: str
    price: Decimal = Decimal("0.00")


@dataclass
class OptionList:
    id: int
    name: str
    description: str = ""
    options: list[Option] = field(default_factory=list)

    def option(self, option_id: int) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclass
class AttachedList:
    list_id: int
    option_ids: list[int]
    has_images: bool = False


@dataclass
class Variant:
    id: int
    option_ids: tuple[int, ...]
    stock: int | None = None
    can_backorder: bool | None = None


@dataclass
class CategoryLink:
    category_id: int
    is_active: bool = True
    is_main: bool = False
    article_url_id: int | None = None
    position: int = 0


@dataclass
class Image:
    id: str
    position: int
    url: str
    original_name: str = ""


@dataclass
class Article:
    id: int
    uuid: str
    name: str
    url_id: int
    created_at: dt.datetime
    updated_at: dt.datetime
    description: str = ""
    sku: str = ""
    badge_text: str = ""
    taxable: bool = True
    price_default: Decimal = Decimal("0.00")
    price_action: Decimal | None = None
    price_purchase: Decimal | None = None
    stock: int | None = None
    delivery_days: int = 0
    can_backorder: bool = False
    meta_title: str = ""
    meta_description: str = ""
    extra_visible: dict[str, str] = field(default_factory=dict)
    extra_invisible: dict[str, str] = field(default_factory=dict)
    categories: list[CategoryLink] = field(default_factory=list)
    lists: list[AttachedList] = field(default_factory=list)
    variants: list[Variant] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)

    @property
    def unit_price(self) -> Decimal:
        """The selling price (action price when set), VAT convention per store."""
        return self.price_action if self.price_action is not None else self.price_default


@dataclass
class Category:
    id: int
    title: str
    created_at: dt.datetime
    updated_at: dt.datetime
    parent_id: int | None = None
    hidden: bool = False
    content: str = ""
    meta_title: str = ""
    meta_description: str = ""
    article_order: int = 5
    position: int = 0


@dataclass
class Address:
    name: str
    zipcode: str
    street: str = ""
    number: str = ""
    city: str = ""
    country_code: str = "NL"
    company: str = ""
    phone: str = ""
    gender: str = ""
    taxnumber: str = ""
    bankaccount: str = ""
    id: str | None = None


@dataclass
class TaxAmount:
    rate: Decimal  # percentage, e.g. 21.00
    amount: Decimal  # excl. VAT, 6 dp
    amount_including_tax: Decimal  # 2 dp


@dataclass
class OrderLineOption:
    list_option_id: int
    description: str
    price: Decimal


@dataclass
class OrderLine:
    id: str
    type: str  # article | custom | shipping | payment
    quantity: int
    description: str
    unit_prices: list[TaxAmount]
    weight: Decimal = Decimal("0")
    article_id: int | None = None
    sku: str = ""
    article_amount: Decimal | None = None  # unit price of the article itself, excl. VAT
    purchase_price: Decimal | None = None
    options: list[OrderLineOption] = field(default_factory=list)
    variant_id: int | None = None


@dataclass
class Order:
    number: int
    uuid: str
    created_at: dt.datetime
    status: int
    status_changed_at: dt.datetime
    email: str
    invoice: Address
    delivery: Address | None
    lines: list[OrderLine]
    archived: bool = False
    test: bool = False
    locale: str = "nl_NL"
    currency: str = "EUR"
    discountcode: str = ""
    comment_customer: str = ""
    comment_internal: str = ""
    business_model: str = "B2C"
    reference: str = ""
    tax_region: str = "NL"
    tax_strategy: str = ""
    offline_location_id: str | None = None
    payment_gateway: str | None = None
    payment_method: str | None = None
    payment_status_id: int = 1
    payment_status: str = "captured"
    debtor_id: str | None = None
    shipping_country: str | None = None
    partner: str | None = None
    credited_order_number: int | None = None
    credit_order_numbers: list[int] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum(
            (
                p.amount_including_tax * line.quantity
                for line in self.lines
                for p in line.unit_prices
            ),
            Decimal("0.00"),
        )

    @property
    def weight(self) -> Decimal:
        return sum((line.weight for line in self.lines), Decimal("0"))

    def tax_per_rate(self) -> list[TaxAmount]:
        """VAT charged per rate (amount = the VAT, like ``price.tax`` in the spec)."""
        per: dict[Decimal, Decimal] = {}
        for line in self.lines:
            for p in line.unit_prices:
                vat = (p.amount_including_tax - p.amount) * line.quantity
                per[p.rate] = per.get(p.rate, Decimal(0)) + vat
        return [
            TaxAmount(rate, vat.quantize(MICRO), vat.quantize(CENT))
            for rate, vat in sorted(per.items())
        ]


@dataclass
class OrderStatus:
    status: int
    description: str
    credit_order: bool = False


@dataclass
class ShippingMethod:
    id: str
    display_name: str
    countries: list[str]
    price: Decimal  # incl. VAT
    default: bool = False
    free_above: Decimal | None = None
    pickup: bool = False


@dataclass
class PaymentGateway:
    name: str
    display_name: str
    website_url: str
    methods: list[tuple[str, str]]  # (name, display name)


@dataclass
class TaxRegion:
    code: str
    tax_rate: Decimal  # fraction, 0.21
    tax_number: str | None = None
    tax_enabled: bool = True
    # override rate -> article ids (as strings) it applies to
    overrides: dict[Decimal, set[str]] = field(default_factory=dict)

    def rate_for(self, article: Article) -> Decimal:
        """The VAT fraction for an article in this region."""
        if not article.taxable or not self.tax_enabled:
            return Decimal("0")
        for rate, refs in self.overrides.items():
            if str(article.id) in refs or article.uuid in refs:
                return rate
        return self.tax_rate


@dataclass
class StoreSettings:
    id: str = "e5fc33df-b2bf-40ec-8d8d-56fc34b495cc"
    name: str = "Demo Mode & Markt"
    primary_domain: str = "https://www.demo-mode-markt.nl"
    description: str = "Kleding en lekkers, in de winkel en online"
    open: bool = True
    version: str = "Pro"
    administration_language: str = "nl_NL"
    currency: str = "EUR"
    prices_include_tax: bool = True
    default_language: str = "nl_NL"
    active_languages: list[str] = field(default_factory=lambda: ["nl_NL", "en_GB", "de_DE"])
    email: str = "info@demo-mode-markt.nl"
    currency_format_locale: str = "nl_NL"
    available_business_models: str = "ALL"
    region_code: str = "NL"


# --------------------------------------------------------------------------- the backend


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class MijnWebwinkelBackend:
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

    # ------------------------------------------------------------------ time & ids

    def now(self) -> dt.datetime:
        """Shop time now, to the second."""
        return (self._clock() if self._clock else dt.datetime.now()).replace(microsecond=0)

    def set_clock(self, clock: Callable[[], dt.datetime] | None) -> None:
        """Pin (or unpin) the clock."""
        self._clock = clock

    @staticmethod
    def new_uuid() -> str:
        return str(uuidlib.uuid4())

    # ------------------------------------------------------------------ lookups

    def add_status(self, status: int, description: str, credit_order: bool = False) -> None:
        self.statuses[status] = OrderStatus(status, description, credit_order)

    def add_shipping_method(self, method: ShippingMethod) -> None:
        self.shipping_methods[method.id] = method

    def add_gateway(self, gateway: PaymentGateway) -> None:
        self.gateways[gateway.name] = gateway

    def add_tax_region(self, region: TaxRegion) -> None:
        self.tax_regions[region.code] = region

    def tax_region(self, code: str) -> TaxRegion:
        region = self.tax_regions.get(code.upper())
        if region is None:
            raise NotFound(f"Tax policy region {code} not found")
        return region

    # ------------------------------------------------------------------ categories

    def add_category(
        self,
        title: str,
        parent_id: int | None = None,
        *,
        hidden: bool = False,
        content: str = "",
        meta_title: str = "",
        meta_description: str = "",
        article_order: int = 5,
        sorting: dict[str, Any] | None = None,
    ) -> Category:
        """Create a category page (``POST /categories``)."""
        with self.lock:
            if parent_id is not None and parent_id not in self.categories:
                raise Invalid("Parent category not found", [("parent_category_id", "not found")])
            now = self.now()
            category = Category(
                id=next(self._category_ids),
                title=title,
                parent_id=parent_id,
                hidden=hidden,
                content=content,
                meta_title=meta_title,
                meta_description=meta_description,
                article_order=article_order,
                created_at=now,
                updated_at=now,
                position=len(self.children(parent_id)),
            )
            self.categories[category.id] = category
            self._place(category, sorting or {})
            return category

    def get_category(self, category_id: int) -> Category:
        category = self.categories.get(category_id)
        if category is None:
            raise NotFound(f"Category {category_id} not found")
        return category

    def update_category(self, category_id: int, **changes: Any) -> Category:
        """Change a category page (``PATCH /categories/{id}``)."""
        with self.lock:
            category = self.get_category(category_id)
            sorting = changes.pop("sorting", None)
            if "parent_category_id" in changes:
                parent = changes.pop("parent_category_id")
                if parent is not None and parent not in self.categories:
                    raise Invalid(
                        "Parent category not found", [("parent_category_id", "not found")]
                    )
                probe = parent
                while probe is not None:
                    if probe == category_id:
                        raise Invalid(
                            "A category cannot be moved below itself",
                            [("parent_category_id", "cycle")],
                        )
                    probe = self.categories[probe].parent_id
                if parent != category.parent_id:
                    category.parent_id = parent
                    category.position = len(self.children(parent))
            for key, value in changes.items():
                setattr(category, key, value)
            if sorting:
                self._place(category, sorting)
            category.updated_at = self.now()
            return category

    def children(self, parent_id: int | None) -> list[Category]:
        """Child categories of `parent_id` (None: roots), in shop order."""
        found = [c for c in self.categories.values() if c.parent_id == parent_id]
        return sorted(found, key=lambda c: (c.position, c.id))

    def _place(self, category: Category, sorting: dict[str, Any]) -> None:
        siblings = [c for c in self.children(category.parent_id) if c.id != category.id]
        index = len(siblings)
        if sorting.get("first"):
            index = 0
        elif sorting.get("before") is not None:  # place in front of X (changelog 1.1.1)
            index = next((i for i, c in enumerate(siblings) if c.id == sorting["before"]), index)
        elif sorting.get("after") is not None:
            index = next((i + 1 for i, c in enumerate(siblings) if c.id == sorting["after"]), index)
        siblings.insert(index, category)
        for position, sibling in enumerate(siblings):
            sibling.position = position

    def list_categories(
        self, created: tuple[Any, Any] = (None, None), changed: tuple[Any, Any] = (None, None)
    ) -> list[Category]:
        found = [
            c
            for c in self.categories.values()
            if _between(c.created_at, *created) and _between(c.updated_at, *changed)
        ]
        return sorted(found, key=lambda c: c.id)

    def category_articles(self, category_id: int) -> list[tuple[Article, CategoryLink]]:
        self.get_category(category_id)
        found = []
        for article in self.articles.values():
            for link in article.categories:
                if link.category_id == category_id:
                    found.append((article, link))
        return sorted(found, key=lambda pair: (pair[1].position, pair[0].id))

    # ------------------------------------------------------------------ option lists

    def create_list(
        self, name: str, options: Iterable[tuple[str, Decimal | str]] = (), description: str = ""
    ) -> OptionList:
        """Create an option list (the API cannot; merchants do it in the backend)."""
        with self.lock:
            option_list = OptionList(next(self._list_ids), name, description)
            self.lists[option_list.id] = option_list
            for option_name, price in options:
                option_list.options.append(
                    Option(next(self._option_ids), option_name, Decimal(str(price)))
                )
            return option_list

    def get_list(self, list_id: int) -> OptionList:
        option_list = self.lists.get(list_id)
        if option_list is None:
            raise NotFound(f"Articlelist {list_id} not found")
        return option_list

    def add_list_options(self, list_id: int, options: Iterable[tuple[str, Decimal]]) -> OptionList:
        """Add options to a list; every article offering the list gets them and new variants."""
        with self.lock:
            option_list = self.get_list(list_id)
            new_ids = []
            for name, price in options:
                if any(o.name == name for o in option_list.options):
                    raise Invalid(
                        f"Option {name!r} already exists in list {list_id}", [("name", "duplicate")]
                    )
                option = Option(next(self._option_ids), name, Decimal(str(price)))
                option_list.options.append(option)
                new_ids.append(option.id)
            for article in self.articles.values():
                for attached in article.lists:
                    if attached.list_id == list_id:
                        attached.option_ids.extend(new_ids)
                        self._regenerate_variants(article)
            return option_list

    def remove_list_options(self, list_id: int, names: Iterable[str]) -> OptionList:
        """Remove options (by name) from a list and from every article offering them."""
        with self.lock:
            option_list = self.get_list(list_id)
            names = set(names)
            gone = {o.id for o in option_list.options if o.name in names}
            option_list.options = [o for o in option_list.options if o.id not in gone]
            for article in self.articles.values():
                for attached in article.lists:
                    if attached.list_id == list_id and gone & set(attached.option_ids):
                        attached.option_ids = [i for i in attached.option_ids if i not in gone]
                        self._regenerate_variants(article)
            return option_list

    def attach_lists(self, article_id: int, list_ids: Iterable[int]) -> Article:
        """Attach lists (all their options) to an article; variants are generated."""
        with self.lock:
            article = self.get_article(article_id)
            for list_id in list_ids:
                option_list = self.get_list(list_id)
                if any(a.list_id == list_id for a in article.lists):
                    continue
                article.lists.append(AttachedList(list_id, [o.id for o in option_list.options]))
            self._regenerate_variants(article)
            return article

    def detach_lists(self, article_id: int, list_ids: Iterable[int]) -> Article:
        with self.lock:
            article = self.get_article(article_id)
            ids = set(list_ids)
            for list_id in ids:
                self.get_list(list_id)
            article.lists = [a for a in article.lists if a.list_id not in ids]
            self._regenerate_variants(article)
            return article

    def _regenerate_variants(self, article: Article) -> None:
        """Variants = every combination of the offered options; kept combos keep id and stock."""
        existing = {v.option_ids: v for v in article.variants}
        axes = [a.option_ids for a in article.lists if a.option_ids]
        combos = [tuple(c) for c in itertools.product(*axes)] if axes else []
        variants = []
        for combo in combos:
            key = tuple(combo)
            variant = existing.get(key)
            if variant is None:
                variant = Variant(
                    next(self._variant_ids), key, 0 if article.stock is not None else None
                )
            variants.append(variant)
        article.variants = variants
        article.updated_at = self.now()

    def variant_for_options(self, article: Article, option_ids: Iterable[int]) -> Variant | None:
        wanted = set(option_ids)
        for variant in article.variants:
            if set(variant.option_ids) == wanted:
                return variant
        return None

    def option_name(self, option_id: int) -> tuple[int, str, Decimal]:
        """(list id, option name, surcharge) of an option id."""
        for option_list in self.lists.values():
            option = option_list.option(option_id)
            if option is not None:
                return option_list.id, option.name, option.price
        raise NotFound(f"List option {option_id} not found")

    # ------------------------------------------------------------------ articles

    def add_article(
        self,
        name: str,
        *,
        sku: str = "",
        price: Decimal | str = "0.00",
        action_price: Decimal | str | None = None,
        purchase_price: Decimal | str | None = None,
        stock: int | None = None,
        categories: Iterable[int | CategoryLink | dict[str, Any]] = (),
        barcode: str | None = None,
        weight: str | None = None,
        lists: Iterable[dict[str, Any]] = (),
        images: Iterable[dict[str, Any]] = (),
        **fields: Any,
    ) -> Article:
        """Create an article (``POST /articles``; the seed and tests call it too)."""
        with self.lock:
            now = self.now()
            article = Article(
                id=next(self._article_ids),
                uuid=self.new_uuid(),
                name=name,
                url_id=next(self._url_ids),
                created_at=now,
                updated_at=now,
                sku=sku,
                price_default=Decimal(str(price)),
                price_action=None if action_price is None else Decimal(str(action_price)),
                price_purchase=None if purchase_price is None else Decimal(str(purchase_price)),
                stock=stock,
            )
            for key, value in fields.items():
                if not hasattr(article, key):
                    raise Invalid(f"Unknown article field {key}", [(key, "unknown field")])
                setattr(article, key, value)
            if barcode is not None:
                article.extra_invisible["barcode"] = barcode
            if weight is not None:
                article.extra_invisible["weight"] = weight
            article.categories = self._links(categories, article)
            self._set_images(article, images)
            self.articles[article.id] = article
            self._article_changes += 1
            try:
                self._set_lists(article, lists)
            except BackendError:
                del self.articles[article.id]
                raise
            return article

    def ordered_articles(self) -> list[Article]:
        """All articles in id order (cached until an article is added or deleted)."""
        with self.lock:
            cache = self._ordered_cache
            if cache is None or cache[0] != len(self.articles) or cache[1] != self._article_changes:
                listing = sorted(self.articles.values(), key=lambda a: a.id)
                cache = self._ordered_cache = (len(self.articles), self._article_changes, listing)
            return cache[2]

    def get_article(self, article_id: int, use_url_id: bool = False) -> Article:
        if use_url_id:
            found = next((a for a in self.articles.values() if a.url_id == article_id), None)
        else:
            found = self.articles.get(article_id)
        if found is None:
            raise NotFound(f"Article {article_id} not found")
        return found

    def edit_article(self, article_id: int, **changes: Any) -> Article:
        """Change an article like ``PATCH /articles/{id}`` does; stamps ``updated``.

        Keyword names follow the backend record (``price_default``, ``stock``, ``sku``, ...);
        ``price``/``action_price``/``purchase_price``, ``categories``, ``lists`` (replace-all
        options), ``variants`` ([{id, stock, can_backorder}]), ``images``, ``barcode``,
        ``extra_visible``/``extra_invisible`` are understood too.
        """
        with self.lock:
            article = self.get_article(article_id)
            aliases = {
                "price": "price_default",
                "action_price": "price_action",
                "purchase_price": "price_purchase",
            }
            variants = changes.pop("variants", None)
            lists = changes.pop("lists", None)
            categories = changes.pop("categories", None)
            images = changes.pop("images", None)
            if "barcode" in changes:
                article.extra_invisible["barcode"] = changes.pop("barcode")
            if variants is not None:
                by_id = {v.id: v for v in article.variants}
                for item in variants:
                    variant = by_id.get(item["id"])
                    if variant is None:
                        raise Invalid(
                            f"Variant {item['id']} does not belong to article {article_id}",
                            [("variants.id", "unknown variant")],
                        )
                for item in variants:
                    variant = by_id[item["id"]]
                    if "stock" in item:
                        variant.stock = item["stock"]
                    if item.get("can_backorder") is not None:
                        variant.can_backorder = item["can_backorder"]
            if categories is not None:
                article.categories = self._links(categories, article)
            if lists is not None:
                self._set_lists(article, lists)
            if images is not None:
                self._set_images(article, images)
            for key, value in changes.items():
                key = aliases.get(key, key)
                if key.startswith("price_") and value is not None:
                    value = Decimal(str(value))
                if key in ("extra_visible", "extra_invisible"):
                    getattr(article, key).update(value or {})
                    continue
                if not hasattr(article, key) or key in ("id", "uuid", "created_at"):
                    raise Invalid(f"Unknown article field {key}", [(key, "unknown field")])
                setattr(article, key, value)
            article.updated_at = self.now()
            return article

    def delete_article(self, article_id: int) -> None:
        with self.lock:
            self.get_article(article_id)
            del self.articles[article_id]
            self._article_changes += 1

    def set_stock(self, article_id: int, stock: int | None, variant_id: int | None = None) -> None:
        """Set article or variant stock (test helper; stamps ``updated``)."""
        if variant_id is None:
            self.edit_article(article_id, stock=stock)
        else:
            self.edit_article(article_id, variants=[{"id": variant_id, "stock": stock}])

    def _links(
        self, links: Iterable[int | CategoryLink | dict[str, Any]], article: Article
    ) -> list[CategoryLink]:
        result = []
        for index, link in enumerate(links):
            if isinstance(link, int):
                link = CategoryLink(link, is_main=index == 0)
            elif isinstance(link, dict):
                link = CategoryLink(
                    category_id=link["category_id"],
                    is_active=link.get("is_active", True)
                    if link.get("is_active") is not None
                    else True,
                    is_main=bool(link.get("is_main", index == 0)),
                    article_url_id=link.get("article_url_id"),
                )
            if link.category_id not in self.categories:
                raise Invalid(
                    f"Category {link.category_id} not found",
                    [("categories.category_id", "not found")],
                )
            if link.article_url_id is None:
                link.article_url_id = article.url_id
            link.position = article.url_id
            result.append(link)
        if result and not any(link.is_main for link in result):
            result[0].is_main = True
        return result

    def _set_lists(self, article: Article, lists: Iterable[dict[str, Any]]) -> None:
        """Replace-all: the given lists with exactly the given options (PATCH semantics)."""
        attached = []
        for index, item in enumerate(lists):
            option_list = self.get_list(item["id"]) if item["id"] in self.lists else None
            if option_list is None:
                raise Invalid(
                    f"Articlelist {item['id']} not found", [(f"lists[{index}].id", "not found")]
                )
            option_ids = [o["id"] for o in item.get("options", [])]
            if not option_ids:
                raise Invalid(
                    "Each list must specify at least one option",
                    [(f"lists[{index}].options", "required")],
                )
            for option_id in option_ids:
                if option_list.option(option_id) is None:
                    raise Invalid(
                        f"Option {option_id} is not part of list {option_list.id}",
                        [(f"lists[{index}].options", "unknown option")],
                    )
            attached.append(
                AttachedList(option_list.id, option_ids, bool(item.get("has_images", False)))
            )
        article.lists = attached
        self._regenerate_variants(article)

    def _set_images(self, article: Article, images: Iterable[dict[str, Any]]) -> None:
        result = []
        for index, item in enumerate(images):
            position = item.get("position") or index + 1
            if not 1 <= position <= 15:
                raise Invalid(
                    "Image position must be between 1 and 15",
                    [(f"images[{index}].position", "range")],
                )
            url = item.get("url") or ""
            kept = next((i for i in article.images if i.id == item.get("id")), None)
            if kept is not None and not url:  # an existing image by id: kept, maybe moved
                result.append(Image(kept.id, position, kept.url, kept.original_name))
                continue
            result.append(
                Image(item.get("id") or self.new_uuid(), position, url, url.rsplit("/", 1)[-1])
            )
        article.images = result

    def list_articles(
        self,
        created: tuple[Any, Any] = (None, None),
        changed: tuple[Any, Any] = (None, None),
        ids: Iterable[int] | None = None,
        uuids: Iterable[str] | None = None,
    ) -> Sequence[Article]:
        """Articles in id order, filtered."""
        if ids is None and uuids is None and created == (None, None) and changed == (None, None):
            return self.ordered_articles()
        id_set = set(ids) if ids is not None else None
        uuid_set = set(uuids) if uuids is not None else None
        return [
            a
            for a in self.articles.values()
            if (id_set is None or a.id in id_set)
            and (uuid_set is None or a.uuid in uuid_set)
            and _between(a.created_at, *created)
            and _between(a.updated_at, *changed)
        ]

    # ------------------------------------------------------------------ orders

    def get_order(self, number: int) -> Order:
        order = self.orders.get(number)
        if order is None:
            raise NotFound(f"Order {number} not found")
        return order

    def list_orders(
        self,
        start_date: dt.date | None = None,
        end_date: dt.date | None = None,
        status_id: int | None = None,
        status_changed: tuple[Any, Any] = (None, None),
        archived: bool | None = None,
        test: bool = False,
        ordering: str = "asc",
        debtor_email: str | None = None,
        debtor_id: str | None = None,
    ) -> list[Order]:
        found = []
        for order in self.orders.values():
            if order.test and not test:
                continue
            if start_date and order.created_at.date() < start_date:
                continue
            if end_date and order.created_at.date() > end_date:
                continue
            if status_id is not None and order.status != status_id:
                continue
            if archived is not None and order.archived != archived:
                continue
            if not _between(order.status_changed_at, *status_changed):
                continue
            if (debtor_email or debtor_id) and not (
                (debtor_email and order.email.lower() == debtor_email.lower())
                or (debtor_id and order.debtor_id == debtor_id)
            ):
                continue
            found.append(order)
        found.sort(key=lambda o: o.number, reverse=ordering == "desc")
        return found

    def update_order(
        self,
        number: int,
        *,
        status: int | None = None,
        archived: bool | None = None,
        internal_comment: str | None = None,
        reference: str | None = None,
        offline_location_id: str | None = None,
    ) -> Order:
        """Change an order (``PATCH /orders/{number}``); a status change stamps the time."""
        with self.lock:
            order = self.get_order(number)
            if status is not None:
                if status not in self.statuses:
                    raise Invalid(f"Unknown order status {status}", [("status", "unknown status")])
                if self.statuses[status].credit_order != (order.credited_order_number is not None):
                    raise Invalid(
                        "Credit statuses are for credit orders only", [("status", "credit status")]
                    )
                if status != order.status:
                    order.status = status
                    order.status_changed_at = self.now()
            if reference is not None:
                if order.business_model != "B2B":
                    raise Invalid(
                        "A reference is only available for B2B orders", [("reference", "B2B only")]
                    )
                order.reference = reference
            if archived is not None:
                order.archived = archived
            if internal_comment is not None:
                order.comment_internal = internal_comment
            if offline_location_id is not None:
                order.offline_location_id = offline_location_id
            return order

    def set_order_status(self, number: int, status: int) -> Order:
        """Test helper: change an order's status as the merchant would."""
        return self.update_order(number, status=status)

    def add_order(
        self,
        *,
        email: str,
        invoice: Address | dict[str, Any],
        lines: Sequence[dict[str, Any]],
        delivery: Address | dict[str, Any] | None = None,
        status: int = 1,
        archived: bool = False,
        business_model: str | None = None,
        reference: str = "",
        payment: tuple[str, str] | None = ("basic", "advance"),
        payment_status_id: int = 1,
        shipping_method_id: str | None = None,
        comment_customer: str = "",
        comment_internal: str = "",
        discountcode: str = "",
        offline_location_id: str | None = None,
        test: bool = False,
        override_stock: bool = False,
        created_at: dt.datetime | None = None,
        debtor_id: str | None = None,
        partner: str | None = None,
        locale: str = "nl_NL",
    ) -> Order:
        """Create an order as ``POST /orders`` does: prices, VAT per country, stock, number.

        Args:
            email: Customer e-mail.
            invoice: Invoice address (``company`` non-empty makes a company customer).
            lines: ``{"type": "article", "article_id": id, "quantity": n, "option_ids": [...],
                "price_override": Decimal}`` or ``{"type": "custom", "description": ...,
                "quantity": n, "unit_price_incl"|"unit_price_excl": Decimal, "rate": Decimal,
                "unit_weight": Decimal}``.
            delivery: Delivery address (None: ship to the invoice address, or pickup).
            status: Order status id.
            archived: Archived flag.
            business_model: B2C or B2B (default from the store and the company name).
            reference: B2B reference.
            payment: (gateway, method) or None.
            payment_status_id: Legacy payment status id.
            shipping_method_id: A shipping method id; its cost becomes a line.
            comment_customer: Customer comment.
            comment_internal: Merchant comment.
            discountcode: Discount code text.
            offline_location_id: POS location.
            test: A test order (hidden unless ``test=true``).
            override_stock: Sell beyond stock.
            created_at: Order moment (default now).
            debtor_id: Customer account uuid.
            partner: Partner name that created the order.
            locale: Order locale.

        Returns:
            The order with its sequential number.
        """
        with self.lock:
            invoice_addr = (
                invoice
                if isinstance(invoice, Address)
                else _address(invoice, "debtor.address.invoice")
            )
            delivery_addr = (
                delivery
                if isinstance(delivery, Address) or delivery is None
                else _address(delivery, "debtor.address.delivery")
            )
            if not lines:
                raise Invalid("An order needs at least one orderline", [("orderlines", "required")])
            if status not in self.statuses:
                raise Invalid(f"Unknown order status {status}", [("status", "unknown status")])
            if self.statuses[status].credit_order:
                raise Invalid(
                    "Use a credit order for credit statuses", [("status", "credit status")]
                )
            if override_stock and not self.special_access:
                raise Forbidden("override_stock requires special access")
            model = business_model
            if model is None:
                model = "B2B" if self.store.available_business_models == "B2B" else "B2C"
            if model == "B2B" and not invoice_addr.company:
                raise Invalid(
                    "B2B orders require a company name",
                    [("debtor.address.invoice.company", "required")],
                )
            if model == "B2C" and invoice_addr.taxnumber:
                raise Invalid(
                    "A tax number is only accepted for B2B orders",
                    [("debtor.address.invoice.taxnumber", "B2B only")],
                )
            if model == "B2C" and reference:
                raise Invalid(
                    "A reference is only available for B2B orders", [("reference", "B2B only")]
                )
            method = None
            if shipping_method_id is not None:
                method = self.shipping_methods.get(str(shipping_method_id))
                if method is None:
                    raise Invalid(
                        f"Shipping method {shipping_method_id} not found",
                        [("shipping_method_id", "not found")],
                    )
            destination = (
                None
                if method is not None and method.pickup
                else (delivery_addr or invoice_addr).country_code or self.store.region_code
            )
            if (
                method is not None
                and destination
                and method.countries
                and destination not in method.countries
            ):
                raise Invalid(
                    f"Shipping method {method.id} does not ship to {destination}",
                    [("shipping_method_id", "country")],
                )
            home = self.store.region_code
            region_code = destination or home
            region = self.tax_regions.get(region_code) or self.tax_regions[home]
            strategy = ""
            if region_code not in EU and home in EU:
                strategy = "zero_percent"
            elif model == "B2B" and region_code != home and region_code in EU:
                strategy = "reverse_charged_vat"
            built: list[OrderLine] = []
            mutations: list[tuple[Article, Variant | None, int]] = []
            for index, spec in enumerate(lines):
                built.append(
                    self._build_line(index, spec, region, strategy, override_stock, mutations)
                )
            goods = sum(
                (line.unit_prices[0].amount_including_tax * line.quantity for line in built),
                Decimal(0),
            )
            if (
                method is not None
                and method.price
                and not (method.free_above and goods >= method.free_above)
            ):
                rate = Decimal("0") if strategy else region.tax_rate
                built.append(self._cost_line("shipping", method.display_name, method.price, rate))
            if payment is None and goods != 0:
                raise Invalid(
                    "A payment method is required when the total is not 0.00",
                    [("payment", "required")],
                )
            if payment is not None:
                gateway, method_name = payment
                if gateway not in self.gateways:
                    raise Invalid(
                        f"Unknown payment gateway {gateway}", [("payment.gateway_name", "unknown")]
                    )
            # all checks passed: commit stock and the number
            for article, variant, quantity in mutations:
                if variant is not None:
                    if variant.stock is not None:
                        variant.stock -= quantity
                elif article.stock is not None:
                    article.stock -= quantity
            now = created_at or self.now()
            order = Order(
                number=self.next_order_number,
                uuid=self.new_uuid(),
                created_at=now,
                status=status,
                status_changed_at=now,
                email=email,
                invoice=invoice_addr,
                delivery=delivery_addr,
                lines=built,
                archived=archived,
                test=test,
                locale=locale,
                currency=self.store.currency,
                discountcode=discountcode,
                comment_customer=comment_customer,
                comment_internal=comment_internal,
                business_model=model,
                reference=reference,
                tax_region=region_code,
                tax_strategy=strategy,
                offline_location_id=offline_location_id,
                payment_gateway=payment[0] if payment else None,
                payment_method=payment[1] if payment else None,
                payment_status_id=payment_status_id,
                payment_status={1: "captured", 5: "pending"}.get(payment_status_id, "unknown"),
                debtor_id=debtor_id,
                shipping_country=destination,
                partner=partner,
            )
            self.next_order_number += 1
            self.orders[order.number] = order
            return order

    def _build_line(
        self,
        index: int,
        spec: dict[str, Any],
        region: TaxRegion,
        strategy: str,
        override_stock: bool,
        mutations: list[tuple[Article, Variant | None, int]],
    ) -> OrderLine:
        where = f"orderlines[{index}]"
        quantity = int(spec.get("quantity", 1))
        if quantity <= 0:
            raise Invalid("Quantity must be positive", [(f"{where}.quantity", "must be positive")])
        if spec.get("type", "article") == "custom":
            rate_pct = Decimal(str(spec.get("rate", "21.00")))
            if spec.get("unit_price_incl") is not None:
                incl = _money(Decimal(str(spec["unit_price_incl"])))
                excl = (incl / (1 + rate_pct / 100)).quantize(MICRO)
            elif spec.get("unit_price_excl") is not None:
                excl = Decimal(str(spec["unit_price_excl"])).quantize(MICRO)
                incl = _money(excl * (1 + rate_pct / 100))
            else:
                raise Invalid(
                    "Custom lines need a unit price", [(f"{where}.unit_price", "required")]
                )
            if spec.get("unit_weight") is None:
                raise Invalid(
                    "Custom lines need a unit weight", [(f"{where}.unit_weight", "required")]
                )
            return OrderLine(
                id=self.new_uuid(),
                type="custom",
                quantity=quantity,
                description=spec.get("description") or "",
                unit_prices=[TaxAmount(rate_pct, excl, incl)],
                weight=Decimal(str(spec["unit_weight"])) * quantity,
            )
        article_id = spec.get("article_id")
        try:
            article = self.get_article(int(article_id))  # type: ignore[arg-type]
        except (NotFound, TypeError, ValueError):
            raise Invalid(
                f"Article {article_id} not found", [(f"{where}.articles[0].id", "not found")]
            ) from None
        option_ids = [int(o) for o in spec.get("option_ids", [])]
        options: list[OrderLineOption] = []
        surcharge = Decimal(0)
        offered = {oid for attached in article.lists for oid in attached.option_ids}
        for option_id in option_ids:
            if option_id not in offered:
                raise Invalid(
                    f"Option {option_id} is not offered on article {article.id}",
                    [(f"{where}.articles[0].options", "unknown option")],
                )
            _, name, price = self.option_name(option_id)
            surcharge += price
            options.append(OrderLineOption(option_id, name, price))
        variant = None
        if article.variants:
            variant = self.variant_for_options(article, option_ids)
            if variant is None:
                raise Invalid(
                    f"Choose one option of every list of article {article.id}",
                    [(f"{where}.articles[0].options", "incomplete variant")],
                )
        stock = variant.stock if variant is not None else article.stock
        backorder = (
            variant.can_backorder
            if variant and variant.can_backorder is not None
            else article.can_backorder
        )
        already = sum(q for a, v, q in mutations if a is article and v is variant)
        if stock is not None and stock < already + quantity and not (override_stock or backorder):
            raise Invalid(
                f"Insufficient stock for article {article.id}",
                [(f"{where}.quantity", "insufficient stock")],
            )
        mutations.append((article, variant, quantity))
        rate = Decimal("0") if strategy else region.rate_for(article)
        rate_pct = (rate * 100).quantize(CENT)
        override = spec.get("price_override")
        if override is not None and not self.special_access:
            raise Forbidden("price_override requires special access")
        base = article.unit_price + surcharge
        if override is not None:
            incl = _money(Decimal(str(override)))
        elif self.store.prices_include_tax:
            home_rate = self.tax_regions[self.store.region_code].rate_for(article)
            incl = _money(base) if not strategy else _money(base / (1 + home_rate))
        else:
            incl = _money(base * (1 + rate))
        excl = (incl / (1 + rate)).quantize(MICRO)
        weight = Decimal(str(article.extra_invisible.get("weight") or "0")) * quantity
        description = article.name + "".join(f", {o.description}" for o in options)
        return OrderLine(
            id=self.new_uuid(),
            type="article",
            quantity=quantity,
            description=description,
            unit_prices=[TaxAmount(rate_pct, excl, incl)],
            weight=weight,
            article_id=article.id,
            sku=article.sku,
            article_amount=(
                excl if not options else (incl - _money(surcharge)) / (1 + rate)
            ).quantize(MICRO),
            purchase_price=article.price_purchase,
            options=options,
            variant_id=variant.id if variant else None,
        )

    def _cost_line(self, kind: str, description: str, incl: Decimal, rate: Decimal) -> OrderLine:
        excl = (incl / (1 + rate)).quantize(MICRO)
        rate_pct = (rate * 100).quantize(CENT)
        return OrderLine(
            self.new_uuid(), kind, 1, description, [TaxAmount(rate_pct, excl, _money(incl))]
        )


def _address(data: dict[str, Any], where: str) -> Address:
    if data.get("id") and not data.get("name"):
        raise Invalid(
            "Saved addresses are not available in this shop", [(f"{where}.id", "not found")]
        )
    missing = [key for key in ("name", "zipcode") if not data.get(key)]
    if missing:
        raise Invalid(
            f"{where}: {', '.join(missing)} required",
            [(f"{where}.{key}", "required") for key in missing],
        )
    known = set(Address.__dataclass_fields__)
    return Address(**{k: v for k, v in data.items() if k in known and v is not None})


def _between(value: dt.datetime, start: dt.datetime | None, end: dt.datetime | None) -> bool:
    return (start is None or value >= start) and (end is None or value <= end)
