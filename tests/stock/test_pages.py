"""How a stock run cuts its articles into pages and records (no emulator needed)."""

from __future__ import annotations

from mkmw_flows.sync.stock.feed import STOCK_ID, StockRead
from mkmw_flows.sync.stock.steps import StockSteps


def test_variants_of_one_shop_article_are_one_record_never_split_over_pages() -> None:
    read = StockRead("full", levels={n: [] for n in (1, 2, 3, 4, 5, 6)})
    # 2, 4 and 5 are variants of shop article 900; 1 and 6 are bound alone; 3 is unbound
    shop_key_of = {"1": "100", "2": "900", "4": "900", "5": "900", "6": "600"}
    # a page holds about 3 articles: 1 and 2, 4, 5 would be 4, so 2, 4, 5 start the next page
    assert read.pages(3, shop_key_of) == [[[1]], [[2, 4, 5]], [[3], [6]]]
    assert read.pages(250, shop_key_of) == [[[1], [2, 4, 5], [3], [6]]]


def test_a_record_larger_than_the_page_size_gets_a_page_of_its_own() -> None:
    read = StockRead("full", levels={n: [] for n in (1, 2, 3, 4)})
    pages = read.pages(2, {"2": "9", "3": "9", "4": "9"})
    assert pages == [[[1]], [[2, 3, 4]]]


def test_the_stock_sync_declares_the_cursor_it_moves() -> None:
    assert StockSteps.cursors == (STOCK_ID,)
    assert STOCK_ID.name == "stock.stock_id"
