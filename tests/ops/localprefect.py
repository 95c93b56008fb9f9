"""A real `prefect server start` on 127.0.0.1 for the operations tests, and its CLI.

Every process is started in its own session and stopped by its PID (SIGTERM, then SIGINT,
then SIGKILL), so nothing outlives the test.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop_process(proc: subprocess.Popen[bytes], grace: float = 8.0) -> None:
    """Stop a process we started, by its PID: SIGTERM, then SIGINT, then SIGKILL."""
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGKILL):
        if proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)  # its own session: the group id is its PID
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            continue


class LocalPrefect:
    """One Prefect server (SQLite in its own PREFECT_HOME) and the environment to reach it."""

    def __init__(self, home: Path, *, scheduler: bool = False) -> None:
        self.home = home
        self.port = free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        self.scheduler = scheduler
        self.env = {
            **os.environ,
            "PREFECT_HOME": str(home / "prefect"),
            "PREFECT_API_URL": self.api_url,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_SERVER_UI_ENABLED": "false",
            "PREFECT_CLI_PROMPT": "false",
            "MKMW_HOME": str(home / "mkmw"),
            "PYTHONUNBUFFERED": "1",
        }
        for name in ("PREFECT_PROFILE", "MKMW_PROJECT_DIR", "PYTHONPATH"):
            self.env.pop(name, None)
        self.processes: list[subprocess.Popen[bytes]] = []
        self.logs: list[Path] = []

    def spawn(self, name: str, args: Sequence[str]) -> subprocess.Popen[bytes]:
        """Start a long-running process with its output in a log file."""
        log = self.home / f"{name}.log"
        self.logs.append(log)
        with log.open("wb") as out:
            proc = subprocess.Popen(  # noqa: S603 - our own venv's executables
                list(args),
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.processes.append(proc)
        return proc

    def start(self, timeout: float = 90.0) -> LocalPrefect:
        """Start the server and wait until it answers its health check."""
        args = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1"]
        args += ["--port", str(self.port), "--no-ui", "--analytics-off"]
        if not self.scheduler:
            args.append("--no-scheduler")
        proc = self.spawn("server", args)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"prefect server exited:\n{self.tail('server')}")
            try:
                if httpx.get(f"{self.api_url}/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"prefect server not healthy in {timeout}s:\n{self.tail('server')}")

    def run(
        self,
        args: Sequence[str],
        timeout: float = 120.0,
        check: bool = True,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run a command to completion against this server (bounded by `timeout`).

        It runs in `cwd` (default: the checkout).
        """
        proc = subprocess.run(  # noqa: S603
            list(args),
            cwd=cwd or ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"{' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
            )
        return proc

    def prefect(
        self,
        *args: str,
        timeout: float = 120.0,
        check: bool = True,
        cwd: Path | None = None,
        bin_dir: Path | None = None,
    ):
        """Run `prefect ARGS` against this server, from `bin_dir` (default: this venv's)."""
        prefect = (bin_dir or BIN) / "prefect"
        return self.run([str(prefect), *args], timeout=timeout, check=check, cwd=cwd)

    def tail(self, name: str, lines: int = 60) -> str:
        path = self.home / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    @contextmanager
    def as_api(self) -> Iterator[LocalPrefect]:
        """Point this process's Prefect client at the server; flush logs and events after."""
        from prefect.settings import PREFECT_API_URL, temporary_settings

        # Prefect keeps one events worker per process whatever the API URL, so a worker
        # started for another server (the session's test server) would get this server's
        # events: drain it first so the next event starts one for this server.
        _flush_to_api()
        with temporary_settings(updates={PREFECT_API_URL: self.api_url}):
            try:
                yield self
            finally:
                _flush_to_api()

    def stop(self) -> None:
        """Stop every process started here, newest first, each by its PID."""
        for proc in reversed(self.processes):
            stop_process(proc)


def _flush_to_api() -> None:
    """Send the logs and events still queued in this process before the server goes."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=5)
    EventsWorker.drain_all(timeout=5)
