"""Fixtures for the MplusKASSA client and emulator tests."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from lxml import etree

from mkmw_emulators.core.contracts import mplus_wsdl_path
from mkmw_emulators.core.serving import BackgroundServer
from mkmw_emulators.mplus.server import MplusEmulator, create_emulator
from mkmw_flows.mplus.client import MplusClient
from mkmw_flows.mplus.parse import body_child, parse_document
from mkmw_flows.mplus.wsdl import WsdlSchema

IDENT = "shop-ident"
SECRET = "s3cr3t-Pa55word"


@pytest.fixture(scope="session")
def wsdl() -> WsdlSchema:
    return WsdlSchema(mplus_wsdl_path())


@pytest.fixture(scope="session")
def xsd(wsdl: WsdlSchema) -> etree.XMLSchema:
    """One schema from the WSDL's embedded types (SOAP-ENC:base64 read as base64Binary)."""
    return etree.XMLSchema(etree.fromstring(wsdl.xsd_document()))


def validate_body(xsd: etree.XMLSchema, document: bytes) -> tuple[str, list[str]]:
    """Validate the SOAP Body's first child against the schema: (element local name, errors)."""
    child = copy.deepcopy(body_child(parse_document(document)))
    ok = xsd.validate(etree.ElementTree(child))
    errors = [] if ok else [str(e) for e in xsd.error_log]
    return etree.QName(child).localname, errors


@dataclass
class Recorder:
    """ASGI middleware recording every request and response body."""

    app: Any
    exchanges: list[tuple[bytes, int, bytes]] = field(default_factory=list)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        request = b""
        status = 0

        async def rec_receive() -> Any:
            nonlocal request
            message = await receive()
            if message["type"] == "http.request":
                request += message.get("body", b"")
            return message

        async def rec_send(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, rec_receive, rec_send)
        self.exchanges.append((request, status, b"".join(chunks)))


@dataclass
class Served:
    emulator: MplusEmulator
    url: str
    client: MplusClient
    recorder: Recorder


@pytest.fixture
def emulator() -> MplusEmulator:
    return create_emulator("demo", ident=IDENT, secret=SECRET)


@pytest.fixture
def served(emulator: MplusEmulator) -> Iterator[Served]:
    """The demo emulator on a 127.0.0.1 port, with a client and a body recorder."""
    recorder = Recorder(emulator.app)
    with BackgroundServer(recorder) as server:
        client = MplusClient(
            server.url,
            IDENT,
            SECRET,
            retry_attempts=3,
            retry_wait_initial=0.01,
            retry_wait_max=0.05,
        )
        try:
            yield Served(emulator, server.url, client, recorder)
        finally:
            client.close()


@pytest.fixture
def local(emulator: MplusEmulator) -> Iterator[MplusClient]:
    """A client wired in-process to the demo emulator's wire layer (real XML, no socket)."""
    client = MplusClient(
        "http://mplus.emulator", IDENT, SECRET, transport=emulator.transport(), retry_attempts=1
    )
    yield client
    client.close()
