"""HTTP client of the MijnWebwinkel (MyOnlineStore) Connect API v1.

Both tokens travel as query parameters (``token``, ``partner_token``), never in a header, as the
vendor spec and every observed client do. That puts them in every URL, so every log line,
exception text and repr passes through :func:`mkmw_flows.clients_common.redact.scrub`.

Reads (GET) and absolute PATCHes are retried with exponential back-off on 5xx, dropped
connections and timeouts. A POST or DELETE is never retried after an ambiguous failure: the
caller looks the record up first (e.g. an order by its reference). A 429 is unambiguous (the
request was not processed) and is retried for every method after the shared store limiter has
waited out the ``Retry-After``.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from decimal import Decimal
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, SecretStr
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
from mkmw_flows.mijnwebwinkel.models import (
    Article,
    ArticleInput,
    ArticleLimited,
    ArticleList,
    ArticlePatch,
    Category,
    CategoryInput,
    Count,
    NewListOption,
    Order,
    OrderCommentsInput,
    OrderInput,
    OrderPatch,
    OrderStatus,
    PaymentGateway,
    ShippingMethod,
    Store,
    TaxPolicyRegion,
    VariantPatch,
)
from mkmw_flows.mijnwebwinkel.ratelimit import StoreRateLimiter, limiter_for_store

logger = logging.getLogger("mkmw_flows.mijnwebwinkel")

DEFAULT_BASE_URL = "https://api.myonlinestore.com"
MAX_PAGE_SIZE = 100
DEFAULT_RETRY_AFTER = 1.0

T = TypeVar("T")
DateLike = dt.date | dt.datetime | str
Query = list[tuple[str, str | int | float | bool | None]]


def _datetime_param(value: DateLike | None) -> str | None:
    """Format a datetime filter as the API wants it: ``yyyy-mm-dd hh:mm:ss``."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value.strftime("%Y-%m-%d 00:00:00")


def _date_param(value: DateLike | None) -> str | None:
    """Format a date filter as ``yyyy-mm-dd``."""
    if value is None or isinstance(value, str):
        return value
    return value.strftime("%Y-%m-%d")


def _bool_param(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


def _body(value: BaseModel | Mapping[str, Any] | Sequence[Any]) -> Any:
    if isinstance(value, BaseModel):
        payload = getattr(value, "payload", None)
        return payload() if callable(payload) else value.model_dump(mode="json", exclude_unset=True)
    return _jsonable(value)


def _jsonable(value: Any) -> Any:
    """Plain JSON for a hand-built body: Decimal as a decimal string (never float)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return _body(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


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


class MijnWebwinkelClient:
    """Typed client of the MijnWebwinkel Connect API v1.

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

    # ------------------------------------------------------------------ plumbing

    def __repr__(self) -> str:
        return f"MijnWebwinkelClient(base_url={self.base_url!r}, language={self.language!r})"

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> MijnWebwinkelClient:
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
            elapsed = (time.perf_counter() - started) * 1000
            logger.debug(
                self._scrub(
                    f"{method} {response.request.url} -> {response.status_code} ({elapsed:.0f} ms)"
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

    # ------------------------------------------------------------------ store & lookups

    def get_store(self) -> Store:
        """Return the store settings (``prices_include_tax``, ``currency``, ...)."""
        return Store.model_validate(self._request("GET", "/store", "GET /store", retry=True))

    def list_order_statuses(self) -> list[OrderStatus]:
        """Return the order statuses (partner token only)."""
        data = self._request(
            "GET", "/orderstatuses", "GET /orderstatuses", retry=True, partner_only=True
        )
        return [OrderStatus.model_validate(item) for item in data]

    def list_shipping_methods(self) -> list[ShippingMethod]:
        """Return the store's shipping methods."""
        data = self._request(
            "GET", "/shipping/methods", "GET /shipping/methods", retry=True, language=False
        )
        return [ShippingMethod.model_validate(item) for item in data]

    def list_payment_gateways(self) -> list[PaymentGateway]:
        """Return all payment gateways and their methods (partner token only)."""
        data = self._request(
            "GET", "/payment/gateways", "GET /payment/gateways", retry=True, partner_only=True
        )
        gateways = data.get("gateways", []) if isinstance(data, dict) else data
        return [PaymentGateway.model_validate(item) for item in gateways]

    def list_tax_regions(self) -> list[TaxPolicyRegion]:
        """Return the tax policy per country (a bare array, or live ``{"regions": [...]}``)."""
        data = self._request(
            "GET", "/tax-policy/regions", "GET /tax-policy/regions", retry=True, language=False
        )
        if isinstance(data, dict):
            data = data.get("regions", [])
        return [TaxPolicyRegion.model_validate(item) for item in data]

    def get_tax_region(self, code: str) -> TaxPolicyRegion:
        """Return the tax policy of one country (ISO 3166-1 alpha-2)."""
        data = self._request(
            "GET",
            f"/tax-policy/regions/{code.upper()}",
            "GET /tax-policy/regions/{code}",
            retry=True,
            language=False,
        )
        return TaxPolicyRegion.model_validate(data.get("region", data))

    # ------------------------------------------------------------------ articles

    @staticmethod
    def _article_filters(
        created_start_date: DateLike | None,
        created_end_date: DateLike | None,
        changed_start_date: DateLike | None,
        changed_end_date: DateLike | None,
    ) -> dict[str, Any]:
        return {
            "created_start_date": _datetime_param(created_start_date),
            "created_end_date": _datetime_param(created_end_date),
            "changed_start_date": _datetime_param(changed_start_date),
            "changed_end_date": _datetime_param(changed_end_date),
        }

    def list_articles(
        self,
        *,
        limit: int = MAX_PAGE_SIZE,
        offset: int = 0,
        changed_start_date: DateLike | None = None,
        changed_end_date: DateLike | None = None,
        created_start_date: DateLike | None = None,
        created_end_date: DateLike | None = None,
        ids: Iterable[int] | None = None,
    ) -> list[Article]:
        """Return one page of articles.

        Args:
            limit: Page size (max 100).
            offset: Articles to skip.
            changed_start_date: Only articles changed at or after this moment.
            changed_end_date: Only articles changed at or before this moment.
            created_start_date: Only articles created at or after this moment.
            created_end_date: Only articles created at or before this moment.
            ids: Only these article ids.

        Returns:
            The page (shorter than ``limit`` on the last page).
        """
        params = self._article_filters(
            created_start_date, created_end_date, changed_start_date, changed_end_date
        )
        params.update(limit=min(limit, MAX_PAGE_SIZE), offset=offset)
        if ids is not None:
            params["ids"] = [int(i) for i in ids]
        data = self._request("GET", "/articles", "GET /articles", params=params, retry=True)
        return [Article.model_validate(item) for item in data]

    def iter_articles(
        self,
        *,
        changed_start_date: DateLike | None = None,
        changed_end_date: DateLike | None = None,
        created_start_date: DateLike | None = None,
        created_end_date: DateLike | None = None,
        ids: Iterable[int] | None = None,
        page_size: int = MAX_PAGE_SIZE,
        concurrency: int = 1,
    ) -> Iterator[Article]:
        """Stream all matching articles, page by page.

        With ``concurrency`` > 1 the count endpoint is asked first and that many pages are
        fetched at once (the bulk read of a full catalogue).

        Args:
            changed_start_date: Only articles changed at or after this moment.
            changed_end_date: Only articles changed at or before this moment.
            created_start_date: Only articles created at or after this moment.
            created_end_date: Only articles created at or before this moment.
            ids: Only these article ids (fetched in chunks of ``page_size``).
            page_size: Articles per call (max 100).
            concurrency: Pages fetched at once.

        Yields:
            Articles in the shop's order.
        """
        filters: dict[str, Any] = {
            "changed_start_date": changed_start_date,
            "changed_end_date": changed_end_date,
            "created_start_date": created_start_date,
            "created_end_date": created_end_date,
        }
        if ids is not None:
            id_list = list(ids)
            for start in range(0, len(id_list), page_size):
                chunk = id_list[start : start + page_size]
                yield from self.list_articles(limit=page_size, offset=0, ids=chunk, **filters)
            return
        total = self.count_articles(**filters) if concurrency > 1 else None
        yield from self._paged(
            lambda limit, offset: self.list_articles(limit=limit, offset=offset, **filters),
            page_size=page_size,
            concurrency=concurrency,
            total=total,
        )

    def count_articles(
        self,
        *,
        changed_start_date: DateLike | None = None,
        changed_end_date: DateLike | None = None,
        created_start_date: DateLike | None = None,
        created_end_date: DateLike | None = None,
    ) -> int:
        """Return the number of matching articles (``GET /articles/count``)."""
        params = self._article_filters(
            created_start_date, created_end_date, changed_start_date, changed_end_date
        )
        data = self._request(
            "GET", "/articles/count", "GET /articles/count", params=params, retry=True
        )
        return Count.model_validate(data).count

    def get_article(self, article_id: int, *, use_url_id: bool = False) -> Article:
        """Return one article by its internal id (or its page URL id with ``use_url_id``)."""
        data = self._request(
            "GET",
            f"/articles/{int(article_id)}",
            "GET /articles/{id}",
            params={"use_url_id": _bool_param(use_url_id)},
            retry=True,
        )
        return Article.model_validate(data)

    def create_article(self, article: ArticleInput | Mapping[str, Any]) -> Article:
        """Create an article (``POST /articles``; never retried blindly).

        Args:
            article: The new article; ``categories`` is required by the spec (may be empty).

        Returns:
            The created article with its id.
        """
        data = self._request(
            "POST", "/articles", "POST /articles", json=_body(article), retry=False
        )
        return Article.model_validate(data)

    def update_article(self, article_id: int, patch: ArticlePatch | Mapping[str, Any]) -> Article:
        """Change an article (``PATCH /articles/{id}``; absolute values, so retried).

        Args:
            article_id: Internal article id.
            patch: Only the fields to set; ``lists[].options`` replaces all options.

        Returns:
            The article after the change.
        """
        data = self._request(
            "PATCH",
            f"/articles/{int(article_id)}",
            "PATCH /articles/{id}",
            params={"use_url_id": "false"},
            json=_body(patch),
            retry=True,
        )
        return Article.model_validate(data)

    def set_stock(self, article_id: int, stock: int | None) -> Article:
        """Set the stock of an article without variants (None = unlimited)."""
        return self.update_article(article_id, ArticlePatch(stock=stock))

    def set_variant_stock(self, article_id: int, stock: Mapping[int, int | None]) -> Article:
        """Set the stock of some variants of one article in one call.

        Args:
            article_id: Internal article id.
            stock: {variant id: stock (None = unlimited)}.

        Returns:
            The article after the change.
        """
        variants = [VariantPatch(id=vid, stock=value) for vid, value in stock.items()]
        return self.update_article(article_id, ArticlePatch(variants=variants))

    def delete_article(self, article_id: int) -> str:
        """Delete an article; returns the server's confirmation text."""
        data = self._request(
            "DELETE",
            f"/articles/{int(article_id)}",
            "DELETE /articles/{id}",
            params={"use_url_id": "false"},
            retry=False,
        )
        return "" if data is None else str(data)

    # ------------------------------------------------------------------ option lists

    def get_article_list(self, list_id: int) -> ArticleList:
        """Return an option list with all its options."""
        data = self._request(
            "GET", f"/articlelists/{int(list_id)}", "GET /articlelists/{id}", retry=True
        )
        return ArticleList.model_validate(data)

    def add_lists_to_article(self, article_id: int, list_ids: Sequence[int]) -> Article:
        """Attach option lists to an article; the shop generates the variant combinations.

        Args:
            article_id: Internal article id.
            list_ids: Option list ids to attach.

        Returns:
            The article with its new lists and variants.
        """
        data = self._request(
            "POST",
            f"/articlelists/{int(article_id)}",
            "POST /articlelists/{article_id}",
            params={"use_url_id": "false"},
            json=[int(i) for i in list_ids],
            retry=False,
        )
        return Article.model_validate(data)

    def remove_lists_from_article(self, article_id: int, list_ids: Sequence[int]) -> Article:
        """Detach option lists from an article (its variants over those lists go)."""
        data = self._request(
            "DELETE",
            f"/articlelists/{int(article_id)}",
            "DELETE /articlelists/{article_id}",
            params={"use_url_id": "false"},
            json=[int(i) for i in list_ids],
            retry=False,
        )
        return Article.model_validate(data)

    def add_list_options(
        self, list_id: int, options: Sequence[NewListOption | Mapping[str, Any]]
    ) -> ArticleList:
        """Add options (by name, with surcharge) to an option list.

        Args:
            list_id: Option list id.
            options: New options.

        Returns:
            The list with the new options and their ids.
        """
        data = self._request(
            "POST",
            f"/articlelistoptions/{int(list_id)}",
            "POST /articlelistoptions/{id}",
            json=[_body(o) for o in options],
            retry=False,
        )
        return ArticleList.model_validate(data)

    def remove_list_options(self, list_id: int, names: Sequence[str]) -> ArticleList:
        """Remove options (by name) from an option list."""
        data = self._request(
            "DELETE",
            f"/articlelistoptions/{int(list_id)}",
            "DELETE /articlelistoptions/{id}",
            json=list(names),
            retry=False,
        )
        return ArticleList.model_validate(data)

    # ------------------------------------------------------------------ categories

    def category_tree(self, *, max_depth: int = 5) -> list[Category]:
        """Return the root categories with their children in ``leafs``."""
        data = self._request(
            "GET",
            "/categories",
            "GET /categories?as_tree",
            params={"as_tree": "true", "max_depth": max_depth},
            retry=True,
        )
        return [Category.model_validate(item) for item in data]

    def list_categories(
        self,
        *,
        limit: int = MAX_PAGE_SIZE,
        offset: int = 0,
        changed_start_date: DateLike | None = None,
        changed_end_date: DateLike | None = None,
        created_start_date: DateLike | None = None,
        created_end_date: DateLike | None = None,
    ) -> list[Category]:
        """Return one page of the flat category list."""
        params = self._article_filters(
            created_start_date, created_end_date, changed_start_date, changed_end_date
        )
        params.update(as_tree="false", limit=min(limit, MAX_PAGE_SIZE), offset=offset)
        data = self._request("GET", "/categories", "GET /categories", params=params, retry=True)
        return [Category.model_validate(item) for item in data]

    def iter_categories(
        self, *, page_size: int = MAX_PAGE_SIZE, **filters: Any
    ) -> Iterator[Category]:
        """Stream the flat category list (filters as :meth:`list_categories`)."""
        yield from self._paged(
            lambda limit, offset: self.list_categories(limit=limit, offset=offset, **filters),
            page_size=page_size,
        )

    def count_categories(self) -> int:
        """Return the number of categories."""
        data = self._request("GET", "/categories/count", "GET /categories/count", retry=True)
        return Count.model_validate(data).count

    def get_category(self, category_id: int) -> Category:
        """Return one category."""
        data = self._request(
            "GET", f"/categories/{int(category_id)}", "GET /categories/{id}", retry=True
        )
        return Category.model_validate(data)

    def create_category(self, category: CategoryInput | Mapping[str, Any]) -> Category:
        """Create a category page (``title`` required; never retried blindly)."""
        data = self._request(
            "POST", "/categories", "POST /categories", json=_body(category), retry=False
        )
        return Category.model_validate(data)

    def update_category(
        self, category_id: int, patch: CategoryInput | Mapping[str, Any]
    ) -> Category:
        """Change a category page (absolute values, retried)."""
        data = self._request(
            "PATCH",
            f"/categories/{int(category_id)}",
            "PATCH /categories/{id}",
            json=_body(patch),
            retry=True,
        )
        return Category.model_validate(data)

    def list_category_articles(
        self, category_id: int, *, limit: int = MAX_PAGE_SIZE, offset: int = 0
    ) -> list[ArticleLimited]:
        """Return one page of the articles on a category page."""
        data = self._request(
            "GET",
            f"/categories/{int(category_id)}/articles",
            "GET /categories/{id}/articles",
            params={"limit": min(limit, MAX_PAGE_SIZE), "offset": offset},
            retry=True,
        )
        items = [data] if isinstance(data, dict) else data
        return [ArticleLimited.model_validate(item) for item in items]

    def iter_category_articles(
        self, category_id: int, *, page_size: int = MAX_PAGE_SIZE
    ) -> Iterator[ArticleLimited]:
        """Stream the articles on a category page."""
        yield from self._paged(
            lambda limit, offset: self.list_category_articles(
                category_id, limit=limit, offset=offset
            ),
            page_size=page_size,
        )

    # ------------------------------------------------------------------ orders

    @staticmethod
    def _order_filters(
        start_date: DateLike | None,
        end_date: DateLike | None,
        status_id: int | None,
        status_changed_start_date: DateLike | None,
        status_changed_end_date: DateLike | None,
        archived: bool | None,
        test: bool | None,
    ) -> dict[str, Any]:
        return {
            "start_date": _date_param(start_date),
            "end_date": _date_param(end_date),
            "status_id": status_id,
            "status_changed_start_date": _datetime_param(status_changed_start_date),
            "status_changed_end_date": _datetime_param(status_changed_end_date),
            "archived": _bool_param(archived),
            "test": _bool_param(test),
        }

    def list_orders(
        self,
        *,
        limit: int = MAX_PAGE_SIZE,
        offset: int = 0,
        start_date: DateLike | None = None,
        end_date: DateLike | None = None,
        status_id: int | None = None,
        status_changed_start_date: DateLike | None = None,
        status_changed_end_date: DateLike | None = None,
        archived: bool | None = None,
        test: bool | None = None,
        ordering: str = "asc",
        debtor_email: str | None = None,
    ) -> list[Order]:
        """Return one page of orders.

        Args:
            limit: Page size (max 100).
            offset: Orders to skip.
            start_date: Orders placed on or after this date.
            end_date: Orders placed on or before this date.
            status_id: Only this status.
            status_changed_start_date: Status changed at or after this moment (the change feed).
            status_changed_end_date: Status changed at or before this moment.
            archived: Only (not) archived orders.
            test: Include test orders.
            ordering: ``asc`` or ``desc`` by order number.
            debtor_email: Only orders of this customer e-mail.

        Returns:
            The page.
        """
        if ordering not in ("asc", "desc"):
            raise ValueError("ordering must be 'asc' or 'desc'")
        params = self._order_filters(
            start_date,
            end_date,
            status_id,
            status_changed_start_date,
            status_changed_end_date,
            archived,
            test,
        )
        params.update(
            limit=min(limit, MAX_PAGE_SIZE),
            offset=offset,
            ordering=ordering,
            debtor_email=debtor_email,
        )
        data = self._request("GET", "/orders", "GET /orders", params=params, retry=True)
        return [Order.model_validate(item) for item in data]

    def iter_orders(
        self, *, page_size: int = MAX_PAGE_SIZE, concurrency: int = 1, **filters: Any
    ) -> Iterator[Order]:
        """Stream all matching orders (filters as :meth:`list_orders`)."""
        yield from self._paged(
            lambda limit, offset: self.list_orders(limit=limit, offset=offset, **filters),
            page_size=page_size,
            concurrency=concurrency,
        )

    def count_orders(
        self,
        *,
        start_date: DateLike | None = None,
        end_date: DateLike | None = None,
        status_id: int | None = None,
        status_changed_start_date: DateLike | None = None,
        status_changed_end_date: DateLike | None = None,
        archived: bool | None = None,
        test: bool | None = None,
    ) -> int:
        """Return the number of matching orders (filters as :meth:`list_orders`)."""
        params = self._order_filters(
            start_date,
            end_date,
            status_id,
            status_changed_start_date,
            status_changed_end_date,
            archived,
            test,
        )
        data = self._request("GET", "/orders/count", "GET /orders/count", params=params, retry=True)
        return Count.model_validate(data).count

    def get_order(self, number: int) -> Order:
        """Return one order by its number."""
        data = self._request("GET", f"/orders/{int(number)}", "GET /orders/{number}", retry=True)
        return Order.model_validate(data)

    def update_order(self, number: int, patch: OrderPatch | Mapping[str, Any]) -> Order:
        """Change an order: status, archived, internal comment, reference (retried)."""
        data = self._request(
            "PATCH",
            f"/orders/{int(number)}",
            "PATCH /orders/{number}",
            json=_body(patch),
            retry=True,
        )
        return Order.model_validate(data)

    def set_order_status(
        self,
        number: int,
        status: int,
        *,
        internal_comment: str | None = None,
        archived: bool | None = None,
    ) -> Order:
        """Set an order's status, optionally with an internal comment (e.g. track & trace)."""
        patch = OrderPatch(status=status)
        if internal_comment is not None:
            patch.comments = OrderCommentsInput(internal=internal_comment)
        if archived is not None:
            patch.archived = archived
        return self.update_order(number, patch)

    def create_order(
        self,
        order: OrderInput | Mapping[str, Any],
        *,
        send_customer_notification: bool = False,
        send_merchant_notification: bool = False,
        override_stock: bool | None = None,
        disable_shipping: bool | None = None,
    ) -> Order:
        """Create an order (``POST /orders``). Never retried blindly.

        After an ambiguous failure (:class:`TransportError` with ``ambiguous`` or a
        :class:`ServerError`) look the order up (e.g. by ``debtor_email`` and date, or a
        reference) before trying again.

        Args:
            order: The order (debtor and orderlines required).
            send_customer_notification: Mail the customer a confirmation.
            send_merchant_notification: Mail the merchant.
            override_stock: Ignore stock limits (special access).
            disable_shipping: Skip the shipping cost calculation.

        Returns:
            The created order with its number.
        """
        params = {
            "send_customer_notification": _bool_param(send_customer_notification),
            "send_merchant_notification": _bool_param(send_merchant_notification),
            "override_stock": _bool_param(override_stock),
            "disable_shipping": _bool_param(disable_shipping),
        }
        data = self._request(
            "POST", "/orders", "POST /orders", params=params, json=_body(order), retry=False
        )
        return Order.model_validate(data)
