"""Soak: products, orders and stock for many cycles under seeded faults on both sides.

Both emulators (demo seeds) are served on 127.0.0.1 with 20% transient faults (server
errors, dropped connections, time-outs) and 20% commit-then-drop on writes, each from its own
seeded random generator. Every cycle first changes both systems the way a shop day does
(store sales, price changes, new products and new sizes in MplusKASSA; new shop orders,
orders paid later, deliveries in MplusKASSA) and then runs products, orders and stock. A run
may fail as a whole; the next cycle goes on. Afterwards the faults are switched off, one clean
catch-up cycle runs (every flow incremental, as the 5-minute and hourly schedules run them),
and the agreement is checked:

* products: a full dry-run compare plans nothing to create or update; no SKU is twice in the
  shop; every MplusKASSA webshop product is linked, or its latest ledger entry says why not;
  every linked variant product offers exactly its own options and no option repair is owed;
* stock: reconciliation finds no drift;
* orders: every eligible shop order is in MplusKASSA exactly once (by extOrderId), no
  extOrderId is there twice, every other shop order has a ledger reason, and no customer
  e-mail became two relations.

The cycles call the plain sync functions (no Prefect server) with short client time-outs and
retry waits; the CI version (tests/resilience/test_soak.py) also runs cycles through the real
Prefect flows.

From the checkout's root (a test tool, not part of the installed package):

    .venv/bin/python -m tests.drills.soak [--cycles 30] [--seed 1] [--fault-rate 0.2]
        [--commit-then-drop 0.2]

Prints cycles, faults injected per kind, calls, records per outcome, wall time and the
verdict; exits 1 when the systems disagree.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mkmw_emulators.core.faults import FaultConfig
from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.blocks import Integration
from mkmw_flows.state import StateStore

from .agreement import agreement
from .runs import PlainRunner, integration_fields
from .shop_day import Changes

FLOWS = ("products", "orders", "stock")
FAULTS_OFF = FaultConfig()


def faults(seed: int, rate: float = 0.2, commit_then_drop: float = 0.2) -> FaultConfig:
    """The soak's fault injection: transient faults of every kind and commit-then-drop."""
    return FaultConfig(
        latency_ms=1,
        fault_rate=rate,
        commit_then_drop_rate=commit_then_drop,
        hang_seconds=0.3,
        seed=seed,
    )


@dataclass
class SoakResult:
    """What a soak did and found."""

    cycles: int
    seconds: float
    faults: dict[str, Counter[str]]
    calls: Counter[str]
    records: Counter[str]
    failed_runs: Counter[str]
    changes: Counter[str]
    problems: list[str]
    figures: dict[str, Any]
    held: dict[str, int]

    @property
    def ok(self) -> bool:
        """True when both systems agree."""
        return not self.problems


class Soak:
    """A soak over one EmulatorPair: cycles of changes and runs, then the agreement check.

    Args:
        pair: Started emulators (demo seeds).
        workdir: Where the state database goes.
        seed: Seed of the changes and the faults.
        fault_rate: Share of requests answered with a transient fault.
        commit_then_drop: Share of writes that commit and lose their answer.
        name: Integration name.
    """

    def __init__(
        self,
        pair: EmulatorPair,
        workdir: Path,
        *,
        seed: int = 1,
        fault_rate: float = 0.2,
        commit_then_drop: float = 0.2,
        name: str = "soak",
    ) -> None:
        self.pair, self.seed, self.name = pair, seed, name
        self.fault_rate, self.commit_then_drop = fault_rate, commit_then_drop
        self.block = Integration(**integration_fields(pair, workdir / "state.db"))
        self.store = StateStore(self.block.state_database_url)
        self.plain = PlainRunner(self.block, name, self.store)
        self.changes = Changes(pair, random.Random(seed))
        self.failed_runs: Counter[str] = Counter()
        self.cycles = 0

    def faults_on(self) -> None:
        """Switch on the seeded faults on both sides."""
        rate, ctd = self.fault_rate, self.commit_then_drop
        self.pair.mplus.faults.reconfigure(faults(self.seed * 7 + 1, rate, ctd))
        self.pair.shop.faults.reconfigure(faults(self.seed * 11 + 3, rate, ctd))

    def faults_off(self) -> None:
        """Switch the faults off on both sides."""
        self.pair.mplus.faults.reconfigure(FAULTS_OFF)
        self.pair.shop.faults.reconfigure(FAULTS_OFF)

    def cycle(self, runner: Callable[[str], Any] | None = None, *, change: bool = True) -> None:
        """One cycle: the day's changes, then products, orders and stock (each may fail)."""
        self.cycles += 1
        if change:
            self.changes.apply(self.cycles)
        for flow in FLOWS:
            try:
                (runner or self.plain)(flow)
            except Exception:  # noqa: BLE001 - a run may fail as a whole; the next one goes on
                self.failed_runs[flow] += 1

    def catch_up(self) -> None:
        """Faults off, every order due, one clean cycle (a run failing now is a finding).

        Every flow runs incrementally, products included, as the 5-minute and hourly
        schedules do: the nightly full run is not needed to set things right.
        """
        self.faults_off()
        self.changes.finish()
        for flow in FLOWS:
            self.plain(flow)

    def result(self, started: float) -> SoakResult:
        """Check the agreement and collect the figures."""
        problems, figures = agreement(
            self.pair, self.block, self.name, self.store, self.changes.expected
        )
        held = {f: len(self.store.held(self.name, f)) for f in FLOWS}
        return SoakResult(
            cycles=self.cycles,
            seconds=time.perf_counter() - started,
            faults={
                "MplusKASSA": Counter(self.pair.mplus.faults.stats.injected),
                "MijnWebwinkel": Counter(self.pair.shop.faults.stats.injected),
            },
            calls=self.plain.calls,
            records=self.plain.records,
            failed_runs=self.failed_runs,
            changes=self.changes.made,
            problems=problems,
            figures=figures,
            held=held,
        )


def show(result: SoakResult) -> None:
    """Print a soak's figures and verdict."""
    print(f"cycles: {result.cycles} (+1 clean catch-up cycle)")
    print("changes made: " + ", ".join(f"{k} {v}" for k, v in sorted(result.changes.items())))
    for side, injected in result.faults.items():
        total = sum(injected.values())
        print(f"faults injected by {side}: {total} " + str(dict(sorted(injected.items()))))
    print("calls made (plain runs): " + ", ".join(f"{k} {v}" for k, v in result.calls.items()))
    print("records per outcome: " + str(dict(sorted(result.records.items()))))
    print("runs failed as a whole (taken again next cycle): " + str(dict(result.failed_runs)))
    print(f"held at the end (each with a ledger reason): {result.held}")
    print(f"agreement figures: {result.figures}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"wall time {result.seconds:.1f} s; peak RSS {peak:.0f} MB")
    if result.ok:
        print("VERDICT: the two systems agree")
    else:
        print("VERDICT: the systems DISAGREE")
        for problem in result.problems:
            print(f"  - {problem}")


def run_soak(
    cycles: int, *, seed: int = 1, fault_rate: float = 0.2, commit_then_drop: float = 0.2
) -> SoakResult:
    """Run a whole soak on fresh emulators; see the module docstring."""
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="mkmw-soak-"))
    with EmulatorPair() as pair:
        soak = Soak(
            pair, workdir, seed=seed, fault_rate=fault_rate, commit_then_drop=commit_then_drop
        )
        soak.faults_on()
        for _ in range(cycles):
            soak.cycle()
        soak.catch_up()
        result = soak.result(started)
        soak.store.close()
    return result


def main(argv: list[str] | None = None) -> int:
    """Run the soak and print its figures; 1 when the systems disagree."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cycles", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fault-rate", type=float, default=0.2)
    parser.add_argument("--commit-then-drop", type=float, default=0.2)
    args = parser.parse_args(argv)
    result = run_soak(
        args.cycles,
        seed=args.seed,
        fault_rate=args.fault_rate,
        commit_then_drop=args.commit_then_drop,
    )
    show(result)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
