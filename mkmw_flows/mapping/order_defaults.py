"""The default order maps of the orders flow, both directions.

Shop -> MplusKASSA maps a flat record of a shop order (see
:func:`mkmw_flows.sync.order_build.shop_order_record`) onto MplusKASSA model fields:
``relation.*`` (the customer, :class:`~mkmw_flows.mplus.models.Relation` field names),
``order.*`` (the order header, :class:`~mkmw_flows.mplus.models.Order` field names, addresses
nested) and ``line.*`` (per order line, from :func:`~mkmw_flows.sync.order_build.line_record`).

MplusKASSA -> shop maps a flat record of a MplusKASSA order and its relation (see
:func:`mkmw_flows.sync.orders_reverse.mplus_order_record`) onto the shop's ``POST /orders``
body (``debtor.*``, ``comments.*``).

Users lay their own rules over these (``OrderSyncSettings.order_map`` / ``reverse_order_map``):
a rule for the same target replaces the default, new targets are added.
"""

from __future__ import annotations

from mkmw_flows.mapping.fieldmap import FieldMap, FieldRule, TransformStep


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
