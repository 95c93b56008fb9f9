"""The soak's shop day: what changes in both systems between two cycles.

Store sales, price changes, new products and new sizes in MplusKASSA; new shop orders (some
held for want of a payment mapping), orders paid later and deliveries in MplusKASSA, all drawn
from the soak's seeded random generator. `Changes.expected` remembers which shop orders must
end in MplusKASSA exactly once, for the agreement check (tests/drills/agreement.py).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from mkmw_emulators.mijnwebwinkel.backend import Address
from mkmw_emulators.pair import EmulatorPair

from .runs import PAID, PENDING


@dataclass
class Changes:
    """The shop day the soak plays between cycles; remembers what each order should become."""

    pair: EmulatorPair
    rng: random.Random
    #: shop order number -> True when it must end in MplusKASSA exactly once
    expected: dict[int, bool] = field(default_factory=dict)
    pending: list[int] = field(default_factory=list)
    made: Counter[str] = field(default_factory=Counter)
    _next_article: int = 0
    _next_product: int = 0
    _sizes: Counter[int] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        mplus = self.pair.mplus.backend
        self._next_article = max(mplus.articles) + 5000
        self._next_product = max(mplus.products) + 500

    def apply(self, cycle: int) -> None:
        """One day's changes on both sides (deterministic for a seed)."""
        self._store_sales(2)
        self._price_change()
        if cycle % 3 == 0:
            self._new_product()
        if cycle % 4 == 1:
            self._new_size()
        self._shop_orders(2)
        self._pay_pending()
        self._deliver()

    # MplusKASSA side

    def _webshop_articles(self) -> list[int]:
        mplus = self.pair.mplus.backend
        return sorted(
            n
            for n, a in mplus.articles.items()
            if a.get("webshop") and a.get("active", True) and a.get("stockArticle", True)
        )

    def _store_sales(self, count: int) -> None:
        mplus = self.pair.mplus.backend
        for number in self.rng.sample(self._webshop_articles(), count):
            branch = self.rng.choice((1, 2))
            if mplus.stock_level(number, branch)["free"] >= 1:
                mplus.sell(number, 1, branch=branch)
                self.made["store sale"] += 1
            else:
                mplus.receive(number, 5, branch=branch)
                self.made["goods received"] += 1

    def _price_change(self) -> None:
        mplus = self.pair.mplus.backend
        number = self.rng.choice(self._webshop_articles())
        cents = int(mplus.articles[number]["priceIncl"]) + self.rng.choice((-50, 25, 100))
        mplus.set_price(number, Decimal(max(cents, 100)) / 100)
        self.made["price change"] += 1

    def _new_product(self) -> None:
        mplus = self.pair.mplus.backend
        self._next_article += 1
        self._next_product += 1
        number = self._next_article
        group = self.rng.choice(sorted(g for g in mplus.groups if g))
        mplus.add_product(
            self._next_product,
            f"Soakartikel {number}",
            [
                {
                    "articleNumber": number,
                    "description": f"Soakartikel {number}",
                    "priceIncl": 995 + number % 7 * 100,
                    "vatCode": 1,
                    "webshop": True,
                }
            ],
            [group],
        )
        mplus.receive(number, 10, branch=1)
        self.made["new product"] += 1

    def _new_size(self) -> None:
        mplus = self.pair.mplus.backend
        fashion = sorted(
            p
            for p, arts in mplus.product_articles.items()
            if len(arts) > 1 and all(mplus.articles[a].get("webshop") for a in arts)
        )
        product = self.rng.choice(fashion)
        template = mplus.articles[mplus.product_articles[product][0]]
        self._sizes[product] += 1
        size = f"X{self._sizes[product]}L"
        self._next_article += 1
        article = {
            "articleNumber": self._next_article,
            "description": f"{template.get('description', '')} {size}",
            "priceIncl": int(template["priceIncl"]),
            "vatCode": template.get("vatCode", 1),
            "webshop": True,
            "colour": template.get("colour"),
            "size": size,
        }
        mplus.add_article(product, {k: v for k, v in article.items() if v is not None})
        mplus.receive(self._next_article, 4, branch=1)
        self.made["new size"] += 1

    def _deliver(self) -> None:
        mplus = self.pair.mplus.backend
        open_orders = sorted(
            oid
            for oid, o in mplus.orders.items()
            if str(o.get("extOrderId", "")).startswith("MW-")
            and o.get("deliveryState") != "ORDER-DELIVERY-STATE-COMPLETE"
        )
        if open_orders and self.rng.random() < 0.7:
            try:
                mplus.deliver_order(self.rng.choice(open_orders))
                self.made["delivery in MplusKASSA"] += 1
            except Exception:  # noqa: BLE001 - an order that cannot be delivered is left as is
                pass

    # shop side

    def _orderable(self, *, unmanaged: bool = False) -> list[int]:
        shop, mplus = self.pair.shop.backend, self.pair.mplus.backend
        return sorted(
            a.id
            for a in shop.articles.values()
            if a.sku.isdigit()
            and int(a.sku) in mplus.articles
            and not a.variants
            and (a.stock is None if unmanaged else (a.stock is None or a.stock >= 2))
        )

    def _shop_orders(self, count: int) -> None:
        shop = self.pair.shop.backend
        for _ in range(count):
            i = self.rng.randrange(15)
            status = PAID if self.rng.random() < 0.7 else PENDING
            card = self.rng.random() < 0.1
            # a held order (no payment mapping) never reaches MplusKASSA: it takes articles
            # whose stock the shop does not manage, or the shop would rightly show drift
            choice = self._orderable(unmanaged=card)
            lines = [
                {"type": "article", "article_id": a, "quantity": 1}
                for a in self.rng.sample(choice, min(len(choice), self.rng.choice((1, 2))))
            ]
            address = Address(
                name=f"Klant {i}",
                zipcode="5341GE",
                street="Molenstraat",
                number=str(10 + i),
                city="Oss",
                country_code="NL",
                company="Firma Soak B.V." if i % 5 == 0 else "",
            )
            try:
                order = shop.add_order(
                    email=f"soak-klant{i}@example.nl",
                    invoice=address,
                    lines=lines,
                    shipping_method_id="2273" if self.rng.random() < 0.5 else None,
                    payment=("basic", "card") if card else ("mollie", "ideal"),
                    payment_status_id=1,
                    status=status,
                )
            except Exception:  # noqa: BLE001 - e.g. out of stock in the shop: no order
                self.made["shop order refused"] += 1
                continue
            # paid by card at the counter has no payment mapping: held with a reason
            self.expected[order.number] = not card
            if status == PENDING:
                self.pending.append(order.number)
            self.made["shop order"] += 1

    def _pay_pending(self) -> None:
        if self.pending and self.rng.random() < 0.8:
            number = self.pending.pop(0)
            self.pair.shop.backend.set_order_status(number, PAID)
            self.made["order paid later"] += 1

    def finish(self) -> None:
        """Pay every order still pending, so all of the soak's orders are due by the end."""
        while self.pending:
            self.pair.shop.backend.set_order_status(self.pending.pop(0), PAID)
            self.made["order paid later"] += 1
