"""Seeds of the MijnWebwinkel emulator: ``demo``, ``empty`` and a number N (benchmarks).

``demo`` puts part of the MplusKASSA demo catalogue (:func:`demo_catalog`) in the shop, so a
first sync finds both existing and new articles:

* single-article products (groceries, gift cards): one shop article, ``sku`` = the MplusKASSA
  ``articleNumber``, ``extra.invisible.barcode`` = its EAN;
* colour/size products: one shop article, ``sku`` = the MplusKASSA ``productNumber`` (a shop
  variant has no SKU of its own), with per-product option lists "Kleur" and "Maat"; the last
  size of every other product is missing, so the sync has options (variants) to add;
* about half of each kind is left out (new for the shop), two prices differ, and two
  shop-only articles exist (one with a non-numeric SKU, one without SKU);
* orders across the statuses, persons and companies (one B2B with a VAT number and a
  reference), NL/BE/DE addresses, a pickup order, a test order, an archived order, and one
  paid with an unusual method (cash on delivery: ``basic``/``rembours``).

:data:`DemoSeedInfo` tells tests which MplusKASSA article numbers map to which shop
article and variant.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from mkmw_emulators.demo_catalog import demo_catalog, demo_groups
from mkmw_emulators.mijnwebwinkel.backend import (
    Address,
    MijnWebwinkelBackend,
    OrderStatus,
    PaymentGateway,
    ShippingMethod,
    TaxRegion,
)
from mkmw_emulators.mijnwebwinkel.statuses import (  # noqa: F401 (re-exported)
    DEFAULT_ORDER_STATUSES,
    parse_order_statuses,
)


@dataclass
class DemoSeedInfo:
    """What the demo seed created, for tests.

    Attributes:
        category_for_group: MplusKASSA group number -> shop category id.
        article_for_number: MplusKASSA articleNumber -> (shop article id, variant id or None).
        article_for_product: MplusKASSA productNumber -> shop article id.
        missing_numbers: MplusKASSA articleNumbers of webshop products not yet in the shop.
        shop_only: Shop article ids that have no MplusKASSA counterpart.
        order_numbers: Seeded order numbers.
    """

    category_for_group: dict[int, int] = field(default_factory=dict)
    article_for_number: dict[int, tuple[int, int | None]] = field(default_factory=dict)
    article_for_product: dict[int, int] = field(default_factory=dict)
    missing_numbers: list[int] = field(default_factory=list)
    shop_only: list[int] = field(default_factory=list)
    order_numbers: list[int] = field(default_factory=list)


def seed_lookups(backend: MijnWebwinkelBackend) -> None:
    """Statuses, shipping methods, payment gateways and tax regions (every seed has them)."""
    backend.set_statuses(DEFAULT_ORDER_STATUSES)
    backend.add_shipping_method(
        ShippingMethod("2273", "PostNL pakket", ["NL"], Decimal("4.95"), True, Decimal("50.00"))
    )
    backend.add_shipping_method(ShippingMethod("2274", "bpost België", ["BE"], Decimal("7.95")))
    backend.add_shipping_method(ShippingMethod("2275", "DHL Deutschland", ["DE"], Decimal("8.95")))
    backend.add_shipping_method(
        ShippingMethod("2276", "Afhalen in de winkel", ["NL"], Decimal("0.00"), pickup=True)
    )
    backend.add_gateway(
        PaymentGateway(
            "basic",
            "Handmatig",
            "https://www.mijnwebwinkel.nl/",
            [
                ("advance", "Vooruitbetaling"),
                ("cash", "Contant"),
                ("pickup", "Betalen bij afhalen"),
                ("card", "Pin"),
                ("rembours", "Rembours"),
            ],
        )
    )
    backend.add_gateway(
        PaymentGateway(
            "mollie",
            "Mollie",
            "https://www.mollie.com/",
            [
                ("ideal", "iDEAL"),
                ("bancontact", "Bancontact"),
                ("creditcard", "Creditcard"),
                ("paypal", "PayPal"),
            ],
        )
    )
    backend.add_gateway(
        PaymentGateway(
            "klarna_checkout",
            "Klarna",
            "https://www.klarna.com/",
            [("klarna_paylater", "Achteraf betalen")],
        )
    )
    backend.add_tax_region(TaxRegion("NL", Decimal("0.21"), "NL000099998B57"))
    backend.add_tax_region(TaxRegion("BE", Decimal("0.21")))
    backend.add_tax_region(TaxRegion("DE", Decimal("0.19")))


_LOW_RATES = {"NL": Decimal("0.09"), "BE": Decimal("0.06"), "DE": Decimal("0.07")}


def seed_empty(backend: MijnWebwinkelBackend) -> None:
    """A shop with settings and lookups but no catalogue and no orders."""
    seed_lookups(backend)


def seed_numbered(backend: MijnWebwinkelBackend, count: int) -> None:
    """`count` plain articles (no lists) for benchmarks; 100,000 take a few seconds."""
    seed_lookups(backend)
    category = backend.add_category("Alles")
    for index in range(count):
        backend.add_article(
            f"Artikel {index + 1}",
            sku=str(100000 + index),
            price=Decimal(f"{5 + index % 95}.95"),
            stock=index % 50,
            categories=[category.id],
            barcode=None,
        )


def seed_demo(backend: MijnWebwinkelBackend) -> DemoSeedInfo:
    """The demo shop (see the module docstring)."""
    info = DemoSeedInfo()
    rng = random.Random(4)
    seed_lookups(backend)
    for group in demo_groups():
        parent = info.category_for_group.get(group.parent) if group.parent else None
        category = backend.add_category(group.name, parent, content=f"<p>{group.name}</p>")
        info.category_for_group[group.number] = category.id
    new_in = backend.add_category("Nieuw binnen", content="<p>Net binnen</p>")
    backend.add_category("Archief", hidden=True)

    products = [p for p in demo_catalog() if p.webshop]
    fashion = [p for p in products if p.kind == "fashion"]
    singles = [p for p in products if p.kind != "fashion"]
    low_rate_ids: list[str] = []
    for index, product in enumerate(fashion):
        if index % 2 == 1:  # every other fashion product is new for the shop
            info.missing_numbers.extend(a.article_number for a in product.articles)
            continue
        colours = list(dict.fromkeys(a.colour for a in product.articles if a.colour))
        sizes = list(dict.fromkeys(a.size for a in product.articles if a.size))
        offered_sizes = sizes[:-1] if index % 4 == 2 and len(sizes) > 1 else sizes
        colour_list = backend.create_list("Kleur", [(c, "0.00") for c in colours], product.name)
        size_list = backend.create_list("Maat", [(s, "0.00") for s in sizes], product.name)
        price = product.articles[0].price_incl
        if index == 4:
            price += Decimal("5.00")  # the shop price drifted
        article = backend.add_article(
            product.name,
            sku=str(product.product_number),
            price=price,
            purchase_price=(price / Decimal("1.21") / 2).quantize(Decimal("0.01")),
            stock=0,
            description=f"<p>{product.name}</p>",
            categories=[info.category_for_group[product.group]]
            + ([new_in.id] if index == 0 else []),
            lists=[
                {"id": colour_list.id, "options": [{"id": o.id} for o in colour_list.options]},
                {
                    "id": size_list.id,
                    "options": [{"id": o.id} for o in size_list.options if o.name in offered_sizes],
                },
            ],
            images=[{"url": f"https://picsum.photos/seed/p{product.product_number}/600/800"}],
        )
        info.article_for_product[product.product_number] = article.id
        names = {o.id: o.name for o in colour_list.options + size_list.options}
        for variant in article.variants:
            variant.stock = rng.randint(0, 12)
            colour, size = (names[i] for i in variant.option_ids)
            match = next(a for a in product.articles if a.colour == colour and a.size == size)
            info.article_for_number[match.article_number] = (article.id, variant.id)
        info.missing_numbers.extend(
            a.article_number
            for a in product.articles
            if a.article_number not in info.article_for_number
        )
    for index, product in enumerate(singles):
        item = product.articles[0]
        if index % 2 == 1 and product.kind != "giftcard":
            info.missing_numbers.append(item.article_number)
            continue
        price = item.price_incl + (Decimal("0.20") if index == 6 else Decimal(0))
        article = backend.add_article(
            product.name,
            sku=str(item.article_number),
            price=price,
            action_price=(price - Decimal("0.50")) if index == 2 else None,
            stock=rng.randint(3, 40) if item.stock_article else None,
            taxable=item.vat_rate > 0,
            barcode=item.ean,
            weight="0.5" if product.kind == "grocery" else None,
            categories=[info.category_for_group[product.group]],
        )
        if item.vat_rate == 9:
            low_rate_ids.append(str(article.id))
        info.article_for_product[product.product_number] = article.id
        info.article_for_number[item.article_number] = (article.id, None)
    wrap = backend.add_article(
        "Cadeauverpakking",
        sku="WEB-GIFTWRAP",
        price="2.50",
        stock=None,
        categories=[info.category_for_group[9]],
    )
    tote = backend.add_article(
        "Katoenen tas", price="7.95", stock=25, categories=[new_in.id], barcode="8712345000017"
    )
    info.shop_only.extend([wrap.id, tote.id])
    for code, rate in _LOW_RATES.items():
        backend.tax_regions[code].overrides[rate] = set(low_rate_ids)

    _seed_orders(backend, info)
    return info


def _seed_orders(backend: MijnWebwinkelBackend, info: DemoSeedInfo) -> None:
    now = backend.now()
    fashion = [aid for pn, aid in sorted(info.article_for_product.items()) if pn < 200]
    groceries = [aid for pn, aid in sorted(info.article_for_product.items()) if 200 <= pn < 300]

    def variant_line(article_id: int, quantity: int = 1, pick: int = 0) -> dict[str, object]:
        article = backend.articles[article_id]
        in_stock = [v for v in article.variants if (v.stock or 0) >= quantity]
        variant = in_stock[pick % len(in_stock)]
        return {
            "type": "article",
            "article_id": article_id,
            "quantity": quantity,
            "option_ids": list(variant.option_ids),
        }

    def grocery_line(index: int, quantity: int = 1) -> dict[str, object]:
        return {
            "type": "article",
            "article_id": groceries[index % len(groceries)],
            "quantity": quantity,
        }

    people = [
        (
            "jan.jansen@example.nl",
            Address(
                "Jan Jansen",
                "5341GE",
                "Molenstraat",
                "62",
                "Oss",
                "NL",
                phone="0612345678",
                gender="M",
            ),
        ),
        (
            "sanne.devries@example.nl",
            Address(
                "Sanne de Vries", "1015CJ", "Keizersgracht", "123-2", "Amsterdam", "NL", gender="F"
            ),
        ),
        (
            "lotte.peeters@example.be",
            Address(
                "Lotte Peeters",
                "2000",
                "Meir",
                "45 bus 3",
                "Antwerpen",
                "BE",
                phone="+32470123456",
                gender="F",
            ),
        ),
        (
            "max.mueller@example.de",
            Address("Max Müller", "50667", "Hohe Straße", "12a", "Köln", "DE", gender="M"),
        ),
        (
            "inkoop@bakkerijdekorf.nl",
            Address(
                "Piet de Korf",
                "3511LX",
                "Oudegracht",
                "200",
                "Utrecht",
                "NL",
                company="Bakkerij De Korf B.V.",
                phone="030-1234567",
            ),
        ),
        (
            "office@modehuis-gent.be",
            Address(
                "Els Claes",
                "9000",
                "Veldstraat",
                "10",
                "Gent",
                "BE",
                company="Modehuis Gent BV",
                taxnumber="BE0123456749",
            ),
        ),
    ]
    plans: list[dict[str, Any]] = [
        dict(
            who=0,
            days=20,
            status=2,
            lines=[variant_line(fashion[0]), grocery_line(0, 2)],
            ship="2273",
            pay=("mollie", "ideal"),
            archived=True,
            internal="PostNL:3SABC123456789",
        ),
        dict(
            who=1,
            days=9,
            status=3,
            lines=[variant_line(fashion[1], 1, 2)],
            ship="2273",
            pay=("mollie", "ideal"),
            comment="Graag inpakken als cadeau",
        ),
        dict(
            who=2,
            days=7,
            status=1,
            lines=[grocery_line(1, 3), grocery_line(2)],
            ship="2274",
            pay=("mollie", "bancontact"),
        ),
        dict(
            who=3,
            days=5,
            status=3,
            lines=[variant_line(fashion[2])],
            ship="2275",
            pay=("klarna_checkout", "klarna_paylater"),
        ),
        dict(
            who=4,
            days=4,
            status=1,
            lines=[grocery_line(3, 12), grocery_line(4, 6)],
            ship="2273",
            pay=("basic", "advance"),
            model="B2B",
            reference="PO-2024-117",
        ),
        dict(
            who=5,
            days=3,
            status=2,
            lines=[variant_line(fashion[3], 2)],
            ship="2274",
            pay=("basic", "advance"),
            model="B2B",
            reference="MG-778",
        ),
        dict(
            who=1,
            days=2,
            status=6,
            lines=[grocery_line(5)],
            ship="2276",
            pay=("basic", "pickup"),
            delivery=False,
        ),
        dict(
            who=0,
            days=1,
            status=1,
            lines=[variant_line(fashion[4]), grocery_line(6)],
            ship="2273",
            pay=("basic", "rembours"),
            pstatus=5,
        ),
        dict(
            who=2,
            days=1,
            status=3,
            lines=[grocery_line(7)],
            ship="2274",
            pay=("mollie", "creditcard"),
        ),
        dict(
            who=3,
            days=0,
            status=1,
            lines=[grocery_line(8, 2)],
            ship="2275",
            pay=("mollie", "paypal"),
            test=True,
        ),
    ]
    for plan in plans:
        email, address = people[plan["who"]]
        created = now - dt.timedelta(days=plan["days"], hours=3, minutes=plan["who"] * 7)
        invoice = Address(**{**address.__dict__})
        order = backend.add_order(
            email=email,
            invoice=invoice,
            delivery=None
            if plan.get("delivery") is False
            else Address(**{**address.__dict__, "taxnumber": ""}),
            lines=plan["lines"],
            status=1,
            business_model=plan.get("model"),
            reference=plan.get("reference", ""),
            payment=plan["pay"],
            payment_status_id=plan.get("pstatus", 1),
            shipping_method_id=plan["ship"],
            comment_customer=plan.get("comment", ""),
            test=bool(plan.get("test", False)),
            created_at=created,
        )
        if plan["status"] != 1:
            order.status = plan["status"]
            order.status_changed_at = created + dt.timedelta(hours=20)
            if order.status_changed_at > now:
                order.status_changed_at = now
        order.archived = bool(plan.get("archived", False))
        order.comment_internal = str(plan.get("internal", ""))
        info.order_numbers.append(order.number)


def apply_seed(
    backend: MijnWebwinkelBackend,
    seed: str,
    order_statuses: Sequence[OrderStatus] | None = None,
) -> DemoSeedInfo | None:
    """Fill `backend` from a seed name: ``demo``, ``empty`` or a number of articles.

    Args:
        backend: An empty backend.
        seed: ``demo``, ``empty`` or digits (e.g. ``100000``).
        order_statuses: The shop's order status list (None: :data:`DEFAULT_ORDER_STATUSES`).

    Returns:
        The demo seed's info, or None for the other seeds.

    Raises:
        ValueError: An unknown seed, or a status list without the statuses of seeded orders.
    """
    info: DemoSeedInfo | None = None
    if seed == "demo":
        info = seed_demo(backend)
    elif seed == "empty":
        seed_empty(backend)
    elif seed.isdigit():
        seed_numbered(backend, int(seed))
    else:
        raise ValueError(f"unknown seed {seed!r}: use demo, empty or a number")
    if order_statuses is not None:
        backend.set_statuses(order_statuses)
        used = sorted({o.status for o in backend.orders.values()} - set(backend.statuses))
        if used:
            raise ValueError(f"the {seed} seed's orders use order statuses {used}: include them")
    return info
