"""Generators over the syncMarker change feeds: stream page by page, never lose a record.

Each feed is read the documented way: ask for ``syncMarker = last seen + 1`` (the bound is
inclusive), and continue until a page comes back **empty**; a short page is not the end
(relations are capped at 1000 a call server side, and a products page may hold more articles
than the limit when its one product is bigger). Every :class:`Page` carries the highest marker
it holds, so a caller commits its cursor only after the page is durably processed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from mkmw_flows.mplus.client import MplusClient
from mkmw_flows.mplus.errors import MplusProtocolError
from mkmw_flows.mplus.models import (
    ArticleGroupChange,
    Employee,
    Invoice,
    Order,
    Product,
    Relation,
    StockHistory,
)

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a change feed.

    Attributes:
        items: The records of this page.
        requested_marker: The marker the page was asked for (inclusive).
        last_marker: The highest marker in the page: commit this as the cursor.
    """

    items: list[T]
    requested_marker: int
    last_marker: int

    @property
    def next_marker(self) -> int:
        """The marker to ask for next (last seen + 1)."""
        return self.last_marker + 1


def iter_marker_pages(
    fetch: Callable[[int], list[T]],
    marker_of: Callable[[T], int],
    since: int = 0,
    *,
    max_pages: int | None = None,
) -> Iterator[Page[T]]:
    """Yield pages of a feed from marker `since` (inclusive) until an empty page.

    Args:
        fetch: Returns the page for an inclusive lower bound.
        marker_of: The marker of one record.
        since: First marker to ask for (last committed cursor + 1, or 0 for everything).
        max_pages: Stop after this many pages (a safety valve; None = no limit).

    Yields:
        Non-empty pages, ascending.

    Raises:
        MplusProtocolError: When the server returns a page that does not advance the marker.
    """
    marker = since
    pages = 0
    while max_pages is None or pages < max_pages:
        items = fetch(marker)
        if not items:
            return
        last = max(marker_of(item) for item in items)
        if last < marker:
            raise MplusProtocolError(
                f"feed did not advance: asked from {marker}, page ends at {last}"
            )
        yield Page(items=items, requested_marker=marker, last_marker=last)
        pages += 1
        marker = last + 1


def product_marker(product: Product) -> int:
    """The marker of a product in the feed: the highest article (or product) syncMarker."""
    markers = [a.sync_marker or 0 for a in product.articles]
    markers.append(product.sync_marker or 0)
    return max(markers)


def iter_product_pages(
    client: MplusClient, since: int = 0, limit: int = 1000
) -> Iterator[Page[Product]]:
    """Page ``getProducts`` by article syncMarker; `limit` counts articles per page."""
    return iter_marker_pages(
        lambda m: client.get_products(sync_marker=m, sync_marker_limit=limit),
        product_marker,
        since,
    )


def iter_relation_pages(
    client: MplusClient, since: int = 0, limit: int = 1000
) -> Iterator[Page[Relation]]:
    """Page ``getRelations`` (the server caps a call at 1000 relations)."""
    return iter_marker_pages(
        lambda m: client.get_relations(sync_marker=m, sync_marker_limit=limit),
        lambda r: r.sync_marker or 0,
        since,
    )


def iter_order_pages(
    client: MplusClient, since: int = 0, limit: int = 100, *, include_lines: bool = True
) -> Iterator[Page[Order]]:
    """Page ``getOrders`` by order syncMarker."""
    return iter_marker_pages(
        lambda m: client.get_orders(
            sync_marker=m, sync_marker_limit=limit, include_lines=include_lines
        ),
        lambda o: o.sync_marker or 0,
        since,
    )


def iter_invoice_pages(
    client: MplusClient, since: int = 0, limit: int = 100, *, include_lines: bool = True
) -> Iterator[Page[Invoice]]:
    """Page ``getInvoices`` by invoice syncMarker."""
    return iter_marker_pages(
        lambda m: client.get_invoices(
            sync_marker=m, sync_marker_limit=limit, include_lines=include_lines
        ),
        lambda i: i.sync_marker or 0,
        since,
    )


def iter_employee_pages(
    client: MplusClient, since: int = 0, limit: int = 500
) -> Iterator[Page[Employee]]:
    """Page ``getEmployees`` by employee syncMarker."""
    return iter_marker_pages(
        lambda m: client.get_employees(sync_marker=m, sync_marker_limit=limit),
        lambda e: e.sync_marker or 0,
        since,
    )


def iter_article_group_change_pages(
    client: MplusClient, since: int = 0, limit: int = 500
) -> Iterator[Page[ArticleGroupChange]]:
    """Page ``getArticleGroupChanges`` by article-group syncMarker."""
    return iter_marker_pages(
        lambda m: client.get_article_group_changes(sync_marker=m, sync_marker_limit=limit),
        lambda g: g.sync_marker or 0,
        since,
    )


def iter_stock_history_pages(
    client: MplusClient,
    since: int = 0,
    limit: int = 1000,
    *,
    branch_numbers: list[int] | None = None,
) -> Iterator[Page[StockHistory]]:
    """Page ``getStockHistoryV2`` by stockId (``sinceStockId`` inclusive, send last + 1)."""
    return iter_marker_pages(
        lambda m: client.get_stock_history(
            branch_numbers=branch_numbers, since_stock_id=m, since_stock_id_limit=limit
        ),
        lambda h: h.stock_id,
        since,
    )
