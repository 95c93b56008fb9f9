"""One MijnWebwinkelClient used from several threads at once (the orders flow's write threads).

Every status write lands on its own order, every answer reaches the thread that asked, the
call counters count every call and the store's shared rate limiter spaces them all.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from mkmw_emulators.mijnwebwinkel.server import MijnWebwinkelEmulator
from mkmw_flows.mijnwebwinkel.client import MijnWebwinkelClient

from .conftest import PARTNER, TOKEN


def test_status_writes_from_threads_each_land_on_their_order(
    emulator: MijnWebwinkelEmulator, base_url: str
) -> None:
    numbers = sorted(emulator.backend.orders)[:12]
    assert len(numbers) >= 8
    rate = 10.0
    with MijnWebwinkelClient(
        base_url, token=TOKEN, partner_token=PARTNER, rate_per_second=rate, retries=0
    ) as client:

        def write(at: int) -> tuple[int, int]:
            number = numbers[at]
            status = 2 + at % 2
            client.set_order_status(number, status)
            return number, client.get_order(number).status

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=6) as pool:
            results = list(pool.map(write, range(len(numbers))))
        took = time.monotonic() - started

        for at, (number, status) in enumerate(results):
            assert number == numbers[at]
            assert status == 2 + at % 2
            assert emulator.backend.orders[number].status == status
        calls = 2 * len(numbers)
        assert client.stats.total_calls == calls
        # the bucket holds `rate` at the start; the rest go no faster than `rate` per second
        assert took >= (calls - rate) / rate
        assert client.limiter.waited_seconds > 0
