"""Property: paging getProducts with last seen + 1 never loses or repeats an article.

Random change histories (new products, new articles in old products, price changes, touches
of single articles of multi-article products) run against the emulator backend; the client
pages through the real SOAP wire layer (in process) with a random article limit.
"""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mkmw_emulators.mplus.server import create_emulator
from mkmw_flows.mplus.client import MplusClient
from mkmw_flows.mplus.paging import iter_product_pages, product_marker

# an operation: (kind, a, b) with small ints interpreted by _apply
OPS = st.lists(
    st.tuples(
        st.sampled_from(["new_product", "add_article", "touch", "price"]),
        st.integers(0, 50),
        st.integers(1, 6),
    ),
    min_size=1,
    max_size=40,
)


def _apply(backend, op) -> None:
    kind, a, b = op
    products = sorted(backend.products)
    articles = sorted(backend.articles)
    if kind == "new_product" or not products:
        number = (max(products) + 1) if products else 1
        start = (max(articles) + 1) if articles else 1
        backend.add_product(
            number,
            f"P{number}",
            [{"articleNumber": start + i, "vatCode": 1, "priceIncl": 100} for i in range(b)],
        )
    elif kind == "add_article":
        backend.add_article(
            products[a % len(products)], {"articleNumber": max(articles) + 1, "vatCode": 1}
        )
    elif kind == "touch":
        backend.touch_article(articles[a % len(articles)])
    else:
        backend.update_article(articles[a % len(articles)], priceIncl=100 + a + b)


def _client(emulator) -> MplusClient:
    return MplusClient(
        "http://e",
        emulator.ident,
        emulator.secret,
        transport=emulator.transport(),
        retry_attempts=1,
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=OPS, limit=st.integers(1, 12))
def test_full_pass_returns_every_article_exactly_once(history, limit) -> None:
    emulator = create_emulator("empty")
    for op in history:
        _apply(emulator.backend, op)
    pages = list(iter_product_pages(_client(emulator), 0, limit))
    seen = Counter(a.article_number for page in pages for p in page.items for a in p.articles)
    assert set(seen) == set(emulator.backend.articles)
    assert max(seen.values()) == 1
    for page in pages:  # a page holds at most `limit` articles unless it is one bigger product
        count = sum(len(p.articles) for p in page.items)
        assert count <= limit or len(page.items) == 1
    products = Counter(p.product_number for page in pages for p in page.items)
    assert max(products.values()) == 1  # never split across pages


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=OPS, after=OPS, limit=st.integers(1, 12))
def test_incremental_pass_from_cursor_sees_every_change_once(before, after, limit) -> None:
    emulator = create_emulator("empty")
    for op in before:
        _apply(emulator.backend, op)
    client = _client(emulator)
    cursor = 0
    for page in iter_product_pages(client, 0, limit):
        cursor = page.last_marker
    assert cursor == emulator.backend.counters["article"]
    for op in after:
        _apply(emulator.backend, op)
    changed = {n for n, a in emulator.backend.articles.items() if a["syncMarker"] > cursor}
    pages = list(iter_product_pages(client, cursor + 1, limit))
    seen = Counter(a.article_number for page in pages for p in page.items for a in p.articles)
    assert changed <= set(seen)  # nothing lost
    assert not seen or max(seen.values()) == 1  # nothing repeated
    # every returned product really changed after the cursor
    assert all(product_marker(p) > cursor for page in pages for p in page.items)
