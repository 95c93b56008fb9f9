"""The pre-flight report behind `mkmw check`: what would fail before the first sync.

Reads both systems (never writes) and lists every finding with the system it is in, what
blocks and what only deserves a look. Blockers make `mkmw check` exit non-zero.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from mkmw_flows.blocks import Integration
from mkmw_flows.mijnwebwinkel.client import MijnWebwinkelClient
from mkmw_flows.mijnwebwinkel.errors import MijnWebwinkelError
from mkmw_flows.mijnwebwinkel.models import Article as ShopArticle
from mkmw_flows.mplus.client import MplusClient
from mkmw_flows.mplus.errors import MplusError
from mkmw_flows.mplus.models import Product
from mkmw_flows.mplus.paging import iter_product_pages
from mkmw_flows.settings.order_rows import normalise_rate

BLOCKER = "blocker"
WARNING = "warning"
INFO = "info"
MPLUS = "MplusKASSA"
SHOP = "MijnWebwinkel"


@dataclass(frozen=True)
class Finding:
    """One thing the check found.

    Attributes:
        severity: blocker (the first sync would fail on it), warning, or info.
        system: Where it is: MplusKASSA, MijnWebwinkel, or settings.
        code: A short stable code, e.g. ``SKU_NOT_NUMERIC``.
        subject: The record or setting concerned.
        message: What is wrong and what to do, for a shop owner.
    """

    severity: str
    system: str
    code: str
    subject: str
    message: str


@dataclass
class CheckReport:
    """Every finding of one check."""

    findings: list[Finding] = field(default_factory=list)

    def add(self, severity: str, system: str, code: str, subject: str, message: str) -> None:
        """Record a finding."""
        self.findings.append(Finding(severity, system, code, subject, message))

    @property
    def blockers(self) -> list[Finding]:
        """The findings that would make the first sync fail."""
        return [f for f in self.findings if f.severity == BLOCKER]

    def codes(self) -> set[str]:
        """The codes found."""
        return {f.code for f in self.findings}


def _duplicates(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = defaultdict(list)
    for value, owner in pairs:
        if value:
            seen[value].append(owner)
    return {value: owners for value, owners in seen.items() if len(owners) > 1}


def check_versions(report: CheckReport, mplus: MplusClient, shop: MijnWebwinkelClient) -> bool:
    """API versions of both systems; False when either cannot be reached."""
    ok = True
    try:
        v = mplus.get_api_version()
        text = f"{v.major_number}.{v.minor_number}.{v.revision_number}"
        if v.service_version_display_string:
            text += f", service {v.service_version_display_string}"
        report.add(INFO, MPLUS, "API_VERSION", "getApiVersion", f"MplusKASSA API {text}")
    except MplusError as exc:
        ok = False
        report.add(BLOCKER, MPLUS, "UNREACHABLE", "getApiVersion", f"MplusKASSA: {exc}")
    try:
        store = shop.get_store()
        report.add(
            INFO,
            SHOP,
            "API_VERSION",
            "store",
            f"MijnWebwinkel shop {store.name or ''} (version {store.version or 'unknown'})",
        )
    except MijnWebwinkelError as exc:
        ok = False
        report.add(BLOCKER, SHOP, "UNREACHABLE", "store", f"MijnWebwinkel: {exc}")
    return ok


def check_shop_articles(report: CheckReport, articles: list[ShopArticle]) -> None:
    """SKUs that cannot become article numbers, duplicate SKUs, variants that clash."""
    for article in articles:
        sku = (article.sku or "").strip()
        subject = f"shop article {article.id} {article.name!r}"
        if not sku and not article.variants:
            report.add(
                WARNING,
                SHOP,
                "SKU_MISSING",
                subject,
                "Has no SKU, so it cannot be matched to a MplusKASSA article.",
            )
        elif sku and not sku.isdigit():
            report.add(
                BLOCKER,
                SHOP,
                "SKU_NOT_NUMERIC",
                subject,
                f"SKU {sku!r} is not a number; MplusKASSA article numbers are numeric only, "
                "so orders and stock for it cannot be matched. Give it the MplusKASSA "
                "article number as SKU.",
            )
        combos: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for variant in article.variants:
            names = tuple(sorted(f"{o.list_id}:{o.name}" for o in variant.options))
            combos[names].append(variant.id)
        for names, ids in combos.items():
            if len(ids) > 1:
                report.add(
                    BLOCKER,
                    SHOP,
                    "VARIANT_CLASH",
                    subject,
                    f"Variants {ids} have the same options ({', '.join(names) or 'none'}); "
                    "each variant must be a different combination.",
                )
    for sku, owners in _duplicates(
        ((a.sku or "").strip(), f"{a.id} {a.name!r}") for a in articles
    ).items():
        report.add(
            BLOCKER,
            SHOP,
            "SKU_DUPLICATE",
            f"SKU {sku}",
            f"Used by {len(owners)} shop articles ({'; '.join(owners)}); SKUs must be unique.",
        )


def check_mplus_articles(report: CheckReport, products: list[Product]) -> None:
    """Duplicate EANs and variant articles that do not fit the shop's option lists."""
    articles = [(p, a) for p in products for a in p.articles]
    for ean, owners in _duplicates(
        ((a.barcode or "").strip(), str(a.article_number)) for _, a in articles
    ).items():
        report.add(
            BLOCKER,
            MPLUS,
            "EAN_DUPLICATE",
            f"EAN {ean}",
            f"Used by articles {', '.join(owners)}; an EAN must belong to one article.",
        )
    for product in products:
        if len(product.articles) < 2:
            continue
        subject = f"product {product.product_number} {product.description or ''!r}"
        combos: dict[tuple[str, str], list[str]] = defaultdict(list)
        for article in product.articles:
            colour, size = (article.colour or "").strip(), (article.size or "").strip()
            if not colour and not size:
                report.add(
                    BLOCKER,
                    MPLUS,
                    "VARIANT_WITHOUT_OPTIONS",
                    f"article {article.article_number}",
                    f"Is one of {len(product.articles)} variants of {subject} but has no "
                    "colour and no size, so it cannot become a shop variant.",
                )
                continue
            combos[(colour.lower(), size.lower())].append(str(article.article_number))
        for (colour, size), numbers in combos.items():
            if len(numbers) > 1:
                report.add(
                    BLOCKER,
                    MPLUS,
                    "VARIANT_CLASH",
                    subject,
                    f"Articles {', '.join(numbers)} have the same colour {colour!r} and size "
                    f"{size!r}; shop variants must differ.",
                )


def check_order_mappings(
    report: CheckReport, integration: Integration, mplus: MplusClient, shop: MijnWebwinkelClient
) -> None:
    """VAT rates, shipping and payment methods of the shop that the orders settings lack."""
    settings = integration.orders
    try:
        vat_codes = {v.vat_code for v in mplus.get_vat_groups()}
        payment_codes = {m.method.lower() for m in mplus.get_payment_methods()}
    except MplusError as exc:
        report.add(BLOCKER, MPLUS, "UNREACHABLE", "master data", f"MplusKASSA: {exc}")
        return
    if settings.vat_codes:
        for region in shop.list_tax_regions():
            country = (region.region_code or "").upper()
            rates = {region.tax_rate, *(o.tax_rate for o in region.overrides)}
            for rate in sorted(r for r in rates if r is not None):
                # Tax regions give fractions (0.21); orders and vat_codes use percent (21).
                key = normalise_rate(Decimal(rate) * 100 if rate <= 1 else Decimal(rate))
                if settings.vat_code_for(country, key) is not None:
                    continue
                report.add(
                    BLOCKER,
                    "settings",
                    "VAT_UNMAPPED",
                    f"VAT {key}% ({country})",
                    f"The shop charges {key}% VAT in {country}; add a vat_codes row with rate "
                    f'{key} and country {country} (or "any") in the orders settings.',
                )
        for index, rule in enumerate(settings.vat_codes):
            if rule.vat_code not in vat_codes:
                report.add(
                    BLOCKER,
                    "settings",
                    "VAT_CODE_UNKNOWN",
                    f"vat_codes[{index}]",
                    f"Rate {rule.rate} ({rule.country}): MplusKASSA has no vatCode "
                    f"{rule.vat_code} (it has {sorted(vat_codes)}).",
                )
    for shipping in shop.list_shipping_methods():
        name = (shipping.display_name or "").strip()
        if settings.shipping_article_for(name, shipping.id) is not None:
            continue
        report.add(
            BLOCKER,
            "settings",
            "SHIPPING_UNMAPPED",
            f"shipping {name or shipping.id!r}",
            f"The shop's shipping method {name!r} (id {shipping.id}) has no MplusKASSA article; "
            "add it to shipping_articles in the orders settings.",
        )
    # Payment methods are only needed where payments are registered in MplusKASSA.
    gateways = shop.list_payment_gateways() if settings.register_payments else []
    for gateway in gateways:
        for method in gateway.methods:
            key = f"{gateway.name.lower()}:{method.name.lower()}"
            if settings.payment_code_for(gateway.name, method.name) is not None:
                continue
            report.add(
                BLOCKER,
                "settings",
                "PAYMENT_UNMAPPED",
                f"payment {key}",
                f"The shop's payment method {method.display_name or method.name!r} "
                f"({gateway.name}) has no MplusKASSA payment code; add a payment_methods row "
                f"for {key!r} or {method.name.lower()!r} in the orders settings.",
            )
    for index, payment in enumerate(settings.payment_methods):
        if payment.mplus_method.lower() not in payment_codes:
            report.add(
                BLOCKER,
                "settings",
                "PAYMENT_CODE_UNKNOWN",
                f"payment_methods[{index}]",
                f"{payment.shop_method}: MplusKASSA has no payment method "
                f"{payment.mplus_method!r} "
                f"(it has {sorted(payment_codes)}).",
            )


def check_delivery_methods(
    report: CheckReport, integration: Integration, mplus: MplusClient, shop: MijnWebwinkelClient
) -> None:
    """Shop shipping methods without a delivery method, and codes MplusKASSA does not know.

    Nothing is checked when the orders settings set no delivery methods at all (the orders
    then carry no ``deliveryMethod``).
    """
    settings = integration.orders
    if not settings.delivery_methods and settings.default_delivery_method is None:
        return
    try:
        known = {m.delivery_method: m for m in mplus.get_delivery_methods()}
    except MplusError as exc:
        report.add(BLOCKER, MPLUS, "UNREACHABLE", "getDeliveryMethods", f"MplusKASSA: {exc}")
        return
    default = settings.default_delivery_method
    for shipping in shop.list_shipping_methods():
        name = (shipping.display_name or "").strip()
        if settings.delivery_method_for(name, shipping.id) is not None:
            continue
        if default is not None:
            report.add(
                INFO,
                "settings",
                "DELIVERY_DEFAULT",
                f"shipping {name or shipping.id!r}",
                f"The shop's shipping method {name!r} (id {shipping.id}) has no "
                f"delivery_methods row; its orders get the default delivery method {default!r}.",
            )
            continue
        report.add(
            BLOCKER,
            "settings",
            "DELIVERY_UNMAPPED",
            f"shipping {name or shipping.id!r}",
            f"The shop's shipping method {name!r} (id {shipping.id}) has no MplusKASSA "
            "delivery method, so its orders would be held; add a delivery_methods row for it "
            "or set default_delivery_method in the orders settings.",
        )
    named = [
        (f"delivery_methods[{r.shop_method}]", r.delivery_method) for r in settings.delivery_methods
    ]
    if default is not None:
        named.append(("default_delivery_method", default))
    for subject, code in named:
        if code not in known:
            report.add(
                BLOCKER,
                "settings",
                "DELIVERY_CODE_UNKNOWN",
                subject,
                f"MplusKASSA has no delivery method {code!r} (it has {sorted(known)}); "
                "orders with it would be refused.",
            )
        elif known[code].enabled is False:
            report.add(
                WARNING,
                MPLUS,
                "DELIVERY_METHOD_DISABLED",
                subject,
                f"Delivery method {code!r} is switched off in MplusKASSA; switch it on or "
                "choose another.",
            )


def check_employee_and_branches(
    report: CheckReport, integration: Integration, mplus: MplusClient
) -> None:
    """The employee web orders are booked by, and every branch the settings name."""
    orders, stock = integration.orders, integration.stock
    if orders.enabled:
        number = orders.employee_number
        found = mplus.get_employees(employee_numbers=[number])
        if not any(e.employee_number == number for e in found):
            report.add(
                BLOCKER,
                MPLUS,
                "EMPLOYEE_MISSING",
                f"employee {number}",
                f"MplusKASSA has no employee {number}, who books the web orders; ask "
                "MplusKASSA to create it or set employee_number in the orders settings.",
            )
    branches = {b.branch_number for b in mplus.get_branches()}
    named = []
    if orders.enabled and orders.branch_number is not None:
        named.append(("orders.branch_number", orders.branch_number))
    if stock.enabled:
        named += [("stock.branches", b) for b in stock.branches]
    for setting, number in named:
        if number not in branches:
            report.add(
                BLOCKER,
                MPLUS,
                "BRANCH_MISSING",
                f"branch {number}",
                f"{setting} names branch {number}, which MplusKASSA does not have "
                f"(it has {sorted(branches)}).",
            )


def run_check(integration: Integration) -> CheckReport:
    """Read both systems and report everything that would fail before the first sync."""
    report = CheckReport()
    with integration.mplus.client() as mplus:
        shop = integration.mijnwebwinkel.client()
        try:
            if not check_versions(report, mplus, shop):
                return report
            products = [p for page in iter_product_pages(mplus) for p in page.items]
            check_mplus_articles(report, products)
            check_shop_articles(report, list(shop.iter_articles()))
            check_employee_and_branches(report, integration, mplus)
            orders = integration.orders
            if orders.enabled and orders.direction == "shop_to_mplus":
                check_order_mappings(report, integration, mplus, shop)
                check_delivery_methods(report, integration, mplus, shop)
        finally:
            shop.close()
    return report
