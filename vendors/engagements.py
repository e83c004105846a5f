"""What the downstream apps know about a vendor, contributed through hooks (the vendors app never imports them).

- Engagements (hook "vendors.engagements"): award procedures and contracts involving a vendor, for the vendor
  page: `provider(user, vendor) -> list[Engagement]`, returning only what that user may see.
- Contracts (hook "vendors.contracts"): the vendor's contracts as plain facts (`VendorContract`), for the rules
  the vendors app keeps about them: a vendor is marked exited only once its last open contract closes, the
  people on a contract's team may do that, and the managers of open contracts hear about expiring attestations.
  `provider(vendor) -> list[VendorContract]`; the contracts app fills it and owns what "open" means.
  Without the contracts app the vendor simply has no contracts.
A higher app fills a hook with a `HookProvider` in its AppConfig's contributions (procurement.contributions), so
`manage.py check` reports a provider that does not import instead of the page silently leaving it out.
"""

from __future__ import annotations

from dataclasses import dataclass

from procurement.contributions import collect

ENGAGEMENTS_HOOK = "vendors.engagements"
CONTRACTS_HOOK = "vendors.contracts"


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


def engagements_for(user, vendor) -> list[Engagement]:
    rows: list[Engagement] = []
    for provider in collect().providers(ENGAGEMENTS_HOOK):
        rows.extend(provider(user, vendor))
    return rows


def vendor_contracts(vendor) -> list[VendorContract]:
    return [contract for provider in collect().providers(CONTRACTS_HOOK) for contract in provider(vendor)]


def open_contracts(vendor) -> list[VendorContract]:
    """The vendor's contracts that are not closed, in reference order."""
    return sorted((c for c in vendor_contracts(vendor) if c.is_open), key=lambda c: c.reference)


def on_contract_team(user, vendor) -> bool:
    """Whether `user` is on the team of any of the vendor's contracts (open or closed)."""
    return any(user.pk in c.team for c in vendor_contracts(vendor))
