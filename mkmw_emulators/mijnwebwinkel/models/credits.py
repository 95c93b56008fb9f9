"""Credit orders (``POST /orders/credit``, spec ``CreditOrderPostable``).

CONFIRMED by the spec: required ``credited_order_number``, ``status`` (a status from
``/orderstatuses``; credit orders use one with ``credit_order: true``) and ``orderlines`` ("Items
to be returned. Quantities should be specified positive"); ``payment_costs`` and
``shipping_costs`` are excl. VAT, default to the original costs, "may not be higher than the
original costs", and must be credited in full when all items are; ``mutate_stock`` (default
true) reverts the original order's stock mutations; credit orders carry no payment
information; the answer is the new ``Order`` with ``credited_order_number``, and the original
lists it in ``credit_order_numbers``.

INFERRED (no source shows a live credit order): a credit takes the next order number; its
lines keep the positive quantity with negated prices (so ``price.total`` is negative); an
article line is matched to the original by article id and options, a custom line by its
description; what earlier credits took counts against what is left to credit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from mkmw_emulators.mijnwebwinkel.models.base import CENT, MICRO, _money
from mkmw_emulators.mijnwebwinkel.models.exceptions import Invalid
from mkmw_emulators.mijnwebwinkel.models.ordering import OrderingMixin
from mkmw_emulators.mijnwebwinkel.models.orders import Order, OrderLine, TaxAmount

_ZERO = Decimal("0")


class CreditsMixin(OrderingMixin):
    """``POST /orders/credit``: validate against what is left to credit, then book it."""

    def credited_so_far(self, original: Order) -> dict[str, tuple[int, Decimal]]:
        """Per original line id: (units credited, excl.-VAT amount credited) by earlier credits."""
        done: dict[str, tuple[int, Decimal]] = {}
        for number in original.credit_order_numbers:
            for line in self.orders[number].lines:
                if line.credits_line is None:
                    continue
                units, amount = done.get(line.credits_line, (0, _ZERO))
                credited = -sum((p.amount for p in line.unit_prices), _ZERO) * line.quantity
                done[line.credits_line] = (units + line.quantity, amount + credited)
        return done

    def add_credit_order(
        self,
        credited_order_number: int,
        status: int,
        lines: Sequence[dict[str, Any]],
        *,
        archived: bool = False,
        comment_customer: str = "",
        comment_internal: str = "",
        payment_costs: Decimal | None = None,
        shipping_costs: Decimal | None = None,
        offline_location_id: str | None = None,
        mutate_stock: bool = True,
        partner: str | None = None,
    ) -> Order:
        """Create a credit order for (part of) an existing order.

        Args:
            credited_order_number: The order to credit.
            status: A credit status (``credit_order: true``).
            lines: ``{"type": "article", "article_id": id, "option_ids": [...], "quantity": n}``
                or ``{"type": "custom", "description": text, "quantity": n}`` (optionally
                ``"unit_price_excl"``/``"unit_price_incl"``, which must be the original's).
            archived: Archived flag of the credit order.
            comment_customer: Customer comment.
            comment_internal: Merchant comment.
            payment_costs: Payment costs to credit, excl. VAT (None: what is left of them).
            shipping_costs: Shipping costs to credit, excl. VAT (None: what is left of them).
            offline_location_id: POS location.
            mutate_stock: Put the credited articles back in stock.
            partner: Partner name that created the credit order.

        Returns:
            The credit order.

        Raises:
            Invalid: Any rule broken (422 with the field named); nothing changes then.
        """
        with self.lock:
            original = self.orders.get(credited_order_number)
            if original is None:
                raise Invalid(
                    f"Order {credited_order_number} not found",
                    [("credited_order_number", "not found")],
                )
            if original.credited_order_number is not None:
                raise Invalid(
                    f"Order {credited_order_number} is itself a credit order",
                    [("credited_order_number", "credit order")],
                )
            known = self.statuses.get(status)
            if known is None:
                raise Invalid(f"Unknown order status {status}", [("status", "unknown status")])
            if not known.credit_order:
                raise Invalid(
                    f"Status {status} is not a credit order status",
                    [("status", "not a credit status")],
                )
            if not lines:
                raise Invalid(
                    "A credit order needs at least one orderline", [("orderlines", "required")]
                )
            done = self.credited_so_far(original)
            taken: dict[str, int] = {}
            credit_lines: list[OrderLine] = []
            for index, spec in enumerate(lines):
                source, quantity = self._credit_source(original, index, spec, done, taken)
                credit_lines.append(self._credit_line(source, quantity))
            everything = all(
                done.get(line.id, (0, _ZERO))[0] + taken.get(line.id, 0) >= line.quantity
                for line in original.lines
                if line.type in ("article", "custom")
            )
            for kind, asked in (("payment", payment_costs), ("shipping", shipping_costs)):
                credit_lines.extend(self._credit_costs(original, kind, asked, done, everything))
            stock_back = self._stock_back(original, credit_lines) if mutate_stock else []
            # all checks passed: book the credit order
            for line, units in stock_back:
                target = self._stock_target(line)
                if not original.stock_returned and target is not None:
                    target.stock += units
                line.stock_taken -= units
            now = self.now()
            order = replace(
                original,
                number=self.next_order_number,
                uuid=self.new_uuid(),
                created_at=now,
                status=status,
                status_changed_at=now,
                lines=credit_lines,
                invoice=replace(original.invoice),
                delivery=None if original.delivery is None else replace(original.delivery),
                archived=archived,
                comment_customer=comment_customer,
                comment_internal=comment_internal,
                discountcode="",
                reference="",
                offline_location_id=offline_location_id,
                payment_gateway=None,
                payment_method=None,
                payment_status="unknown",
                credited_order_number=original.number,
                credit_order_numbers=[],
                stock_returned=False,
                partner=partner,
            )
            self.next_order_number += 1
            self.orders[order.number] = order
            original.credit_order_numbers.append(order.number)
            return order

    def _credit_source(
        self,
        original: Order,
        index: int,
        spec: dict[str, Any],
        done: dict[str, tuple[int, Decimal]],
        taken: dict[str, int],
    ) -> tuple[OrderLine, int]:
        """The original line a credit line returns, and how many units (checked)."""
        where = f"orderlines[{index}]"
        quantity = int(spec.get("quantity", 0))
        if quantity <= 0:
            raise Invalid(
                "Quantities should be specified positive",
                [(f"{where}.quantity", "must be positive")],
            )
        if spec.get("type", "article") == "custom":
            description = spec.get("description") or ""
            candidates = [
                line
                for line in original.lines
                if line.type == "custom" and line.description == description
            ]
            missing = f"Order {original.number} has no custom line {description!r}"
            field_name = f"{where}.description"
        else:
            article_id = spec.get("article_id")
            option_ids = {int(o) for o in spec.get("option_ids", [])}
            candidates = [
                line
                for line in original.lines
                if line.type == "article"
                and line.article_id == article_id
                and {o.list_option_id for o in line.options} == option_ids
            ]
            missing = f"Order {original.number} has no line for article {article_id}"
            if option_ids:
                missing += f" with options {sorted(option_ids)}"
            field_name = f"{where}.articles[0].id"
        if not candidates:
            raise Invalid(missing, [(field_name, "not in the original order")])
        for key, attr in (
            ("unit_price_excl", "amount"),
            ("unit_price_incl", "amount_including_tax"),
        ):
            given = spec.get(key)
            if given is None:
                continue
            kept = [c for c in candidates if getattr(c.unit_prices[0], attr) == Decimal(given)]
            if not kept:
                raise Invalid(
                    f"{where}: a credit returns items at the original unit price",
                    [(f"{where}.unit_price", "differs from the original")],
                )
            candidates = kept
        left_total = 0
        for line in candidates:  # the same article may sit on several lines: fill in order
            left = line.quantity - done.get(line.id, (0, _ZERO))[0] - taken.get(line.id, 0)
            left_total += max(left, 0)
            if left >= quantity:
                taken[line.id] = taken.get(line.id, 0) + quantity
                return line, quantity
        raise Invalid(
            f"Only {left_total} unit(s) of that line are left to credit on order "
            f"{original.number}, {quantity} asked",
            [(f"{where}.quantity", "more than ordered")],
        )

    def _credit_line(self, source: OrderLine, quantity: int) -> OrderLine:
        per_unit_weight = source.weight / source.quantity if source.quantity else _ZERO
        return replace(
            source,
            id=self.new_uuid(),
            quantity=quantity,
            unit_prices=[
                TaxAmount(p.rate, -p.amount, -p.amount_including_tax) for p in source.unit_prices
            ],
            weight=per_unit_weight * quantity,
            article_amount=None if source.article_amount is None else -source.article_amount,
            options=[replace(o, price=-o.price) for o in source.options],
            stock_taken=0,
            credits_line=source.id,
        )

    def _credit_costs(
        self,
        original: Order,
        kind: str,
        asked: Decimal | None,
        done: dict[str, tuple[int, Decimal]],
        everything: bool,
    ) -> list[OrderLine]:
        """The credit line for the payment or shipping costs (none when 0)."""
        field_name = f"{kind}_costs"
        sources = [line for line in original.lines if line.type == kind]
        left = sum(
            (
                sum((p.amount for p in line.unit_prices), _ZERO) * line.quantity
                - done.get(line.id, (0, _ZERO))[1]
                for line in sources
            ),
            _ZERO,
        )
        amount = left if asked is None else asked
        if amount < 0:
            raise Invalid(f"{field_name} must not be negative", [(field_name, "negative")])
        if amount.quantize(CENT) > left.quantize(CENT):
            raise Invalid(
                f"{kind.capitalize()} costs may not be higher than the original costs "
                f"({left.quantize(CENT)} excl. VAT left)",
                [(field_name, "higher than the original costs")],
            )
        if everything and (left - amount).quantize(CENT) != 0:
            raise Invalid(
                f"All items are credited, so the {kind} costs must be credited in full "
                f"({left.quantize(CENT)} excl. VAT)",
                [(field_name, "must be credited in full")],
            )
        if amount == 0 or not sources:
            return []
        source = sources[0]
        rate = source.unit_prices[0].rate
        excl = amount.quantize(MICRO)
        incl = _money(excl * (1 + rate / 100))
        return [
            OrderLine(
                id=self.new_uuid(),
                type=kind,
                quantity=1,
                description=source.description,
                unit_prices=[TaxAmount(rate, -excl, -incl)],
                credits_line=source.id,
            )
        ]

    def _stock_back(
        self, original: Order, credit_lines: list[OrderLine]
    ) -> list[tuple[OrderLine, int]]:
        """(original line, units) to put back: what the credited lines still hold."""
        by_id = {line.id: line for line in original.lines}
        held: dict[str, int] = {}
        back = []
        for line in credit_lines:
            source = by_id.get(line.credits_line or "")
            if source is None or source.type != "article" or not source.stock_taken:
                continue
            available = source.stock_taken - held.get(source.id, 0)
            units = min(line.quantity, available)
            if units > 0:
                held[source.id] = held.get(source.id, 0) + units
                back.append((source, units))
        return back
