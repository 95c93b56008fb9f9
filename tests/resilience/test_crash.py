"""Crash recovery (CI version): SIGKILL each flow's process at random points, 4 times each."""

from __future__ import annotations

from pathlib import Path

import pytest
from drills.crash import crash_flow

KILLS = 4


@pytest.mark.parametrize("flow", ["products", "stock", "orders"])
def test_killed_runs_end_like_a_run_without_crashes(flow: str, tmp_path: Path) -> None:
    result = crash_flow(flow, KILLS, seed=5, workdir=tmp_path)

    assert result.kills == KILLS, result
    assert result.violations == []
    assert result.differences == []
    assert result.child_failures == 0
