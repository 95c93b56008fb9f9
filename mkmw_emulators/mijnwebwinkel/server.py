"""A faithful local MijnWebwinkel (MyOnlineStore Connect API v1) server.

Three layers, as moto does it:

* :class:`~mkmw_emulators.mijnwebwinkel.backend.MijnWebwinkelBackend` holds the state
  and the shop's rules;
* this module's Starlette app speaks the REST dialect: both tokens as query parameters,
  ``/v1`` and ``/v2-beta`` prefixes, ``limit``/``offset`` over bare arrays, 200 on creates,
  RFC 7807 problem bodies for 401/403/404/422/429, ``Retry-After`` on 429;
* :class:`~mkmw_emulators.core.faults.FaultInjector` wraps it (latency, 503s, drops,
  commit-then-drop).

Use :func:`create_emulator`; serve ``emulator.app`` with
:func:`mkmw_emulators.core.serving.serve`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mkmw_emulators.core.faults import FaultConfig, FaultInjector
from mkmw_emulators.mijnwebwinkel import wire
from mkmw_emulators.mijnwebwinkel.backend import BackendError, Invalid, MijnWebwinkelBackend
from mkmw_emulators.mijnwebwinkel.seeds import DemoSeedInfo, apply_seed

logger = logging.getLogger(__name__)

PROBLEM_TYPE = "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html"
LANGUAGES = {
    "nl_NL",
    "en_GB",
    "de_DE",
    "fr_FR",
    "es_ES",
    "en_US",
    "pt_PT",
    "it_IT",
    "da_DK",
    "sv_SE",
    "no_NO",
    "tr_TR",
    "pl_PL",
}
VERSIONS = {"v1", "v2-beta"}


class HttpProblem(Exception):
    """An error answer of the wire layer (status + problem details)."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str = "",
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}


def problem_response(
    status: int,
    title: str,
    detail: str = "",
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """An RFC 7807 problem-details response."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return Response(
        json.dumps(body, ensure_ascii=False),
        status_code=status,
        media_type="application/problem+json",
        headers=headers,
    )


def _json_response(data: Any, status: int = 200) -> Response:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=_default)
    return Response(payload, status_code=status, media_type="application/json")


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


@dataclass
class EmulatorCounters:
    """Calls and successful writes per endpoint (``"GET /v1/articles"``), readable by tests."""

    calls: Counter[str] = field(default_factory=Counter)
    writes: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)

    def reset(self) -> None:
        self.calls.clear()
        self.writes.clear()
        self.statuses.clear()

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    @property
    def total_writes(self) -> int:
        return sum(self.writes.values())


class StoreRateLimit:
    """The emulator's per-store token bucket (burst = max(1, rate))."""

    def __init__(self, rate: float | None) -> None:
        self.rate = rate
        self.burst = max(1.0, rate or 1.0)
        self._tokens = self.burst
        self._updated = time.monotonic()
        self._lock = threading.Lock()
        self.rejected = 0

    def check(self) -> float | None:
        """Take a token; return None when allowed, else seconds until the next token."""
        if not self.rate:
            return None
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            if self._tokens >= 1:
                self._tokens -= 1
                return None
            self.rejected += 1
            return (1 - self._tokens) / self.rate


Handler = Callable[["_Call"], Awaitable[Any]]


@dataclass
class _Call:
    request: Request
    params: dict[str, str]
    body: Any


class MijnWebwinkelEmulator:
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

    # ------------------------------------------------------------------ parsing helpers

    @staticmethod
    def _parse(model: type[BaseModel], body: Any) -> Any:
        if body is None:
            raise HttpProblem(422, "Invalid Payload", "A JSON body is required")
        try:
            return model.model_validate(body)
        except PydanticValidationError as exc:
            errors = [
                {"field": _loc(e["loc"]) or "body", "message": e["msg"]}
                for e in exc.errors(include_url=False)
            ]
            raise HttpProblem(
                422, "Invalid Payload", f"{len(errors)} invalid field(s)", errors
            ) from None

    @staticmethod
    def _int(
        call: _Call, name: str, default: int | None = None, lo: int = 0, hi: int | None = None
    ) -> int | None:
        raw = call.params.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise _bad_param(name, "must be an integer") from None
        if value < lo or (hi is not None and value > hi):
            raise _bad_param(
                name, f"must be between {lo} and {hi}" if hi is not None else f"must be >= {lo}"
            )
        return value

    @staticmethod
    def _bool(call: _Call, name: str, default: bool | None = None) -> bool | None:
        raw = call.params.get(name)
        if raw is None or raw == "":
            return default
        lowered = raw.lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise _bad_param(name, "must be true or false")

    @staticmethod
    def _datetime(call: _Call, name: str) -> dt.datetime | None:
        raw = call.params.get(name)
        if not raw:
            return None
        for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
            try:
                return dt.datetime.strptime(raw, fmt)
            except ValueError:
                continue
        try:
            parsed = dt.datetime.fromisoformat(raw)
        except ValueError:
            raise _bad_param(name, "format: yyyy-mm-dd hh:mm:ss") from None
        return parsed.replace(tzinfo=None)

    @staticmethod
    def _date(call: _Call, name: str) -> dt.date | None:
        raw = call.params.get(name)
        if not raw:
            return None
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            raise _bad_param(name, "format: yyyy-mm-dd") from None

    def _page(self, call: _Call, items: Any) -> Any:
        limit = self._int(call, "limit", 10, 0, 100)
        offset = self._int(call, "offset", 0) or 0
        assert limit is not None
        return items[offset : offset + limit]

    @staticmethod
    def _ids(call: _Call) -> list[int] | None:
        raw = call.request.query_params.getlist("ids") + call.request.query_params.getlist("ids[]")
        if not raw:
            return None
        try:
            return [int(part) for value in raw for part in value.split(",") if part.strip()]
        except ValueError:
            raise _bad_param("ids", "must be integers") from None

    @staticmethod
    def _uuids(call: _Call) -> list[str] | None:
        raw = call.request.query_params.getlist("uuids") + call.request.query_params.getlist(
            "uuids[]"
        )
        return [part for value in raw for part in value.split(",") if part] or None

    def _range(self, call: _Call, prefix: str) -> tuple[dt.datetime | None, dt.datetime | None]:
        return self._datetime(call, f"{prefix}_start_date"), self._datetime(
            call, f"{prefix}_end_date"
        )

    # ------------------------------------------------------------------ store & lookups

    async def get_store(self, call: _Call) -> Any:
        s = self.backend.store
        return {
            "id": s.id,
            "name": s.name,
            "primary_domain": s.primary_domain,
            "description": s.description,
            "open": s.open,
            "version": s.version,
            "administration_language": s.administration_language,
            "currency": s.currency,
            "prices_include_tax": s.prices_include_tax,
            "default_language": s.default_language,
            "active_languages": list(s.active_languages),
            "email": s.email,
            "currency_format_locale": s.currency_format_locale,
            "available_business_models": s.available_business_models,
            "region_code": s.region_code,
        }

    async def get_order_statuses(self, call: _Call) -> Any:
        return [
            {"status": s.status, "description": s.description, "credit_order": s.credit_order}
            for s in sorted(self.backend.statuses.values(), key=lambda s: s.status)
        ]

    async def get_gateways(self, call: _Call) -> Any:
        return {
            "gateways": [
                {
                    "name": g.name,
                    "displayName": g.display_name,
                    "websiteUrl": g.website_url,
                    "methods": [{"name": n, "displayName": d} for n, d in g.methods],
                }
                for g in self.backend.gateways.values()
            ]
        }

    async def get_shipping_methods(self, call: _Call) -> Any:
        result = []
        for m in self.backend.shipping_methods.values():
            free: Any = m.free_above is not None
            if self.live_quirks and m.free_above is not None:
                free = wire.money2(m.free_above)  # the spec example's shape
            result.append(
                {
                    "id": m.id,
                    "display_name": m.display_name,
                    "countries": list(m.countries),
                    "default": m.default,
                    "no_costs_above": free,
                }
            )
        return result

    async def get_tax_regions(self, call: _Call) -> Any:
        regions = [wire.tax_region_json(r) for r in self.backend.tax_regions.values()]
        return {"regions": regions} if self.live_quirks else regions

    async def get_tax_region(self, call: _Call) -> Any:
        code = call.request.path_params["code"]
        return {"region": wire.tax_region_json(self.backend.tax_region(code))}

    # ------------------------------------------------------------------ articles

    def _article(self, article: Any) -> Any:
        return wire.article_json(self.backend, article, self.live_quirks)

    async def get_articles(self, call: _Call) -> Any:
        items = self.backend.list_articles(
            created=self._range(call, "created"),
            changed=self._range(call, "changed"),
            ids=self._ids(call),
            uuids=self._uuids(call),
        )
        return [self._article(a) for a in self._page(call, items)]

    async def get_article_count(self, call: _Call) -> Any:
        items = self.backend.list_articles(
            created=self._range(call, "created"), changed=self._range(call, "changed")
        )
        return {"count": len(items)}

    def _article_id(self, call: _Call, name: str = "article_id") -> Any:
        return self.backend.get_article(
            call.request.path_params[name], bool(self._bool(call, "use_url_id"))
        )

    async def get_article(self, call: _Call) -> Any:
        return self._article(self._article_id(call))

    async def post_article(self, call: _Call) -> Any:
        body: wire.ArticlePostIn = self._parse(wire.ArticlePostIn, call.body)
        price = body.price or wire.PriceIn()
        extra = body.extra or wire.ExtraIn()
        fields = {
            k: v
            for k, v in body.model_dump(
                include={
                    "description",
                    "badge_text",
                    "taxable",
                    "delivery_days",
                    "can_backorder",
                    "meta_title",
                    "meta_description",
                },
                exclude_none=True,
            ).items()
        }
        article = self.backend.add_article(
            body.name,
            sku=body.sku or "",
            price=price.default if price.default is not None else Decimal("0.00"),
            action_price=price.action,
            purchase_price=price.purchase,
            stock=body.stock,
            categories=[c.model_dump(exclude_none=True) for c in body.categories],
            lists=[item.model_dump() for item in body.lists or []],
            images=[i.model_dump(exclude_none=True) for i in body.images or []],
            extra_visible=dict(extra.visible or {}),
            extra_invisible=dict(extra.invisible or {}),
            **fields,
        )
        return self._article(article)

    async def patch_article(self, call: _Call) -> Any:
        article = self._article_id(call)
        body: wire.ArticlePatchIn = self._parse(wire.ArticlePatchIn, call.body)
        changes: dict[str, Any] = {}
        for name in body.model_fields_set:
            value = getattr(body, name)
            if name == "price" and value is not None:
                for key in value.model_fields_set:
                    changes[f"price_{key}"] = getattr(value, key)
            elif name == "extra" and value is not None:
                changes["extra_visible"] = value.visible or {}
                changes["extra_invisible"] = value.invisible or {}
            elif name in ("categories", "lists", "images", "variants"):
                changes[name] = [
                    item.model_dump(
                        exclude_none=name != "variants", exclude_unset=name == "variants"
                    )
                    for item in value or []
                ]
            elif name == "name" and not value:
                raise Invalid("name must not be empty", [("name", "required")])
            else:
                changes[name] = value
        return self._article(self.backend.edit_article(article.id, **changes))

    async def delete_article(self, call: _Call) -> Any:
        article = self._article_id(call)
        self.backend.delete_article(article.id)
        return "Article successfully deleted"

    async def get_article_list(self, call: _Call) -> Any:
        return wire.list_json(self.backend.get_list(call.request.path_params["id"]))

    def _list_ids(self, call: _Call) -> list[int]:
        body = call.body
        if not isinstance(body, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in body
        ):
            raise HttpProblem(
                422,
                "Invalid Payload",
                "Body must be an array of list ids",
                [{"field": "body", "message": "array of integers expected"}],
            )
        return body

    async def post_article_lists(self, call: _Call) -> Any:
        ids = self._list_ids(call)
        article = self._article_id(call, "id")
        return self._article(self.backend.attach_lists(article.id, ids))

    async def delete_article_lists(self, call: _Call) -> Any:
        ids = self._list_ids(call)
        article = self._article_id(call, "id")
        return self._article(self.backend.detach_lists(article.id, ids))

    async def post_list_options(self, call: _Call) -> Any:
        if not isinstance(call.body, list) or not call.body:
            raise HttpProblem(
                422,
                "Invalid Payload",
                "Body must be a non-empty array of options",
                [{"field": "body", "message": "array expected"}],
            )
        options = [self._parse(wire.NewOptionIn, item) for item in call.body]
        list_id = call.request.path_params["articlelist_id"]
        updated = self.backend.add_list_options(
            list_id,
            [(o.name, o.price if o.price is not None else Decimal("0.00")) for o in options],
        )
        return wire.list_json(updated)

    async def delete_list_options(self, call: _Call) -> Any:
        if not isinstance(call.body, list) or not all(isinstance(n, str) for n in call.body):
            raise HttpProblem(
                422,
                "Invalid Payload",
                "Body must be an array of option names",
                [{"field": "body", "message": "array of strings expected"}],
            )
        list_id = call.request.path_params["articlelist_id"]
        return wire.list_json(self.backend.remove_list_options(list_id, call.body))

    # ------------------------------------------------------------------ categories

    async def get_categories(self, call: _Call) -> Any:
        if self._bool(call, "as_tree", False):
            depth = self._int(call, "max_depth", 5, 1) or 5
            return [
                wire.category_json(self.backend, c, depth=depth)
                for c in self.backend.children(None)
            ]
        items = self.backend.list_categories(
            self._range(call, "created"), self._range(call, "changed")
        )
        return [wire.category_json(self.backend, c) for c in self._page(call, items)]

    async def get_category_count(self, call: _Call) -> Any:
        items = self.backend.list_categories(
            self._range(call, "created"), self._range(call, "changed")
        )
        return {"count": len(items)}

    async def get_category(self, call: _Call) -> Any:
        return wire.category_json(
            self.backend, self.backend.get_category(call.request.path_params["category_id"])
        )

    async def post_category(self, call: _Call) -> Any:
        body: wire.CategoryPostIn = self._parse(wire.CategoryPostIn, call.body)
        if not body.title.strip():
            raise Invalid("title must not be empty", [("title", "required")])
        category = self.backend.add_category(
            body.title,
            body.parent_category_id,
            hidden=bool(body.hidden),
            content=body.content or "",
            meta_title=body.meta_title or "",
            meta_description=body.meta_description or "",
            article_order=body.article_order or 5,
            sorting=body.sorting.model_dump(exclude_none=True) if body.sorting else None,
        )
        return wire.category_json(self.backend, category)

    async def patch_category(self, call: _Call) -> Any:
        category = self.backend.get_category(call.request.path_params["category_id"])
        body: wire.CategoryPatchIn = self._parse(wire.CategoryPatchIn, call.body)
        changes: dict[str, Any] = {}
        for name in body.model_fields_set:
            value = getattr(body, name)
            if name == "sorting":
                changes["sorting"] = value.model_dump(exclude_none=True) if value else None
            elif name == "parent_category_id" or value is not None:
                changes[name] = value
        return wire.category_json(
            self.backend, self.backend.update_category(category.id, **changes)
        )

    async def get_category_articles(self, call: _Call) -> Any:
        pairs = self.backend.category_articles(call.request.path_params["category_id"])
        return [
            {"id": a.id, "name": a.name, "uuid": a.uuid, "is_main": link.is_main}
            for a, link in self._page(call, pairs)
        ]

    # ------------------------------------------------------------------ orders

    def _order_filters(self, call: _Call) -> dict[str, Any]:
        return {
            "start_date": self._date(call, "start_date"),
            "end_date": self._date(call, "end_date"),
            "status_id": self._int(call, "status_id"),
            "status_changed": self._range(call, "status_changed"),
            "archived": self._bool(call, "archived"),
            "test": bool(self._bool(call, "test", False)),
        }

    async def get_orders(self, call: _Call) -> Any:
        ordering = call.params.get("ordering", "asc")
        if ordering not in ("asc", "desc"):
            raise _bad_param("ordering", "asc or desc")
        orders = self.backend.list_orders(
            **self._order_filters(call),
            ordering=ordering,
            debtor_email=call.params.get("debtor_email") or None,
            debtor_id=call.params.get("debtor_id") or None,
        )
        return [
            wire.order_json(self.backend, o, self.live_quirks) for o in self._page(call, orders)
        ]

    async def get_order_count(self, call: _Call) -> Any:
        return {"count": len(self.backend.list_orders(**self._order_filters(call)))}

    async def get_order(self, call: _Call) -> Any:
        order = self.backend.get_order(call.request.path_params["order_number"])
        return wire.order_json(self.backend, order, self.live_quirks)

    async def patch_order(self, call: _Call) -> Any:
        number = call.request.path_params["order_number"]
        self.backend.get_order(number)
        body: wire.OrderPatchIn = self._parse(wire.OrderPatchIn, call.body)
        if body.comments is not None and body.comments.customer is not None:
            raise Invalid("comments.customer is read-only", [("comments.customer", "read-only")])
        order = self.backend.update_order(
            number,
            status=body.status,
            archived=body.archived,
            internal_comment=body.comments.internal if body.comments else None,
            reference=body.reference,
            offline_location_id=body.offline_location_id,
        )
        return wire.order_json(self.backend, order, self.live_quirks)

    async def post_order(self, call: _Call) -> Any:
        body: wire.OrderPostIn = self._parse(wire.OrderPostIn, call.body)
        lines = []
        for index, line in enumerate(body.orderlines):
            if line.type == "article":
                if not line.articles or len(line.articles) != 1:
                    raise Invalid(
                        "Article lines need exactly one article",
                        [(f"orderlines[{index}].articles", "required")],
                    )
                chosen = line.articles[0]
                lines.append(
                    {
                        "type": "article",
                        "article_id": chosen.id,
                        "quantity": line.quantity,
                        "option_ids": [o.list_option_id for o in chosen.options or []],
                        "price_override": line.price_override,
                    }
                )
            else:
                unit = line.unit_price
                if unit is None or (unit.amount is None and unit.amount_including_tax is None):
                    raise Invalid(
                        "Custom lines need unit_price.amount or amount_including_tax",
                        [(f"orderlines[{index}].unit_price", "required")],
                    )
                lines.append(
                    {
                        "type": "custom",
                        "description": line.description or "",
                        "quantity": line.quantity,
                        "unit_price_incl": unit.amount_including_tax,
                        "unit_price_excl": unit.amount,
                        "rate": unit.rate,
                        "unit_weight": line.unit_weight,
                    }
                )
        invoice = wire.address_from(body.debtor.address.invoice)
        assert invoice is not None
        order = self.backend.add_order(
            email=body.debtor.email or "",
            invoice=invoice,
            delivery=wire.address_from(body.debtor.address.delivery),
            lines=lines,
            status=body.status if body.status is not None else 1,
            archived=bool(body.archived),
            business_model=body.business_model,
            reference=body.reference or "",
            payment=(body.payment.gateway_name, body.payment.method_name) if body.payment else None,
            payment_status_id=body.payment.status.id if body.payment and body.payment.status else 1,
            shipping_method_id=body.shipping_method_id,
            comment_customer=(body.comments.customer or "") if body.comments else "",
            comment_internal=(body.comments.internal or "") if body.comments else "",
            discountcode=body.discountcode or "",
            offline_location_id=body.offline_location_id,
            override_stock=bool(self._bool(call, "override_stock", False)),
            debtor_id=body.debtor.id,
            partner="mkmw-flows",
        )
        return wire.order_json(self.backend, order, self.live_quirks)


def _loc(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text


def _bad_param(name: str, message: str) -> HttpProblem:
    return HttpProblem(
        422, "Invalid Parameter", f"{name}: {message}", [{"field": name, "message": message}]
    )


async def _unrouted(request: Request, exc: Exception) -> Response:
    """Unknown paths and methods answer with a problem body too."""
    status = getattr(exc, "status_code", 404)
    title = "Not Found" if status == 404 else "Method Not Allowed"
    return problem_response(status, title, f"{request.method} {request.url.path}")


def _server_fault() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    body = json.dumps(
        {
            "type": PROBLEM_TYPE,
            "title": "Service Unavailable",
            "status": 503,
            "detail": "Temporarily unavailable",
        }
    ).encode()
    return 503, [(b"content-type", b"application/problem+json"), (b"retry-after", b"0")], body


def create_emulator(
    seed: str = "demo",
    token: str = "demo-token",
    partner_token: str = "demo-partner",
    faults: FaultConfig | None = None,
    rate_limit: float | None = None,
    live_quirks: bool = False,
) -> MijnWebwinkelEmulator:
    """Build a seeded MijnWebwinkel emulator.

    Args:
        seed: ``demo``, ``empty`` or a number of articles (e.g. ``100000``).
        token: The store token it accepts.
        partner_token: The partner token it accepts.
        faults: Latency and fault injection (None: none).
        rate_limit: Requests per second per store before 429 (None: unlimited).
        live_quirks: Reproduce the live deviations from the spec (API-NOTES.md §1.4).

    Returns:
        The emulator; serve ``emulator.app``.
    """
    backend = MijnWebwinkelBackend()
    info = apply_seed(backend, str(seed))
    return MijnWebwinkelEmulator(
        backend,
        token=token,
        partner_token=partner_token,
        faults=faults,
        rate_limit=rate_limit,
        live_quirks=live_quirks,
        seed_info=info,
    )
