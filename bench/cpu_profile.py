"""Where the product's CPU goes in a benchmark run: a py-spy profile summed by layer.

The product runs its writes in threads on one interpreter lock, so a wall time far above its
floor is often CPU: the question is whose. ``py-spy record --gil`` samples only the thread that
holds the lock (what really runs Python); this script sums such a profile by the layer of the
frame that was running (the HTTP client stack, our API clients, the state store, the models,
the sync logic) and lists the functions that hold the most samples with their callers.

py-spy is a separate tool (``pip install py-spy``; it is not a dependency of the project).
Record a scenario, then summarize it::

    py-spy record --gil -r 250 -f raw -o /tmp/orders.raw -- python -m bench.orders
    python -m bench.cpu_profile /tmp/orders.raw

Only samples taken inside a sync are counted (a frame of ``mkmw_flows/sync`` on the stack, and
no import under way), so imports, seeding and the emulators' set-up are left out.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

#: The layer of a running frame, by the path of its file (first match wins).
LAYERS: tuple[tuple[str, str], ...] = (
    ("HTTP client stack (httpx, httpcore, h11)", r"(^|/)(httpx|httpcore|h11|anyio)/"),
    ("our API clients (mplus/, mijnwebwinkel/)", r"(^|/)mkmw_flows/(mplus|mijnwebwinkel)/"),
    ("state store (SQLAlchemy, state/)", r"(^|/)(sqlalchemy|sqlmodel)/|(^|/)mkmw_flows/state/"),
    ("models and JSON (pydantic, json)", r"(^|/)(pydantic|pydantic_core|json)/"),
    ("sync logic (sync/, mapping/, settings/)", r"(^|/)mkmw_flows/(sync|mapping|settings)/"),
    ("retries (tenacity)", r"(^|/)tenacity/"),
    ("threads and locks", r"(^|/)(threading\.py|queue\.py|concurrent/)"),
)
OTHER = "other (standard library, XML, ...)"
INSIDE = "mkmw_flows/sync/"
_FRAME = re.compile(r"^(?P<name>.*) \((?P<file>[^:]*):\d+\)$")


@dataclass
class Summary:
    """A profile summed by layer and by function.

    Attributes:
        samples: Samples counted (inside a sync).
        left_out: Samples outside any sync (imports, set-up).
        layers: Samples per layer of the running frame.
        functions: Samples per running function (``name (file)``).
    """

    samples: int = 0
    left_out: int = 0
    layers: Counter[str] = field(default_factory=Counter)
    functions: Counter[str] = field(default_factory=Counter)


def layer_of(path: str) -> str:
    """The layer a source file belongs to."""
    for name, pattern in LAYERS:
        if re.search(pattern, path):
            return name
    return OTHER


def summarize(lines: Iterable[str], inside: str = INSIDE) -> Summary:
    """Sum py-spy ``raw`` lines (``frame;frame;... count``) by layer and function.

    Args:
        lines: The profile's lines.
        inside: Count only stacks with a frame whose file path contains this.
    """
    summary = Summary()
    for line in lines:
        line = line.rstrip()
        if not line:
            continue
        stack, _, count_text = line.rpartition(" ")
        count = int(count_text)
        frames = stack.split(";")
        importing = any("importlib._bootstrap" in frame for frame in frames)
        if importing or not any(inside in frame for frame in frames):
            summary.left_out += count
            continue
        summary.samples += count
        match = _FRAME.match(frames[-1])
        path = match.group("file") if match else frames[-1]
        name = match.group("name") if match else frames[-1]
        summary.layers[layer_of(path)] += count
        summary.functions[f"{name} ({path})"] += count
    return summary


def render(summary: Summary, top: int = 12) -> str:
    """The summary as two markdown tables: by layer, then the busiest functions."""
    if not summary.samples:
        return "No sample inside the run (was the profile recorded with --gil around a run?)."
    total = summary.samples
    out = [
        f"{total} samples inside the run ({summary.left_out} outside it left out).",
        "",
        "| layer of the running frame | share of the product's CPU |",
        "|---|---|",
    ]
    out += [f"| {name} | {n / total:.0%} |" for name, n in summary.layers.most_common()]
    out += ["", "| busiest functions (self) | share |", "|---|---|"]
    out += [f"| `{name}` | {n / total:.1%} |" for name, n in summary.functions.most_common(top)]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    """Print the summary of a py-spy raw profile."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("raw", type=Path, help="py-spy record -f raw output")
    parser.add_argument("--top", type=int, default=12, help="functions listed")
    parser.add_argument(
        "--inside", default=INSIDE, help="count only stacks through this path (a client read)"
    )
    args = parser.parse_args(argv)
    with args.raw.open() as fh:
        print(render(summarize(fh, args.inside), args.top))


if __name__ == "__main__":
    main()
