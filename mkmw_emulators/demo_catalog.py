"""The demo catalogue both emulators seed from: pure data, deterministic, no I/O.

The MplusKASSA emulator's ``demo`` seed is built from it (products, articles, groups, stock);
the MijnWebwinkel emulator's ``demo`` seed imports it so that part of the webshop's SKUs
(= MplusKASSA ``articleNumber``) already exist on both sides.

Money is ``Decimal`` (euros, VAT included); article numbers are numeric (MplusKASSA demands it);
every EAN-13 carries a valid check digit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache


@dataclass(frozen=True)
class DemoGroup:
    """An article group (category) in the demo tree.

    Attributes:
        number: Group number (MplusKASSA ``groupNumber``).
        name: Display name (Dutch).
        parent: Parent group number, None for a top-level group.
    """

    number: int
    name: str
    parent: int | None = None


@dataclass(frozen=True)
class DemoArticle:
    """One sellable unit (SKU).

    Attributes:
        article_number: Numeric SKU (MplusKASSA ``articleNumber``; the webshop SKU).
        ean: EAN-13 barcode with a valid check digit.
        description: Article description (product name plus variant).
        colour: Colour for fashion variants, else None.
        size: Size for fashion variants, else None.
        price_incl: Sales price including VAT, in euros.
        vat_rate: VAT percentage: 21, 9 or 0.
        stock_article: Whether stock is kept (False for services such as shipping).
    """

    article_number: int
    ean: str
    description: str
    colour: str | None
    size: str | None
    price_incl: Decimal
    vat_rate: int
    stock_article: bool = True


@dataclass(frozen=True)
class DemoProduct:
    """A product grouping one or more articles (colour/size variants).

    Attributes:
        product_number: MplusKASSA ``productNumber``.
        name: Product name (Dutch).
        group: Group number of the leaf group it belongs to.
        vat_rate: VAT percentage of its articles.
        kind: ``fashion``, ``grocery``, ``giftcard`` or ``service``.
        webshop: Whether the product is for sale online.
        articles: The articles (at least one).
    """

    product_number: int
    name: str
    group: int
    vat_rate: int
    kind: str
    webshop: bool
    articles: tuple[DemoArticle, ...] = field(default_factory=tuple)


DEMO_GROUPS: tuple[DemoGroup, ...] = (
    DemoGroup(1, "Kleding"),
    DemoGroup(11, "Dames", 1),
    DemoGroup(12, "Heren", 1),
    DemoGroup(13, "Accessoires", 1),
    DemoGroup(2, "Levensmiddelen"),
    DemoGroup(21, "Koffie en thee", 2),
    DemoGroup(22, "Zuivel en kaas", 2),
    DemoGroup(23, "Snoep en koek", 2),
    DemoGroup(24, "Dranken", 2),
    DemoGroup(9, "Diversen"),
)

_FASHION: tuple[tuple[str, int, str, tuple[str, ...], tuple[str, ...]], ...] = (
    # name, group, price incl VAT, colours, sizes
    ("T-shirt basic", 12, "19.95", ("Zwart", "Wit", "Marine"), ("S", "M", "L", "XL")),
    ("Polo piqué", 12, "39.95", ("Navy", "Rood", "Groen"), ("S", "M", "L", "XL", "XXL")),
    ("Chino slim fit", 12, "59.95", ("Beige", "Zwart"), ("30", "32", "34", "36")),
    ("Overhemd Oxford", 12, "49.95", ("Wit", "Lichtblauw"), ("38", "40", "42", "44")),
    ("Zomerjurk bloemen", 11, "69.95", ("Geel", "Blauw"), ("XS", "S", "M", "L")),
    ("Blouse viscose", 11, "44.95", ("Wit", "Zwart", "Oudroze"), ("34", "36", "38", "40", "42")),
    ("Jeans mom fit", 11, "79.95", ("Lichtblauw", "Donkerblauw"), ("26", "28", "30", "32")),
    ("Gebreide trui", 11, "64.95", ("Camel", "Grijs", "Creme"), ("S", "M", "L")),
    ("Sneaker canvas", 13, "54.95", ("Wit", "Zwart"), ("38", "39", "40", "41", "42", "43", "44")),
    ("Sjaal wol", 13, "29.95", ("Grijs", "Bordeaux", "Oker"), ("One size",)),
    ("Sokken 3-pack", 13, "12.95", ("Zwart", "Grijs"), ("35-38", "39-42", "43-46")),
    ("Pet katoen", 13, "17.50", ("Zwart", "Khaki", "Navy"), ("One size",)),
    ("Regenjas", 11, "99.95", ("Geel", "Zwart"), ("S", "M", "L", "XL")),
    ("Hoodie", 12, "49.95", ("Grijs", "Zwart", "Groen"), ("S", "M", "L", "XL")),
    ("Spijkerjack", 12, "89.95", ("Blauw", "Zwart"), ("S", "M", "L", "XL", "XXL")),
    ("Rok plissé", 11, "54.95", ("Zwart", "Groen", "Zilver"), ("XS", "S", "M", "L")),
    ("Vest katoen", 11, "49.95", ("Ecru", "Navy", "Roze"), ("S", "M", "L", "XL")),
    ("Korte broek", 12, "34.95", ("Khaki", "Navy", "Zwart"), ("S", "M", "L", "XL")),
    ("Ceintuur leer", 13, "24.95", ("Bruin", "Zwart"), ("85", "90", "95", "100", "105")),
    ("Pyjama flanel", 11, "39.95", ("Rood", "Blauw"), ("S", "M", "L", "XL")),
    ("Zwembroek", 12, "29.95", ("Blauw", "Oranje", "Zwart"), ("S", "M", "L", "XL")),
)

_GROCERIES: tuple[tuple[str, int, str], ...] = (
    # name, group, price incl VAT (9 % VAT)
    ("Koffiebonen espresso 1 kg", 21, "16.95"),
    ("Koffiebonen lungo 500 g", 21, "8.49"),
    ("Filterkoffie snelfilter 250 g", 21, "3.99"),
    ("Groene thee 20 zakjes", 21, "2.79"),
    ("Rooibos thee 20 zakjes", 21, "2.49"),
    ("Earl grey losse thee 100 g", 21, "5.95"),
    ("Muntthee verse blaadjes", 21, "1.89"),
    ("Goudse kaas jong 500 g", 22, "6.49"),
    ("Goudse kaas belegen 500 g", 22, "7.29"),
    ("Goudse kaas oud 500 g", 22, "8.49"),
    ("Leidse komijnekaas 400 g", 22, "6.99"),
    ("Boerenyoghurt 1 l", 22, "2.19"),
    ("Halfvolle melk 1 l", 22, "1.19"),
    ("Karnemelk 1 l", 22, "1.09"),
    ("Roomboter 250 g", 22, "3.29"),
    ("Stroopwafels 10 stuks", 23, "2.99"),
    ("Drop zoet 250 g", 23, "2.49"),
    ("Drop zout 250 g", 23, "2.49"),
    ("Speculaas 400 g", 23, "3.19"),
    ("Hagelslag puur 400 g", 23, "2.89"),
    ("Hagelslag melk 400 g", 23, "2.89"),
    ("Pepernoten 500 g", 23, "2.69"),
    ("Chocoladeletter melk", 23, "3.49"),
    ("Chocoladeletter puur", 23, "3.49"),
    ("Boterkoek", 23, "4.25"),
    ("Ontbijtkoek", 23, "2.39"),
    ("Appelsap troebel 1 l", 24, "2.59"),
    ("Sinaasappelsap vers 1 l", 24, "3.49"),
    ("Mineraalwater bruisend 1,5 l", 24, "0.99"),
    ("Limonadesiroop framboos", 24, "2.29"),
    ("Chocolademelk 1 l", 24, "1.79"),
    ("Ijsthee perzik 1,5 l", 24, "1.69"),
)

_GS1_PREFIX = "87123"  # a Dutch GS1 company prefix range (870-879 = Netherlands)


def ean13(body12: str) -> str:
    """Return the EAN-13 for a 12-digit body, with its check digit appended.

    Args:
        body12: The first 12 digits.

    Returns:
        The 13-digit EAN.
    """
    if len(body12) != 12 or not body12.isdigit():
        raise ValueError(f"an EAN-13 body has 12 digits, got {body12!r}")
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body12))
    return body12 + str((10 - total % 10) % 10)


def ean13_valid(code: str) -> bool:
    """Tell whether `code` is a 13-digit EAN with a correct check digit."""
    return len(code) == 13 and code.isdigit() and ean13(code[:12]) == code


@lru_cache(maxsize=1)
def _build() -> tuple[DemoProduct, ...]:
    products: list[DemoProduct] = []
    article_number = 10001
    product_number = 100
    for name, group, price, colours, sizes in _FASHION:
        articles = []
        for colour in colours:
            for size in sizes:
                articles.append(
                    DemoArticle(
                        article_number=article_number,
                        ean=ean13(f"{_GS1_PREFIX}{article_number:07d}"),
                        description=f"{name} {colour.lower()} {size}",
                        colour=colour,
                        size=size,
                        price_incl=Decimal(price),
                        vat_rate=21,
                    )
                )
                article_number += 1
        products.append(
            DemoProduct(product_number, name, group, 21, "fashion", True, tuple(articles))
        )
        product_number += 1
    article_number = 20001
    product_number = 200
    for index, (name, group, price) in enumerate(_GROCERIES):
        article = DemoArticle(
            article_number=article_number,
            ean=ean13(f"{_GS1_PREFIX}{article_number:07d}"),
            description=name,
            colour=None,
            size=None,
            price_incl=Decimal(price),
            vat_rate=9,
        )
        # every fifth grocery is shop-only, so the webshop filter has something to do
        webshop = index % 5 != 4
        products.append(DemoProduct(product_number, name, group, 9, "grocery", webshop, (article,)))
        article_number += 1
        product_number += 1
    for amount in ("10.00", "25.00", "50.00"):
        article = DemoArticle(
            article_number=article_number,
            ean=ean13(f"{_GS1_PREFIX}{article_number:07d}"),
            description=f"Cadeaubon EUR {amount}",
            colour=None,
            size=None,
            price_incl=Decimal(amount),
            vat_rate=0,
            stock_article=False,
        )
        products.append(
            DemoProduct(product_number, article.description, 9, 0, "giftcard", True, (article,))
        )
        article_number += 1
        product_number += 1
    shipping = DemoArticle(
        article_number=999,
        ean=ean13(f"{_GS1_PREFIX}0000999"),
        description="Verzendkosten",
        colour=None,
        size=None,
        price_incl=Decimal("4.95"),
        vat_rate=21,
        stock_article=False,
    )
    products.append(DemoProduct(999, "Verzendkosten", 9, 21, "service", False, (shipping,)))
    return tuple(products)


def demo_catalog() -> tuple[DemoProduct, ...]:
    """Return the demo products: fashion (colour/size variants), groceries, gift cards, shipping.

    The result is deterministic and cached; do not mutate it.

    Returns:
        The demo products, each with its articles.
    """
    return _build()


def demo_groups() -> tuple[DemoGroup, ...]:
    """Return the demo article-group tree (top-level groups have ``parent=None``)."""
    return DEMO_GROUPS
