"""The shop's order status list: the default the seeds use, and the text form of the CLI."""

from __future__ import annotations

from mkmw_emulators.mijnwebwinkel.backend import OrderStatus

# The shop's order statuses (the real list is per shop, read from GET /orderstatuses).
# 1, 2, 3, 6 and 10 are OBSERVED ids and names (API-NOTES.md §4.2). The cancelled status
# 7 "Geannuleerd" is INFERRED: no source names the real id of a cancelled status.
DEFAULT_ORDER_STATUSES: tuple[OrderStatus, ...] = (
    OrderStatus(1, "In behandeling"),
    OrderStatus(2, "Verzonden"),
    OrderStatus(3, "Betaald"),
    OrderStatus(6, "Betaald & afgehaald"),
    OrderStatus(7, "Geannuleerd", cancelled=True),
    OrderStatus(10, "Creditorder", credit_order=True),
)


def parse_order_statuses(text: str) -> list[OrderStatus]:
    """Read a status list from text: ``1=In behandeling,7=Geannuleerd:cancelled,10=Credit:credit``.

    Each comma-separated item is ``id=description`` with an optional ``:cancelled`` (the
    emulator gives the order's stock back) or ``:credit`` (a credit-order status) suffix.

    Raises:
        ValueError: An item that does not read, with the item named.
    """
    statuses = []
    for raw in text.split(","):
        item = raw.strip()
        if not item:
            continue
        number, sep, rest = item.partition("=")
        description, _, flag = rest.partition(":")
        flag = flag.strip().lower()
        if not sep or not number.strip().isdigit() or not description.strip():
            raise ValueError(f"order status {item!r}: use id=description[:cancelled|:credit]")
        if flag not in ("", "cancelled", "credit"):
            raise ValueError(f"order status {item!r}: the flag must be cancelled or credit")
        statuses.append(
            OrderStatus(
                int(number),
                description.strip(),
                credit_order=flag == "credit",
                cancelled=flag == "cancelled",
            )
        )
    if not statuses:
        raise ValueError("the order status list is empty")
    return statuses
