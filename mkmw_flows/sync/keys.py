"""The binding conventions every flow shares: entity names and how keys are written.

=========  ==========================  ==============================  ===================
entity     mplus_key                   shop_key                        variant_key
=========  ==========================  ==============================  ===================
article    MplusKASSA articleNumber    shop article id                 "" for a simple
                                                                       article; the option
                                                                       combination of a
                                                                       shop variant
product    MplusKASSA productNumber    shop article id (the article    ""
           (products with variants)    that holds the variants)
category   article group number        shop category id                ""
customer   relation number             e-mail address, lower-cased     ""
order      MplusKASSA orderId          shop order number               ""
=========  ==========================  ==============================  ===================

The shop variant id of an ``article`` binding is kept in ``extra["variant_id"]``. The stock
flow keeps what it last pushed in ``extra["stock_pushed"]`` (an int, or None for unmanaged)
and ``extra["stock_pushed_at"]`` (ISO time).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

ARTICLE = "article"
PRODUCT = "product"
CATEGORY = "category"
CUSTOMER = "customer"
ORDER = "order"


def variant_key(options: Mapping[str, str] | Iterable[tuple[str, str]]) -> str:
    """The canonical option combination of a shop variant, e.g. ``Kleur=Rood|Maat=M``.

    Option lists are sorted by name so the key does not depend on list order; names and
    values are stripped and compared case-sensitively as the shop shows them.
    """
    pairs = options.items() if isinstance(options, Mapping) else options
    cleaned = sorted((str(k).strip(), str(v).strip()) for k, v in pairs)
    return "|".join(f"{k}={v}" for k, v in cleaned)


def parse_variant_key(key: str) -> dict[str, str]:
    """The options of a variant key (inverse of :func:`variant_key`)."""
    if not key:
        return {}
    return dict(part.split("=", 1) for part in key.split("|"))


def customer_key(email: str) -> str:
    """The shop-side key of a customer binding: the e-mail address, trimmed and lower-cased."""
    return email.strip().lower()
