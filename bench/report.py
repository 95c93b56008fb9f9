"""Figures of the benchmark scenarios: the machine, the floor of a run, and the markdown page.

Plain functions, no Prefect and no emulators: ``bench/__main__.py`` collects one JSON document
per scenario (written by ``bench/scenarios.py`` or ``bench/prefect_overhead.py``) and renders
``docs/benchmarks.md`` with :func:`render`.

A scenario document::

    {"name": "products", "title": "...", "setup": "...", "notes": ["..."],
     "runs": [RUN, ...], "overhead": [ROW, ...]}

A run (see :func:`run_figures`) holds the records by outcome, the calls made per side and
operation, the minimum needed, the wall time and its floor, and the peak RSS.
"""

from __future__ import annotations

import math
import os
import platform
import resource
import sys
from dataclasses import dataclass
from typing import Any

SHARED_MACHINE = (
    "This machine is shared with other engineers running test suites at the same time, so "
    "wall times carry noise from their load (see the load average before and after the run)."
)


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gb() -> float | None:
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / (1024 * 1024)
    except OSError:
        pass
    return None


def _os_name() -> str:
    try:
        with open("/etc/os-release") as fh:
            for line in fh:
                if line.startswith("PRETTY_NAME="):
                    return f"{line.split('=', 1)[1].strip().strip(chr(34))} ({platform.release()})"
    except OSError:
        pass
    return platform.platform()


def machine() -> dict[str, Any]:
    """The machine the figures come from: CPU, cores, memory, OS, Python, Prefect, load."""
    from importlib.metadata import version

    memory = _memory_gb()
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory": f"{memory:.0f} GB" if memory else "unknown",
        "os": _os_name(),
        "python": platform.python_version(),
        "prefect": version("prefect"),
        "load_before": os.getloadavg(),
    }


@dataclass(frozen=True)
class Floor:
    """The shortest possible wall time of a run, given its calls.

    MplusKASSA calls go ``mplus_concurrency`` at a time (1 unless a flow takes its records in
    parallel, as the orders flow does); shop reads go
    ``read_concurrency`` at a time and shop writes ``write_concurrency`` at a time; with a
    rate limit on the shop, its calls beyond the first burst (the client's token bucket holds
    ``max(1, rate)``) cannot go faster than ``rate`` per second.
    """

    latency_ms: float
    read_concurrency: int = 1
    write_concurrency: int = 1
    rate: float | None = None
    mplus_concurrency: int = 1

    def seconds(self, mplus_calls: int, shop_reads: int, shop_writes: int) -> float:
        """The floor in seconds for these calls."""
        return max(
            self.by_latency(mplus_calls, shop_reads, shop_writes),
            self.by_rate(shop_reads + shop_writes),
        )

    def by_latency(self, mplus_calls: int, shop_reads: int, shop_writes: int) -> float:
        """The floor the latency alone sets (what the calibration scales)."""
        rounds = (
            math.ceil(mplus_calls / self.mplus_concurrency)
            + math.ceil(shop_reads / self.read_concurrency)
            + math.ceil(shop_writes / self.write_concurrency)
        )
        return self.latency_ms / 1000 * rounds

    def by_rate(self, shop_calls: int) -> float:
        """The floor the shop's rate limit alone sets (0 without one)."""
        if not self.rate:
            return 0.0
        return max(0.0, shop_calls - max(1.0, self.rate)) / self.rate

    def formula(self) -> str:
        """How the floor is computed, in words."""
        mplus = "MplusKASSA calls"
        if self.mplus_concurrency > 1:
            mplus += f" / {self.mplus_concurrency}"
        text = (
            f"{self.latency_ms:g} ms x ({mplus} + shop reads / {self.read_concurrency} "
            f"+ shop writes / {self.write_concurrency})"
        )
        if self.rate:
            text += (
                f", and at least (shop calls - a burst of {max(1.0, self.rate):g}) / "
                f"{self.rate:g} per second (rate limit)"
            )
        else:
            text += "; no shop rate limit configured"
        return text


def run_figures(
    label: str,
    *,
    records: dict[str, int],
    mplus_calls: dict[str, int],
    mplus_writes: int,
    shop_calls: dict[str, int],
    shop_writes: int,
    minimum_calls: int,
    minimum_writes: int,
    minimum_why: str,
    wall: float,
    floor: Floor,
    rss_mb: float,
    cpu: float | None = None,
    emulator_cpu: float | None = None,
) -> dict[str, Any]:
    """One measured run as a JSON-ready dict (the floor computed from the calls made).

    `rss_mb` and `cpu` are the measuring process's peak RSS and CPU seconds during the run
    (the product's own when the emulators run in a child); `emulator_cpu` is what the
    emulators' child used meanwhile, where known.
    """
    mplus_total = sum(mplus_calls.values())
    shop_total = sum(shop_calls.values())
    return {
        "label": label,
        "records": records,
        "mplus_calls": mplus_calls,
        "shop_calls": shop_calls,
        "calls": mplus_total + shop_total,
        "mplus_total": mplus_total,
        "shop_total": shop_total,
        "writes": mplus_writes + shop_writes,
        "minimum_calls": minimum_calls,
        "minimum_writes": minimum_writes,
        "minimum_why": minimum_why,
        "wall": wall,
        "floor": floor.seconds(mplus_total, shop_total - shop_writes, shop_writes),
        "floor_latency": floor.by_latency(mplus_total, shop_total - shop_writes, shop_writes),
        "floor_rate": floor.by_rate(shop_total),
        "floor_formula": floor.formula(),
        "rss_mb": rss_mb,
        "cpu": cpu,
        "emulator_cpu": emulator_cpu,
    }


def _fmt_records(records: dict[str, int]) -> str:
    shown = {k: v for k, v in records.items() if v}
    return ", ".join(f"{k} {v}" for k, v in shown.items()) or "none"


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}x" if b else "n/a"


def call_cost_factor(scenarios: list[dict[str, Any]], latency_ms: float) -> float | None:
    """What one call really costs here, as a multiple of the emulated latency (calibration)."""
    for scenario in scenarios:
        measured = scenario.get("figures", {}).get(f"{latency_ms:g}")
        if scenario.get("name") == "calibration" and measured:
            return float(sum(measured.values())) / len(measured) / latency_ms
    return None


def runs_table(runs: list[dict[str, Any]], factor: float | None = None) -> list[str]:
    """The markdown table of a scenario's runs.

    With `factor` (see :func:`call_cost_factor`) a second floor is shown: the same calls at
    the cost one call was measured to take on this machine.
    """
    extra = " floor at the measured call cost | wall / that floor |" if factor else ""
    lines = [
        "| run | records | calls made (MplusKASSA + shop) | minimum calls | writes made / "
        "minimum | wall time | floor | wall / floor | product CPU | peak RSS |" + extra,
        "|---|---|---|---|---|---|---|---|---|---|" + ("---|---|" if factor else ""),
    ]
    for r in runs:
        cpu = f"{r['cpu']:.2f} s" if r.get("cpu") is not None else "n/a"
        row = (
            f"| {r['label']} | {_fmt_records(r['records'])} | {r['calls']} "
            f"({r['mplus_total']} + {r['shop_total']}) | {r['minimum_calls']} | "
            f"{r['writes']} / {r['minimum_writes']} | {r['wall']:.2f} s | {r['floor']:.2f} s | "
            f"{_ratio(r['wall'], r['floor'])} | {cpu} | {r['rss_mb']:.0f} MB |"
        )
        if factor:
            latency_floor = r.get("floor_latency", r["floor"])
            measured = max(latency_floor * factor, r.get("floor_rate", 0.0))
            row += f" {measured:.2f} s | {_ratio(r['wall'], measured)} |"
        lines.append(row)
    return lines


def overhead_table(rows: list[dict[str, Any]]) -> list[str]:
    """The markdown table of the Prefect overhead rows."""
    lines = [
        "| flow and scenario | plain sync functions | Prefect flow | flow / plain (added) | "
        "flow, heartbeat off | heartbeat off / plain (added) | task runs |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        direct, quiet = row["direct"], row.get("flow_no_heartbeat")
        lines.append(
            f"| {row['label']} | {direct:.2f} s | {row['flow']:.2f} s | "
            f"{_ratio(row['flow'], direct)} (+{row['flow'] - direct:.2f} s) | "
            + (
                f"{quiet:.2f} s | {_ratio(quiet, direct)} (+{quiet - direct:.2f} s)"
                if quiet
                else "n/a | n/a"
            )
            + f" | {row.get('tasks') or 'n/a'} |"
        )
    return lines


def _details(runs: list[dict[str, Any]]) -> list[str]:
    lines = ["", "Calls per operation and how the minimum is counted:", ""]
    for r in runs:
        mplus = ", ".join(f"{k} {v}" for k, v in sorted(r["mplus_calls"].items())) or "none"
        shop = ", ".join(f"{k} {v}" for k, v in sorted(r["shop_calls"].items())) or "none"
        cpu = f" CPU time of the measuring process: {r['cpu']:.1f} s." if r.get("cpu") else ""
        if r.get("emulator_cpu") is not None:
            cpu += f" CPU time of the emulators' child meanwhile: {r['emulator_cpu']:.1f} s."
        lines.append(
            f"- **{r['label']}**: MplusKASSA {mplus}; shop {shop}. Minimum: {r['minimum_why']}."
            + cpu
        )
    formulas: dict[str, list[str]] = {}
    for r in runs:
        formulas.setdefault(r["floor_formula"], []).append(r["label"])
    if len(formulas) == 1:
        lines += ["", f"Floor: {next(iter(formulas))}."]
    else:
        lines += [""] + [
            f"Floor of {', '.join(labels)}: {formula}." for formula, labels in formulas.items()
        ]
    return lines


def findings(
    scenarios: list[dict[str, Any]], *, slow: float = 2.0, noise: float = 0.25
) -> list[str]:
    """Every figure off its target, as plain sentences.

    Calls or writes above the minimum, a wall time above `slow` times its floor (and more
    than `noise` seconds above it), failed records, and the scenarios' own mismatch and
    duplicate notes.
    """
    found: list[str] = []
    for scenario in scenarios:
        for r in scenario.get("runs", []):
            where = f"{scenario['name']}, {r['label']}"
            if r["calls"] > r["minimum_calls"]:
                found.append(
                    f"{where}: {r['calls']} calls, {r['calls'] - r['minimum_calls']} above the "
                    f"minimum of {r['minimum_calls']}"
                )
            if r["writes"] > r["minimum_writes"]:
                found.append(
                    f"{where}: {r['writes']} writes, {r['writes'] - r['minimum_writes']} above "
                    f"the minimum of {r['minimum_writes']}"
                )
            if r["floor"] and r["wall"] > max(slow * r["floor"], r["floor"] + noise):
                cpu = f", CPU {r['cpu']:.1f} s" if r.get("cpu") else ""
                found.append(
                    f"{where}: wall {r['wall']:.2f} s is {r['wall'] / r['floor']:.1f}x its "
                    f"floor of {r['floor']:.2f} s{cpu}"
                )
            if r["records"].get("failed"):
                found.append(f"{where}: {r['records']['failed']} records failed")
            seen = (r.get("inflight") or {}).get("calls")
            if seen is not None and (
                seen.get("MplusKASSA", 0) != r["mplus_total"]
                or seen.get("shop", 0) != r["shop_total"]
            ):
                found.append(
                    f"{where}: the client timed {seen} calls, the emulators counted "
                    f"{r['mplus_total']} MplusKASSA and {r['shop_total']} shop calls"
                )
        found += [
            f"{scenario['name']}: {note}"
            for note in scenario.get("notes", [])
            if note.startswith(("MISMATCH", "DUPLICATES"))
        ]
    return found


#: The performance goals (issue 16): scenario, the start of a run's label, what is measured,
#: the goal, and what bounds a missed figure beyond what the run measured (see
#: :func:`bound`): only what stays true of the code and the floor, no figure.
GOALS: list[tuple[str, str, str, float, str]] = [
    (
        "products",
        "first sync",
        "wall / floor",
        1.5,
        "the floor counts the writes in flight at no CPU cost and no time between pages "
        "(page reads, categories, commits)",
    ),
    (
        "stock",
        "1,000 articles",
        "wall / floor",
        1.3,
        "each page is committed (bindings, ledger) after its writes, before the next page's "
        "writes start",
    ),
    (
        "orders",
        "1,000 new orders",
        "wall / floor",
        1.2,
        "the floor counts the orders in flight at no CPU cost and no time between pages",
    ),
]


#: The sides of :mod:`bench.inflight` in the order the tables show them.
SIDES = ("MplusKASSA", "shop")


def _share(part: float, whole: float) -> str:
    return f"{part / whole:.0%}" if whole else "n/a"


def _per_side(figures: dict[str, Any], key: str) -> str:
    values = figures.get(key) or {}
    return " / ".join(f"{values[side]:.1f}" if side in values else "-" for side in SIDES)


def bound(run: dict[str, Any], static: str) -> str:
    """What bounds a run's wall: the measured split of its wall and call times, then `static`."""
    inflight = run.get("inflight")
    if not inflight:
        return static
    wall, seconds, slots = inflight["wall"], inflight["seconds"], inflight["slots"]
    medians = inflight.get("median_ms") or {}
    calls = ", ".join(f"{medians[side]:.1f} ms on {side}" for side in SIDES if side in medians)
    text = (
        f"all {slots} slots busy {_share(seconds['all'], wall)} of the wall, fewer calls in "
        f"flight {_share(seconds['some'], wall)}, none {_share(seconds['none'], wall)}; a call "
        f"took {calls} (median) against {inflight['latency_ms']:g} ms emulated"
    )
    if run.get("cpu") is not None:
        text += f"; product CPU {run['cpu']:.1f} s in the {run['wall']:.1f} s wall"
    return f"{text}; {static}" if static else text


def inflight_table(runs: list[dict[str, Any]]) -> list[str]:
    """Where each run's wall goes: seconds by calls in flight, and what one call took.

    Empty when no run carries the figures of :mod:`bench.inflight`.
    """
    shown = [r for r in runs if r.get("inflight")]
    if not shown:
        return []
    slots = {r["inflight"]["slots"] for r in shown}
    busy = f"all {next(iter(slots))} busy" if len(slots) == 1 else "all slots busy (slots)"
    lines = [
        "Where the wall goes: every HTTP call of the run timed in the client "
        "(`bench/inflight.py`), the wall split by the calls in flight (**some**: fewer than "
        "the slots the floor counts), and one call's time from its request going out to its "
        "whole response read.",
        "",
        f"| run | wall | none in flight | some | {busy} | calls (MplusKASSA / shop) | "
        "median call, ms (MplusKASSA / shop) | p90 call, ms | emulated latency |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in shown:
        f = r["inflight"]
        wall, seconds, calls = f["wall"], f["seconds"], f["calls"]
        cells = [
            f"{seconds[k]:.2f} s ({_share(seconds[k], wall)})" for k in ("none", "some", "all")
        ]
        if len(slots) > 1:
            cells[2] += f" ({f['slots']})"
        count = " / ".join(str(calls.get(side, 0)) for side in SIDES)
        if calls.get("other"):
            count += f" (+{calls['other']} elsewhere)"
        lines.append(
            f"| {r['label']} | {wall:.2f} s | {' | '.join(cells)} | {count} | "
            f"{_per_side(f, 'median_ms')} | {_per_side(f, 'p90_ms')} | {f['latency_ms']:g} ms |"
        )
    return [*lines, ""]


def _peak_ratio(scenarios: list[dict[str, Any]]) -> tuple[float, float, float] | None:
    """Peak RSS of the largest full stock run, and its ratio to the smallest one's."""
    for scenario in scenarios:
        if scenario.get("name") != "stock-full" or len(scenario.get("runs", [])) < 2:
            continue
        runs = scenario["runs"]
        small, large = float(runs[0]["rss_mb"]), float(runs[-1]["rss_mb"])
        return large, large / small, small
    return None


def goals_table(scenarios: list[dict[str, Any]]) -> list[str]:
    """Each goal with the figure measured, whether it is met and, if not, what bounds it."""
    rows = [
        "| run | measure | goal | measured | met | what bounds it |",
        "|---|---|---|---|---|---|",
    ]
    for name, label, measure, goal, static in GOALS:
        for scenario in scenarios:
            if scenario.get("name") != name:
                continue
            for run in scenario.get("runs", []):
                if not str(run.get("label", "")).startswith(label):
                    continue
                ratio = run["wall"] / run["floor"] if run["floor"] else float("inf")
                met = ratio <= goal
                rows.append(
                    f"| {name}: {run['label']} | {measure} | ≤ {goal:.1f}x | {ratio:.1f}x | "
                    f"{'yes' if met else 'no'} | {'' if met else bound(run, static)} |"
                )
    peak = _peak_ratio(scenarios)
    if peak is not None:
        large, ratio, small = peak
        met = large <= 300 and ratio <= 1.3
        rows.append(
            f"| stock-full: the largest full run | peak RSS, and against the smallest run | "
            f"≤ 300 MB and ≤ 1.3x | {large:.0f} MB, {ratio:.2f}x ({small:.0f} MB) | "
            f"{'yes' if met else 'no'} | |"
        )
    return rows


def render(
    scenarios: list[dict[str, Any]],
    info: dict[str, Any],
    *,
    command: str,
    started: str,
    load_after: tuple[float, float, float] | None = None,
    failures: dict[str, str] | None = None,
) -> str:
    """The whole docs/benchmarks.md page."""
    load = ", ".join(f"{v:.2f}" for v in info["load_before"])
    lines = [
        "# Benchmarks",
        "",
        "Figures from one run of the benchmark scenarios in `bench/` against both emulators "
        "over real HTTP on 127.0.0.1, every request delayed by the emulated latency. They are "
        "not tests; `make test` does not run them.",
        "",
        "## How they were made",
        "",
        "```",
        command,
        "```",
        "",
        f"Started {started}. Each scenario runs in its own process, so its peak RSS is its own "
        "(the process tree's peak, as the kernel reports it when the process ends, and the "
        "peak of the measuring process per run).",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        f"| CPU | {info['cpu']} |",
        f"| cores | {info['cores']} |",
        f"| memory | {info['memory']} |",
        f"| OS | {info['os']} |",
        f"| Python | {info['python']} |",
        f"| Prefect | {info['prefect']} |",
        f"| load average before (1, 5, 15 min) | {load} |",
    ]
    if load_after:
        lines.append(
            f"| load average after (1, 5, 15 min) | {', '.join(f'{v:.2f}' for v in load_after)} |"
        )
    lines += ["", SHARED_MACHINE, ""]
    lines += [
        "## Reading the tables",
        "",
        "- **calls made** against the **minimum calls** a sync needs for the same work "
        "(counted per scenario below), and writes made against the writes needed.",
        "- **floor**: the shortest wall time the calls allow: the emulated latency times the "
        "calls that must wait for each other, with the flow's concurrency and, where one is "
        "configured, the shop's rate limit. **wall / floor** near 1 means the run is bound by "
        "the APIs; far above 1 means time goes elsewhere (CPU, the state store, the emulators "
        "sharing the machine).",
        "- **floor at the measured call cost**: the same floor with the time one call was "
        "measured to take on this machine (the calibration) in place of the emulated latency "
        "alone; it includes the client, loopback HTTP, the emulator and the machine's load.",
        "- **product CPU**: CPU seconds (user + system, every thread) of the measuring process "
        "during the run. Where the setup says the emulators run in a child process "
        "(`bench/harness.py`), this is the product's own: the emulators' CPU is not in it.",
        "- **peak RSS**: the measuring process's peak resident memory during that run (the "
        "kernel's high-water mark, reset when the run starts; where it cannot be reset, the "
        "process's peak so far). With the emulators in a child it holds none of their state.",
        "",
    ]
    for scenario in scenarios:
        lines += [f"## {scenario['title']}", ""]
        if scenario.get("setup"):
            lines += [scenario["setup"], ""]
        lines += scenario.get("table", [])
        if scenario.get("runs"):
            factor = call_cost_factor(scenarios, scenario.get("latency_ms", 20.0))
            lines += runs_table(scenario["runs"], factor)
            lines += _details(scenario["runs"])
            lines += ["", *inflight_table(scenario["runs"])]
        if scenario.get("overhead"):
            lines += overhead_table(scenario["overhead"])
        if lines[-1]:
            lines.append("")
        tree = scenario.get("tree_peak_rss_mb")
        if tree:
            lines.append(
                f"Peak RSS of the scenario's process tree: {tree:.0f} MB. "
                + (
                    f"Scenario wall time including set-up: {scenario['elapsed']:.0f} s."
                    if scenario.get("elapsed")
                    else ""
                )
            )
            lines.append("")
        lines += [f"- {note}" for note in scenario.get("notes", [])]
        if lines[-1]:
            lines.append("")
    goals = goals_table(scenarios)
    if len(goals) > 2:
        lines += [
            "## Goals",
            "",
            "The performance goals and how this run measured against them. The read goals "
            "(MplusKASSA at 10,000 articles/s or more, the shop's paged read at 1.5x its "
            "floor or less) are measured by `python -m bench.mplus_read` and "
            "`python -m bench.mijnwebwinkel_read`, outside this page. Where the product's "
            "CPU goes in the runs that miss a goal (a py-spy profile of each, summed by layer "
            "with `python -m bench.cpu_profile`): [profiles.md](profiles.md).",
            "",
            *goals,
            "",
        ]
    off = findings(scenarios)
    lines += ["## Off target", ""]
    if off:
        lines += [
            "Every figure above its minimum, and every wall time more than twice its floor "
            "(and over 0.25 s above it), as measured; the calibration above shows what one "
            "call costs on this machine beyond the emulated latency:",
            "",
        ]
        lines += [f"- {item}" for item in off]
    else:
        lines.append("Every run made the minimum calls and stayed within twice its floor.")
    lines.append("")
    for name, error in (failures or {}).items():
        lines += [f"## {name}: FAILED", "", "```", error.strip()[-3000:], "```", ""]
    return "\n".join(lines).rstrip() + "\n"
