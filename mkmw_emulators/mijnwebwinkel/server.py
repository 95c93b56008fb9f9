"""A faithful local MijnWebwinkel (MyOnlineStore Connect API v1) server.

Three layers, as moto does it:

* :class:`~mkmw_emulators.mijnwebwinkel.backend.MijnWebwinkelBackend` holds the state
  and the shop's rules;
* this module's Starlette app (handlers per entity in
  :mod:`mkmw_emulators.mijnwebwinkel.routes`) speaks the REST dialect: both tokens as query
  parameters, ``/v1`` and ``/v2-beta`` prefixes, ``limit``/``offset`` over bare arrays, 200 on
  creates, RFC 7807 problem bodies for 401/403/404/422/429, ``Retry-After`` on 429;
* :class:`~mkmw_emulators.core.faults.FaultInjector` wraps it (latency, 503s, drops,
  commit-then-drop).

Use :func:`create_emulator`; serve ``emulator.app`` with
:func:`mkmw_emulators.core.serving.serve`.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mkmw_emulators.core.faults import FaultConfig, FaultInjector
from mkmw_emulators.mijnwebwinkel.backend import BackendError, MijnWebwinkelBackend, OrderStatus
from mkmw_emulators.mijnwebwinkel.routes.articles import ArticleRoutes
from mkmw_emulators.mijnwebwinkel.routes.categories import CategoryRoutes
from mkmw_emulators.mijnwebwinkel.routes.common import (
    LANGUAGES,
    PROBLEM_TYPE,
    VERSIONS,
    EmulatorCounters,
    Handler,
    HttpProblem,
    StoreRateLimit,
    _Call,
    _json_response,
    _server_fault,
    _unrouted,
    problem_response,
)
from mkmw_emulators.mijnwebwinkel.routes.orders import OrderRoutes
from mkmw_emulators.mijnwebwinkel.routes.store import StoreRoutes
from mkmw_emulators.mijnwebwinkel.seeds import DemoSeedInfo, apply_seed
from mkmw_emulators.mijnwebwinkel.statuses import parse_order_statuses

__all__ = [
    "PROBLEM_TYPE",
    "EmulatorCounters",
    "HttpProblem",
    "MijnWebwinkelEmulator",
    "StoreRateLimit",
    "create_emulator",
    "problem_response",
]

logger = logging.getLogger(__name__)


class MijnWebwinkelEmulator(StoreRoutes, ArticleRoutes, CategoryRoutes, OrderRoutes):
    """The emulated shop: backend + REST wire layer + fault injection.

    Attributes:
        backend: The state; tests mutate it directly.
        app: The ASGI app to serve (faults included).
        wire_app: The ASGI app without fault injection.
        faults: The fault injector (``.stats`` counts injected faults; ``reconfigure``).
        counters: Calls and writes per endpoint.
        token: The accepted store token.
        partner_token: The accepted partner token.
        live_quirks: Whether the live deviations from the spec are reproduced.
        seed_info: What the demo seed created (None for other seeds).
        rate_limit: The per-store rate limiter (``rate`` None = off).
    """

    def __init__(
        self,
        backend: MijnWebwinkelBackend,
        *,
        token: str,
        partner_token: str,
        faults: FaultConfig | None = None,
        rate_limit: float | None = None,
        live_quirks: bool = False,
        seed_info: DemoSeedInfo | None = None,
    ) -> None:
        self.backend = backend
        self.token = token
        self.partner_token = partner_token
        self.live_quirks = live_quirks
        self.seed_info = seed_info
        self.counters = EmulatorCounters()
        self.rate_limit = StoreRateLimit(rate_limit)
        self.wire_app = Starlette(
            routes=self._routes(),
            exception_handlers={404: _unrouted, 405: _unrouted},
        )
        self.faults = FaultInjector(
            self.wire_app,
            faults or FaultConfig(),
            server_fault=_server_fault,
            is_write=lambda scope, body: scope.get("method") in {"POST", "PATCH", "PUT", "DELETE"},
        )
        self.app = self.faults

    # ------------------------------------------------------------------ plumbing

    def _routes(self) -> list[Route]:
        table: list[tuple[str, str, Handler, bool]] = [
            # (method, path, handler, partner_only)
            ("GET", "/store", self.get_store, False),
            ("GET", "/orderstatuses", self.get_order_statuses, True),
            ("GET", "/payment/gateways", self.get_gateways, True),
            ("GET", "/shipping/methods", self.get_shipping_methods, False),
            ("GET", "/tax-policy/regions", self.get_tax_regions, False),
            ("GET", "/tax-policy/regions/{code}", self.get_tax_region, False),
            ("GET", "/articles", self.get_articles, False),
            ("POST", "/articles", self.post_article, False),
            ("GET", "/articles/count", self.get_article_count, False),
            ("GET", "/articles/{article_id:int}", self.get_article, False),
            ("PATCH", "/articles/{article_id:int}", self.patch_article, False),
            ("DELETE", "/articles/{article_id:int}", self.delete_article, False),
            ("GET", "/articlelists/{id:int}", self.get_article_list, False),
            ("POST", "/articlelists/{id:int}", self.post_article_lists, False),
            ("DELETE", "/articlelists/{id:int}", self.delete_article_lists, False),
            ("POST", "/articlelistoptions/{articlelist_id:int}", self.post_list_options, False),
            ("DELETE", "/articlelistoptions/{articlelist_id:int}", self.delete_list_options, False),
            ("GET", "/categories", self.get_categories, False),
            ("POST", "/categories", self.post_category, False),
            ("GET", "/categories/count", self.get_category_count, False),
            ("GET", "/categories/{category_id:int}", self.get_category, False),
            ("PATCH", "/categories/{category_id:int}", self.patch_category, False),
            ("GET", "/categories/{category_id:int}/articles", self.get_category_articles, False),
            ("GET", "/orders", self.get_orders, False),
            ("POST", "/orders", self.post_order, False),
            ("POST", "/orders/credit", self.post_credit_order, False),
            ("GET", "/orders/count", self.get_order_count, False),
            ("GET", "/orders/{order_number:int}", self.get_order, False),
            ("PATCH", "/orders/{order_number:int}", self.patch_order, False),
        ]
        by_path: dict[str, dict[str, tuple[Handler, bool]]] = {}
        for method, path, handler, partner_only in table:
            by_path.setdefault(path, {})[method] = (handler, partner_only)
        routes = []
        for path, methods in by_path.items():
            routes.append(
                Route("/{version}" + path, self._endpoint(path, methods), methods=list(methods))
            )
        return routes

    def _endpoint(
        self, path: str, methods: dict[str, tuple[Handler, bool]]
    ) -> Callable[[Request], Awaitable[Response]]:
        template = path.replace(":int", "")

        async def endpoint(request: Request) -> Response:
            handler, partner_only = methods[request.method]
            version = request.path_params["version"]
            name = f"{request.method} /{version}{template}"
            self.counters.calls[name] += 1
            try:
                response = await self._handle(request, handler, partner_only, version)
            except HttpProblem as problem:
                response = problem_response(
                    problem.status, problem.title, problem.detail, problem.errors, problem.headers
                )
            except BackendError as error:
                titles = {404: "Not Found", 422: "Invalid Payload", 403: "Forbidden"}
                response = problem_response(
                    error.status,
                    titles.get(error.status, "Bad Request"),
                    error.detail,
                    [{"field": f, "message": m} for f, m in error.errors],
                )
            except Exception as error:  # a bug in the emulator: answer as the shop would
                logger.exception("emulator error on %s", name)
                response = problem_response(500, "Internal Server Error", type(error).__name__)
            self.counters.statuses[response.status_code] += 1
            if request.method != "GET" and response.status_code < 300:
                self.counters.writes[name] += 1
            return response

        return endpoint

    async def _handle(
        self, request: Request, handler: Handler, partner_only: bool, version: str
    ) -> Response:
        if version not in VERSIONS:
            raise HttpProblem(404, "Not Found", f"Unknown API version {version!r}")
        params = dict(request.query_params)
        partner = request.query_params.get("partner_token")
        store = request.query_params.get("token")
        if partner != self.partner_token:
            raise HttpProblem(401, "Unauthorized", "Missing or invalid partner_token")
        if not partner_only and store != self.token:
            raise HttpProblem(401, "Unauthorized", "Missing or invalid token")
        wait = self.rate_limit.check()
        if wait is not None:
            raise HttpProblem(
                429,
                "Too Many Requests",
                "The rate limit for this store is exceeded",
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )
        if params.get("format", "json") != "json":
            raise HttpProblem(406, "Not Acceptable", "This emulator speaks JSON only")
        language = params.get("language", "nl_NL")
        if language not in LANGUAGES:
            raise HttpProblem(
                422,
                "Invalid Parameter",
                f"Unknown language {language!r}",
                [{"field": "language", "message": "unknown language"}],
            )
        body: Any = None
        if request.method in {"POST", "PATCH", "DELETE"}:
            raw = await request.body()
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    raise HttpProblem(422, "Invalid Payload", "Body is not valid JSON") from None
        result = await handler(_Call(request, params, body))
        if isinstance(result, Response):
            return result
        return _json_response(result)


def create_emulator(
    seed: str = "demo",
    token: str = "demo-token",
    partner_token: str = "demo-partner",
    faults: FaultConfig | None = None,
    rate_limit: float | None = None,
    live_quirks: bool = False,
    order_statuses: Sequence[OrderStatus] | str | None = None,
) -> MijnWebwinkelEmulator:
    """Build a seeded MijnWebwinkel emulator.

    Args:
        seed: ``demo``, ``empty`` or a number of articles (e.g. ``100000``).
        token: The store token it accepts.
        partner_token: The partner token it accepts.
        faults: Latency and fault injection (None: none).
        rate_limit: Requests per second per store before 429 (None: unlimited).
        live_quirks: Answer in the shapes the live API is observed to use (API-NOTES.md,
            "Emulator live mode").
        order_statuses: The shop's order status list, as records or as text for
            :func:`~mkmw_emulators.mijnwebwinkel.statuses.parse_order_statuses` (None: the
            default list, which includes a cancelled status).

    Returns:
        The emulator; serve ``emulator.app``.
    """
    backend = MijnWebwinkelBackend()
    if isinstance(order_statuses, str):
        order_statuses = parse_order_statuses(order_statuses)
    info = apply_seed(backend, str(seed), order_statuses)
    return MijnWebwinkelEmulator(
        backend,
        token=token,
        partner_token=partner_token,
        faults=faults,
        rate_limit=rate_limit,
        live_quirks=live_quirks,
        seed_info=info,
    )
