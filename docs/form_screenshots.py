"""Screenshots of the settings forms in the Prefect V2 UI, for the docs (not part of `make test`).

Starts `prefect server start` on a loopback port with its own PREFECT_HOME, registers the mkmw
block types, and drives headless Chromium over the DevTools protocol: it adds a row to the
VAT, shipping and payment mappings, a field rule with a transform in the products settings,
and types a VAT rate of 121 to show the form refusing it (it prints the browser's message; the
bubble itself shows in a screenshot only when caught in time). Needs Debian's `chromium`.

    .venv/bin/python docs/form_screenshots.py [--out docs/img]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

sys.path.insert(0, str(Path(__file__).resolve().parent))
from screenshots import ROOT, chromium, free_port, wait_healthy  # noqa: E402

# JavaScript helpers run in the page: find a field by its label, click its "Add item", type.
HELPERS = """
window.mkmwField = (title, nth) => {
  const labels = [...document.querySelectorAll("label, span, p, div")]
    .filter(e => e.childElementCount === 0 && e.textContent.trim().startsWith(title));
  return labels[nth || 0];
};
window.mkmwAdd = (title, nth) => {
  let box = window.mkmwField(title, nth);
  for (let i = 0; box && i < 8; i++) {
    box = box.parentElement;
    const buttons = [...box.querySelectorAll("button")];
    const button = buttons.find(b => b.textContent.includes("Add item"));
    if (button) { button.click(); return "added " + title; }
  }
  return "no " + title;
};
window.mkmwType = (title, value) => {
  let box = window.mkmwField(title, 0);
  for (let i = 0; box && i < 6; i++) {
    box = box.parentElement;
    const input = box.querySelector("input, textarea");
    if (input) {
      const proto = input.tagName === "TEXTAREA" ? HTMLTextAreaElement : HTMLInputElement;
      Object.getOwnPropertyDescriptor(proto.prototype, "value").set.call(input, value);
      input.dispatchEvent(new Event("input", {bubbles: true}));
      input.dispatchEvent(new Event("change", {bubbles: true}));
      return "typed " + title;
    }
  }
  return "no " + title;
};
"""


class Page:
    """One Chromium tab over the DevTools protocol."""

    def __init__(self, url: str) -> None:
        self.socket: ClientConnection = connect(url, max_size=100_000_000)
        self.calls = 0

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.calls += 1
        self.socket.send(json.dumps({"id": self.calls, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.calls:
                return dict(message.get("result", {}))

    def run(self, script: str) -> Any:
        result = self.call("Runtime.evaluate", expression=script, returnByValue=True)
        return result.get("result", {}).get("value")

    def open(self, url: str, wait: float = 14.0) -> None:
        self.call("Page.navigate", url="about:blank")  # a fresh form, not the last one's state
        time.sleep(0.5)
        self.call("Page.navigate", url=url)
        time.sleep(wait)
        self.run(HELPERS)

    def shot(self, path: Path, height: int) -> None:
        self.run("window.scrollTo(0, 0)")
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=1440,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        time.sleep(1)
        path.write_bytes(base64.b64decode(self.call("Page.captureScreenshot")["data"]))
        print(f"saved {path}")


def browser_page(binary: str, port: int) -> tuple[subprocess.Popen[bytes], Page]:
    profile = tempfile.mkdtemp(prefix="mkmw-chromium-")
    process = subprocess.Popen(  # noqa: S603
        [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            f"--user-data-dir={profile}",
            f"--remote-debugging-port={port}",
            "--window-size=1440,1000",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(120):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=2) as answer:  # noqa: S310
                tabs = json.load(answer)
            url = next(t["webSocketDebuggerUrl"] for t in tabs if t["type"] == "page")
            return process, Page(url)
        except (OSError, StopIteration):
            time.sleep(0.5)
    process.kill()
    raise RuntimeError("headless Chromium did not open its DevTools port")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="mkmw-forms-"))
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_API_URL": api,
        "PREFECT_API_URL": api,
    }
    bin_dir = Path(sys.executable).parent
    server = subprocess.Popen(  # noqa: S603
        [str(bin_dir / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base)
        subprocess.run([str(bin_dir / "mkmw"), "blocks", "register"], env=env, check=True)  # noqa: S603
        args.out.mkdir(parents=True, exist_ok=True)
        for scenario in (integration_form, orders_form, products_form, refused_value):
            # a fresh browser each time: the UI keeps a draft of a half-filled form
            browser, page = browser_page(chromium(), free_port())
            try:
                page.call("Page.enable")
                scenario(page, base, args.out)
            finally:
                browser.terminate()
                browser.wait(timeout=15)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(home, ignore_errors=True)


def integration_form(page: Page, base: str, out: Path) -> None:
    page.open(f"{base}/v2/blocks/catalog/mkmw-integration/create")
    page.shot(out / "integration-form.png", 900)


def orders_form(page: Page, base: str, out: Path) -> None:
    page.open(f"{base}/v2/blocks/catalog/mkmw-order-sync-settings/create")
    for title in ("VAT codes", "Shipping Articles", "Payment Methods"):
        print(page.run(f"window.mkmwAdd({title!r})"))
    time.sleep(2)
    page.shot(out / "settings-form.png", 3200)


def products_form(page: Page, base: str, out: Path) -> None:
    page.open(f"{base}/v2/blocks/catalog/mkmw-product-sync-settings/create")
    for title in ("Fields", "Transforms", "Field Equals"):
        print(page.run(f"window.mkmwAdd({title!r})"))
        time.sleep(1.5)
    page.shot(out / "datamapper-form.png", 4200)


def refused_value(page: Page, base: str, out: Path) -> None:
    page.open(f"{base}/v2/blocks/catalog/mkmw-order-sync-settings/create")
    print(page.run("window.mkmwAdd('VAT codes')"))
    time.sleep(1.5)
    page.run("window.mkmwType('Name', 'refused')")
    for title, value in (("Country", "Nederland"), ("Rate", "121"), ("Vat Code", "1")):
        print(page.run(f"window.mkmwType({title!r}, {value!r})"))
    page.run(
        "[...document.querySelectorAll('button')]"
        ".find(b => b.textContent.trim() === 'Save').click()"
    )
    time.sleep(1.5)
    page.shot(out / "settings-refused.png", 2200)
    # still on the create page: the browser refused to submit the form, and says why
    print("refused:", "/create" in str(page.run("location.href")))
    print(page.run("[...document.querySelectorAll(':invalid')].map(e => e.validationMessage)"))


if __name__ == "__main__":
    main()
