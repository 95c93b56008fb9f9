"""The served WSDL, the emulator's schema compiled once, and the emulators kept apart.

The WSDL the emulator serves names its own address (or the Host the client used); the vendor
WSDL is compiled once per process; no emulator module imports the product's code.
"""
# ruff: noqa: E501  (hand-written SOAP fixtures read better on one line)

from __future__ import annotations

import ast
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree

from mkmw_emulators.core.serving import BackgroundServer
from mkmw_emulators.mplus import schema as emulator_schema
from mkmw_emulators.mplus.server import create_emulator

from .conftest import IDENT, SECRET
from .gsoap import envelope


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    """The demo emulator served on 127.0.0.1; yields its base URL."""
    emulator = create_emulator("demo", ident=IDENT, secret=SECRET)
    with BackgroundServer(emulator.app) as server:
        yield server.url


def test_served_wsdl_points_at_the_emulator_and_its_address_answers(served: str) -> None:
    text = httpx.get(f"{served}/?wsdl").content
    root = etree.fromstring(text)
    location = root.find(".//{http://schemas.xmlsoap.org/wsdl/soap/}address").get("location")
    assert location == f"{served}/"
    assert (
        len(
            root.findall(
                "{http://schemas.xmlsoap.org/wsdl/}portType/{http://schemas.xmlsoap.org/wsdl/}operation"
            )
        )
        == 374
    )
    answer = httpx.post(
        location,
        params={"ident": IDENT, "secret": SECRET},
        content=envelope("<urn:getApiVersion/>"),
        headers={"Content-Type": "text/xml; charset=utf-8"},
    )
    assert answer.status_code == 200 and b"<ns:getApiVersionResponse>" in answer.content
    # behind another name, the address follows the Host header the client used
    named = httpx.get(f"{served}/?wsdl", headers={"Host": "mplus.test:8443"})
    assert b'location="http://mplus.test:8443/"' in named.content
    hostile = httpx.get(f"{served}/?wsdl", headers={"Host": 'evil"/><x'})
    assert f'location="{served}/"'.encode() in hostile.content


def test_schema_is_compiled_once_and_quickly() -> None:
    started = time.perf_counter()
    compiled = emulator_schema.compile_wsdl(emulator_schema.mplus_wsdl_path())
    elapsed = time.perf_counter() - started
    assert elapsed < 5.0  # about 0.1 s on a quiet machine
    assert emulator_schema.schema() is emulator_schema.schema()
    assert len(compiled.operations) == 374
    assert compiled.response_element("findOrder") == "GetOrderResponse"
    assert compiled.response_element("getStockHistoryV2") == "GetStockHistoryResponse"
    image = compiled.types["Image"]
    assert [p.name for p in image.particles][:6] == [
        "imageId", "imageName", "imageHash", "imagePath", "imageUrl", "imageData",
    ]  # fmt: skip
    assert image.by_name["imageName"].required_string
    assert image.by_name["imageData"].kind is emulator_schema.Kind.BASE64
    result = compiled.types["CreateRelationResponse"].by_name["result"]
    assert result.kind is emulator_schema.Kind.ENUM and "CREATE-RELATION-RESULT-OK" in (
        result.values or ()
    )


def test_the_emulators_import_nothing_from_the_product() -> None:
    package = Path(emulator_schema.__file__).resolve().parents[1]
    offenders: list[str] = []
    paths = [*(package / "mplus").rglob("*.py"), *(package / "core").rglob("*.py")]
    assert len(paths) > 10
    for path in paths:
        tree: Any = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "mkmw_flows"]
    assert not offenders, offenders
