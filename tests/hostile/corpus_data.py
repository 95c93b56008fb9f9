"""The corpus's bad records: bad data in shop orders, and in MplusKASSA articles for stock."""

from __future__ import annotations

from decimal import Decimal

from .corpus_kit import (
    COFFEE,
    LONG_TEXT,
    RTL_TEXT,
    XML_TEXT,
    Case,
    every_xml_field,
    mplus_article,
    no_mplus_order,
    one_mplus_order,
    person,
    set_price,
    set_qty,
    shop_order,
    sku_order,
    stock_is,
    stock_untouched,
    text_intact,
    wire_order,
    with_line,
)

#: Orders, shop -> MplusKASSA: bad data in one batch with good orders.
ORDER_DATA: list[Case] = [
    Case(
        "good-order",
        "orders",
        "(control) a plain paid order",
        lambda r: shop_order(r, "good@example.nl"),
        "created",
        lambda r, n: None if one_mplus_order(r, n) else None,
    ),
    Case(
        "missing-email",
        "orders",
        "missing e-mail",
        lambda r: shop_order(r, ""),
        "MISSING_EMAIL",
        no_mplus_order,
    ),
    Case(
        "malformed-email",
        "orders",
        "malformed e-mail",
        lambda r: shop_order(r, "jan@@example"),
        "INVALID_EMAIL",
        no_mplus_order,
    ),
    Case(
        "email-with-space",
        "orders",
        "malformed e-mail (space, RTL)",
        lambda r: shop_order(r, "שלום @example.nl"),
        "INVALID_EMAIL",
        no_mplus_order,
    ),
    Case(
        "unknown-country",
        "orders",
        "unknown country",
        lambda r: shop_order(r, "xx@example.nl", address=person(country="XX")),
        "COUNTRY_UNKNOWN",
        no_mplus_order,
    ),
    Case(
        "unmapped-vat",
        "orders",
        "unmapped VAT rate (9 %)",
        lambda r: shop_order(
            r, "vat@example.nl", lines=[{"type": "article", "article_id": COFFEE}]
        ),
        "VAT_UNMAPPED",
        no_mplus_order,
    ),
    Case(
        "negative-quantity",
        "orders",
        "negative quantity",
        with_line(set_qty(-2), "neg@example.nl"),
        "INVALID_QUANTITY",
        no_mplus_order,
    ),
    Case(
        "zero-quantity",
        "orders",
        "zero quantity",
        with_line(set_qty(0), "zero@example.nl"),
        "INVALID_QUANTITY",
        no_mplus_order,
    ),
    Case(
        "price-3-decimals",
        "orders",
        "price with more than two decimals",
        wire_order({"amount_including_tax": "10.005"}, "p3@example.nl"),
        "INVALID_PRICE",
        no_mplus_order,
    ),
    Case(
        "fractional-quantity",
        "orders",
        "fractional quantity (1.5) from the shop",
        wire_order({"quantity": 1.5}, "frac@example.nl"),
        "INVALID_QUANTITY",
        no_mplus_order,
    ),
    Case(
        "negative-price",
        "orders",
        "negative article price",
        with_line(set_price("-10.00"), "pneg@example.nl"),
        "INVALID_PRICE",
        no_mplus_order,
    ),
    Case(
        "sku-letters",
        "orders",
        "non-numeric SKU",
        sku_order("WEB-123", "sku1@example.nl"),
        "SKU_NOT_NUMERIC",
        no_mplus_order,
    ),
    Case(
        "sku-superscript",
        "orders",
        "non-numeric SKU (superscript digit)",
        sku_order("2²", "sku2@example.nl"),
        "SKU_NOT_NUMERIC",
        no_mplus_order,
    ),
    Case(
        "sku-arabic-digits",
        "orders",
        "non-numeric SKU (Arabic-Indic digits of 20033)",
        sku_order("٢٠٠٣٣", "sku3@example.nl"),
        "SKU_NOT_NUMERIC",
        no_mplus_order,
    ),
    Case(
        "unmapped-payment",
        "orders",
        "unmapped payment method",
        lambda r: shop_order(r, "pay@example.nl", payment=("mollie", "klarna_paylater")),
        "PAYMENT_UNMAPPED",
        no_mplus_order,
    ),
    Case(
        "name-10000",
        "orders",
        "10,000-character name",
        lambda r: shop_order(r, "long@example.nl", address=person(LONG_TEXT)),
        "created",
        text_intact({"name": LONG_TEXT}),
    ),
    Case(
        "emoji-rtl",
        "orders",
        "emoji and right-to-left text",
        lambda r: shop_order(
            r, "rtl@example.nl", address=person(RTL_TEXT, street=RTL_TEXT, city=RTL_TEXT)
        ),
        "created",
        text_intact({"name": RTL_TEXT, "city": RTL_TEXT}),
    ),
    Case(
        "xml-specials",
        "orders",
        "XML special characters in every text field",
        lambda r: shop_order(
            r,
            "xml@example.nl",
            address=person(
                XML_TEXT, company=XML_TEXT, street=XML_TEXT, city=XML_TEXT, phone=XML_TEXT
            ),
            comment_customer=XML_TEXT,
        ),
        "created",
        every_xml_field,
    ),
]


#: Stock, MplusKASSA -> shop.
STOCK_DATA: list[Case] = [
    Case(
        "duplicate-sku",
        "stock",
        "duplicate SKU (two shop articles with one SKU)",
        mplus_article(30771, Decimal(5), shop_copies=2),
        "SKU_DUPLICATE",
        stock_untouched,
    ),
    Case(
        "fractional-stock",
        "stock",
        "fractional quantity (2.5 in stock)",
        mplus_article(30772, Decimal("2.5")),
        "updated",
        stock_is(2),
    ),
    Case(
        "negative-stock",
        "stock",
        "negative quantity (-3 in stock)",
        mplus_article(30773, Decimal(-3)),
        "updated",
        stock_is(0),
    ),
]
