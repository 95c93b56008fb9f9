"""Bulk read of a large MijnWebwinkel catalogue through the client, against the emulator.

Lists N articles (default 100,000) in pages of 100 with C pages in flight (default 4), the
emulator adding L ms latency per request (default 20). Prints the calls made, the wall time
against the floor (calls x latency / concurrency), throughput and the client's peak RSS.

By default the emulator runs in a child process on a 127.0.0.1 port (like the real shop, it
does not share the client's GIL); ``--in-process`` serves it from a thread instead.

    .venv/bin/python bench/mijnwebwinkel_read.py [--articles 100000] [--latency-ms 20]
        [--concurrency 4] [--in-process]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sys
import time
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import httpx

from mkmw_emulators.core.faults import FaultConfig
from mkmw_emulators.core.serving import BackgroundServer, free_port, serve
from mkmw_emulators.mijnwebwinkel.server import create_emulator
from mkmw_flows.mijnwebwinkel.client import MijnWebwinkelClient

TOKEN, PARTNER = "bench-token", "bench-partner"


def peak_rss_mb() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return usage / 1024 / (1024 if sys.platform == "darwin" else 1)


def child_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) a child process has used so far (Linux), else 0."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def open_connections(http: httpx.Client) -> set[int]:
    """Ids of the connections in an httpx client's pool right now (to count reuse)."""
    pool = getattr(getattr(http, "_transport", None), "_pool", None)
    return {id(c) for c in getattr(pool, "connections", [])}


def _child(port: int, articles: int, latency_ms: float, ready: Any) -> None:
    emulator = create_emulator(
        seed=str(articles),
        token=TOKEN,
        partner_token=PARTNER,
        faults=FaultConfig(latency_ms=latency_ms),
    )
    server = BackgroundServer(emulator.app, port=port).start()
    ready.set()
    while True:
        time.sleep(3600)
    server.stop()  # pragma: no cover


def _wait_until_up(url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            httpx.get(
                f"{url}/v1/store", params={"token": TOKEN, "partner_token": PARTNER}, timeout=2
            )
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("emulator did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--in-process", action="store_true")
    args = parser.parse_args()

    started = time.perf_counter()
    process = None
    server: AbstractContextManager[str]
    if args.in_process:
        emulator = create_emulator(
            seed=str(args.articles),
            token=TOKEN,
            partner_token=PARTNER,
            faults=FaultConfig(latency_ms=args.latency_ms),
        )
        server = serve(emulator.app)
    else:
        port = free_port()
        context = multiprocessing.get_context("spawn")
        ready = context.Event()
        process = context.Process(
            target=_child, args=(port, args.articles, args.latency_ms, ready), daemon=True
        )
        process.start()
        if not ready.wait(120):
            raise RuntimeError("emulator did not seed in time")
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(url, time.monotonic() + 30)
        server = nullcontext(url)
    seeded = time.perf_counter() - started
    try:
        with (
            server as url,
            MijnWebwinkelClient(url, token=TOKEN, partner_token=PARTNER, timeout=60) as client,
        ):
            client.stats.reset()
            emulator_cpu = child_cpu_seconds(process.pid or 0) if process is not None else 0.0
            started, cpu_started = time.perf_counter(), time.process_time()
            count = 0
            skus: set[str] = set()
            connections: set[int] = set()
            for article in client.iter_articles(
                page_size=args.page_size, concurrency=args.concurrency
            ):
                if count % args.page_size == 0:
                    connections |= open_connections(client._http)  # noqa: SLF001
                count += 1
                if article.sku:
                    skus.add(article.sku)
            wall = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
            if process is not None:
                emulator_cpu = child_cpu_seconds(process.pid or 0) - emulator_cpu
    finally:
        if process is not None:
            process.terminate()
            process.join(10)
    calls = client.stats.total_calls
    floor = calls * args.latency_ms / 1000 / args.concurrency
    mode = "in-process (thread)" if args.in_process else "child process"
    print(f"emulator             {mode}, seed {args.articles:,} articles in {seeded:.1f} s")
    print(f"articles listed      {count:,} ({len(skus):,} distinct SKUs)")
    print(f"calls                {calls:,}  {client.stats.snapshot()}")
    print(f"connections          {len(connections)} (keep-alive: reused across the calls)")
    print(f"wall time            {wall:.1f} s")
    print(
        f"floor                {floor:.1f} s  = calls x {args.latency_ms:g} ms / "
        f"{args.concurrency} concurrent"
    )
    print(f"wall / floor         {wall / floor:.2f}x" if floor else "wall / floor   n/a")
    print(f"throughput           {count / wall:,.0f} articles/s")
    print(f"client CPU           {cpu:.2f} s ({count / cpu:,.0f} articles per client CPU second)")
    if process is not None:
        print(f"emulator CPU         {emulator_cpu:.2f} s (child process)")
    print(f"load average         {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"peak RSS (client)    {peak_rss_mb():.0f} MB")
    assert count == args.articles, (count, args.articles)


if __name__ == "__main__":
    main()
