"""What the downstream apps know about a vendor, contributed through hooks (the vendors app never imports them).

- Engagements: award procedures and contracts involving a vendor, for the vendor page. Each app names a
  provider in PROVIDERS, `provider(user, vendor) -> list[Engagement]`, returning only what that user may see.
- Contracts: the vendor's contracts as plain facts (`VendorContract`), for the rules the vendors app keeps
  about them: a vendor is marked exited only once its last open contract closes, the people on a contract's
  team may do that, and the managers of open contracts hear about expiring attestations. The contracts app
  fills CONTRACTS_PROVIDER, `provider(vendor) -> list[VendorContract]`, and owns what "open" means.
  Without the contracts app the vendor simply has no contracts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

PROVIDERS = ("awards.selectors.vendor_engagements", "contracts.selectors.vendor_engagements")
CONTRACTS_PROVIDER = "contracts.services.exit.vendor_contracts"


@dataclass(frozen=True)
class Engagement:
    kind: str  # "Award procedure", "Contract"
    reference: str
    title: str
    status: str
    url: str


@dataclass(frozen=True)
class VendorContract:
    """One contract of the vendor, as the vendors app needs to know it."""

    reference: str
    is_open: bool
    team: frozenset[int]  # ids of the people on the contract's team (negotiation lead, post-award manager, …)
    post_award_manager: object | None  # a User, or None


def _load(dotted: str) -> Callable | None:
    module_name, _, name = dotted.rpartition(".")
    try:
        return getattr(import_module(module_name), name)
    except (ModuleNotFoundError, AttributeError):
        return None


def engagements_for(user, vendor) -> list[Engagement]:
    rows: list[Engagement] = []
    for dotted in PROVIDERS:
        provider = _load(dotted)
        if provider is not None:
            rows.extend(provider(user, vendor))
    return rows


def vendor_contracts(vendor) -> list[VendorContract]:
    provider = _load(CONTRACTS_PROVIDER)
    return [] if provider is None else list(provider(vendor))


def open_contracts(vendor) -> list[VendorContract]:
    """The vendor's contracts that are not closed, in reference order."""
    return sorted((c for c in vendor_contracts(vendor) if c.is_open), key=lambda c: c.reference)


def on_contract_team(user, vendor) -> bool:
    """Whether `user` is on the team of any of the vendor's contracts (open or closed)."""
    return any(user.pk in c.team for c in vendor_contracts(vendor))
