"""Deploy from the installed package: the wheel, a fresh venv, no checkout anywhere.

The wheel is built from a copy of the sources (``pip wheel --no-deps``) and installed into a
fresh venv (no system site-packages; pip's cache) in a temporary folder. From another
temporary folder holding only prefect.yaml, that venv's `prefect deploy` creates a
deployment and its `prefect worker start --run-once` runs it against a real
`prefect server start`. The emulators are served by this test process: the fresh venv has
the wheel and its dependencies, not the emulators. One venv per session (building and
installing takes a minute or more on a busy machine).
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from stock.helpers import PATCH, bind_articles, shop_stock  # tests/stock (rootdir import)

from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.blocks import Integration
from mkmw_flows.ops.schedules import WORK_POOL, by_full_name
from mkmw_flows.state import Outcome, StateStore

from .localprefect import ROOT, LocalPrefect

pytestmark = [pytest.mark.installed, pytest.mark.timeout(1500)]

TARGET = "sync-stock/every-5-minutes"


@dataclass(frozen=True)
class Installed:
    """The wheel and the fresh venv it is installed in."""

    wheel: Path
    bin_dir: Path


def _build_wheel(out: Path) -> Path:
    # A copy of exactly what the wheel is built from: no stale build/ of the checkout, and
    # the checkout is left as it was.
    source = out / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "mkmw_flows",
        source / "mkmw_flows",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    dist = out / "dist"
    subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(source)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = dist.glob("mkmw_flows-*.whl")
    return wheel


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    """The wheel built from this repository, installed into a fresh venv (one per session)."""
    base = tmp_path_factory.mktemp("installed")
    wheel = _build_wheel(base)
    venv = base / "venv"
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300
    )
    bin_dir = venv / "bin"
    proc = subprocess.run(  # noqa: S603
        [str(bin_dir / "python"), "-m", "pip", "install", "-q", str(wheel)],
        capture_output=True,
        text=True,
        timeout=1200,
        cwd=base,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    yield Installed(wheel=wheel, bin_dir=bin_dir)


def test_the_wheel_holds_the_product_and_not_the_emulators(installed: Installed) -> None:
    names = zipfile.ZipFile(installed.wheel).namelist()
    top = {name.split("/", 1)[0] for name in names}
    assert "mkmw_emulators" not in top
    assert not any("emulator" in name for name in names), [n for n in names if "emulator" in n]
    assert top == {"mkmw_flows", installed.wheel.name.split("-py3")[0] + ".dist-info"}
    for module in ("orders", "stock", "products", "maintenance"):
        assert f"mkmw_flows/flows/{module}.py" in names
    entry_points = zipfile.ZipFile(installed.wheel).read(
        f"{installed.wheel.name.split('-py3')[0]}.dist-info/entry_points.txt"
    )
    assert b"mkmw = mkmw_flows.cli.main:app" in entry_points


def test_the_installed_package_loads_every_flow_by_module_path(
    installed: Installed, tmp_path: Path
) -> None:
    script = (
        "import importlib.util, mkmw_flows\n"
        "from prefect.flows import load_flow_from_entrypoint\n"
        "from mkmw_flows.ops.schedules import DEPLOYMENTS\n"
        "assert importlib.util.find_spec('mkmw_emulators') is None\n"
        "print(mkmw_flows.__file__)\n"
        "for d in DEPLOYMENTS:\n"
        "    print(d.entrypoint, load_flow_from_entrypoint(d.entrypoint).name)\n"
    )
    proc = subprocess.run(  # noqa: S603
        [str(installed.bin_dir / "python"), "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    assert "site-packages" in lines[0] and str(ROOT) not in lines[0]
    assert "mkmw_flows.flows.orders:sync_orders sync-orders" in lines
    assert "mkmw_flows.flows.maintenance:purge_ledger purge-ledger" in lines
    # `mkmw` works from the wheel and says how to get the emulators it does not carry
    mkmw = subprocess.run(  # noqa: S603
        [str(installed.bin_dir / "mkmw"), "emulate", "mplus"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert mkmw.returncode == 2 and "pip install" in " ".join(mkmw.stdout.split())


async def _read_run(run_id: str):
    async with get_client() as client:
        return await client.read_flow_run(uuid.UUID(run_id))


def test_a_worker_from_the_wheel_runs_a_deployment_without_a_checkout(
    installed: Installed, tmp_path: Path, local_server: LocalPrefect
) -> None:
    """Deploy and run sync-stock from a folder holding nothing but prefect.yaml."""
    workdir = tmp_path / "shop-server"
    workdir.mkdir()
    shutil.copy2(ROOT / "prefect.yaml", workdir / "prefect.yaml")
    item = by_full_name(TARGET)
    name = f"wheel-{uuid.uuid4().hex[:6]}"
    db = tmp_path / "state.db"

    with EmulatorPair() as pair, local_server.as_api() as server:
        Integration(**pair.credentials(), state_database_url=str(db)).save(name, overwrite=True)
        store = StateStore(str(db))
        bound = bind_articles(pair, store, name)  # as a products run would have left them
        before = shop_stock(pair)

        server.prefect("work-pool", "create", WORK_POOL, "--type", "process", "--overwrite")
        deployed = server.prefect(
            "--no-prompt",
            "deploy",
            "--name",
            TARGET,
            timeout=300,
            cwd=workdir,
            bin_dir=installed.bin_dir,
        )
        assert "error" not in deployed.stdout.lower(), deployed.stdout + deployed.stderr

        started = server.prefect(
            "deployment",
            "run",
            TARGET,
            "--param",
            f"integration={name}",
            timeout=120,
            cwd=workdir,
            bin_dir=installed.bin_dir,
        )
        match = re.search(r"UUID:\s*([0-9a-f-]{36})", started.stdout)
        assert match, started.stdout
        run_id = match.group(1)

        worker = server.prefect(
            "worker",
            "start",
            "--pool",
            WORK_POOL,
            "--run-once",
            "--name",
            "wheel",
            timeout=400,
            cwd=workdir,
            bin_dir=installed.bin_dir,
        )
        run = asyncio.run(_read_run(run_id))
        assert run.state is not None
        assert run.state.is_completed(), (
            f"{run.state.name}: {run.state.message}\n{worker.stdout[-4000:]}{worker.stderr[-4000:]}"
        )
        assert run.parameters == item.all_parameters(name)
        # the worker ran the flow from the venv's package, not from the checkout
        assert str(ROOT) not in worker.stdout + worker.stderr
        assert sorted(p.name for p in workdir.iterdir()) == ["prefect.yaml"]

        # and it did its work: the shop's stock now follows MplusKASSA's
        assert pair.shop.counters.writes[PATCH] > 0
        after = shop_stock(pair)
        assert after != before
        written = store.ledger(integration=name, run_id=run_id, limit=10_000)
        updated = [e for e in written if e.outcome == Outcome.UPDATED]
        assert updated and all(e.flow == "stock" for e in written)
        changed = {key[0] for key in after if after[key] != before.get(key)}
        assert changed <= {article for article, _ in bound.values()}
        store.close()


def test_the_dockerfile_installs_the_wheel_and_nothing_else() -> None:
    """The image is not built here (no registry); its recipe is checked against the repo."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    instructions = [line.split(None, 1) for line in text.splitlines() if line and line[0] != "#"]
    copies = [i[1].split() for i in instructions if i[0] == "COPY"]
    sources = [part for args in copies for part in args[:-1] if not part.startswith("--")]
    assert sources[:3] == ["pyproject.toml", "README.md", "mkmw_flows"]
    for source in sources:
        if not source.startswith("/"):
            assert (ROOT / source).exists(), source
    assert "mkmw_emulators" not in text and "MKMW_PROJECT_DIR" not in text
    assert "pip wheel --no-cache-dir --no-deps" in text and "mkmw_flows-*.whl" in text
    assert [i[1].split()[0] for i in instructions if i[0] == "FROM"] == ["python:3.11-slim"] * 2
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert ignored[ignored.index("*") :][:4] == [
        "*",
        "!pyproject.toml",
        "!README.md",
        "!mkmw_flows/",
    ]
