"""Crash recovery: SIGKILL the flow process at random points, restart, compare with no crashes.

For each flow (products, stock, orders) two worlds are built from the same seeds: a *crash
world*, whose flow runs in a child process that the parent kills with SIGKILL after a random
(seeded) delay and then starts again, and a *reference world*, where the same runs go through
without a crash. Both emulators of each world are served by this (parent) process, so their
state survives the child's death; the child gets the URLs, credentials and state database
path. Between rounds both worlds get the same changes (new products, sizes and prices; store
sales and deliveries; new, paid and delivered orders).

After every kill the parent checks the invariants:

* no extOrderId twice in MplusKASSA, no SKU twice in the shop, no customer e-mail twice;
* every binding points at something that exists (a shop article or variant, an order);
* cursors never ahead of what was written: every MplusKASSA webshop product at or below the
  products cursor is linked (or held with a reason); every article whose last stock change is
  at or below the stock cursor shows the MplusKASSA figure in the shop (or is held); every
  paid shop order changed at or before the orders cursor is in MplusKASSA (or explained).

When all rounds are through, the crash world must equal the reference world: shop articles
by SKU (name, price, stock, categories, variants), categories, MplusKASSA orders by
extOrderId, relations by e-mail, stock levels, shop order statuses, bindings and the integer
cursors.

The child runs the flow's plain sync function (no Prefect engine), forked from a
``multiprocessing`` fork server that has imported the code once, so a restart costs
milliseconds instead of seconds of imports; it is still a separate process, killed by the
kernel mid-call.

From the checkout's root (a test tool, not part of the installed package):

    .venv/bin/python -m tests.drills.crash [--kills 20] [--seed 1] [--flows products stock orders]
"""

from __future__ import annotations

import argparse
import importlib
import os
import random
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .agreement import options_own
from .crash_checks import differences, invariants, snapshot
from .crash_world import NAME, Script, World, child_main, fork_server

FLOWS = ("products", "stock", "orders")


# ---- the crash loop -------------------------------------------------------------------------


@dataclass
class FlowResult:
    """What happened to one flow."""

    flow: str
    kills: int = 0
    restarts: int = 0
    early: int = 0
    rounds: int = 0
    kill_points: list[float] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)
    child_failures: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when no invariant broke and the end state equals the reference."""
        return not self.violations and not self.differences


def crash_flow(
    flow: str,
    kills: int,
    *,
    seed: int = 1,
    workdir: Path | None = None,
    per_round: int = 2,
    log: Callable[[str], None] | None = None,
) -> FlowResult:
    """Kill one flow `kills` times at random points and compare with a run without crashes."""
    started = time.perf_counter()
    workdir = workdir or Path(tempfile.mkdtemp(prefix=f"mkmw-crash-{flow}-"))
    rng = random.Random(seed)
    mp = fork_server()
    result = FlowResult(flow)
    rounds = max(1, -(-kills // per_round))
    script = Script(flow, seed, rounds)
    crash, ref = World(flow, workdir, "crash"), World(flow, workdir, "reference")
    try:
        for world in (crash, ref):
            script.setup(world)
        overhead = 0.3
        round_no = 0
        # a run that ends before its kill still counts as a restart; rounds go on until the
        # wanted number of kills landed inside a running flow (bounded)
        while result.kills < kills and round_no < rounds * 3:
            round_no += 1
            result.rounds += 1
            for world in (crash, ref):
                script.apply(world, round_no - 1)
            ref_seconds = ref.run_here()
            for _ in range(min(per_round, kills - result.kills)):
                delay = rng.uniform(0.0, ref_seconds + overhead)
                proc = mp.Process(target=child_main, args=(flow, str(crash.config)))
                t0 = time.perf_counter()
                proc.start()
                proc.join(delay)
                if proc.is_alive():
                    os.kill(proc.pid, signal.SIGKILL)
                    proc.join()
                    result.kills += 1
                    result.kill_points.append(round(delay / (ref_seconds + overhead), 2))
                    found = invariants(crash)
                    result.violations += [f"after kill {result.kills}: {p}" for p in found]
                else:
                    result.early += 1
                    overhead = max(0.05, time.perf_counter() - t0 - ref_seconds)
                    if proc.exitcode:
                        result.child_failures += 1
            # restart until a run completes
            for _ in range(3):
                result.restarts += 1
                proc = mp.Process(target=child_main, args=(flow, str(crash.config)))
                proc.start()
                proc.join(120)
                if proc.exitcode == 0:
                    break
                result.child_failures += 1
            found = invariants(crash)
            result.violations += [f"after round {round_no}: {p}" for p in found]
            if log:
                log(f"{flow}: round {round_no}, kills {result.kills}/{kills}")
        if flow == "products":
            # no nightly full run: the last (incremental) run must have left every variant
            # product its own options, in both worlds (shared option lists)
            for world, label in ((crash, "crash"), (ref, "reference")):
                found = options_own(world.pair, world.store, NAME)
                result.violations += [f"at the end ({label} world): {p}" for p in found]
        result.differences = differences(snapshot(crash), snapshot(ref))
    finally:
        crash.close()
        ref.close()
    result.seconds = time.perf_counter() - started
    return result


def show(result: FlowResult) -> None:
    """Print one flow's figures and verdict."""
    print(
        f"{result.flow}: {result.kills} kills over {result.rounds} rounds "
        f"({result.early} runs finished before their kill), {result.restarts} restarts to "
        f"completion, {result.child_failures} child runs failed, {result.seconds:.1f} s"
    )
    points = sorted(result.kill_points)
    if points:
        print(f"  kill points (share of a clean run's time): {points}")
    verdict = "end state equals the run without crashes" if result.ok else "FAILED"
    print(f"  verdict: {verdict}")
    for problem in (result.violations + result.differences)[:30]:
        print(f"  - {problem}")


def main(argv: list[str] | None = None) -> int:
    """Run the crash test for each flow and print the figures; 1 on any failure."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--per-round", type=int, default=2)
    parser.add_argument("--flows", nargs="*", default=list(FLOWS), choices=FLOWS)
    args = parser.parse_args(argv)
    # run the drill from this module imported by name (as pytest does), not as __main__
    this = importlib.import_module(__spec__.name if __spec__ else "drills.crash")

    # the fork server imports this module, then its children run it again as __mp_main__
    sys.warnoptions.append("ignore::RuntimeWarning:runpy")

    ok = True
    for flow in args.flows:
        result = this.crash_flow(
            flow, args.kills, seed=args.seed, per_round=args.per_round, log=print
        )
        this.show(result)
        ok = ok and result.ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
