"""The vendor OpenAPI spec, loaded for openapi-core with a short, documented list of errata.

Each erratum fixes a place where the spec contradicts its own examples or descriptions in a way
no real response or request can satisfy; everything else is validated as published.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import yaml
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from mkmw_emulators.core.contracts import mijnwebwinkel_openapi_path

HOST = "https://api.myonlinestore.com"
DATETIME_PATTERN = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"

ERRATA = (
    "E1 TaxPrice has no 'type: object', so every array also matches it and the oneOf "
    "[array of TaxPrice, TaxPrice] in Order.price.tax and OrderDetail.price rejects every array, "
    "including the spec's own examples: add type: object.",
    "E2 OrderArticle requires top-level 'rate' and 'amount', which live in OrderArticle.price "
    "(the spec's own example has none at top level): drop that required list.",
    "E3 The *_date query parameters are documented as 'yyyy-mm-dd hh:mm:ss' (what real clients "
    "send) but declared format: date-time (RFC 3339): use a pattern for the documented format.",
    "E4 BaseArticle.stock / ArticleVariant.stock say 'specify null for unlimited stock' but are "
    "not nullable: mark them nullable (request side: set_stock(None)).",
)


@lru_cache(maxsize=1)
def raw_spec() -> dict[str, Any]:
    return yaml.safe_load(Path(mijnwebwinkel_openapi_path()).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def spec_dict() -> dict[str, Any]:
    spec = copy.deepcopy(raw_spec())
    schemas = spec["components"]["schemas"]
    schemas["TaxPrice"]["type"] = "object"  # E1
    for part in schemas["OrderArticle"]["allOf"]:  # E2
        if part.get("required") == ["rate", "amount"]:
            part.pop("required")
    for param in spec["components"]["parameters"].values():  # E3
        schema = param.get("schema", {})
        if schema.get("format") == "date-time":
            schema.pop("format")
            schema["pattern"] = DATETIME_PATTERN
    schemas["BaseArticle"]["properties"]["stock"]["nullable"] = True  # E4
    schemas["ArticleVariant"]["properties"]["stock"]["nullable"] = True
    return spec


@lru_cache(maxsize=1)
def openapi() -> OpenAPI:
    return OpenAPI.from_dict(spec_dict())


def mock_request(request: httpx.Request) -> MockRequest:
    url = urlsplit(str(request.url))
    args: Any = parse_qsl(url.query, keep_blank_values=True)
    body = request.content or None
    return MockRequest(
        HOST,
        request.method,
        url.path,
        args=args,
        data=body,
        content_type=request.headers.get("content-type", "application/json"),
    )


def validate_request(request: httpx.Request) -> None:
    """Raise when the request (path, query incl. tokens, body) breaks the spec."""
    openapi().validate_request(mock_request(request))


def validate_response(
    request: httpx.Request, status: int, content: bytes, content_type: str
) -> None:
    """Raise when a 2xx response body breaks the spec."""
    media = content_type.split(";")[0].strip() or "application/json"
    openapi().validate_response(
        mock_request(request), MockResponse(content, status_code=status, content_type=media)
    )


@dataclass
class Exchange:
    request: httpx.Request
    status: int
    content: bytes
    content_type: str


@dataclass
class Recorder:
    """Records every request and response that passes through :class:`RecordingTransport`."""

    exchanges: list[Exchange] = field(default_factory=list)

    def operations(self) -> set[str]:
        return {f"{e.request.method} {e.request.url.path}" for e in self.exchanges}


class RecordingTransport(httpx.BaseTransport):
    """A real HTTP transport that keeps a copy of each exchange for conformance checks."""

    def __init__(self, recorder: Recorder) -> None:
        self.inner = httpx.HTTPTransport()
        self.recorder = recorder

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        content = response.read()
        self.recorder.exchanges.append(
            Exchange(
                request, response.status_code, content, response.headers.get("content-type", "")
            )
        )
        return httpx.Response(
            response.status_code, headers=response.headers, content=content, request=request
        )

    def close(self) -> None:
        self.inner.close()


def schema_errors(exc: BaseException) -> str:
    cause = exc.__cause__
    errors = getattr(cause, "schema_errors", None) or []
    return (
        f"{exc!r}: " + " | ".join(str(e).split("\n")[0] for e in errors)
        if errors
        else repr(exc) + repr(cause)
    )


def to_json(data: Any) -> bytes:
    return json.dumps(data).encode()
