"""The stock flow's record (one shop article with its MplusKASSA articles) and its results.

A :class:`StockRecord` is what is written in one call: one shop article and the MplusKASSA
articles that feed it (its variants, or the article itself). Each MplusKASSA article in it is
a :class:`StockItem` and gets its own result, in words a shop owner can act on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mkmw_flows.mapping import FieldChange
from mkmw_flows.mplus.models import StockLevel
from mkmw_flows.state import Binding, Outcome
from mkmw_flows.sync.reasons import Reason
from mkmw_flows.sync.report import RecordResult
from mkmw_flows.sync.stock.calc import StockPolicy
from mkmw_flows.sync.stock.feed import ENTITY
from mkmw_flows.sync.stock.targets import ShopTarget

#: ``pushed`` of an article whose stock was never sent.
NEVER: Any = object()


@dataclass
class StockItem:
    """One MplusKASSA article of a record: what it should be in the shop and where it goes."""

    number: int
    levels: list[StockLevel]
    desired: int | None = None
    target: ShopTarget | None = None
    binding: Binding | None = None
    new_binding: bool = False
    pushed: Any = NEVER
    unmanaged: str = ""
    field_unmanaged: bool | None = None
    result: RecordResult | None = None

    @property
    def key(self) -> str:
        """The SKU (the MplusKASSA article number)."""
        return str(self.number)

    def source(self) -> dict[str, Any]:
        """The levels read, for the ledger."""
        return {
            "levels": {
                str(lv.branch_number): {
                    "free": str(lv.amount_free),
                    "reserved": str(lv.amount_reserved),
                    "incoming": str(lv.amount_incoming),
                }
                for lv in self.levels
            }
        }


@dataclass
class StockRecord:
    """One shop article's MplusKASSA articles (bound ones share the shop key), written at once.

    Attributes:
        numbers: The MplusKASSA article numbers, ascending.
        items: One per number, filled in when its page is prepared.
    """

    numbers: list[int]
    items: list[StockItem] = field(default_factory=list)

    def open(self) -> list[StockItem]:
        """The items not settled yet."""
        return [i for i in self.items if i.result is None]

    def results(self) -> list[RecordResult]:
        """The items' results, in article order."""
        return [i.result for i in self.items if i.result is not None]


def held_unknown(item: StockItem) -> RecordResult:
    """An unbound article held earlier as unknown: not looked up again."""
    key = item.key
    return RecordResult(
        ENTITY,
        key,
        Outcome.SKIPPED,
        Reason.STOCK_ARTICLE_UNKNOWN,
        f"Article {key} is still not linked to a shop article, so its stock is not sent. "
        "Not looked up again: add it to the shop (or run the products flow), then "
        "`mkmw retry --reason STOCK_ARTICLE_UNKNOWN` or a full stock run.",
        source=item.source(),
        hold=True,
    )


def not_found(item: StockItem, reason: Reason, why: str) -> RecordResult:
    """An unbound article whose shop article the SKU look-up did not find (held)."""
    key = item.key
    return RecordResult(
        ENTITY,
        key,
        Outcome.SKIPPED,
        reason,
        f"Stock of article {key} is not sent: {why}. Add or fix it in the shop (or run the "
        "products flow); it is not looked up again until "
        f"`mkmw retry --reason {reason.value}` or a full stock run.",
        source=item.source(),
        hold=True,
    )


def unchanged(policy: StockPolicy, item: StockItem, computed: int) -> RecordResult:
    """An article whose figure was already sent (or whose stock the shop does not manage)."""
    if item.desired is None:
        return RecordResult(
            ENTITY,
            item.key,
            Outcome.UNCHANGED,
            Reason.STOCK_UNMANAGED,
            f"The shop does not manage the stock of article {item.key} ({item.unmanaged}); "
            "left alone.",
            source=item.source(),
        )
    return RecordResult(
        ENTITY,
        item.key,
        Outcome.UNCHANGED,
        message=f"Stock {item.desired} was already sent to the shop; nothing to do "
        f"({policy.explain(item.levels, computed)}).",
        source=item.source(),
    )


def written(
    policy: StockPolicy, item: StockItem, sent: dict[str, Any], *, planned: bool
) -> RecordResult:
    """An article whose figure was (or, in a dry run, would be) written."""
    assert item.target is not None
    old = None if item.pushed is NEVER else item.pushed
    change = FieldChange("stock", old, item.desired)
    where = item.target.label()
    verb = "would be set" if planned else "set"
    if item.desired is None:
        return RecordResult(
            ENTITY,
            item.key,
            Outcome.UPDATED,
            Reason.STOCK_UNMANAGED,
            f"Stock of article {item.key} {verb} to unmanaged (unlimited) in {where}: "
            f"{item.unmanaged}. The flow leaves it alone from now on.",
            changes=[change],
            source=item.source(),
            sent=sent,
        )
    was = "never sent before" if item.pushed is NEVER else f"last sent {old}"
    return RecordResult(
        ENTITY,
        item.key,
        Outcome.UPDATED,
        message=f"Stock of article {item.key} {verb} to {item.desired} in {where} ({was}; "
        f"{policy.explain(item.levels, item.desired)}).",
        changes=[change],
        source=item.source(),
        sent=sent,
    )


def failed(item: StockItem, error: Reason, why: str, sent: dict[str, Any]) -> RecordResult:
    """An article whose write the shop did not take (held)."""
    return RecordResult(
        ENTITY,
        item.key,
        Outcome.FAILED,
        error,
        f"Stock {item.desired} of article {item.key} did not reach "
        f"{item.target.label() if item.target else 'the shop'}: {why}. "
        + (
            "It is sent again next run."
            if error is Reason.API_UNAVAILABLE
            else "It is sent again when it changes, on request or in a full run."
        ),
        source=item.source(),
        sent=sent,
        hold=True,
    )
