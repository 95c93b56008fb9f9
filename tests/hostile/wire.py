"""Wire-level hostility: an ASGI wrapper that rewrites chosen answers of the emulators.

The wrapper sits between an emulator's fault injector and its wire layer (it is installed on
``emulator.faults.app`` at run time; the emulators themselves are not changed). A
:class:`Rule` picks requests by side-specific operation (the SOAP operation of a MplusKASSA
call, ``"METHOD /v1/path"`` of a shop call, the path may be a regular expression) and
optionally by a fragment of the request body, and answers them with something hostile:

* a fixed status, content type and body (an XXE envelope, an entity bomb, an HTML page with
  status 200, malformed JSON, 401 ... 500 pages);
* ``truncate``: the real answer, cut off mid-body (the connection is dropped);
* ``edit``: the real answer, its body changed by a function (hostile data on a sound wire);

``commit=True`` lets the real app handle the request first (the write happens) and throws its
answer away, so the client sees the hostile answer to a write that went through.
Every rule fires at most ``times`` times (None: always) and counts its hits.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from mkmw_emulators.core.faults import read_body, replay_receive
from mkmw_emulators.mplus.server import operation_of

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
NS = "urn:mplusqapi"

#: A SOAP answer that declares an external entity (XXE) reading a local file.
XXE_FILE = "/etc/hostname"


def soap(body_xml: str, *, doctype: str = "") -> bytes:
    """A SOAP 1.1 envelope around `body_xml`, with an optional DOCTYPE in front."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}'
        f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP_ENV}" xmlns:ns="{NS}">'
        f"<SOAP-ENV:Body>{body_xml}</SOAP-ENV:Body></SOAP-ENV:Envelope>"
    ).encode()


def xxe_answer(response_element: str, field_name: str) -> bytes:
    """A well-formed answer whose `field_name` would pull in a local file through an entity."""
    doctype = f'<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file://{XXE_FILE}">]>\n'
    return soap(
        f"<ns:{response_element}><{field_name}>&xxe;</{field_name}></ns:{response_element}>",
        doctype=doctype,
    )


def entity_bomb(response_element: str, field_name: str) -> bytes:
    """A 'billion laughs' answer: nine levels of ten-fold entity expansion."""
    entities = ['<!ENTITY lol0 "lol">']
    for level in range(1, 10):
        entities.append(f'<!ENTITY lol{level} "{("&lol" + str(level - 1) + ";") * 10}">')
    doctype = "<!DOCTYPE lolz [" + "".join(entities) + "]>\n"
    return soap(
        f"<ns:{response_element}><{field_name}>&lol9;</{field_name}></ns:{response_element}>",
        doctype=doctype,
    )


HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>Onderhoud</title></head><body>"
    b"<h1>We zijn zo terug</h1><p>Gepland onderhoud.<br></p></body></html>"
)
MALFORMED_JSON = b'{"id": 1, "name": "Broken", "price": {"default": '


def problem(status: int, title: str, detail: str = "") -> bytes:
    """An RFC 7807 body, as the shop sends with its errors."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return json.dumps(body).encode()


def edit_order_line(number: int, **values: Any) -> Callable[[bytes], bytes]:
    """An edit of a shop orders answer: set fields of order `number`'s first line.

    ``quantity`` is set on the line, every other key on its (first) price.
    """

    def edit(payload: bytes) -> bytes:
        data = json.loads(payload)
        for order in data if isinstance(data, list) else [data]:
            if order.get("number") != number:
                continue
            line = order["orderlines"][0]
            price = line["price"][0] if isinstance(line["price"], list) else line["price"]
            for key, value in values.items():
                (line if key == "quantity" else price)[key] = value
        return json.dumps(data).encode()

    return edit


@dataclass
class Rule:
    """One hostile answer.

    Attributes:
        side: ``mplus`` or ``shop``.
        operation: SOAP operation (mplus) or ``"METHOD /v1/path-regex"`` (shop).
        status: HTTP status of the hostile answer.
        body: Its body.
        content_type: Its content type.
        truncate: Send the real answer cut off mid-body instead.
        edit: Send the real answer with its body passed through this function.
        commit: Let the real app handle the request first (a write goes through).
        body_contains: Only requests whose body holds this fragment.
        times: How often the rule fires (None: always).
        headers: Extra response headers.
        hits: How often it fired.
    """

    side: str
    operation: str
    status: int = 200
    body: bytes | str = b""
    content_type: str = "text/xml; charset=utf-8"
    truncate: bool = False
    commit: bool = False
    body_contains: str | None = None
    times: int | None = 1
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    edit: Callable[[bytes], bytes] | None = None
    hits: int = 0

    def matches(self, scope: Scope, body: bytes) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.body_contains is not None and self.body_contains.encode() not in body:
            return False
        if self.side == "mplus":
            return operation_of(body) == self.operation
        method, _, path = self.operation.partition(" ")
        found = re.fullmatch(path, scope.get("path", ""))
        return scope.get("method") == method and found is not None


class _Cut(Exception):
    """Aborts the response mid-body: the server drops the connection."""


class Rewriter:
    """ASGI middleware that applies :class:`Rule` s in front of a wire layer."""

    def __init__(self, app: ASGIApp, side: str) -> None:
        self.app = app
        self.side = side
        self.rules: list[Rule] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        rule = next((r for r in self.rules if r.matches(scope, body)), None)
        if rule is None:
            await self.app(scope, replay_receive(body), send)
            return
        rule.hits += 1
        if rule.truncate:
            captured = await _capture(self.app, scope, body)
            status, headers, payload = captured
            await send({"type": "http.response.start", "status": status, "headers": headers})
            cut = {"type": "http.response.body", "body": payload[: len(payload) // 2]}
            await send({**cut, "more_body": True})
            raise _Cut("hostile: answer cut off mid-body")
        if rule.edit is not None:
            status, headers, payload = await _capture(self.app, scope, body)
            payload = rule.edit(payload)
            for other in self.rules:  # every other edit of this answer applies as well
                if other is not rule and other.edit is not None and other.matches(scope, body):
                    other.hits += 1
                    payload = other.edit(payload)
            headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(payload)).encode()))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": payload})
            return
        if rule.commit:
            await _capture(self.app, scope, body)
        payload = rule.body.encode() if isinstance(rule.body, str) else rule.body
        headers = [
            (b"content-type", rule.content_type.encode()),
            (b"content-length", str(len(payload)).encode()),
            *rule.headers,
        ]
        await send({"type": "http.response.start", "status": rule.status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})


def install(emulator: Any, side: str) -> Rewriter:
    """Put a :class:`Rewriter` between `emulator`'s fault injector and its wire layer."""
    rewriter = Rewriter(emulator.faults.app, side)
    emulator.faults.app = rewriter
    return rewriter


async def _capture(app: ASGIApp, scope: Scope, body: bytes) -> tuple[int, list[Any], bytes]:
    status = 500
    headers: list[Any] = []
    chunks: list[bytes] = []

    async def send(message: Message) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status, headers = message["status"], list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, replay_receive(body), send)
    return status, headers, b"".join(chunks)
