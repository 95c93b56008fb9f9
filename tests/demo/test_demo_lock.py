"""Two demos at once: the second waits, so neither points the other's flows at its emulators."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from mkmw_flows.ops.demo_lock import one_demo_at_a_time


def test_a_second_demo_waits_for_the_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path))
    events: list[str] = []
    first_in = threading.Event()

    def first() -> None:
        with one_demo_at_a_time("demo"):
            events.append("first in")
            first_in.set()
            time.sleep(0.6)
            events.append("first out")

    holder = threading.Thread(target=first)
    holder.start()
    assert first_in.wait(5)
    with one_demo_at_a_time("demo", lambda: events.append("second waits")):
        events.append("second in")
    holder.join(5)
    assert events == ["first in", "second waits", "first out", "second in"]
    # another block name is another lock: no wait
    with one_demo_at_a_time("other", lambda: events.append("other waits")):
        pass
    assert "other waits" not in events


def test_waiting_too_long_names_the_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path))
    with (
        one_demo_at_a_time("demo"),
        pytest.raises(TimeoutError, match="mkmw-demo-demo.lock"),
        one_demo_at_a_time("demo", timeout_s=0.3),
    ):
        pass
