"""Read a feed's next page while the current one is being worked on.

A sync takes a page through its steps (the writes, then the commit) and only then asks its
feed for the next page: the page read (one call, 20 to 50 ms) and the slots left idle while it
runs add up over a run of many pages. :func:`read_ahead` asks for the next page in a
background thread as soon as the current one is handed out, so the read overlaps the work.

Only pure reads are wrapped: a feed whose next page depends on what the current page wrote
(none today) must not be. At most one page is read ahead, so memory holds two pages at most.
A feed that fails raises where the caller asks for that page, as it would without read-ahead.
A caller that stops early leaves at most one page read for nothing.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar, cast

T = TypeVar("T")

_END = object()


def read_ahead(pages: Iterable[T]) -> Iterator[T]:
    """The items of `pages`, in order, each next one read while the caller holds the last.

    Args:
        pages: A feed of pages (a generator that reads them one call at a time).

    Yields:
        The same items, in the same order.
    """
    feed = iter(pages)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="read-ahead") as pool:
        # the caller's context goes with each read (logging and run context live there)
        pending = pool.submit(_read_next, contextvars.copy_context(), feed)
        while True:
            page = pending.result()
            if page is _END:
                return
            pending = pool.submit(_read_next, contextvars.copy_context(), feed)
            yield cast(T, page)


def _read_next(context: contextvars.Context, feed: Iterator[T]) -> object:
    return context.run(next, feed, _END)
