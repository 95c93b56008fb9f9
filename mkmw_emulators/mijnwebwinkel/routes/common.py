"""The REST dialect shared by every route: problem bodies, counters, rate limit, parsing."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from starlette.requests import Request
from starlette.responses import Response

from mkmw_emulators.mijnwebwinkel.backend import MijnWebwinkelBackend

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


class RouteHelpers:
    """Query-parameter and body parsing shared by the route mixins."""

    backend: MijnWebwinkelBackend
    live_quirks: bool

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
