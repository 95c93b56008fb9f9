"""Build the MplusKASSA order of a shop order: header, addresses, lines, payment, plan.

The build comes after the customer: the order is built once, with its real relation number.
Everything that can refuse an order was checked before the customer was written
(:mod:`~mkmw_flows.sync.orders.check`, :mod:`~mkmw_flows.sync.orders.lines`); here is plain
assembly.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from mkmw_flows.mapping import FieldChange, value_hash
from mkmw_flows.mijnwebwinkel.models import Order as ShopOrder
from mkmw_flows.mplus.models import Order, Payment
from mkmw_flows.settings.orders import OrderSyncSettings
from mkmw_flows.sync.orders.check import CENT, Verdict
from mkmw_flows.sync.orders.customers import CustomerResult
from mkmw_flows.sync.orders.lines import OrderLines
from mkmw_flows.sync.orders.record import MappedOrder


@dataclass
class BuiltOrder:
    """An order ready for ``createOrderV3``.

    Attributes:
        order: The MplusKASSA order.
        payments: Payments to book with it (None: unpaid or not booked).
        prepay: True: a deposit on the order; False: deliver and invoice too.
        rounding: VAT rate -> rounding amount booked.
        notes: Notable things for the ledger message.
        mapped: The order map's values (the plan shows them).
        changes: The plan, field by field: the customer's fields, the header, the lines.
        idempotency_key: The ``createOrderV3`` key (:func:`idempotency_key`).
        customer: The customer it goes to (its binding is kept even if the write fails).
    """

    order: Order
    payments: list[Payment] | None
    prepay: bool | None
    rounding: dict[str, Decimal] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    mapped: dict[str, Any] = field(default_factory=dict)
    changes: list[FieldChange] = field(default_factory=list)
    idempotency_key: str = ""
    customer: CustomerResult | None = None


def build_order(
    order: ShopOrder,
    settings: OrderSyncSettings,
    *,
    integration: str,
    customer: CustomerResult,
    mapped: MappedOrder,
    lines: OrderLines,
    verdict: Verdict,
) -> BuiltOrder:
    """The MplusKASSA order of a shop order, for its customer's relation.

    Args:
        order: The shop order.
        settings: The orders settings.
        integration: The integration's name (part of the idempotency key).
        customer: The customer's relation (and the fields written to it, for the plan).
        mapped: The order map's values for this order (``order.*``, the addresses).
        lines: Its MplusKASSA lines and delivery method.
        verdict: Its payment facts (payment method code, paid).
    """
    number = order.number
    code = verdict.payment_code
    header = {k.split(".", 1)[1]: v for k, v in mapped.mapped.items() if k.startswith("order.")}
    built = Order(
        ext_order_id=f"{settings.ext_order_id_prefix}{number}",
        entry_branch_number=settings.branch_number,
        financial_branch_number=settings.branch_number,
        workplace_number=settings.workplace_number,
        employee_number=settings.employee_number,
        relation_number=customer.relation_number,
        financial_date=order.date,
        reference=(str(header.get("reference") or "") or None),
        invoice_address=mapped.addresses.get("invoice_address"),
        delivery_address=mapped.addresses.get("delivery_address"),
        vat_method="VAT-METHOD-INCLUSIVE",
        payment_method=code,
        delivery_method=lines.delivery_method,
        lines=lines.lines,
    )
    payments = None
    prepay = None
    if verdict.paid and code is not None:
        total = sum(((ln.price or Decimal(0)) * ln.quantity for ln in lines.lines), Decimal(0))
        payments = [
            Payment(
                method=code,
                amount=total.quantize(CENT, rounding=ROUND_HALF_UP),
                financial_date=order.date,
                branch_number=settings.branch_number,
                employee_number=settings.employee_number,
                external_reference=f"webshop order {number}",
            )
        ]
        prepay = settings.document_type != "invoice"
    result = BuiltOrder(
        built, payments, prepay, dict(lines.rounding), list(lines.notes), dict(mapped.mapped)
    )
    result.customer = customer
    result.changes = _plan_changes(result, customer)
    result.idempotency_key = idempotency_key(integration, number, result)
    return result


def idempotency_key(integration: str, number: int, built: BuiltOrder) -> str:
    """A createOrderV3 key from the integration, the shop order number and what is sent.

    The content is part of the key so that an attempt MplusKASSA rejected (and would replay
    forever under the same key) can be made again once its cause is fixed; a repeat of the
    same order after a lost answer keeps its key and is replayed, not created twice.
    """
    content = value_hash(
        [
            built.order.to_wire(),
            [p.to_wire() for p in built.payments or []],
            built.prepay,
        ]
    )
    digest = hashlib.sha256(f"{integration}|{number}|{content}".encode()).hexdigest()
    return f"mkmw-{digest[:40]}"


def _plan_changes(built: BuiltOrder, customer: CustomerResult) -> list[FieldChange]:
    changes = list(customer.changes)
    wire = built.order.model_dump(exclude_none=True, exclude={"lines"})
    for name, value in wire.items():
        changes.append(FieldChange(f"order.{name}", None, value))
    for index, line in enumerate(built.order.lines, start=1):
        text = (
            f"{line.quantity.normalize()} x {line.article_number} {line.text or ''} @ {line.price}"
        )
        if line.vat_code is not None:
            text += f" vatCode {line.vat_code}"
        if line.turnover_group is not None:
            text += f" turnoverGroup {line.turnover_group}"
        changes.append(FieldChange(f"order.lines[{index}]", None, text))
    if built.payments:
        for payment in built.payments:
            changes.append(FieldChange("order.payment", None, f"{payment.method} {payment.amount}"))
    return changes
