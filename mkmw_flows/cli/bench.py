"""`mkmw bench`: run the bench/ scenarios of a source checkout."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mkmw_flows.cli.common import console


def bench(
    quick: Annotated[bool, typer.Option(help="Small sizes, for a smoke check.")] = False,
    only: Annotated[
        list[str] | None,
        typer.Option(
            help="Just this scenario (calibration, products, stock, orders, prefect-overhead)."
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Markdown page to write.")] = None,
) -> None:
    """Run the bench/ scenarios and write docs/benchmarks.md (a source checkout only)."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    if not (root / "bench" / "__main__.py").exists():
        console.print("[red]error:[/red] the benchmarks ship with a source checkout (bench/)")
        raise typer.Exit(code=2)
    args = [sys.executable, "-m", "bench"] + (["--quick"] if quick else [])
    args += ["--only", *only] if only else []
    args += ["--out", str(out.resolve())] if out else []
    raise typer.Exit(code=subprocess.call(args, cwd=root))  # noqa: S603 - our own interpreter
