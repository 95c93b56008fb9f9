"""Take screenshots of the Prefect UI after `mkmw demo`, for the docs (not part of `make test`).

Runs the demo with its own PREFECT_HOME, starts `prefect server start` on that data on a
loopback port, and saves PNGs of the flow runs page and the artifacts page with headless
Chromium (Debian package `chromium`: `apt-get install chromium`).

    .venv/bin/python docs/screenshots.py [--out docs/img] [--skip-demo --prefect-home DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = {
    "runs": "/runs",
    "artifacts": "/artifacts",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/api/health", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"Prefect server at {url} did not become healthy")


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise SystemExit("headless Chromium is needed: apt-get install chromium")


def shoot(browser: str, url: str, out: Path) -> None:
    profile = tempfile.mkdtemp(prefix="mkmw-chromium-")
    subprocess.run(  # noqa: S603
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--hide-scrollbars",
            "--window-size=1440,900",
            "--virtual-time-budget=15000",
            f"--screenshot={out}",
            url,
        ],
        check=True,
        timeout=120,
        capture_output=True,
    )
    shutil.rmtree(profile, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    parser.add_argument("--prefect-home", type=Path, default=None)
    parser.add_argument("--skip-demo", action="store_true")
    args = parser.parse_args()
    home = args.prefect_home or Path(tempfile.mkdtemp(prefix="mkmw-shots-"))
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    bin_dir = Path(sys.executable).parent
    if not args.skip_demo:
        subprocess.run([str(bin_dir / "mkmw"), "demo"], env=env, check=True, timeout=900)  # noqa: S603
    port = free_port()
    # The UI asks the API at this address; without it, it tries the default port 4200.
    env["PREFECT_UI_API_URL"] = f"http://127.0.0.1:{port}/api"
    server = subprocess.Popen(  # noqa: S603
        [str(bin_dir / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base)
        args.out.mkdir(parents=True, exist_ok=True)
        browser = chromium()
        for name, path in PAGES.items():
            target = args.out / f"prefect-{name}.png"
            shoot(browser, base + path, target)
            print(f"saved {target}")
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
