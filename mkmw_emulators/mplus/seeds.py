"""Deterministic seeds for the MplusKASSA emulator: ``demo``, ``empty`` and ``N`` articles.

``demo`` is built from :func:`mkmw_emulators.demo_catalog.demo_catalog` (shared with the
MijnWebwinkel emulator, so part of the SKUs exist on both sides), plus Dutch customers
(persons, and companies with a contact), employees (999999 = super user) and stock in two
branches. ``N`` scales the catalogue to N articles (100,000 in a few seconds).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from mkmw_emulators.demo_catalog import (
    DemoArticle,
    DemoProduct,
    demo_catalog,
    demo_groups,
    ean13,
)
from mkmw_emulators.mplus.backend import SUPERUSER, MplusBackend
from mkmw_emulators.mplus.models.values import AMSTERDAM

#: VAT code -> percentage (whole percent).
VAT_GROUPS = {1: 21, 2: 9, 3: 0}
VAT_CODE = {pct: code for code, pct in VAT_GROUPS.items()}
TURNOVER_BY_KIND = {"fashion": 10, "grocery": 20, "giftcard": 30, "service": 90}
SEED_CLOCK = datetime(2026, 3, 2, 9, 30, tzinfo=AMSTERDAM)

_FIRST = (
    "Jan",
    "Sanne",
    "Pieter",
    "Fatima",
    "Daan",
    "Emma",
    "Mohamed",
    "Lotte",
    "Bram",
    "Noor",
    "Ruben",
    "Anouk",
    "Thijs",
    "Sophie",
    "Youssef",
    "Iris",
    "Lars",
    "Fleur",
    "Sem",
    "Julia",
)
_LAST = (
    "de Vries",
    "Jansen",
    "van den Berg",
    "Bakker",
    "El Amrani",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "Yilmaz",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Dijk",
)
_CITIES = (
    ("Utrecht", "3511"),
    ("Amsterdam", "1012"),
    ("Rotterdam", "3011"),
    ("Den Haag", "2511"),
    ("Eindhoven", "5611"),
    ("Groningen", "9711"),
    ("Zwolle", "8011"),
    ("Amersfoort", "3811"),
)
_STREETS = ("Dorpsstraat", "Kerkstraat", "Molenweg", "Stationsplein", "Lindenlaan", "Havenkade")
_COMPANIES = (
    "Bakkerij",
    "Kapsalon",
    "Fietsenmaker",
    "Bloemenhuis",
    "Koffiebar",
    "Boekhandel",
    "Atelier",
)


def _master_data(backend: MplusBackend) -> None:
    backend.add_branch(1, "Winkel Utrecht", "UTR")
    backend.add_branch(2, "Winkel Amersfoort", "AMF")
    backend.vat_groups.update(VAT_GROUPS)
    backend.turnover_groups.extend(
        [
            _turnover(10, "Kleding", 1),
            _turnover(20, "Levensmiddelen", 2),
            _turnover(30, "Cadeaubonnen", 3),
            _turnover(90, "Verzendkosten", 1),
            {
                "turnoverGroupType": "TURNOVER-GROUP-TYPE-PAYMENT",
                "turnoverGroup": 800,
                "turnoverGroupName": "Betalingen",
            },
        ]
    )
    backend.payment_methods.extend(
        [
            _payment("CONTANT", "Contant", "PAYMENT-METHOD-TYPE-PAYMENT"),
            _payment("PIN", "Pinbetaling", "PAYMENT-METHOD-TYPE-EFT"),
            _payment("IDEAL", "iDEAL (webshop)", "PAYMENT-METHOD-TYPE-PAYMENT"),
            _payment("WEBSHOP", "Webshop betaling", "PAYMENT-METHOD-TYPE-PAYMENT"),
        ]
    )
    backend.delivery_methods.extend(
        [
            {
                "deliveryMethod": "AFHALEN",
                "description": "Afhalen in de winkel",
                "buttonText": "Afhalen",
                "enabled": True,
            },
            {
                "deliveryMethod": "POSTNL",
                "description": "Verzenden met PostNL",
                "buttonText": "PostNL",
                "enabled": True,
            },
            {
                "deliveryMethod": "DHL",
                "description": "Verzenden met DHL",
                "buttonText": "DHL",
                "enabled": True,
            },
        ]
    )
    backend.add_employee(SUPERUSER, "Superuser")
    backend.add_employee(1, "Sanne Bakker", "sanne@winkel.example.nl")
    backend.add_employee(2, "Mohamed El Amrani", "mohamed@winkel.example.nl")


def _turnover(number: int, name: str, vat_code: int) -> dict[str, object]:
    return {
        "turnoverGroupType": "TURNOVER-GROUP-TYPE-TURNOVER",
        "turnoverGroup": number,
        "turnoverGroupName": name,
        "accountNumber": 8000 + number,
        "defaultVatCode": vat_code,
    }


def _payment(code: str, description: str, kind: str) -> dict[str, object]:
    return {
        "method": code,
        "description": description,
        "buttonText": description.split(" ")[0],
        "allowNegativeAmount": code in ("CONTANT", "PIN"),
        "active": True,
        "type": kind,
    }


def _cents(amount: Decimal) -> int:
    return int(amount * 100)


def _seed_demo_catalog(backend: MplusBackend) -> None:
    for group in demo_groups():
        backend.add_group(group.number, group.name, group.parent)
    for product in demo_catalog():
        articles = []
        for index, article in enumerate(product.articles):
            fields: dict[str, object] = {
                "articleNumber": article.article_number,
                "active": True,
                "description": article.description,
                "barcode": article.ean,
                "turnoverGroup": TURNOVER_BY_KIND[product.kind],
                "vatCode": VAT_CODE[article.vat_rate],
                "priceIncl": _cents(article.price_incl),
                "purchasePrice": _cents(article.price_incl) * 45 // 100,
                "webshop": product.webshop,
                "stockArticle": article.stock_article,
            }
            if article.colour is not None:
                fields["colour"] = article.colour
                fields["colourSequenceNumber"] = index
            if article.size is not None:
                fields["size"] = article.size
            if product.kind == "fashion":
                fields["brandName"] = "Huismerk"
            _demo_extras(backend, product, article, fields)
            articles.append(fields)
        backend.add_product(product.product_number, product.name, articles, [product.group])
    # deterministic stock: branch 1 is the main shop, branch 2 smaller
    for number in sorted(backend.articles):
        if not backend.articles[number].get("stockArticle"):
            continue
        free1 = (number * 7) % 23
        free2 = (number * 3) % 9
        if free1:
            backend.receive(number, free1, branch=1)
        if free2:
            backend.receive(number, free2, branch=2)


#: Demo custom fields of fashion products: product number -> (Merk, Land van herkomst, Pasvorm)
_FASHION_FIELDS: dict[int, tuple[str, str, str | None]] = {
    100: ("Huismerk", "Portugal", None),
    101: ("Huismerk", "Turkije", "Regular fit"),
    102: ("Huismerk", "Turkije", "Slim fit"),
    103: ("Huismerk", "Portugal", "Regular fit"),
    106: ("Denim & Co", "Italië", "Mom fit"),
    114: ("Denim & Co", "Italië", "Regular fit"),
}
#: Demo sales (action) prices incl. VAT: article number -> price (no date range: always on)
_SALES_PRICES: dict[int, Decimal] = {20002: Decimal("7.49")}
#: Products whose articles carry images (one per colour, or one for a single article)
_IMAGED = frozenset({100, 101, 102, 200, 201})


def _demo_extras(
    backend: MplusBackend, product: DemoProduct, article: DemoArticle, fields: dict[str, object]
) -> None:
    """Custom fields, images and sales prices of some demo articles."""
    if product.product_number in _FASHION_FIELDS:
        brand, origin, fit = _FASHION_FIELDS[product.product_number]
        custom = [("Merk", brand), ("Land van herkomst", origin)]
        if fit:
            custom.append(("Pasvorm", fit))
        fields["customFieldList"] = {
            "customField": [
                {"fieldName": name, "dataType": "DATA-TYPE-STRING", "strValue": value}
                for name, value in custom
            ]
        }
    if product.product_number in _IMAGED:
        colours = sorted({a.colour or "" for a in product.articles})
        image_id = product.product_number * 100 + colours.index(article.colour or "") + 1
        slug = (article.colour or product.name.split()[0]).lower()
        fields["imageList"] = {"image": [backend.image_record(image_id, f"{slug}.jpg")]}
    if article.article_number in _SALES_PRICES:
        cents = _cents(_SALES_PRICES[article.article_number])
        excl = int((Decimal(cents) * 100 / (100 + article.vat_rate)).to_integral_value())
        fields["salesPriceList"] = {
            "salesPrice": [
                {
                    "salesPriceNumber": 1,
                    "description": "Actie",
                    "priceIncl": cents,
                    "priceExcl": excl,
                }
            ]
        }


def _seed_demo_relations(backend: MplusBackend, count: int = 40) -> None:
    for i in range(count):
        first = _FIRST[i % len(_FIRST)]
        last = _LAST[(i * 7) % len(_LAST)]
        city, postcode = _CITIES[i % len(_CITIES)]
        street = _STREETS[i % len(_STREETS)]
        letters = "ABCDEFGHJKLMNPRSTVWXZ"
        zipcode = f"{postcode} {letters[i % 21]}{letters[(i * 5) % 21]}"
        email_name = f"{first}.{last}".lower().replace(" ", "")
        fields: dict[str, object] = {
            "address": f"{street} {i % 90 + 1}",
            "zipcode": zipcode,
            "city": city,
            "country": "NL",
            "telephone": f"030-{2300000 + i * 137:07d}",
        }
        if i % 4 == 3:
            company = f"{_COMPANIES[i % len(_COMPANIES)]} {last}"
            fields.update(
                name=company,
                companyName=f"{company} B.V.",
                contact=f"{first} {last}",
                email=f"info@{company.lower().replace(' ', '')}.example.nl",
                vatNumber=f"NL{100000000 + i * 7919:09d}B01",
                commerceNumber=f"{30000000 + i * 1231:08d}",
                contactList={
                    "relation": [{"name": f"{first} {last}", "email": f"{email_name}@example.nl"}]
                },
            )
        else:
            fields.update(name=f"{first} {last}", email=f"{email_name}{i}@example.nl")
        backend.add_relation(fields)


_SIZES = ((1,), (2, 3), (4, 6), (12,), (1, 1, 8), (5,))


def _seed_scaled(backend: MplusBackend, articles: int) -> None:
    """N articles: products of 1-12 articles, prices and stock derived from the number."""
    for group in demo_groups():
        backend.add_group(group.number, group.name, group.parent)
    leafs = [g.number for g in demo_groups() if g.parent is not None]
    shapes = [n for shape in _SIZES for n in shape]
    colours = ("Zwart", "Wit", "Blauw", "Rood", "Groen", "Grijs")
    sizes = ("XS", "S", "M", "L", "XL", "XXL")
    number = 100001
    product_number = 100000
    made = 0
    i = 0
    while made < articles:
        size = min(shapes[i % len(shapes)], articles - made)
        i += 1
        product_number += 1
        variant = size > 1
        price = 495 + (product_number * 37) % 9500
        vat_code = 2 if product_number % 3 == 0 else 1
        items = []
        for k in range(size):
            fields: dict[str, object] = {
                "articleNumber": number,
                "active": True,
                "description": f"Artikel {product_number}"
                + (f" {colours[k % 6]} {sizes[k // 6 % 6]}" if variant else ""),
                "barcode": ean13(f"871{number:09d}"),
                "turnoverGroup": 10 if vat_code == 1 else 20,
                "vatCode": vat_code,
                "priceIncl": price,
                "webshop": product_number % 10 != 0,
                "stockArticle": True,
            }
            if variant:
                fields["colour"] = colours[k % 6]
                fields["size"] = sizes[k // 6 % 6]
            items.append(fields)
            number += 1
        backend.add_product(
            product_number, f"Artikel {product_number}", items, [leafs[product_number % len(leafs)]]
        )
        made += size
    for key, level in backend.stock.items():
        level["free"] = Decimal((key[1] * 7 + key[0]) % 40)


def seed_backend(backend: MplusBackend, seed: str = "demo") -> MplusBackend:
    """Fill `backend` from a seed name.

    Args:
        backend: An empty backend.
        seed: ``demo``, ``empty`` or a number of articles.

    Returns:
        The backend.
    """
    real_clock = backend.clock
    backend.clock = lambda: SEED_CLOCK
    try:
        _master_data(backend)
        if seed == "empty":
            pass
        elif seed == "demo":
            _seed_demo_catalog(backend)
            _seed_demo_relations(backend)
        elif seed.isdigit():
            _seed_scaled(backend, int(seed))
            _seed_demo_relations(backend)
        else:
            raise ValueError(f"unknown seed {seed!r}: use demo, empty or a number")
    finally:
        backend.clock = real_clock
    return backend
