from __future__ import annotations

from collections.abc import Iterator

import pytest

from mkmw_emulators.core.serving import serve
from mkmw_emulators.mijnwebwinkel.server import MijnWebwinkelEmulator, create_emulator
from mkmw_flows.mijnwebwinkel.client import MijnWebwinkelClient
from mkmw_flows.mijnwebwinkel.ratelimit import reset_limiters

from .spec import Recorder, RecordingTransport

TOKEN = "store-tok-5f3a9c"
PARTNER = "partner-tok-81bd2e"


@pytest.fixture(autouse=True)
def _fresh_limiters() -> Iterator[None]:
    reset_limiters()
    yield
    reset_limiters()


@pytest.fixture
def emulator() -> MijnWebwinkelEmulator:
    return create_emulator(seed="demo", token=TOKEN, partner_token=PARTNER)


@pytest.fixture
def base_url(emulator: MijnWebwinkelEmulator) -> Iterator[str]:
    with serve(emulator.app) as url:
        yield url


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def client(base_url: str, recorder: Recorder) -> Iterator[MijnWebwinkelClient]:
    with MijnWebwinkelClient(
        base_url,
        token=TOKEN,
        partner_token=PARTNER,
        transport=RecordingTransport(recorder),
        retries=3,
        backoff=0.01,
        timeout=5,
    ) as c:
        yield c
