"""Benchmark: getProducts over the 100,000-article seed in pages of 1,000, through real HTTP.

The emulator runs in a child process (like the real server, it does not share the client's
GIL) on a 127.0.0.1 port; the client pages with ``iter_product_pages`` and streams: only one
page is alive at a time, so client memory stays flat in the catalogue size.

Prints calls, wall time, articles parsed into models per second (end to end, and per CPU
second of the client process), and the client's peak RSS with samples taken while paging.

    .venv/bin/python bench/mplus_read.py [--articles 100000] [--limit 1000] [--in-process]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sys
import time

import httpx

from mkmw_emulators.core.serving import BackgroundServer, free_port, serve
from mkmw_emulators.mplus.server import create_emulator
from mkmw_flows.mplus.client import MplusClient
from mkmw_flows.mplus.paging import iter_product_pages

IDENT, SECRET = "bench", "bench-secret"


def rss_mb() -> float:
    """Peak RSS of this process in MB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def current_rss_mb() -> float:
    """Current RSS of this process in MB (Linux), else the peak."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
        return pages * resource.getpagesize() / (1024 * 1024)
    except OSError:
        return rss_mb()


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


def _serve_forever(articles: int, port: int) -> None:
    emulator = create_emulator(str(articles), ident=IDENT, secret=SECRET)
    server = BackgroundServer(emulator.app, port=port).start()
    while True:  # until the parent terminates us
        time.sleep(1)
        if not server._thread.is_alive():  # noqa: SLF001
            return


def _wait_up(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/", timeout=1).status_code == 405:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("emulator did not come up")


def run(url: str, limit: int) -> dict[str, float]:
    client = MplusClient(url, IDENT, SECRET)
    articles = products = 0
    samples: list[float] = []
    connections: set[int] = set()
    started, cpu_started = time.perf_counter(), time.process_time()
    for page in iter_product_pages(client, since=0, limit=limit):
        connections |= open_connections(client._http)  # noqa: SLF001
        products += len(page.items)
        articles += sum(len(p.articles) for p in page.items)
        if len(samples) < 100:
            samples.append(current_rss_mb())
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    client.close()
    return {
        "calls": client.stats.calls("getProducts"),
        "connections": len(connections),
        "products": products,
        "articles": articles,
        "wall": wall,
        "cpu": cpu,
        "rss_first": samples[0] if samples else 0.0,
        "rss_mid": samples[len(samples) // 2] if samples else 0.0,
        "rss_last": current_rss_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--in-process", action="store_true", help="serve from a thread instead")
    args = parser.parse_args()

    started = time.perf_counter()
    if args.in_process:
        emulator = create_emulator(str(args.articles), ident=IDENT, secret=SECRET)
        print(
            f"seed: {args.articles} articles in {time.perf_counter() - started:.2f} s (in process)"
        )
        with serve(emulator.app) as url:
            result = run(url, args.limit)
    else:
        port = free_port()
        child = multiprocessing.get_context("fork").Process(
            target=_serve_forever, args=(args.articles, port), daemon=True
        )
        child.start()
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_up(url)
            print(
                f"seed: {args.articles} articles, emulator up in "
                f"{time.perf_counter() - started:.2f} s (child process {child.pid})"
            )
            emulator_cpu = child_cpu_seconds(child.pid or 0)
            result = run(url, args.limit)
            result["emulator_cpu"] = child_cpu_seconds(child.pid or 0) - emulator_cpu
        finally:
            child.terminate()
            child.join(10)

    n = result["articles"]
    print(
        f"calls: {result['calls']:.0f} getProducts (the last one empty), "
        f"{result['products']:.0f} products, {n:.0f} articles, "
        f"over {result['connections']:.0f} HTTP connection(s) (keep-alive)"
    )
    print(f"wall: {result['wall']:.2f} s -> {n / result['wall']:,.0f} articles/s end to end")
    print(
        f"client CPU: {result['cpu']:.2f} s -> {n / result['cpu']:,.0f} articles/s "
        "per client CPU second (HTTP + XML parse + models)"
    )
    if "emulator_cpu" in result:
        print(f"emulator CPU (child process): {result['emulator_cpu']:.2f} s")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"client RSS: {result['rss_first']:.0f} MB after page 1, "
        f"{result['rss_mid']:.0f} MB mid-way, {result['rss_last']:.0f} MB at the end; "
        f"peak {rss_mb():.0f} MB"
    )
    assert n == args.articles, (n, args.articles)


if __name__ == "__main__":
    main()
