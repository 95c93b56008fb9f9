"""Control operations the scenarios run inside the emulators' child (``Emulators.call``).

Each is a module-level ``fn(pair, *args)`` over the child's
:class:`~mkmw_emulators.pair.EmulatorPair` that returns plain, picklable data. This module
imports nothing of the product (no Prefect), so the child stays light.
"""

from __future__ import annotations

import random
from collections import Counter
from decimal import Decimal
from typing import Any

from mkmw_emulators.mijnwebwinkel.backend import Address
from mkmw_emulators.pair import EmulatorPair

GIFT_CARDS = (1025, 1026, 1027)  # SKUs 20033-20035, stock not managed


# ---- products ------------------------------------------------------------------------------


def products_setup(pair: EmulatorPair, images: bool = False) -> dict[str, Any]:
    """Create the shop's two option lists; describe the MplusKASSA catalogue.

    With `images` every product gets a picture on its first article.

    Returns:
        ``lists`` (option list name -> id), ``articles``, ``products`` and ``groups`` (counts),
        ``webshop`` (numbers of the products with an article for the webshop, in catalogue
        order) and ``articles_of`` (articles per webshop product).
    """
    mplus = pair.mplus.backend
    lists = {
        "Kleur": pair.shop.backend.create_list("Kleur").id,
        "Maat": pair.shop.backend.create_list("Maat").id,
    }
    if images:
        for number, numbers in mplus.product_articles.items():
            mplus.set_image(numbers[0], f"p{number}.jpg")
    webshop = [
        n
        for n, numbers in mplus.product_articles.items()
        if any(mplus.articles[a].get("webshop") for a in numbers)
    ]
    return {
        "lists": lists,
        "articles": len(mplus.articles),
        "products": len(mplus.products),
        "groups": len(mplus.groups),
        "webshop": webshop,
        "articles_of": {n: len(mplus.product_articles[n]) for n in webshop},
    }


def reprice(pair: EmulatorPair, numbers: list[int], images: bool = False) -> int:
    """Raise the price of every article of these products by 1.00; return the articles touched.

    With `images` the first article of each product also gets a new picture.
    """
    mplus = pair.mplus.backend
    touched = 0
    for number in numbers:
        for article in mplus.product_articles[number]:
            price = Decimal(mplus.articles[article]["priceIncl"]) / 100 + Decimal("1")
            mplus.set_price(article, price)
            touched += 1
        if images:
            mplus.set_image(mplus.product_articles[number][0], f"p{number}-new.jpg")
    return touched


# ---- orders --------------------------------------------------------------------------------


def orders_setup(pair: EmulatorPair) -> list[tuple[str, str]]:
    """Empty the shop's orders; return (MplusKASSA article number, shop article id) per simple
    article of the demo seed, for the ``article`` bindings the orders flow looks up."""
    pair.shop.backend.orders.clear()
    info = pair.shop.seed_info
    assert info is not None, "the orders scenarios need the demo shop seed"
    return [
        (str(number), str(article_id))
        for number, (article_id, variant_id) in info.article_for_number.items()
        if variant_id is None
    ]


def add_orders(pair: EmulatorPair, customers: list[int], start: int) -> int:
    """Add one paid shop order per entry of `customers` (the customer's number); return the
    shop's order count.

    Some customers are companies, a third of the orders has a shipping line, every order is
    paid with iDEAL and has two lines on gift-card articles.
    """
    backend = pair.shop.backend
    for offset, customer in enumerate(customers):
        i = start + offset
        address = Address(
            name=f"Klant {customer}",
            zipcode=f"{1000 + customer % 8999}AB",
            street="Kerkstraat",
            number=str(customer % 200 + 1),
            city="Utrecht",
            country_code="NL",
            company=f"Firma {customer}" if customer % 5 == 0 else "",
        )
        order = backend.add_order(
            email=f"klant{customer}@example.nl",
            invoice=address,
            lines=[
                {"type": "article", "article_id": GIFT_CARDS[i % 3], "quantity": 1 + i % 2},
                {"type": "article", "article_id": GIFT_CARDS[(i + 1) % 3], "quantity": 1},
            ],
            shipping_method_id="2273" if i % 3 == 0 else None,
            payment=("mollie", "ideal"),
            status=3,
        )
        assert order.number
    return len(backend.orders)


def add_simple_orders(pair: EmulatorPair, count: int) -> int:
    """Add `count` paid one-line orders from a third as many customers (``bench/scale.py``);
    return the shop's order count."""
    backend = pair.shop.backend
    for i in range(count):
        backend.add_order(
            email=f"klant{i % (count // 3 or 1)}@example.nl",
            invoice=Address(
                name=f"Klant {i}",
                zipcode="3511AB",
                street="Kerkstraat",
                number="1",
                city="Utrecht",
                country_code="NL",
            ),
            lines=[{"type": "article", "article_id": GIFT_CARDS[i % 3], "quantity": 1}],
            payment=("mollie", "ideal"),
            status=3,
        )
    return len(backend.orders)


def duplicates(pair: EmulatorPair) -> dict[str, int]:
    """MplusKASSA orders beyond one per extOrderId, relations beyond one per e-mail."""
    backend = pair.mplus.backend
    ext = Counter(o.get("extOrderId") for o in backend.orders.values())
    emails = Counter(r.get("email") for r in backend.relations.values())
    return {
        "orders": sum(n - 1 for n in ext.values() if n > 1),
        "relations": sum(n - 1 for e, n in emails.items() if e and n > 1),
    }


# ---- stock ---------------------------------------------------------------------------------


def stock_setup(pair: EmulatorPair) -> dict[str, Any]:
    """Mirror the MplusKASSA catalogue in the shop as ``bench/stock.py`` does.

    Returns:
        ``rows`` (the bindings: key, shop article, variant, last pushed) and ``head`` (the
        stock sync marker to store as the cursor).
    """
    from bench.stock import _mirror_shop

    return {"rows": _mirror_shop(pair), "head": pair.mplus.backend.counters["stock"]}


def sell(pair: EmulatorPair, count: int, seed: int) -> dict[str, Any]:
    """Sell one piece each of `count` articles in stock in branch 1 (drawn with `seed`).

    Returns:
        ``sold`` (the article numbers) and ``products`` (the MplusKASSA products they are in).
    """
    backend = pair.mplus.backend
    rng = random.Random(seed)
    candidates = [n for (b, n), level in backend.stock.items() if b == 1 and level["free"] >= 1]
    sold = sorted(rng.sample(candidates, count))
    for number in sold:
        backend.sell(number, 1, branch=1)
    return {"sold": sold, "products": len({backend.article_product[n] for n in sold})}
