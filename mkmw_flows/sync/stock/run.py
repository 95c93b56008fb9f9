"""A stock run's pages, and the whole run without Prefect (tests, the CLI, the benchmarks).

The flow (:mod:`mkmw_flows.flows.stock`) runs the same pieces with one Prefect task per page.
"""

from __future__ import annotations

from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.report import RecordResult
from mkmw_flows.sync.stock.feed import read_stock
from mkmw_flows.sync.stock.record import StockRecord
from mkmw_flows.sync.stock.steps import StockSteps
from mkmw_flows.sync.template import Page, run_page


def page_groups(steps: StockSteps) -> list[list[list[int]]]:
    """The run's pages as plain lists (a page's records, a record's article numbers).

    The variants of one shop article are always one record, in one page.
    """
    read = steps.read
    if read.chunked:
        shop_key_of = steps.articles.shop_key_of()
    else:
        bindings = steps.articles.by_mplus_keys(map(str, read.levels))
        shop_key_of = {key: b.shop_key for key, b in bindings.items()}
    return read.pages(steps.ctx.integration.stock.batch_size, shop_key_of)


def run_stock_page(steps: StockSteps, groups: list[list[int]], *, last: bool) -> list[RecordResult]:
    """Take one page through the steps; the last page also moves the stock cursor.

    In a full run the page's levels are read first (:meth:`StockRead.load`: a chunk of
    articles at a time). A run with no article to look at (e.g. changes only in branches
    that do not count) still moves its cursor: an empty last page.

    Args:
        steps: The run.
        groups: The page's records, each the article numbers of one shop article.
        last: The run's last page (commit the new cursor with it).

    Returns:
        The page's results (also added to the run's report).
    """
    if steps.read.chunked:
        groups = steps.read.load(steps.ctx, groups)
    cursors = steps.cursors_after() if last else {}
    if not groups and not cursors:
        return []
    page = Page([StockRecord(numbers) for numbers in groups], cursors)
    return run_page(steps.ctx, steps, page)


def sync_stock(ctx: SyncContext, *, full: bool = False) -> StockSteps:
    """Run the whole stock sync without Prefect: read, then every page.

    Args:
        ctx: The run's context.
        full: Read every level instead of the changes since the cursor.

    Returns:
        The run (its results are in ``ctx.report``).
    """
    steps = StockSteps(ctx, read_stock(ctx, full=full), full=full)
    pages = page_groups(steps) or [[]]
    for index, groups in enumerate(pages):
        run_stock_page(steps, groups, last=index == len(pages) - 1)
    return steps
