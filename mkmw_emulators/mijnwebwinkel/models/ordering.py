"""Creating an order (``POST /orders``): lines, prices, VAT per destination, stock, number."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from mkmw_emulators.mijnwebwinkel.models.articles import Article, ArticlesMixin
from mkmw_emulators.mijnwebwinkel.models.base import CENT, EU, MICRO, _money
from mkmw_emulators.mijnwebwinkel.models.exceptions import Forbidden, Invalid, NotFound
from mkmw_emulators.mijnwebwinkel.models.optionlists import Variant
from mkmw_emulators.mijnwebwinkel.models.orders import (
    Address,
    Order,
    OrderLine,
    OrderLineOption,
    OrdersMixin,
    TaxAmount,
)
from mkmw_emulators.mijnwebwinkel.models.store import StoreMixin, TaxRegion


class OrderingMixin(OrdersMixin, ArticlesMixin, StoreMixin):
    """``POST /orders``: every rule is checked before stock or the order number change."""

    def add_order(
        self,
        *,
        email: str,
        invoice: Address | dict[str, Any],
        lines: Sequence[dict[str, Any]],
        delivery: Address | dict[str, Any] | None = None,
        status: int = 1,
        archived: bool = False,
        business_model: str | None = None,
        reference: str = "",
        payment: tuple[str, str] | None = ("basic", "advance"),
        payment_status_id: int = 1,
        shipping_method_id: str | None = None,
        comment_customer: str = "",
        comment_internal: str = "",
        discountcode: str = "",
        offline_location_id: str | None = None,
        test: bool = False,
        override_stock: bool = False,
        created_at: dt.datetime | None = None,
        debtor_id: str | None = None,
        partner: str | None = None,
        locale: str = "nl_NL",
    ) -> Order:
        """Create an order as ``POST /orders`` does: prices, VAT per country, stock, number.

        Args:
            email: Customer e-mail.
            invoice: Invoice address (``company`` non-empty makes a company customer).
            lines: ``{"type": "article", "article_id": id, "quantity": n, "option_ids": [...],
                "price_override": Decimal}`` or ``{"type": "custom", "description": ...,
                "quantity": n, "unit_price_incl"|"unit_price_excl": Decimal, "rate": Decimal,
                "unit_weight": Decimal}``.
            delivery: Delivery address (None: ship to the invoice address, or pickup).
            status: Order status id.
            archived: Archived flag.
            business_model: B2C or B2B (default from the store and the company name).
            reference: B2B reference.
            payment: (gateway, method) or None.
            payment_status_id: Legacy payment status id.
            shipping_method_id: A shipping method id; its cost becomes a line.
            comment_customer: Customer comment.
            comment_internal: Merchant comment.
            discountcode: Discount code text.
            offline_location_id: POS location.
            test: A test order (hidden unless ``test=true``).
            override_stock: Sell beyond stock.
            created_at: Order moment (default now).
            debtor_id: Customer account uuid.
            partner: Partner name that created the order.
            locale: Order locale.

        Returns:
            The order with its sequential number.
        """
        with self.lock:
            invoice_addr = (
                invoice
                if isinstance(invoice, Address)
                else _address(invoice, "debtor.address.invoice")
            )
            delivery_addr = (
                delivery
                if isinstance(delivery, Address) or delivery is None
                else _address(delivery, "debtor.address.delivery")
            )
            if not lines:
                raise Invalid("An order needs at least one orderline", [("orderlines", "required")])
            if status not in self.statuses:
                raise Invalid(f"Unknown order status {status}", [("status", "unknown status")])
            if self.statuses[status].credit_order:
                raise Invalid(
                    "Use a credit order for credit statuses", [("status", "credit status")]
                )
            if override_stock and not self.special_access:
                raise Forbidden("override_stock requires special access")
            model = business_model
            if model is None:
                model = "B2B" if self.store.available_business_models == "B2B" else "B2C"
            if model == "B2B" and not invoice_addr.company:
                raise Invalid(
                    "B2B orders require a company name",
                    [("debtor.address.invoice.company", "required")],
                )
            if model == "B2C" and invoice_addr.taxnumber:
                raise Invalid(
                    "A tax number is only accepted for B2B orders",
                    [("debtor.address.invoice.taxnumber", "B2B only")],
                )
            if model == "B2C" and reference:
                raise Invalid(
                    "A reference is only available for B2B orders", [("reference", "B2B only")]
                )
            method = None
            if shipping_method_id is not None:
                method = self.shipping_methods.get(str(shipping_method_id))
                if method is None:
                    raise Invalid(
                        f"Shipping method {shipping_method_id} not found",
                        [("shipping_method_id", "not found")],
                    )
            destination = (
                None
                if method is not None and method.pickup
                else (delivery_addr or invoice_addr).country_code or self.store.region_code
            )
            if (
                method is not None
                and destination
                and method.countries
                and destination not in method.countries
            ):
                raise Invalid(
                    f"Shipping method {method.id} does not ship to {destination}",
                    [("shipping_method_id", "country")],
                )
            home = self.store.region_code
            region_code = destination or home
            region = self.tax_regions.get(region_code) or self.tax_regions[home]
            strategy = ""
            if region_code not in EU and home in EU:
                strategy = "zero_percent"
            elif model == "B2B" and region_code != home and region_code in EU:
                strategy = "reverse_charged_vat"
            built: list[OrderLine] = []
            mutations: list[tuple[Article, Variant | None, int]] = []
            for index, spec in enumerate(lines):
                built.append(
                    self._build_line(index, spec, region, strategy, override_stock, mutations)
                )
            goods = sum(
                (line.unit_prices[0].amount_including_tax * line.quantity for line in built),
                Decimal(0),
            )
            if (
                method is not None
                and method.price
                and not (method.free_above and goods >= method.free_above)
            ):
                rate = Decimal("0") if strategy else region.tax_rate
                built.append(self._cost_line("shipping", method.display_name, method.price, rate))
            if payment is None and goods != 0:
                raise Invalid(
                    "A payment method is required when the total is not 0.00",
                    [("payment", "required")],
                )
            if payment is not None:
                gateway, method_name = payment
                if gateway not in self.gateways:
                    raise Invalid(
                        f"Unknown payment gateway {gateway}", [("payment.gateway_name", "unknown")]
                    )
            # all checks passed: commit stock and the number
            article_lines = [line for line in built if line.type == "article"]
            for line, (article, variant, quantity) in zip(article_lines, mutations, strict=True):
                target: Article | Variant = variant if variant is not None else article
                if target.stock is not None:
                    target.stock -= quantity
                    line.stock_taken = quantity
            now = created_at or self.now()
            order = Order(
                number=self.next_order_number,
                uuid=self.new_uuid(),
                created_at=now,
                status=status,
                status_changed_at=now,
                email=email,
                invoice=invoice_addr,
                delivery=delivery_addr,
                lines=built,
                archived=archived,
                test=test,
                locale=locale,
                currency=self.store.currency,
                discountcode=discountcode,
                comment_customer=comment_customer,
                comment_internal=comment_internal,
                business_model=model,
                reference=reference,
                tax_region=region_code,
                tax_strategy=strategy,
                offline_location_id=offline_location_id,
                payment_gateway=payment[0] if payment else None,
                payment_method=payment[1] if payment else None,
                payment_status_id=payment_status_id,
                payment_status={1: "captured", 5: "pending"}.get(payment_status_id, "unknown"),
                debtor_id=debtor_id,
                shipping_country=destination,
                partner=partner,
            )
            self.next_order_number += 1
            self.orders[order.number] = order
            if self.is_cancelled(order):  # placed as cancelled: nothing stays taken (INFERRED)
                self._give_back_stock(order)
            return order

    def _build_line(
        self,
        index: int,
        spec: dict[str, Any],
        region: TaxRegion,
        strategy: str,
        override_stock: bool,
        mutations: list[tuple[Article, Variant | None, int]],
    ) -> OrderLine:
        where = f"orderlines[{index}]"
        quantity = int(spec.get("quantity", 1))
        if quantity <= 0:
            raise Invalid("Quantity must be positive", [(f"{where}.quantity", "must be positive")])
        if spec.get("type", "article") == "custom":
            rate_pct = Decimal(str(spec.get("rate", "21.00")))
            if spec.get("unit_price_incl") is not None:
                incl = _money(Decimal(str(spec["unit_price_incl"])))
                excl = (incl / (1 + rate_pct / 100)).quantize(MICRO)
            elif spec.get("unit_price_excl") is not None:
                excl = Decimal(str(spec["unit_price_excl"])).quantize(MICRO)
                incl = _money(excl * (1 + rate_pct / 100))
            else:
                raise Invalid(
                    "Custom lines need a unit price", [(f"{where}.unit_price", "required")]
                )
            if spec.get("unit_weight") is None:
                raise Invalid(
                    "Custom lines need a unit weight", [(f"{where}.unit_weight", "required")]
                )
            return OrderLine(
                id=self.new_uuid(),
                type="custom",
                quantity=quantity,
                description=spec.get("description") or "",
                unit_prices=[TaxAmount(rate_pct, excl, incl)],
                weight=Decimal(str(spec["unit_weight"])) * quantity,
            )
        article_id = spec.get("article_id")
        try:
            article = self.get_article(int(article_id))  # type: ignore[arg-type]
        except (NotFound, TypeError, ValueError):
            raise Invalid(
                f"Article {article_id} not found", [(f"{where}.articles[0].id", "not found")]
            ) from None
        option_ids = [int(o) for o in spec.get("option_ids", [])]
        options: list[OrderLineOption] = []
        surcharge = Decimal(0)
        offered = {oid for attached in article.lists for oid in attached.option_ids}
        for option_id in option_ids:
            if option_id not in offered:
                raise Invalid(
                    f"Option {option_id} is not offered on article {article.id}",
                    [(f"{where}.articles[0].options", "unknown option")],
                )
            _, name, price = self.option_name(option_id)
            surcharge += price
            options.append(OrderLineOption(option_id, name, price))
        variant = None
        if article.variants:
            variant = self.variant_for_options(article, option_ids)
            if variant is None:
                raise Invalid(
                    f"Choose one option of every list of article {article.id}",
                    [(f"{where}.articles[0].options", "incomplete variant")],
                )
        stock = variant.stock if variant is not None else article.stock
        backorder = (
            variant.can_backorder
            if variant and variant.can_backorder is not None
            else article.can_backorder
        )
        already = sum(q for a, v, q in mutations if a is article and v is variant)
        if stock is not None and stock < already + quantity and not (override_stock or backorder):
            raise Invalid(
                f"Insufficient stock for article {article.id}",
                [(f"{where}.quantity", "insufficient stock")],
            )
        mutations.append((article, variant, quantity))
        rate = Decimal("0") if strategy else region.rate_for(article)
        rate_pct = (rate * 100).quantize(CENT)
        override = spec.get("price_override")
        if override is not None and not self.special_access:
            raise Forbidden("price_override requires special access")
        base = article.unit_price + surcharge
        if override is not None:
            incl = _money(Decimal(str(override)))
        elif self.store.prices_include_tax:
            home_rate = self.tax_regions[self.store.region_code].rate_for(article)
            incl = _money(base) if not strategy else _money(base / (1 + home_rate))
        else:
            incl = _money(base * (1 + rate))
        excl = (incl / (1 + rate)).quantize(MICRO)
        weight = Decimal(str(article.extra_invisible.get("weight") or "0")) * quantity
        description = article.name + "".join(f", {o.description}" for o in options)
        return OrderLine(
            id=self.new_uuid(),
            type="article",
            quantity=quantity,
            description=description,
            unit_prices=[TaxAmount(rate_pct, excl, incl)],
            weight=weight,
            article_id=article.id,
            sku=article.sku,
            article_amount=(
                excl if not options else (incl - _money(surcharge)) / (1 + rate)
            ).quantize(MICRO),
            purchase_price=article.price_purchase,
            options=options,
            variant_id=variant.id if variant else None,
        )

    def _cost_line(self, kind: str, description: str, incl: Decimal, rate: Decimal) -> OrderLine:
        excl = (incl / (1 + rate)).quantize(MICRO)
        rate_pct = (rate * 100).quantize(CENT)
        return OrderLine(
            self.new_uuid(), kind, 1, description, [TaxAmount(rate_pct, excl, _money(incl))]
        )


def _address(data: dict[str, Any], where: str) -> Address:
    if data.get("id") and not data.get("name"):
        raise Invalid(
            "Saved addresses are not available in this shop", [(f"{where}.id", "not found")]
        )
    missing = [key for key in ("name", "zipcode") if not data.get(key)]
    if missing:
        raise Invalid(
            f"{where}: {', '.join(missing)} required",
            [(f"{where}.{key}", "required") for key in missing],
        )
    known = set(Address.__dataclass_fields__)
    return Address(**{k: v for k, v in data.items() if k in known and v is not None})
