"""`python -m bench`: the smallest scenario end to end, the page's figures, `mkmw bench`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bench.report import Floor, render, run_figures
from mkmw_flows.cli.main import app

ROOT = Path(__file__).resolve().parents[2]


def test_quick_orders_scenario_writes_the_page(tmp_path: Path) -> None:
    out = tmp_path / "benchmarks.md"
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    done = subprocess.run(
        [
            *(sys.executable, "-m", "bench", "--quick", "--only", "orders"),
            *("--out", str(out), "--figures", str(tmp_path / "figures.json")),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    page = out.read_text()
    assert "python -m bench --quick --only orders" in page
    for row in (
        "| CPU |",
        "| cores |",
        "| memory |",
        "| Python |",
        "| Prefect |",
        "| load average",
    ):
        assert row in page
    assert "## Orders: 10 shop orders into MplusKASSA" in page
    assert "| run | records | calls made (MplusKASSA + shop) | minimum calls |" in page
    row = next(line for line in page.splitlines() if line.startswith("| 10 new orders"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert "created 10" in cells[1]
    made, minimum = int(cells[2].split()[0]), int(cells[3])
    assert made >= minimum > 10  # every order needs at least its createOrderV3
    writes, minimum_writes = (int(x) for x in cells[4].split(" / "))
    assert writes == minimum_writes  # one order, one relation per new customer, one status
    wall, floor = (float(c.removesuffix(" s")) for c in cells[5:7])
    assert wall >= floor > 0
    assert re.fullmatch(r"\d+ MB", cells[8])
    assert "duplicates after the run: orders 0, relations 0" in page
    assert "FAILED" not in page

    again = tmp_path / "again.md"
    rendered = subprocess.run(
        [sys.executable, "-m", "bench", "--render-from", str(tmp_path / "figures.json")]
        + ["--out", str(again)],
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert rendered.returncode == 0
    assert again.read_text() == page


def test_floor_counts_latency_concurrency_and_rate() -> None:
    floor = Floor(20, read_concurrency=4, write_concurrency=8)
    # 10 sequential MplusKASSA calls, 8 reads in 2 rounds, 17 writes in 3 rounds
    assert floor.seconds(10, 8, 17) == pytest.approx(0.02 * 15)
    limited = Floor(20, write_concurrency=8, rate=5)
    # 100 calls at 5 per second, the first 5 at once (the client's burst)
    assert limited.seconds(0, 0, 100) == pytest.approx(19.0)
    assert "rate limit" in limited.formula() and "no shop rate limit" in floor.formula()


def test_render_reports_failures_and_overhead() -> None:
    run = run_figures(
        "first sync",
        records={"created": 3, "failed": 0},
        mplus_calls={"getProducts": 2},
        mplus_writes=0,
        shop_calls={"POST /v1/articles": 3},
        shop_writes=3,
        minimum_calls=5,
        minimum_writes=3,
        minimum_why="2 pages + 3 POSTs",
        wall=0.5,
        floor=Floor(20, write_concurrency=8),
        rss_mb=100,
    )
    info: dict[str, Any] = {
        "cpu": "x",
        "cores": 2,
        "memory": "1 GB",
        "os": "y",
        "python": "3",
        "prefect": "3.9.1",
        "load_before": (1.0, 2.0, 3.0),
    }
    overhead = {
        "name": "prefect-overhead",
        "title": "Prefect overhead",
        "overhead": [{"label": "sync-stock", "direct": 1.0, "flow": 2.5, "flow_no_heartbeat": 1.5}],
    }
    calibration = {
        "name": "calibration",
        "title": "One call",
        "table": ["| a | b |", "|---|---|"],
        "figures": {"20": {"mplus": 30.0, "shop": 30.0}},  # a 20 ms call takes 30 ms here
    }
    page = render(
        [calibration, {"name": "products", "title": "Products", "runs": [run]}, overhead],
        info,
        command="python -m bench",
        started="now",
        failures={"stock": "exit code 1\nboom"},
    )
    assert (
        "| first sync | created 3 | 5 (2 + 3) | 5 | 3 / 3 | 0.50 s | 0.06 s | 8.3x | 100 MB |"
        " 0.09 s | 5.6x |" in page
    )
    assert "- products, first sync: wall 0.50 s is 8.3x its floor of 0.06 s" in page
    assert (
        "| sync-stock | 1.00 s | 2.50 s | 2.5x (+1.50 s) | 1.50 s | 1.5x (+0.50 s) | n/a |" in page
    )
    assert "## stock: FAILED" in page and "boom" in page


def test_mkmw_bench_runs_python_m_bench(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen: dict[str, Any] = {}

    def call(args: list[str], cwd: Path) -> int:
        seen.update(args=args, cwd=cwd)
        return 0

    monkeypatch.setattr(subprocess, "call", call)
    result = CliRunner().invoke(
        app, ["bench", "--quick", "--only", "orders", "--out", str(tmp_path / "b.md")]
    )
    assert result.exit_code == 0, result.output
    assert seen["args"][1:] == [
        "-m",
        "bench",
        "--quick",
        "--only",
        "orders",
        "--out",
        str(tmp_path / "b.md"),
    ]
    assert Path(seen["cwd"]) == ROOT
