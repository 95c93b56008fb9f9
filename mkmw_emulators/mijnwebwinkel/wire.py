"""The JSON the MijnWebwinkel emulator answers with (request bodies: :mod:`.bodies`).

The request body models live in :mod:`mkmw_emulators.mijnwebwinkel.bodies` and are
re-exported here under their old names (``wire.OrderPostIn``). The serialisers turn backend
records into spec-shaped JSON; with ``quirks=True`` they answer in the shapes the live API is
observed to use (API-NOTES.md, "Emulator live mode", lists each with its evidence).
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from typing import Any

from mkmw_emulators.mijnwebwinkel.backend import (
    Address,
    Article,
    Category,
    MijnWebwinkelBackend,
    OptionList,
    Order,
    TaxRegion,
)
from mkmw_emulators.mijnwebwinkel.bodies import (  # noqa: F401 (re-exported)
    AddressIn,
    ArticleBase,
    ArticlePatchIn,
    ArticlePostIn,
    CategoryLinkIn,
    CategoryPatchIn,
    CategoryPostIn,
    CommentsIn,
    CreditOrderPostIn,
    DebtorIn,
    DecimalIn,
    ExtraIn,
    ImageIn,
    InvoiceAddressIn,
    ListIn,
    ListOptionRefIn,
    LooseInt,
    NewOptionIn,
    OrderAddressIn,
    OrderArticleIn,
    OrderLineIn,
    OrderOptionIn,
    OrderPatchIn,
    OrderPostIn,
    PaymentIn,
    PaymentStatusIn,
    PriceIn,
    SortingIn,
    UnitPriceIn,
    UuidIn,
    VariantIn,
    address_from,
)

# --------------------------------------------------------------------------- JSON out


def money2(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.quantize(Decimal('0.01'))}"


def money6(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.000001'))}"


def _drop_none(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


@lru_cache(maxsize=4096)
def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def article_json(backend: MijnWebwinkelBackend, article: Article, quirks: bool) -> dict[str, Any]:
    """An ``Article`` as the shop returns it."""
    main = next((c for c in article.categories if c.is_main), None)
    category_slug = _slug(backend.categories[main.category_id].title) if main else "shop"
    option_names: dict[int, tuple[int, str]] = {}
    lists = []
    for attached in article.lists:
        option_list = backend.lists[attached.list_id]
        options = []
        for option_id in attached.option_ids:
            option = option_list.option(option_id)
            if option is None:
                continue
            option_names[option.id] = (option_list.id, option.name)
            options.append(
                {
                    "id": option.id,
                    "name": option.name,
                    "price": money2(option.price),
                    "image_ids": [],
                }
            )
        lists.append(
            {
                "id": option_list.id,
                "name": option_list.name,
                "description": option_list.description,
                "has_images": attached.has_images,
                "options": options,
            }
        )
    variants = []
    for variant in article.variants:
        chosen = [
            (option_names[o][0], o, option_names[o][1])
            for o in variant.option_ids
            if o in option_names
        ]
        # Both modes: a list of {list_id, option_id, name}, as the schema says and as a client
        # aligned with live answers reads it ([PY-SDK] 1.0.2). Only the spec *example* shows
        # a {"<list id>": "<option name>"} map; no live evidence has that shape.
        options_out = [
            {"list_id": lid, "option_id": oid, "name": name} for lid, oid, name in chosen
        ]
        item: dict[str, Any] = {"id": variant.id, "options": options_out}
        if variant.stock is not None or quirks:
            item["stock"] = variant.stock
        if variant.can_backorder is not None:
            item["can_backorder"] = variant.can_backorder
        variants.append(item)
    images = []
    for image in article.images:
        urls = {
            kind: f"https://asset.myonlinestore.com/demo/images/{kind}/{image.id}"
            for kind in ("full", "article", "thumb")
        }
        # Live ([PY-SDK] ArticleImage, and the spec example): position an int, urls one
        # object. The schema: position a string, urls an array of {format: url} objects.
        images.append(
            {
                "position": image.position if quirks else str(image.position),
                "id": image.id,
                "original_name": image.original_name,
                "urls": urls if quirks else [urls],
            }
        )
    data: dict[str, Any] = {
        "id": article.id,
        "uuid": article.uuid,
        "name": article.name,
        "description": article.description,
        "sku": article.sku,
        "badge_text": article.badge_text,
        "taxable": article.taxable,
        "price": _drop_none(
            {
                "default": money2(article.price_default),
                "action": money2(article.price_action),
                "purchase": money2(article.price_purchase),
            }
        ),
        "created_date": article.created_at.date().isoformat(),
        "created_time": article.created_at.strftime("%H:%M:%S"),
        "updated_date": article.updated_at.date().isoformat(),
        "updated_time": article.updated_at.strftime("%H:%M:%S"),
        "delivery_days": article.delivery_days,
        "can_backorder": article.can_backorder,
        "meta_title": article.meta_title,
        "meta_description": article.meta_description,
        "extra": {
            "invisible": dict(article.extra_invisible),
            "visible": dict(article.extra_visible),
        },
        "url": (
            f"{backend.store.primary_domain}/a-{article.url_id}/{category_slug}/"
            f"{_slug(article.name)}"
        ),
        "categories": [
            {
                "category_id": link.category_id,
                "article_url_id": link.article_url_id,
                "is_active": link.is_active,
                "is_main": link.is_main,
                "position": link.position,
            }
            for link in article.categories
        ],
        "lists": lists,
        "variants": variants,
        "images": images,
    }
    # The spec types stock as a plain integer; "null = unlimited" is only in its description.
    # Spec mode leaves an unlimited stock out, live mode sends null.
    if article.stock is not None or quirks:
        data["stock"] = article.stock
    return data


def list_json(option_list: OptionList) -> dict[str, Any]:
    """An ``ArticleList``."""
    return {
        "id": option_list.id,
        "name": option_list.name,
        "description": option_list.description,
        "options": [
            {"id": o.id, "name": o.name, "price": money2(o.price)} for o in option_list.options
        ],
    }


def category_json(
    backend: MijnWebwinkelBackend, category: Category, *, depth: int | None = None
) -> dict[str, Any]:
    """A ``Category``; with `depth` its children nested in ``leafs``."""
    siblings = backend.children(category.parent_id)
    index = next(i for i, c in enumerate(siblings) if c.id == category.id)
    sorting: dict[str, Any] = {"first": index == 0, "last": index == len(siblings) - 1}
    if index > 0:
        sorting["previous"] = siblings[index - 1].id
    if index < len(siblings) - 1:
        sorting["next"] = siblings[index + 1].id
    data: dict[str, Any] = {
        "id": category.id,
        "hidden": category.hidden,
        "title": category.title,
        "content": category.content,
        "meta_title": category.meta_title,
        "meta_description": category.meta_description,
        "article_order": category.article_order,
        "sorting": sorting,
    }
    if category.parent_id is not None:
        data["parent_category_id"] = category.parent_id
    if depth is not None:
        data["leafs"] = (
            [
                category_json(backend, child, depth=depth - 1)
                for child in backend.children(category.id)
            ]
            if depth > 1
            else []
        )
    return data


def _address_json(address: Address, invoice: bool) -> dict[str, Any]:
    from mkmw_emulators.mijnwebwinkel.backend import COUNTRY_NAMES

    data = {
        "gender": address.gender,
        "name": address.name,
        "company": address.company,
        "phone": address.phone,
        "street": address.street,
        "number": address.number,
        "zipcode": address.zipcode,
        "city": address.city,
        "country": COUNTRY_NAMES.get(address.country_code, address.country_code),
        "country_code": address.country_code,
    }
    if address.id:
        data["id"] = address.id
    if invoice:
        data["taxnumber"] = address.taxnumber
        data["bankaccount"] = address.bankaccount
    return data


def order_json(backend: MijnWebwinkelBackend, order: Order, quirks: bool) -> dict[str, Any]:
    """An ``Order`` as the shop returns it."""
    from mkmw_emulators.mijnwebwinkel.backend import COUNTRY_NAMES

    lines = []
    for line in order.lines:
        prices = [
            {
                "amount": money6(p.amount),
                "amount_including_tax": money2(p.amount_including_tax),
                "rate": money2(p.rate),
            }
            for p in line.unit_prices
        ]
        item: dict[str, Any] = {
            "id": line.id,
            "type": line.type,
            "quantity": line.quantity,
            "weight": f"{line.weight.normalize():f}",
            "description": line.description,
            "price": prices[0] if len(prices) == 1 else prices,
        }
        if line.type == "article":
            article: dict[str, Any] = {
                "id": line.article_id,
                "description": line.description.split(",")[0],
                "sku": line.sku,
                "price": {
                    "amount": money6(line.article_amount or Decimal(0)),
                    "rate": money2(line.unit_prices[0].rate),
                    "purchase_price": money2(line.purchase_price) or "",
                },
            }
            if line.options:
                article["options"] = [
                    {
                        "list_option_id": o.list_option_id,
                        "description": o.description,
                        "price": money2(o.price),
                    }
                    for o in line.options
                ]
            item["articles"] = [article]
        lines.append(item)
    taxes = [{"amount": money6(t.amount), "rate": money2(t.rate)} for t in order.tax_per_rate()]
    tax_out: Any = taxes[0] if quirks and len(taxes) == 1 else taxes
    if order.shipping_country:
        country: Any = {
            "description": COUNTRY_NAMES.get(order.shipping_country, order.shipping_country),
            "isocode": order.shipping_country,
        }
        shipping = [{"country": country}]
    else:  # pickup: the live API sends country: [], the spec has no shape for it
        shipping = [{"country": []}] if quirks else []
    debtor: dict[str, Any] = {
        "email": order.email,
        "address": {"invoice": _address_json(order.invoice, True)},
    }
    if order.delivery is not None:
        debtor["address"]["delivery"] = _address_json(order.delivery, False)
    if order.debtor_id:
        debtor["id"] = order.debtor_id
    data: dict[str, Any] = {
        "number": str(order.number) if quirks else order.number,
        "uuid": order.uuid,
        "date": order.created_at.date().isoformat(),
        "time": order.created_at.strftime("%H:%M:%S"),
        "status": order.status,
        "status_changed_date": order.status_changed_at.date().isoformat(),
        "status_changed_time": order.status_changed_at.strftime("%H:%M:%S"),
        "weight": f"{order.weight.normalize():f}",
        "archived": order.archived,
        "finished": True,
        "taxed": "include" if backend.store.prices_include_tax else "exclude",
        "locale": order.locale,
        "discountcode": order.discountcode,
        "currency": order.currency,
        "currency_format_locale": backend.store.currency_format_locale,
        "comments": {"customer": order.comment_customer, "internal": order.comment_internal},
        "business_model": order.business_model,
        "tax_region": order.tax_region,
        "tax_strategy": order.tax_strategy,
        "payment_status": order.payment_status,
        "debtor": debtor,
        "price": {"tax": tax_out, "total": money2(order.total)},
        "orderlines": lines,
        "shipping": shipping,
        "credit_order_numbers": list(order.credit_order_numbers),
    }
    if order.business_model == "B2B":
        data["reference"] = order.reference
    if order.credited_order_number is not None:
        data["credited_order_number"] = order.credited_order_number
    if order.offline_location_id:
        data["offline_location_id"] = order.offline_location_id
    if order.partner:
        data["partner"] = {"name": order.partner}
    if order.payment_gateway:
        texts = {
            0: "Unknown",
            1: "Successful",
            2: "Cancelled",
            3: "Failed",
            4: "Expired",
            5: "Pending",
        }
        data["payment"] = {
            "gateway_name": order.payment_gateway,
            "method_name": order.payment_method,
            "status": {
                "id": order.payment_status_id,
                "text": texts.get(order.payment_status_id, "Unknown"),
            },
        }
    return data


def tax_region_json(region: TaxRegion) -> dict[str, Any]:
    """A ``TaxPolicyRegion`` (rates as decimal strings, fractions of 1)."""
    return {
        "regionCode": region.code,
        "taxEnabled": region.tax_enabled,
        "taxNumber": region.tax_number,
        "taxRate": f"{region.tax_rate}",
        "shippingTaxMethod": "proportional",
        "shippingTaxRate": None,
        "transactionTaxMethod": "proportional",
        "transactionTaxRate": None,
        "overrides": [
            {
                "taxRate": f"{rate}",
                "items": [{"type": "product", "references": sorted(refs, key=int)}],
            }
            for rate, refs in region.overrides.items()
            if refs
        ],
    }
