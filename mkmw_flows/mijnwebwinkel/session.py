"""The HTTP session with the MijnWebwinkel (MyOnlineStore) Connect API v1: one call, its retries.

Both tokens travel as query parameters (``token``, ``partner_token``), never in a header, as the
vendor spec and every observed client do. That puts them in every URL, so every log line,
exception text and repr passes through :func:`mkmw_flows.clients_common.redact.scrub`.

Reads (GET) and absolute PATCHes are retried with exponential back-off on 5xx, dropped
connections and timeouts. A POST or DELETE is never retried after an ambiguous failure: the
caller looks the record up first (e.g. an order by its reference). A 429 is unambiguous (the
request was not processed) and is retried for every method after the shared store limiter has
waited out the ``Retry-After``.

The endpoints per entity (:mod:`mkmw_flows.mijnwebwinkel.endpoints`) build on this session.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Self, TypeVar

import httpx
from pydantic import SecretStr
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from mkmw_flows.clients_common.callstats import CallStats
from mkmw_flows.clients_common.redact import scrub
from mkmw_flows.mijnwebwinkel.errors import (
    MijnWebwinkelError,
    ProblemDetails,
    RateLimitedError,
    TransportError,
    error_for_status,
)
from mkmw_flows.mijnwebwinkel.ratelimit import StoreRateLimiter, limiter_for_store

logger = logging.getLogger("mkmw_flows.mijnwebwinkel")

DEFAULT_BASE_URL = "https://api.myonlinestore.com"
MAX_PAGE_SIZE = 100
DEFAULT_RETRY_AFTER = 1.0

T = TypeVar("T")
Query = list[tuple[str, str | int | float | bool | None]]


def _retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return None
        return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


class ShopSession:
    """A session with the MijnWebwinkel Connect API v1: tokens, limiter, retries, paging.

    Args:
        base_url: API host, e.g. ``https://api.myonlinestore.com`` (or an emulator URL).
        token: The merchant's store token.
        partner_token: The partner (application) token.
        language: Content language (``nl_NL``, ``en_GB``, ...).
        timeout: Seconds per request.
        transport: An httpx transport (tests, or a mounted ASGI app).
        rate_per_second: Sustained request rate for this store, shared by every client of
            the store in the process; None leaves the limiter unthrottled except for
            Retry-After pauses.
        retries: Extra attempts for retryable calls.
        backoff: First back-off in seconds (doubled per attempt, with jitter).
        max_backoff: Longest back-off in seconds.
        version: API version path segment (``1``).
        limiter: A limiter to use instead of the shared per-store one.
        throttle: Called before every request (retries included) and may block; the flows
            pass a shared API budget across processes here (the client knows no Prefect).

    Attributes:
        stats: Calls, errors and seconds per endpoint.
        limiter: The store's shared rate limiter.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        token: SecretStr | str,
        partner_token: SecretStr | str,
        language: str = "nl_NL",
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        rate_per_second: float | None = None,
        retries: int = 4,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        version: str = "1",
        limiter: StoreRateLimiter | None = None,
        throttle: Callable[[], None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token if isinstance(token, SecretStr) else SecretStr(token)
        self._partner_token = (
            partner_token if isinstance(partner_token, SecretStr) else SecretStr(partner_token)
        )
        self.language = language
        self.version = version
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.stats = CallStats()
        self.limiter = limiter or limiter_for_store(self.base_url, self._token, rate_per_second)
        self.throttle = throttle
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=timeout,
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": "mkmw-flows"},
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, language={self.language!r})"

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def _secrets(self) -> tuple[SecretStr, SecretStr]:
        return (self._token, self._partner_token)

    def _scrub(self, text: str) -> str:
        return scrub(text, self._secrets)

    def _params(
        self, params: Mapping[str, Any] | None, *, partner_only: bool, language: bool
    ) -> Query:
        query: Query = [("format", "json")]
        if language:
            query.append(("language", self.language))
        for key, value in (params or {}).items():
            if value is None:
                continue
            if isinstance(value, list | tuple):
                query.extend((key, str(v)) for v in value)
            else:
                query.append((key, str(value)))
        if not partner_only:
            query.append(("token", self._token.get_secret_value()))
        query.append(("partner_token", self._partner_token.get_secret_value()))
        return query

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RateLimitedError):
            return 0.0  # the shared limiter already holds the next attempt
        delay = min(self.max_backoff, self.backoff * (2 ** (state.attempt_number - 1)))
        return float(delay * (0.5 + 0.5 * (time.monotonic_ns() % 1000) / 1000))

    def _request(
        self,
        method: str,
        path: str,
        operation: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        retry: bool,
        partner_only: bool = False,
        language: bool = True,
    ) -> Any:
        """Send one logical call (with retries) and return the decoded JSON body."""

        def retryable(error: BaseException) -> bool:
            if isinstance(error, RateLimitedError):
                return True
            if isinstance(error, TransportError) and not error.ambiguous:
                return True  # never reached the server: safe for every method
            return retry and isinstance(error, MijnWebwinkelError) and error.retryable

        url = f"/v{self.version}{path}"
        query = self._params(params, partner_only=partner_only, language=language)
        attempts = Retrying(
            stop=stop_after_attempt(self.retries + 1),
            wait=self._wait,
            retry=retry_if_exception(retryable),
            reraise=True,
        )
        for attempt in attempts:
            with attempt:
                return self._send(method, url, operation, query, json)
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(self, method: str, url: str, operation: str, query: Query, body: Any) -> Any:
        self.limiter.acquire()
        if self.throttle is not None:
            self.throttle()
        with self.stats.measure(operation):
            started = time.perf_counter()
            try:
                response = self._http.request(method, url, params=query, json=body)
            except httpx.TransportError as exc:
                ambiguous = not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
                logger.warning(self._scrub(f"{operation}: {type(exc).__name__}: {exc}"))
                raise TransportError(
                    f"{type(exc).__name__}: {exc}",
                    ambiguous=ambiguous,
                    operation=operation,
                    secrets=self._secrets,
                ) from None
            if logger.isEnabledFor(logging.DEBUG):  # scrubbing the URL costs; only when logged
                elapsed = (time.perf_counter() - started) * 1000
                logger.debug(
                    self._scrub(
                        f"{method} {response.request.url} -> {response.status_code} "
                        f"({elapsed:.0f} ms)"
                    )
                )
            if response.status_code >= 400:
                raise self._error(response, operation)
            if not response.content:
                return None
            try:
                return response.json()
            except ValueError:
                raise TransportError(
                    f"response is not JSON: {response.text[:200]!r}",
                    ambiguous=True,
                    status_code=response.status_code,
                    operation=operation,
                    secrets=self._secrets,
                ) from None

    def _error(self, response: httpx.Response, operation: str) -> MijnWebwinkelError:
        try:
            body = response.json()
        except ValueError:
            body = None
        problem = ProblemDetails.from_body(body)
        retry_after = _retry_after(response)
        if response.status_code == 429:
            self.limiter.pause(retry_after if retry_after is not None else DEFAULT_RETRY_AFTER)
        if problem and (problem.detail or problem.title):
            message = problem.detail or problem.title or ""
            if problem.errors:
                message += "; " + "; ".join(f"{e.field}: {e.message}" for e in problem.errors)
        else:
            message = response.reason_phrase or f"HTTP {response.status_code}"
        logger.warning(self._scrub(f"{operation} -> {response.status_code}: {message}"))
        return error_for_status(
            response.status_code,
            message,
            operation=operation,
            problem=problem,
            retry_after=retry_after,
            secrets=self._secrets,
        )

    def _paged(
        self,
        fetch: Callable[[int, int], list[T]],
        *,
        page_size: int,
        concurrency: int = 1,
        total: int | None = None,
    ) -> Iterator[T]:
        """Stream items of a bare-array list endpoint by limit/offset.

        Args:
            fetch: Fetches one page: (limit, offset) -> items.
            page_size: Items per page (1..100).
            concurrency: Pages in flight at once.
            total: Known item count; stops planning pages beyond it.

        Yields:
            The items, in page order.
        """
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}")
        if concurrency <= 1:
            offset = 0
            while True:
                page = fetch(page_size, offset)
                yield from page
                if len(page) < page_size:
                    return
                offset += page_size
        planned_pages = None if total is None else max(1, -(-total // page_size))
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="mww-page") as pool:
            window: deque[Future[list[T]]] = deque()
            next_page = 0

            def submit() -> None:
                nonlocal next_page
                window.append(pool.submit(fetch, page_size, next_page * page_size))
                next_page += 1

            try:
                while len(window) < concurrency and (
                    planned_pages is None or next_page < planned_pages
                ):
                    submit()
                while window:
                    page = window.popleft().result()
                    yield from page
                    if len(page) < page_size:
                        return
                    if not window or planned_pages is None or next_page < planned_pages:
                        submit()
            finally:
                for future in window:
                    future.cancel()
