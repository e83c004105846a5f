"""The vendors app learns about a vendor's contracts only through its hook (vendors.engagements), which the
contracts app fills (contracts.services.exit.vendor_contracts). The rule "the vendor's last open contract" has one
home: contracts decides what is open; the vendor's exit, the right to mark it and the attestation recipients all
read it through the hook."""

from pathlib import Path

import pytest

from contracts.services.exit import vendor_contracts, vendor_open_contracts
from tests.vendors import test_exit
from vendors import engagements
from vendors.models import Vendor
from vendors.services import VendorHasOpenContracts, vendor_mark_exited
from vendors.services.monitoring import attestation_recipients

pytestmark = pytest.mark.django_db

contract = test_exit.contract  # the same fixture: an open contract with a post-award manager
_close = test_exit._close


def test_the_contracts_app_fills_the_hooks_through_its_contributions():
    from awards.selectors import vendor_engagements as procedures_of_vendor
    from contracts.selectors import vendor_engagements as contracts_of_vendor
    from procurement.contributions import collect

    assert collect().providers(engagements.CONTRACTS_HOOK) == [vendor_contracts]
    assert collect().providers(engagements.ENGAGEMENTS_HOOK) == [procedures_of_vendor, contracts_of_vendor]


def test_the_vendor_page_lists_the_contracts_the_person_may_see(contract, manager, make_user):
    """The contracts provider was named in a hand-kept list but did not exist, so contracts were silently left off
    the vendor page; the hook is now a contribution that `manage.py check` verifies."""
    from procurement.accounts.roles import Role

    [shown] = [e for e in engagements.engagements_for(manager, contract.vendor) if e.kind == "Contract"]
    assert (shown.reference, shown.url) == (contract.reference, contract.get_absolute_url())
    outsider = make_user(Role.POST_AWARD_MANAGER)
    assert [e for e in engagements.engagements_for(outsider, contract.vendor) if e.kind == "Contract"] == []


def test_the_hook_reports_open_contracts_and_their_team(contract, manager):
    vendor = contract.vendor

    [fact] = engagements.vendor_contracts(vendor)

    assert (fact.reference, fact.is_open, fact.post_award_manager) == (contract.reference, True, manager)
    assert fact.team == {contract.negotiation_lead_id, manager.pk}
    assert [c.reference for c in engagements.open_contracts(vendor)] == [contract.reference]
    assert list(vendor_open_contracts(vendor.pk)) == [contract]
    assert engagements.on_contract_team(manager, vendor)


def test_a_closed_contract_is_not_open_but_its_team_may_still_mark_the_vendor_exited(contract, manager):
    vendor = _close(contract).vendor

    assert engagements.open_contracts(vendor) == []
    assert engagements.on_contract_team(manager, vendor)
    assert attestation_recipients(vendor) == [vendor.owner]  # managers of closed contracts are not told

    assert vendor_mark_exited(vendor=vendor, actor=manager, reason="Last contract closed").status == "exited"


def test_open_contracts_block_the_exit_and_their_managers_hear_about_attestations(contract, manager):
    vendor = contract.vendor

    assert manager in attestation_recipients(vendor)
    with pytest.raises(VendorHasOpenContracts, match=contract.reference):
        vendor_mark_exited(vendor=vendor, actor=manager, reason="Closing")


def test_without_the_contracts_app_the_vendor_has_no_contracts(monkeypatch, lead, vendor):
    from procurement import contributions

    without = contributions.Registry(tuple(entry for entry in contributions.collect().by_app
                                           if entry.app_label != "contracts"))
    monkeypatch.setattr(engagements, "collect", lambda: without)

    assert engagements.vendor_contracts(vendor) == []
    assert vendor_mark_exited(vendor=vendor, actor=lead, reason="Dropped").status == Vendor.Status.EXITED


def test_the_vendors_app_never_imports_contracts():
    root = Path(__file__).resolve().parents[2] / "vendors"
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py")
                 if any(line.lstrip().startswith(("from contracts", "import contracts"))
                        for line in p.read_text().splitlines())]

    assert offenders == []
