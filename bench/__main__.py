"""Run the benchmark scenarios and write ``docs/benchmarks.md``.

    .venv/bin/python -m bench [--quick] [--only NAME ...] [--out PATH]

Scenarios (each in its own process, so each one's peak RSS is its own): ``calibration``
(what one call costs on this machine, with and without the emulated latency), ``products``
(10,000 articles: first sync, no-change rerun, 1% repriced), ``stock`` (100,000 articles, 1%
sold), ``orders`` (1,000 orders), all at 20 ms emulated latency, and ``prefect-overhead``
(the flows against their plain sync functions). The emulators run in a child process of each
scenario (``bench/harness.py``), so a run's CPU time and peak RSS are the product's own.
``--quick`` runs small sizes for a smoke check. Not part of ``make test``; ``make bench`` and
``mkmw bench`` run this.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.report import machine, render

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ("calibration", "products", "stock", "stock-full", "orders", "prefect-overhead")
DEFAULT_OUT = ROOT / "docs" / "benchmarks.md"


def _command(name: str, out: Path, quick: bool, repeat: int) -> list[str]:
    if name == "prefect-overhead":
        cmd = [sys.executable, "-m", "bench.prefect_overhead", "--json", str(out)]
        cmd += ["--repeat", str(repeat)]
    else:
        cmd = [sys.executable, "-m", "bench.scenarios", name, "--json", str(out)]
    return cmd + (["--quick"] if quick else [])


def _environment(home: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "PREFECT_HOME": home,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_SERVER_UI_ENABLED": "false",
            "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
            "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p),
        }
    )
    return env


def run_scenario(
    name: str, *, quick: bool, repeat: int, workdir: Path, timeout: float
) -> tuple[dict[str, Any] | None, str]:
    """Run one scenario in a child process; return (its figures or None, its output)."""
    out = workdir / f"{name}.json"
    home = tempfile.mkdtemp(prefix=f"mkmw-bench-{name}-", dir=workdir)
    log = workdir / f"{name}.log"
    print(f"\n=== {name}", flush=True)
    with log.open("w") as fh:
        proc = subprocess.Popen(
            _command(name, out, quick, repeat),
            cwd=ROOT,
            env=_environment(home),
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        timed_out = False
        # wait4 gives this child's own resource usage: its peak RSS (and its children's).
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                timed_out = True
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.2)
        proc.returncode = os.waitstatus_to_exitcode(status)
    output = log.read_text(errors="replace")
    print(output[-4000:], flush=True)
    if proc.returncode != 0 or not out.exists():
        reason = f"exit code {proc.returncode}" + (
            f" (killed after {timeout:.0f} s)" if timed_out else ""
        )
        return None, f"{reason}\n{output}"
    doc: dict[str, Any] = json.loads(out.read_text())
    tree_peak = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    doc["tree_peak_rss_mb"] = tree_peak
    return doc, output


def write_page(out: Path, figures: dict[str, Any]) -> None:
    """Render the figures of a run into the markdown page at `out`."""
    page = render(
        figures["docs"],
        figures["info"],
        command=figures["command"],
        started=figures["started"],
        load_after=figures["load_after"],
        failures=figures["failures"],
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page)


def main(argv: list[str] | None = None) -> int:
    """Run the chosen scenarios and write the page; return the exit code."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke check")
    parser.add_argument(
        "--only", nargs="+", choices=SCENARIOS, metavar="NAME", help=f"of {', '.join(SCENARIOS)}"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the markdown page")
    parser.add_argument("--repeat", type=int, default=1, help="prefect-overhead runs per variant")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per scenario")
    parser.add_argument("--figures", type=Path, help="also keep the raw figures here (JSON)")
    parser.add_argument(
        "--render-from", type=Path, metavar="FIGURES", help="render a kept figures file again"
    )
    args = parser.parse_args(argv)
    if args.render_from:
        kept = json.loads(args.render_from.read_text())
        write_page(args.out, kept)
        return 1 if kept["failures"] else 0
    names = [n for n in SCENARIOS if not args.only or n in args.only]
    given = sys.argv[1:] if argv is None else argv
    command = shlex.join(["python", "-m", "bench", *given])
    info = machine()
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"{command}: {', '.join(names)}; load average {info['load_before']}", flush=True)
    docs: list[dict[str, Any]] = []
    failures: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="mkmw-bench-") as tmp:
        for name in names:
            doc, output = run_scenario(
                name, quick=args.quick, repeat=args.repeat, workdir=Path(tmp), timeout=args.timeout
            )
            if doc is None:
                failures[name] = output
            else:
                docs.append(doc)
    figures = {
        "docs": docs,
        "info": info,
        "command": command,
        "started": started,
        "load_after": os.getloadavg(),
        "failures": failures,
    }
    if args.figures:
        args.figures.write_text(json.dumps(figures, indent=1, default=str))
    write_page(args.out, figures)
    print(f"\nwrote {args.out}" + (f"; FAILED: {', '.join(failures)}" if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
