"""Read a feed's next page while the current one is being worked on.

A sync takes a page through its steps (the writes, then the commit) and only then asks its
feed for the next page: the page read (one call, 20 to 50 ms) and the slots left idle while it
runs add up over a run of many pages. :func:`read_ahead` asks for the next page in a
background thread as soon as the current one is handed out, so the read overlaps the work.

Only pure reads are wrapped: a feed whose next page depends on what the current page wrote
(none today) must not be. At most one page is read ahead, so memory holds two pages at most.
A feed that fails raises where the caller asks for that page, as it would without read-ahead.
A caller that stops early (a failed page) does not wait for the read in flight: it runs out in
a daemon thread and its page is dropped, so a run that fails against an API that is down ends
without first sitting out that read's retries.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar, cast

T = TypeVar("T")

_END = object()


class _Read(Generic[T]):
    """The feed's next item, read in a daemon thread in the caller's context."""

    def __init__(self, feed: Iterator[T]) -> None:
        self._done = threading.Event()
        self._item: object = _END
        self._error: BaseException | None = None
        context = contextvars.copy_context()
        thread = threading.Thread(
            target=context.run, args=(self._run, feed), name="read-ahead", daemon=True
        )
        thread.start()

    def _run(self, feed: Iterator[T]) -> None:
        try:
            self._item = next(feed, _END)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller by result()
            self._error = exc
        finally:
            self._done.set()

    def result(self) -> object:
        """The item (or the end marker) once read; the read's error is raised here."""
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._item


def read_ahead(pages: Iterable[T]) -> Iterator[T]:
    """The items of `pages`, in order, each next one read while the caller holds the last.

    Args:
        pages: A feed of pages (a generator that reads them one call at a time).

    Yields:
        The same items, in the same order.
    """
    feed = iter(pages)
    pending: _Read[T] = _Read(feed)
    while True:
        page = pending.result()
        if page is _END:
            return
        pending = _Read(feed)
        yield cast(T, page)
