"""One demo at a time per Integration block name, so concurrent demos never cross wires."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


def prefect_home() -> Path:
    """The Prefect home folder the demo's runs and its Integration block are saved under."""
    return Path(os.environ.get("PREFECT_HOME", str(Path.home() / ".prefect"))).expanduser()


@contextmanager
def one_demo_at_a_time(
    name: str, on_wait: Callable[[], None] | None = None, *, timeout_s: float = 900.0
) -> Iterator[None]:
    """Hold a lock so two demos never share the Integration block ``name`` at once.

    Every demo saves the block ``name`` with its own emulators' addresses in the same Prefect
    home, and each flow loads the block when it starts: a second demo started meanwhile would
    point the first one's flows at its own emulators. The second one waits instead.

    Args:
        name: The Integration block's name (one lock per name).
        on_wait: Called once when another demo holds the lock.
        timeout_s: Give up waiting after this long.

    Raises:
        TimeoutError: Another demo held the lock for longer than ``timeout_s``.
    """
    try:
        import fcntl
    except ImportError:  # no flock (Windows): run unguarded
        yield
        return
    home = prefect_home()
    home.mkdir(parents=True, exist_ok=True)
    with open(home / f"mkmw-demo-{name}.lock", "a+") as handle:
        waited = False
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not waited and on_wait is not None:
                    on_wait()
                waited = True
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"another demo has held the Integration block '{name}' for over "
                        f"{timeout_s:.0f} s (lock {handle.name}); stop it or wait"
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
