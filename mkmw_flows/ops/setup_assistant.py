"""The set-up assistant behind `mkmw setup`: test both connections, then save the Integration.

Nothing is saved unless both systems accepted their credentials. Messages name the system
that refused and why, and never contain a secret.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import SecretStr
from pydantic import ValidationError as PydanticValidationError

from mkmw_flows.blocks import Integration, MijnWebwinkelCredentials, MplusKassaCredentials
from mkmw_flows.mijnwebwinkel.errors import (
    CredentialsError,
    MijnWebwinkelError,
    TransportError,
)
from mkmw_flows.mplus.errors import MplusClientFault, MplusError, MplusTransportError
from mkmw_flows.mplus.models import ApiVersion, Branch
from mkmw_flows.ops.blockfile import PARTS

#: The flows the assistant can switch on or off.
FLOWS = ("products", "stock", "orders")


@dataclass
class ConnectionResult:
    """How one system answered the connection test.

    Attributes:
        system: "MplusKASSA" or "MijnWebwinkel".
        ok: The credentials were accepted.
        message: What happened, in words a shop owner understands (never a secret).
    """

    system: str
    ok: bool
    message: str


@dataclass
class Discovered:
    """What the assistant read from the two systems to offer as choices."""

    api_version: str = ""
    shop_name: str = ""
    branches: list[Branch] = field(default_factory=list)
    order_statuses: dict[int, str] = field(default_factory=dict)


def _version_text(version: ApiVersion) -> str:
    text = f"{version.major_number}.{version.minor_number}.{version.revision_number}"
    if version.service_version_display_string:
        text += f" (service {version.service_version_display_string})"
    return text


def check_mplus(credentials: MplusKassaCredentials) -> tuple[ConnectionResult, str]:
    """Call getApiVersion with these credentials.

    Returns:
        The result and the API version text (empty when it failed).
    """
    system = "MplusKASSA"
    client = credentials.client()
    try:
        version = ApiVersion.from_wire(client.call("getApiVersion", retry=False))
    except MplusClientFault as exc:
        if "auth" in exc.faultcode.lower() or "auth" in exc.faultstring.lower():
            why = f"it refused the ident or secret ({exc.faultstring})"
        else:
            why = f"it refused the request ({exc.faultstring})"
        return ConnectionResult(system, False, f"MplusKASSA at {credentials.url}: {why}"), ""
    except MplusTransportError as exc:
        return (
            ConnectionResult(
                system,
                False,
                f"MplusKASSA at {credentials.url} could not be reached ({exc.message}); "
                "check the URL and its port",
            ),
            "",
        )
    except MplusError as exc:
        return ConnectionResult(system, False, f"MplusKASSA at {credentials.url}: {exc}"), ""
    finally:
        client.close()
    text = _version_text(version)
    return ConnectionResult(system, True, f"MplusKASSA answered: API version {text}"), text


def check_shop(credentials: MijnWebwinkelCredentials) -> tuple[ConnectionResult, str]:
    """Test the partner token (order statuses) and then the shop token (the store endpoint).

    Returns:
        The result and the shop's name (empty when it failed).
    """
    system = "MijnWebwinkel"
    where = f"MijnWebwinkel at {credentials.base_url}"
    client = credentials.client()
    step = "partner token"
    try:
        client.list_order_statuses()
        step = "shop token"
        store = client.get_store()
    except CredentialsError as exc:
        return ConnectionResult(system, False, f"{where}: it refused the {step} ({exc})"), ""
    except TransportError as exc:
        return (
            ConnectionResult(system, False, f"{where} could not be reached ({exc.message})"),
            "",
        )
    except MijnWebwinkelError as exc:
        return ConnectionResult(system, False, f"{where}: {exc}"), ""
    finally:
        client.close()
    name = store.name or store.primary_domain or "the shop"
    return ConnectionResult(system, True, f"MijnWebwinkel answered: {name}"), name


def check_connections(integration: Integration) -> tuple[list[ConnectionResult], Discovered]:
    """Test both systems; when both answer, read the choices the assistant offers."""
    mplus_result, version = check_mplus(integration.mplus)
    shop_result, shop_name = check_shop(integration.mijnwebwinkel)
    found = Discovered(api_version=version, shop_name=shop_name)
    if mplus_result.ok:
        with integration.mplus.client() as mplus:
            try:
                found.branches = mplus.get_branches()
            except MplusError:
                found.branches = []
    if shop_result.ok:
        shop = integration.mijnwebwinkel.client()
        try:
            found.order_statuses = {s.status: s.description for s in shop.list_order_statuses()}
        except MijnWebwinkelError:
            found.order_statuses = {}
        finally:
            shop.close()
    return [mplus_result, shop_result], found


def employee_exists(integration: Integration, number: int) -> bool:
    """Whether MplusKASSA knows this employee number."""
    with integration.mplus.client() as mplus:
        return any(
            e.employee_number == number for e in mplus.get_employees(employee_numbers=[number])
        )


@dataclass
class Answers:
    """Everything the assistant asks; every field is also a `mkmw setup` flag."""

    name: str = "default"
    mplus_url: str = ""
    mplus_ident: str = ""
    mplus_secret: SecretStr = field(default_factory=lambda: SecretStr(""))
    mplus_verify_tls: bool = True
    shop_url: str = "https://api.myonlinestore.com"
    shop_token: SecretStr = field(default_factory=lambda: SecretStr(""))
    partner_token: SecretStr = field(default_factory=lambda: SecretStr(""))
    flows: tuple[str, ...] = FLOWS
    product_direction: str = "mplus_to_shop"
    order_direction: str = "shop_to_mplus"
    employee_number: int = 999999
    branch_number: int | None = None
    workplace_number: int | None = None
    stock_calculation: str = "free"
    stock_branches: list[int] = field(default_factory=list)
    statuses_to_import: list[int] = field(default_factory=list)
    state_database_url: str | None = None


class SetupError(ValueError):
    """The answers cannot make a valid Integration; nothing was saved."""


def build_integration(answers: Answers, base: Integration | None = None) -> Integration:
    """The Integration the answers describe (settings not asked about keep `base`'s values).

    Raises:
        SetupError: With every invalid field named (no secret values).
    """
    unknown = set(answers.flows) - set(FLOWS)
    if unknown:
        raise SetupError(f"unknown flows {sorted(unknown)}; choose from {', '.join(FLOWS)}")
    current: dict[str, Any] = (
        base.model_dump(exclude={"block_document_id", "block_document_name"})
        if base is not None
        else {}
    )

    def part(key: str, values: dict[str, Any]) -> dict[str, Any]:
        existing = dict(current.get(key) or {})
        for meta in ("block_document_id", "block_document_name"):
            existing.pop(meta, None)
        return {**existing, **values}

    fields: dict[str, Any] = {
        "mplus": part(
            "mplus",
            {
                "url": answers.mplus_url,
                "ident": answers.mplus_ident,
                "secret": answers.mplus_secret,
                "verify_tls": answers.mplus_verify_tls,
            },
        ),
        "mijnwebwinkel": part(
            "mijnwebwinkel",
            {
                "base_url": answers.shop_url,
                "token": answers.shop_token,
                "partner_token": answers.partner_token,
            },
        ),
        "products": part(
            "products",
            {"enabled": "products" in answers.flows, "direction": answers.product_direction},
        ),
        "stock": part(
            "stock",
            {
                "enabled": "stock" in answers.flows,
                "calculation": answers.stock_calculation,
                "branches": answers.stock_branches,
            },
        ),
        "orders": part(
            "orders",
            {
                "enabled": "orders" in answers.flows,
                "direction": answers.order_direction,
                "employee_number": answers.employee_number,
                "branch_number": answers.branch_number,
                "workplace_number": answers.workplace_number,
                "statuses_to_import": answers.statuses_to_import,
            },
        ),
    }
    if answers.state_database_url is not None:
        fields["state_database_url"] = answers.state_database_url
    elif "state_database_url" in current:
        fields["state_database_url"] = current["state_database_url"]
    if "ledger_retention_days" in current:
        fields["ledger_retention_days"] = current["ledger_retention_days"]
    try:
        return Integration(**fields)
    except PydanticValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise SetupError("; ".join(problems)) from None


def existing_integration(name: str) -> Integration | None:
    """The Integration block already saved under `name`, if any."""
    try:
        block = Integration.load(name)
    except (ValueError, KeyError):
        return None
    return block if isinstance(block, Integration) else None


def save_integration(name: str, integration: Integration) -> None:
    """Save the parts (each editable in the Prefect UI) and then the Integration."""
    for part in PARTS:
        getattr(integration, part).save(name, overwrite=True)
    integration.save(name, overwrite=True)


def problems_with_choices(
    integration: Integration, found: Discovered, answers: Answers
) -> list[str]:
    """Choices that do not fit what the systems hold (a warning each; setup still saves)."""
    notes: list[str] = []
    numbers = {b.branch_number for b in found.branches}
    for branch in [answers.branch_number, *answers.stock_branches]:
        if branch is not None and numbers and branch not in numbers:
            notes.append(f"MplusKASSA has no branch {branch} (it has {sorted(numbers)})")
    if "orders" in answers.flows and not employee_exists(integration, answers.employee_number):
        notes.append(
            f"MplusKASSA has no employee {answers.employee_number}; web orders need one "
            "(ask MplusKASSA to create employee 999999 for the API, or choose another)"
        )
    statuses = set(found.order_statuses)
    unknown = [s for s in answers.statuses_to_import if statuses and s not in statuses]
    if unknown:
        notes.append(f"the shop has no order statuses {unknown} (it has {sorted(statuses)})")
    return notes


def parse_numbers(text: str | Iterable[int] | None) -> list[int]:
    """``"1, 2,3"`` -> ``[1, 2, 3]``; empty -> ``[]``.

    Raises:
        SetupError: When a part is not a whole number.
    """
    if text is None:
        return []
    if not isinstance(text, str):
        return [int(v) for v in text]
    values: list[int] = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit():
            raise SetupError(f"{part!r} is not a whole number")
        values.append(int(part))
    return values


class SetupIO(Protocol):
    """How the assistant talks to the user (the CLI gives typer prompts; tests fake it)."""

    interactive: bool

    def ask(self, text: str, default: str | None = None, *, secret: bool = False) -> str:
        """Ask for a value."""
        ...

    def confirm(self, text: str, default: bool = True) -> bool:
        """Ask yes or no."""
        ...

    def say(self, text: str) -> None:
        """Tell the user something."""
        ...


def _value(
    io: SetupIO, given: Any, text: str, default: str | None = None, *, secret: bool = False
) -> str:
    """A flag's value, else the answer to a prompt, else the default."""
    if given is not None:
        return given.get_secret_value() if isinstance(given, SecretStr) else str(given)
    if io.interactive:
        return io.ask(text, default, secret=secret)
    if default is None:
        raise SetupError(f"{text}: not given (pass its flag when running without prompts)")
    return default


def _choice(io: SetupIO, given: Any, text: str, choices: Iterable[str], default: str) -> str:
    options = list(choices)
    value = _value(io, given, f"{text} ({' / '.join(options)})", default)
    if value not in options:
        raise SetupError(f"{text}: {value!r} is not one of {', '.join(options)}")
    return value


def run_setup(
    io: SetupIO, flags: dict[str, Any], *, overwrite: bool = False
) -> tuple[Answers, Integration]:
    """Ask for what the flags leave open, test both systems, save the Integration.

    Args:
        io: Prompts and messages.
        flags: Values given on the command line (None where not given); keys are the
            :class:`Answers` fields plus ``flows`` as a comma-separated string.
        overwrite: Replace an Integration of the same name without asking.

    Returns:
        The answers and the saved Integration.

    Raises:
        SetupError: A connection was refused, an answer is invalid, or the user stopped;
            nothing was saved.
    """
    a = Answers()
    a.name = _value(io, flags.get("name"), "Integration name", "default")
    previous = existing_integration(a.name)
    if previous is not None and not overwrite:
        if not io.interactive:
            raise SetupError(
                f"an Integration named {a.name!r} exists; pass --overwrite to replace it"
            )
        if not io.confirm(f"An Integration named {a.name!r} exists. Replace it?", False):
            raise SetupError("stopped; nothing was saved")
    old_mplus = previous.mplus.url if previous else None
    old_shop = previous.mijnwebwinkel.base_url if previous else None

    io.say("MplusKASSA (the shop's till): the API details MplusKASSA gave you.")
    a.mplus_url = _value(io, flags.get("mplus_url"), "MplusKASSA API URL (with port)", old_mplus)
    a.mplus_ident = _value(io, flags.get("mplus_ident"), "MplusKASSA ident")
    a.mplus_secret = SecretStr(
        _value(io, flags.get("mplus_secret"), "MplusKASSA secret", secret=True)
    )
    if flags.get("mplus_verify_tls") is not None:
        a.mplus_verify_tls = bool(flags["mplus_verify_tls"])
    io.say("MijnWebwinkel (the webshop): the shop's API token and the app's partner token.")
    a.shop_url = _value(io, flags.get("shop_url"), "MijnWebwinkel API URL", old_shop or a.shop_url)
    a.shop_token = SecretStr(
        _value(io, flags.get("shop_token"), "MijnWebwinkel shop token", secret=True)
    )
    a.partner_token = SecretStr(
        _value(io, flags.get("partner_token"), "MijnWebwinkel partner token", secret=True)
    )

    probe = build_integration(a, previous)
    results, found = check_connections(probe)
    for result in results:
        io.say(("ok: " if result.ok else "REFUSED: ") + result.message)
    refused = [r for r in results if not r.ok]
    if refused:
        raise SetupError("; ".join(r.message for r in refused) + ". Nothing was saved.")

    flows_text = _value(io, flags.get("flows"), "Flows to run (comma-separated)", ",".join(FLOWS))
    a.flows = tuple(f.strip() for f in flows_text.split(",") if f.strip())
    if "products" in a.flows:
        a.product_direction = _choice(
            io,
            flags.get("product_direction"),
            "Products go",
            ("mplus_to_shop", "shop_to_mplus"),
            "mplus_to_shop",
        )
    if "stock" in a.flows:
        a.stock_calculation = _choice(
            io,
            flags.get("stock_calculation"),
            "Stock the shop shows",
            ("free", "free_plus_incoming", "on_hand"),
            "free",
        )
        if found.branches:
            io.say(
                "MplusKASSA branches: "
                + ", ".join(f"{b.branch_number} {b.branch_name}" for b in found.branches)
            )
        a.stock_branches = parse_numbers(
            _value(io, flags.get("stock_branches"), "Branches whose stock counts (empty: all)", "")
        )
    if "orders" in a.flows:
        a.order_direction = _choice(
            io,
            flags.get("order_direction"),
            "Orders go",
            ("shop_to_mplus", "mplus_to_shop"),
            "shop_to_mplus",
        )
        a.employee_number = int(
            _value(io, flags.get("employee_number"), "MplusKASSA employee for web orders", "999999")
        )
        branch = _value(io, flags.get("branch_number"), "MplusKASSA branch for web orders", "")
        a.branch_number = int(branch) if branch.strip() else None
        if a.branch_number is not None:
            a.workplace_number = int(
                _value(io, flags.get("workplace_number"), "MplusKASSA workplace in that branch")
            )
        if found.order_statuses:
            io.say(
                "Shop order statuses: "
                + ", ".join(f"{k} {v}" for k, v in sorted(found.order_statuses.items()))
            )
        a.statuses_to_import = parse_numbers(
            _value(io, flags.get("statuses_to_import"), "Statuses to import (empty: all)", "")
        )
    if flags.get("state_database_url") is not None:
        a.state_database_url = str(flags["state_database_url"])

    integration = build_integration(a, previous)
    for note in problems_with_choices(integration, found, a):
        io.say(f"warning: {note}")
    save_integration(a.name, integration)
    io.say(f"saved Integration {a.name!r}; flows take integration={a.name!r}")
    return a, integration


def deployed_flows(flows: Iterable[str]) -> list[str]:
    """The Prefect flows to deploy for the chosen flows (purge-ledger always)."""
    chosen = set(flows)
    names = [f"sync-{f}" for f in FLOWS if f in chosen]
    if "stock" in chosen:
        names.append("reconcile-stock")
    return [*names, "purge-ledger"]
