"""The stock calculation: MplusKASSA levels per branch -> the one figure the shop shows.

Pure functions over :class:`~mkmw_flows.mplus.models.StockLevel`, driven by
:class:`~mkmw_flows.settings.stock.StockSyncSettings`:

* ``free``: ``amountFree`` (available stock minus reservations of undelivered orders);
* ``free_plus_incoming``: ``amountFree + amountIncoming`` (ordered from suppliers);
* ``on_hand``: ``amountFree + amountReserved`` (what is physically in the shop);

summed over the counted branches (a branch below zero counts as zero: a miscount in one shop
must not hide stock that another shop really has), minus the safety buffer, rounded down to a
whole unit and never below zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from mkmw_flows.mplus.models import StockLevel
from mkmw_flows.settings.stock import StockSyncSettings

#: Values of the unmanaged custom field that switch stock management off.
TRUTHY = frozenset({"1", "ja", "j", "yes", "y", "true", "waar", "x", "on", "aan"})


@dataclass(frozen=True)
class StockPolicy:
    """The stock settings in the form the calculation needs.

    Attributes:
        calculation: free, free_plus_incoming or on_hand.
        branches: Branch numbers that count (empty: every branch read).
        safety_buffer: Units held back from the shop.
        manage_stock: False: the shop manages no stock at all.
        unmanaged_skus: SKUs whose stock the shop does not manage.
        unmanaged_field: Shop article field that marks an article unmanaged.
        backorders: keep, allow or deny.
    """

    calculation: str = "free"
    branches: frozenset[int] = frozenset()
    safety_buffer: int = 0
    manage_stock: bool = True
    unmanaged_skus: frozenset[str] = frozenset()
    unmanaged_field: str | None = None
    backorders: str = "keep"

    @classmethod
    def from_settings(cls, settings: StockSyncSettings) -> StockPolicy:
        """Build the policy of a settings block."""
        return cls(
            calculation=settings.calculation,
            branches=frozenset(settings.branches),
            safety_buffer=settings.safety_buffer,
            manage_stock=settings.manage_stock,
            unmanaged_skus=frozenset(s.strip() for s in settings.unmanaged_skus),
            unmanaged_field=(settings.unmanaged_field or "").strip() or None,
            backorders=settings.backorders,
        )

    def counts_branch(self, branch: int | None) -> bool:
        """Whether a branch's stock counts."""
        return not self.branches or (branch is not None and branch in self.branches)

    def base_amount(self, level: StockLevel) -> Decimal:
        """The amount of one branch level that counts, before summing (never below zero)."""
        amount = level.amount_free
        if self.calculation == "free_plus_incoming":
            amount += level.amount_incoming
        elif self.calculation == "on_hand":
            amount += level.amount_reserved
        return max(amount, Decimal(0))

    def compute(self, levels: Iterable[StockLevel]) -> int:
        """The stock figure for the shop from an article's levels in the branches read.

        Args:
            levels: The article's levels, one per branch (others than the counted are ignored).

        Returns:
            A whole number, zero or more.
        """
        total = sum(
            (self.base_amount(lv) for lv in levels if self.counts_branch(lv.branch_number)),
            Decimal(0),
        )
        total -= self.safety_buffer
        whole = int(total.to_integral_value(rounding=ROUND_FLOOR))
        return max(whole, 0)

    def backorder_value(self) -> bool | None:
        """What to set the shop's 'sell when sold out' to (None: leave it)."""
        return {"allow": True, "deny": False}.get(self.backorders)

    def unmanaged_reason(self, sku: str, field_says_so: bool = False) -> str:
        """Why the shop should not manage this article's stock ("" when it should).

        Args:
            sku: The article number (the shop SKU).
            field_says_so: The shop article's :attr:`unmanaged_field` holds a yes.
        """
        if not self.manage_stock:
            return "stock management is switched off for this integration (manage_stock)"
        if sku in self.unmanaged_skus:
            return "the SKU is listed in unmanaged_skus"
        if self.unmanaged_field and field_says_so:
            return f"the shop article's field {self.unmanaged_field!r} says so"
        return ""

    def field_says_unmanaged(self, fields: Mapping[str, Any]) -> bool:
        """Whether a shop article's custom fields switch its stock management off."""
        return bool(self.unmanaged_field and is_truthy(fields.get(self.unmanaged_field)))

    def explain(self, levels: Iterable[StockLevel], value: int) -> str:
        """How a figure was computed, in words: ``free (branch 1: 5, branch 2: 4) = 9``."""
        counted = [lv for lv in levels if self.counts_branch(lv.branch_number)]
        parts = ", ".join(f"branch {lv.branch_number}: {self.base_amount(lv):f}" for lv in counted)
        label = self.calculation.replace("_", " ")
        text = f"{label} ({parts or 'no stock in the counted branches'})"
        if self.safety_buffer:
            text += f" minus safety buffer {self.safety_buffer}"
        return f"{text} = {value}"


def is_truthy(value: Any) -> bool:
    """Whether a custom field value means yes (ja, yes, true, 1, x; any case)."""
    if isinstance(value, bool):
        return value
    return value is not None and str(value).strip().lower() in TRUTHY


def shop_fields(
    extra_visible: Mapping[str, Any], extra_invisible: Mapping[str, Any]
) -> dict[str, Any]:
    """One dict of a shop article's custom fields (hidden ones win on a name clash)."""
    return {**dict(extra_visible), **dict(extra_invisible)}
