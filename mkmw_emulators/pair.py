"""Both emulators served together on loopback ports: for tests, the demo and the benchmarks."""

from __future__ import annotations

from typing import Any

from mkmw_emulators.core.faults import FaultConfig
from mkmw_emulators.core.serving import BackgroundServer
from mkmw_emulators.mijnwebwinkel.server import MijnWebwinkelEmulator
from mkmw_emulators.mijnwebwinkel.server import create_emulator as create_shop
from mkmw_emulators.mplus.server import MplusEmulator
from mkmw_emulators.mplus.server import create_emulator as create_mplus

#: Credentials the pair's emulators accept. They are distinctive on purpose: a scan of logs,
#: artifacts, events and the ledger for these strings proves no secret leaked.
MPLUS_IDENT = "mkmw-emulator"
MPLUS_SECRET = "mplus-secret-Q7x2Lk9v"
SHOP_TOKEN = "shop-token-Wr4n8Zp1"
SHOP_PARTNER_TOKEN = "shop-partner-Hc6t3Jm5"
SECRET_VALUES = (MPLUS_SECRET, SHOP_TOKEN, SHOP_PARTNER_TOKEN)


class EmulatorPair:
    """A MplusKASSA and a MijnWebwinkel emulator, each on its own 127.0.0.1 port.

    Args:
        mplus_seed: Seed of the MplusKASSA emulator (demo, empty, or a number of articles).
        shop_seed: Seed of the MijnWebwinkel emulator.
        mplus_faults: Fault injection of the MplusKASSA emulator.
        shop_faults: Fault injection of the MijnWebwinkel emulator.
        shop_rate_limit: Calls per second the shop allows before answering 429.
        live_quirks: Let the shop answer with the live API's deviations from its spec.
    """

    def __init__(
        self,
        mplus_seed: str = "demo",
        shop_seed: str = "demo",
        *,
        mplus_faults: FaultConfig | None = None,
        shop_faults: FaultConfig | None = None,
        shop_rate_limit: float | None = None,
        live_quirks: bool = False,
    ) -> None:
        self.mplus: MplusEmulator = create_mplus(
            seed=mplus_seed, ident=MPLUS_IDENT, secret=MPLUS_SECRET, faults=mplus_faults
        )
        self.shop: MijnWebwinkelEmulator = create_shop(
            seed=shop_seed,
            token=SHOP_TOKEN,
            partner_token=SHOP_PARTNER_TOKEN,
            faults=shop_faults,
            rate_limit=shop_rate_limit,
            live_quirks=live_quirks,
        )
        self._servers = [BackgroundServer(self.mplus.app), BackgroundServer(self.shop.app)]

    @property
    def mplus_url(self) -> str:
        """Base URL of the MplusKASSA emulator."""
        return self._servers[0].url

    @property
    def shop_url(self) -> str:
        """Base URL of the MijnWebwinkel emulator."""
        return self._servers[1].url

    def start(self) -> EmulatorPair:
        """Start both servers."""
        for server in self._servers:
            server.start()
        return self

    def stop(self) -> None:
        """Stop both servers."""
        for server in self._servers:
            server.stop()

    def __enter__(self) -> EmulatorPair:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def credentials(self) -> dict[str, Any]:
        """Field values for an Integration block that points at these emulators."""
        return {
            "mplus": {
                "url": self.mplus_url,
                "ident": self.mplus.ident,
                "secret": self.mplus.secret,
                "verify_tls": False,
                "timeout_seconds": 30,
            },
            "mijnwebwinkel": {
                "base_url": self.shop_url,
                "token": self.shop.token,
                "partner_token": self.shop.partner_token,
                "timeout_seconds": 30,
            },
        }
