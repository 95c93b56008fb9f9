"""The flat records of an order the order maps read, and the default maps over them.

Shop -> MplusKASSA maps :func:`shop_order_record` onto MplusKASSA model fields:
``relation.*`` (the customer, :class:`~mkmw_flows.mplus.models.Relation` field names),
``order.*`` (the order header, :class:`~mkmw_flows.mplus.models.Order` field names, addresses
nested) and ``line.*`` (per order line, from :func:`line_record`).

MplusKASSA -> shop maps :func:`mplus_order_record` (a MplusKASSA order and its relation) onto
the shop's ``POST /orders`` body (``debtor.*``, ``comments.*``).

Users lay their own rules over these (``OrderSyncSettings.order_map`` / ``reverse_order_map``):
a rule for the same target replaces the default, new targets are added.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from mkmw_flows.mapping.fieldmap import FieldMap, FieldRule, TransformStep
from mkmw_flows.mapping.transforms import TransformError
from mkmw_flows.mijnwebwinkel.models import Order as ShopOrder
from mkmw_flows.mijnwebwinkel.models import OrderLine as ShopLine
from mkmw_flows.mplus.models import Address, Order, Relation


def split_street(line: str | None) -> tuple[str, str]:
    """``"Molenstraat 62a"`` -> (``Molenstraat``, ``62a``)."""
    text = (line or "").strip()
    match = re.match(r"^(.*?)[\s,]+(\d+\s*[\w\-/ ]{0,8})$", text)
    if match:
        return match.group(1).strip(), match.group(2).strip()
    return text, ""


def _join(*parts: str | None) -> str:
    return " ".join(p.strip() for p in parts if p and p.strip())


def destination(order: ShopOrder) -> str:
    """The country the order goes to (delivery, else invoice, else shipping, else tax region)."""
    addresses = order.debtor.address
    for code in (
        addresses.delivery.country_code if addresses.delivery else None,
        addresses.invoice.country_code if addresses.invoice else None,
        order.shipping[0].country.isocode if order.shipping and order.shipping[0].country else None,
        order.tax_region,
    ):
        if code:
            return code.strip().upper()
    return ""


def shop_order_record(order: ShopOrder) -> dict[str, Any]:
    """The flat record of a shop order the order map reads."""
    invoice = order.debtor.address.invoice
    delivery = order.debtor.address.delivery or invoice
    person = (invoice.name if invoice else None) or order.debtor.name or ""
    company = ((invoice.company if invoice else None) or order.debtor.company or "").strip()
    record: dict[str, Any] = {
        "number": order.number,
        "date": order.date.isoformat(),
        "email": (order.debtor.email or "").strip(),
        "comment": order.comments.customer or "",
        "reference": order.reference or "",
        "relation_name": company or person,
        "contact_name": person if company else None,
        "person_name": person,
        "country": destination(order),
        "payment_method": order.payment.method_name if order.payment else None,
    }
    for side, address in (("invoice", invoice), ("delivery", delivery)):
        record.update(
            {
                f"{side}_name": address.name if address else None,
                f"{side}_company": (address.company or None) if address else None,
                f"{side}_street": address.street if address else None,
                f"{side}_number": address.number if address else None,
                f"{side}_street_line": _join(address.street, address.number) if address else None,
                f"{side}_zipcode": address.zipcode if address else None,
                f"{side}_city": address.city if address else None,
                f"{side}_country": (address.country_code or "").upper() or None
                if address
                else None,
                f"{side}_phone": (address.phone or None) if address else None,
            }
        )
    record["invoice_taxnumber"] = (invoice.taxnumber or None) if invoice else None
    return record


def shipping_names(order: ShopOrder) -> list[str]:
    """The shop shipping methods an order names: the descriptions of its shipping lines.

    The shop's order output carries no shipping method id or name (contracts/mijnwebwinkel
    API-NOTES "Shipping"); only a shipping cost line names it. An order with free shipping or
    pickup at no cost has no such line and names no method.
    """
    names: list[str] = []
    for line in order.orderlines:
        name = (line.description or "").strip()
        if line.type == "shipping" and name and name not in names:
            names.append(name)
    return names


def line_record(line: ShopLine) -> dict[str, Any]:
    """The flat record of one shop order line the ``line.*`` rules read."""
    article = line.articles[0] if line.articles else None
    return {
        "type": line.type,
        "description": line.description or (article.description if article else "") or "",
        "sku": (article.sku if article else None) or "",
        "quantity": line.quantity,
    }


def mplus_order_record(order: Order, relation: Relation | None) -> dict[str, Any]:
    """The flat record of a MplusKASSA order and its relation the reverse map reads."""
    rel = relation or Relation()
    invoice = order.invoice_address
    delivery = order.delivery_address
    street, number = split_street((invoice.address if invoice else None) or rel.address)
    d_street, d_number = split_street(
        (delivery.address if delivery else None) or rel.delivery_address
    )
    person = (rel.contact if rel.company_name else rel.name) or rel.name or order.relation_name
    return {
        "order_id": order.order_id,
        "order_string": str(order.order_number) if order.order_number else order.order_id,
        "reference": order.reference,
        "email": (rel.email or "").strip(),
        "person_name": person,
        "company": rel.company_name,
        "street": street,
        "house_number": number,
        "zipcode": (invoice.zipcode if invoice else None) or rel.zipcode,
        "city": (invoice.city if invoice else None) or rel.city,
        "country": ((invoice.country if invoice else None) or rel.country or "NL").upper()[:2],
        "telephone": rel.telephone or rel.mobile,
        "delivery_name": (delivery.name if delivery else None) or None,
        "delivery_company": (delivery.company_name if delivery else None) or None,
        "delivery_street": d_street or None,
        "delivery_house_number": d_number or None,
        "delivery_zipcode": (delivery.zipcode if delivery else None) or rel.delivery_zipcode,
        "delivery_city": (delivery.city if delivery else None) or rel.delivery_city,
        "delivery_country": (
            ((delivery.country if delivery else None) or rel.delivery_country or "").upper()[:2]
            or None
        ),
    }


# ---- the default maps over these records --------------------------------------------------


def _rule(target: str, source: str, *transforms: TransformStep, **kwargs: object) -> FieldRule:
    return FieldRule(target=target, source=source, transforms=list(transforms), **kwargs)  # type: ignore[arg-type]


def _address(prefix: str, side: str) -> list[FieldRule]:
    return [
        _rule(f"{prefix}.name", f"{side}_name"),
        _rule(f"{prefix}.company_name", f"{side}_company"),
        _rule(f"{prefix}.address", f"{side}_street_line"),
        _rule(f"{prefix}.zipcode", f"{side}_zipcode"),
        _rule(f"{prefix}.city", f"{side}_city"),
        _rule(f"{prefix}.country", f"{side}_country"),
    ]


#: Shop order -> MplusKASSA relation, order header and lines.
DEFAULT_ORDER_MAP = FieldMap(
    fields=[
        # the customer: a company relation (name = company) with the person as contact,
        # or a person relation
        _rule("relation.name", "relation_name"),
        _rule("relation.company_name", "invoice_company"),
        _rule("relation.contact", "contact_name"),
        _rule("relation.address", "invoice_street_line"),
        _rule("relation.zipcode", "invoice_zipcode"),
        _rule("relation.city", "invoice_city"),
        _rule("relation.country", "invoice_country"),
        _rule("relation.delivery_address", "delivery_street_line"),
        _rule("relation.delivery_zipcode", "delivery_zipcode"),
        _rule("relation.delivery_city", "delivery_city"),
        _rule("relation.delivery_country", "delivery_country"),
        _rule("relation.telephone", "invoice_phone"),
        _rule("relation.email", "email"),
        _rule("relation.vat_number", "invoice_taxnumber"),
        # the order header
        FieldRule(
            target="order.reference",
            source="number",
            transforms=[TransformStep(name="template", args={"template": "Webwinkel {value}"})],
        ),
        *_address("order.invoice_address", "invoice"),
        *_address("order.delivery_address", "delivery"),
        _rule("order.invoice_address.contact", "contact_name"),
        _rule("order.delivery_address.contact", "contact_name"),
        # every line
        _rule("line.text", "description"),
    ]
)

#: MplusKASSA order + relation -> shop order (``POST /orders`` body).
DEFAULT_REVERSE_MAP = FieldMap(
    fields=[
        _rule("debtor.email", "email"),
        _rule("debtor.address.invoice.name", "person_name"),
        _rule("debtor.address.invoice.company", "company"),
        _rule("debtor.address.invoice.street", "street"),
        _rule("debtor.address.invoice.number", "house_number"),
        _rule("debtor.address.invoice.zipcode", "zipcode"),
        _rule("debtor.address.invoice.city", "city"),
        _rule("debtor.address.invoice.country_code", "country"),
        _rule("debtor.address.invoice.phone", "telephone"),
        _rule("debtor.address.delivery.name", "delivery_name"),
        _rule("debtor.address.delivery.company", "delivery_company"),
        _rule("debtor.address.delivery.street", "delivery_street"),
        _rule("debtor.address.delivery.number", "delivery_house_number"),
        _rule("debtor.address.delivery.zipcode", "delivery_zipcode"),
        _rule("debtor.address.delivery.city", "delivery_city"),
        _rule("debtor.address.delivery.country_code", "delivery_country"),
        FieldRule(
            target="comments.internal",
            source="order_string",
            transforms=[
                TransformStep(name="template", args={"template": "MplusKASSA order {value}"})
            ],
        ),
    ]
)


def order_map(overrides: FieldMap | None) -> FieldMap:
    """The shop -> MplusKASSA map with the user's rules laid over it."""
    return DEFAULT_ORDER_MAP.merged(overrides)


def reverse_map(overrides: FieldMap | None) -> FieldMap:
    """The MplusKASSA -> shop map with the user's rules laid over it."""
    return DEFAULT_REVERSE_MAP.merged(overrides)


# ---- one shop order through the map ---------------------------------------------------------


@dataclass
class MappedOrder:
    """A shop order's record and what the order map makes of it.

    Attributes:
        source: The flat record (:func:`shop_order_record`).
        mapped: The map's ``relation.*`` and ``order.*`` values.
        line_texts: The ``line.text`` of each shop line, in order.
        shipping_names: The shipping methods its shipping lines name.
        addresses: The order's ``invoice_address`` and ``delivery_address`` as mapped (made
            here, so a map that yields no valid address fails before anything is written).
        failure: Why the map failed (None: it did not).
    """

    source: dict[str, Any]
    mapped: dict[str, Any] = field(default_factory=dict)
    line_texts: list[str] = field(default_factory=list)
    shipping_names: list[str] = field(default_factory=list)
    addresses: dict[str, Address | None] = field(default_factory=dict)
    failure: str | None = None


def map_order(field_map: FieldMap, order: ShopOrder) -> MappedOrder:
    """The record of a shop order and the order map's values for it and its lines."""
    result = MappedOrder(shop_order_record(order), shipping_names=shipping_names(order))
    try:
        result.mapped = field_map.apply(result.source)
        for line in order.orderlines:
            text = field_map.apply(line_record(line)).get("line.text")
            result.line_texts.append(str(text or line.description or "")[:250])
        header = {k.split(".", 1)[1]: v for k, v in result.mapped.items() if k.startswith("order.")}
        for name in ("invoice_address", "delivery_address"):
            values = {
                key.split(".", 1)[1]: value
                for key, value in header.items()
                if key.startswith(f"{name}.") and value not in (None, "")
            }
            result.addresses[name] = Address(**values) if values else None
    except (TransformError, ValidationError) as exc:
        result.failure = f"The order map failed: {exc}"
    return result


def map_orders(field_map: FieldMap, orders: list[ShopOrder]) -> dict[int, MappedOrder]:
    """:func:`map_order` of every order of a page, by order number."""
    return {order.number: map_order(field_map, order) for order in orders}
