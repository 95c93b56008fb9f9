"""A read-only listing of an integration's rules and the default rules, for `mkmw settings show`.

Each section is a small table (title, columns, rows of text); the command line renders them.
Secrets are never part of a section.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mkmw_flows.mapping.fieldmap import FieldMap, FieldRule
from mkmw_flows.settings.orders import OrderSyncSettings
from mkmw_flows.settings.products import ProductSyncSettings
from mkmw_flows.sync.orders.record import DEFAULT_ORDER_MAP, DEFAULT_REVERSE_MAP
from mkmw_flows.sync.products.defaults import (
    default_category_field_map,
    default_field_map,
    default_reverse_field_map,
)

if TYPE_CHECKING:
    from mkmw_flows.blocks import Integration

RULE_COLUMNS = ("target", "source or value", "transforms", "policy", "from")


@dataclass
class Section:
    """One table of the listing."""

    title: str
    columns: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)
    empty: str = "(none)"


def _rule_row(rule: FieldRule, origin: str) -> tuple[str, ...]:
    source = rule.source if rule.source is not None else f"value {rule.value!r}"
    steps = ", ".join(
        step.name
        + (f"({', '.join(f'{k}={v!r}' for k, v in step.args.items())})" if step.args else "")
        for step in rule.transforms
    )
    return (rule.target, source, steps, rule.policy, origin)


def rule_section(title: str, defaults: FieldMap, yours: FieldMap | None = None) -> Section:
    """The effective rules of a field map: the defaults with your rules laid over them."""
    own = yours.rules() if yours is not None else {}
    section = Section(title, RULE_COLUMNS)
    for target, rule in defaults.merged(yours).rules().items():
        if target in own:
            origin = "yours (replaces the default)" if target in defaults.rules() else "yours"
        else:
            origin = "default"
        section.rows.append(_rule_row(rule, origin))
    return section


def order_sections(orders: OrderSyncSettings) -> list[Section]:
    """The mapping tables of the orders settings."""
    delivery: list[tuple[str, ...]] = [
        (r.shop_method, r.delivery_method) for r in orders.delivery_methods
    ]
    if orders.default_delivery_method:
        delivery.append(("(any other, or none named)", orders.default_delivery_method))
    return [
        Section(
            "orders: VAT rules (vat_codes)",
            ("country", "rate %", "MplusKASSA vatCode"),
            [(r.country, str(r.rate), str(r.vat_code)) for r in orders.vat_codes],
            empty="(none: each line keeps its article's own VAT code)",
        ),
        Section(
            "orders: turnover groups (turnover_groups)",
            ("country", "turnover group"),
            [(r.country, str(r.turnover_group)) for r in orders.turnover_groups],
            empty="(none: each line keeps its article's own turnover group)",
        ),
        Section(
            "orders: shipping articles (shipping_articles)",
            ("shop shipping method", "MplusKASSA article"),
            [(r.shop_method, str(r.article_number)) for r in orders.shipping_articles],
        ),
        Section(
            "orders: delivery methods (delivery_methods, default_delivery_method)",
            ("shop shipping method", "MplusKASSA delivery method"),
            delivery,
            empty="(none: orders get no delivery method)",
        ),
        Section(
            "orders: payment methods (payment_methods)",
            ("shop payment method", "MplusKASSA payment method"),
            [(r.shop_method, r.mplus_method) for r in orders.payment_methods],
        ),
        Section(
            "orders: status write-back (status_write_back)",
            ("event", "shop status id"),
            [(event, str(status)) for event, status in orders.status_write_back.events().items()],
            empty="(none: the shop status is not changed)",
        ),
    ]


def product_sections(products: ProductSyncSettings) -> list[Section]:
    """The filters, variant axes and features of the products settings."""
    filters = products.filters
    rows: list[tuple[str, ...]] = [("only_active", str(filters.only_active))]
    for name in (
        "include_groups",
        "exclude_groups",
        "include_turnover_groups",
        "exclude_turnover_groups",
        "include_skus",
        "exclude_skus",
    ):
        values = getattr(filters, name)
        if values:
            rows.append((name, ", ".join(str(v) for v in values)))
    for name in ("field_equals", "field_not_equals"):
        for rule in getattr(filters, name):
            rows.append((f"{name}: {rule.field}", ", ".join(rule.values)))
    return [
        Section("products: filters", ("filter", "values"), rows),
        Section(
            "products: variant axes (variant_axes)",
            ("MplusKASSA field", "shop option list"),
            list(products.variant_axes.items()),
        ),
        Section(
            "products: features (features)",
            ("MplusKASSA field", "visible shop feature"),
            list(products.features.items()),
        ),
    ]


def integration_sections(integration: Integration) -> list[Section]:
    """Every rule of one integration: its mappings and the effective field maps."""
    products, orders = integration.products, integration.orders
    return [
        *product_sections(products),
        rule_section(
            f"products: field map, MplusKASSA -> shop ({products.direction} is active)",
            default_field_map(products.features),
            products.field_map,
        ),
        rule_section("products: field map, shop -> MplusKASSA", default_reverse_field_map()),
        rule_section(
            "products: category map, article group -> shop category",
            default_category_field_map(),
            products.category_field_map,
        ),
        *order_sections(orders),
        rule_section("orders: order map, shop -> MplusKASSA", DEFAULT_ORDER_MAP, orders.order_map),
        rule_section(
            "orders: reverse order map, MplusKASSA -> shop",
            DEFAULT_REVERSE_MAP,
            orders.reverse_order_map,
        ),
    ]


def default_sections() -> list[Section]:
    """The default rules every integration starts from (no Prefect server needed)."""
    return [
        *product_sections(ProductSyncSettings()),
        rule_section("products: default field map, MplusKASSA -> shop", default_field_map()),
        rule_section(
            "products: default field map, shop -> MplusKASSA", default_reverse_field_map()
        ),
        rule_section(
            "products: default category map, article group -> shop category",
            default_category_field_map(),
        ),
        rule_section("orders: default order map, shop -> MplusKASSA", DEFAULT_ORDER_MAP),
        rule_section("orders: default reverse order map, MplusKASSA -> shop", DEFAULT_REVERSE_MAP),
    ]


def as_text(sections: list[Section]) -> str:
    """The sections as plain text (markdown tables), e.g. for the docs."""
    out: list[str] = []
    for section in sections:
        out += [f"### {section.title}", ""]
        if not section.rows:
            out += [section.empty, ""]
            continue
        out.append("| " + " | ".join(section.columns) + " |")
        out.append("|" + "---|" * len(section.columns))
        out += ["| " + " | ".join(c.replace("|", "/") for c in row) + " |" for row in section.rows]
        out.append("")
    return "\n".join(out)
