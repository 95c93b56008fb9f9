"""The shop's stock writes, with the fewest calls.

* :class:`StockWrite` / :func:`group_writes`: one ``PATCH /articles/{id}`` per shop article,
  every variant of that article in the same call.
* :class:`ShopWriter`: sends writes (a few in flight at once, paced by the client's per-store
  rate limiter); a shop that stops answering stops the writes of the page (they are held and
  taken again next run) instead of timing out record by record; a multi-variant write the shop
  refuses is sent again one variant at a time, so only the bad variant fails.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from mkmw_flows.mijnwebwinkel.client import MijnWebwinkelClient
from mkmw_flows.mijnwebwinkel.errors import (
    CredentialsError,
    MijnWebwinkelError,
    RateLimitedError,
    ServerError,
    TransportError,
    ValidationError,
)
from mkmw_flows.mijnwebwinkel.models import ArticlePatch, VariantPatch
from mkmw_flows.sync.reasons import Reason
from mkmw_flows.sync.stock.targets import ShopTarget

#: Consecutive "shop unavailable" failures after which a page stops writing.
UNAVAILABLE_STREAK = 3


@dataclass
class StockWrite:
    """One PATCH of one shop article: its own stock, or stock of some of its variants.

    ``stock`` is only sent when ``set_stock`` is True (None then means unmanaged).
    """

    article_id: int
    set_stock: bool = False
    stock: int | None = None
    variants: dict[int, int | None] = field(default_factory=dict)
    backorder: bool | None = None
    keys: list[str] = field(default_factory=list)
    variant_of: dict[str, int | None] = field(default_factory=dict)

    def split(self) -> list[tuple[str, StockWrite]]:
        """One write per key (to find the one a refused write choked on)."""
        parts = []
        for key in self.keys:
            variant = self.variant_of.get(key)
            part = StockWrite(self.article_id, backorder=self.backorder, keys=[key])
            part.variant_of[key] = variant
            if variant is None:
                part.set_stock, part.stock = True, self.stock
            else:
                part.variants[variant] = self.variants[variant]
            parts.append((key, part))
        return parts

    def patch(self) -> ArticlePatch:
        """The request body."""
        body: dict[str, Any] = {}
        if self.set_stock:
            body["stock"] = self.stock
            if self.backorder is not None:
                body["can_backorder"] = self.backorder
        if self.variants:
            body["variants"] = [
                VariantPatch(id=vid, stock=value)
                if self.backorder is None
                else VariantPatch(id=vid, stock=value, can_backorder=self.backorder)
                for vid, value in self.variants.items()
            ]
        return ArticlePatch(**body)

    def sent(self) -> dict[str, Any]:
        """What is sent, for the ledger."""
        return {"article_id": self.article_id, **self.patch().payload()}


def group_writes(
    items: Iterable[tuple[str, ShopTarget, int | None]], backorder: bool | None
) -> list[StockWrite]:
    """Group (key, target, value) into one write per shop article, in first-seen order."""
    writes: dict[int, StockWrite] = {}
    for key, target, value in items:
        write = writes.setdefault(
            target.article_id, StockWrite(target.article_id, backorder=backorder)
        )
        if target.variant_id is None:
            write.set_stock = True
            write.stock = value
        else:
            write.variants[target.variant_id] = value
        write.keys.append(key)
        write.variant_of[key] = target.variant_id
    return list(writes.values())


@dataclass
class WriteOutcome:
    """The result of one write: ok, or why not."""

    write: StockWrite
    error: Reason | None = None
    message: str = ""
    failed_keys: dict[str, tuple[Reason, str]] = field(default_factory=dict)

    def result_of(self, key: str) -> tuple[Reason | None, str]:
        """(reason, message) of one key's failure, or (None, "") when it was written."""
        return self.failed_keys.get(key, (self.error, self.message))


def classify(error: MijnWebwinkelError) -> tuple[Reason, str]:
    """Reason code and plain text of a failed shop write."""
    if isinstance(error, RateLimitedError | ServerError | TransportError):
        return Reason.API_UNAVAILABLE, f"MijnWebwinkel did not take the change ({error})"
    return Reason.REJECTED_BY_SHOP, f"MijnWebwinkel refused the change ({error})"


class ShopWriter:
    """Sends stock writes to the shop and stops once it stopped answering.

    Safe to call from several threads at once (the writes of a page overlap). Once
    :data:`UNAVAILABLE_STREAK` "unavailable" failures came back in a row, writes not started
    yet are not tried: they come back as ``API_UNAVAILABLE`` and are held for the next run.

    Args:
        shop: The shop client (its per-store rate limiter paces the calls).
    """

    def __init__(self, shop: MijnWebwinkelClient) -> None:
        self.shop = shop
        self._lock = threading.Lock()
        self._streak = 0

    def reset(self) -> None:
        """Start counting the streak again (each page starts afresh)."""
        with self._lock:
            self._streak = 0

    def send(self, write: StockWrite) -> WriteOutcome:
        """PATCH one shop article; the outcome says which of its keys failed and why.

        Raises:
            CredentialsError: The shop refused the token (nothing else can succeed).
        """
        with self._lock:
            stopped = self._streak >= UNAVAILABLE_STREAK
        if stopped:
            return WriteOutcome(
                write,
                Reason.API_UNAVAILABLE,
                "MijnWebwinkel stopped answering during this run; not tried, taken again next run",
            )
        try:
            self.shop.update_article(write.article_id, write.patch())
        except CredentialsError:
            raise
        except ValidationError as exc:
            if len(write.keys) < 2:
                return WriteOutcome(write, *classify(exc))
            return self._one_by_one(write)
        except MijnWebwinkelError as exc:
            reason, message = classify(exc)
            with self._lock:
                self._streak = self._streak + 1 if reason is Reason.API_UNAVAILABLE else 0
            return WriteOutcome(write, reason, message)
        with self._lock:
            self._streak = 0
        return WriteOutcome(write)

    def _one_by_one(self, write: StockWrite) -> WriteOutcome:
        """Send a refused multi-variant write one variant at a time, so only the bad one fails.

        E.g. one variant was deleted in the shop: the shop refuses the whole PATCH.
        """
        outcome = WriteOutcome(write)
        for key, part in write.split():
            try:
                self.shop.update_article(part.article_id, part.patch())
            except CredentialsError:
                raise
            except MijnWebwinkelError as exc:
                outcome.failed_keys[key] = classify(exc)
        return outcome


def send_writes(shop: MijnWebwinkelClient, writes: Iterable[StockWrite]) -> Iterator[WriteOutcome]:
    """PATCH each write in turn; yield the outcomes in the writes' order (reconciliation).

    Raises:
        CredentialsError: The shop refused the token.
    """
    writer = ShopWriter(shop)
    for write in writes:
        yield writer.send(write)
