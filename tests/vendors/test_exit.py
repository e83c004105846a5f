"""vendor_mark_exited: the vendor leaves only when none of its contracts is open."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from contracts.models import Contract
from procurement.accounts.roles import Role
from tests.factories.contracts import open_contract
from vendors.models import Vendor
from vendors.services import VendorHasOpenContracts, vendor_mark_exited, vendor_set_status

pytestmark = pytest.mark.django_db


def _close(contract: Contract) -> Contract:
    contract.status = Contract.Status.CLOSED
    contract._change_reason = "test: closed"
    contract.save()
    return contract


@pytest.fixture
def contract(lead, manager):
    return open_contract(lead=lead, manager=manager)


def test_refused_while_a_contract_is_open(contract, lead):
    vendor = contract.vendor

    with pytest.raises(VendorHasOpenContracts, match=contract.reference):
        vendor_mark_exited(vendor=vendor, actor=lead, reason="Last contract closed")

    vendor.refresh_from_db()
    assert vendor.status != Vendor.Status.EXITED
    assert not vendor.history.filter(status=Vendor.Status.EXITED).exists()


def test_an_active_vendor_passes_through_exiting_with_reasons(contract, manager):
    vendor = contract.vendor
    vendor_set_status(actor=vendor.owner, vendor=vendor, status="active", reason="Contract signed")
    _close(contract)

    exited = vendor_mark_exited(vendor=vendor, actor=manager, reason=f"Contract {contract.reference} closed")

    assert exited.status == Vendor.Status.EXITED
    assert Vendor.objects.get(pk=vendor.pk).status == Vendor.Status.EXITED
    rows = list(exited.history.all()[:2])
    assert [(r.status, r.history_user, r.history_change_reason) for r in rows] == [
        ("exited", manager, f"Exited: Contract {contract.reference} closed"),
        ("exiting", manager, f"Exiting: Contract {contract.reference} closed"),
    ]


def test_a_prospect_goes_straight_to_exited_and_a_second_call_changes_nothing(contract, lead):
    vendor = contract.vendor
    assert vendor.status == Vendor.Status.PROSPECT
    _close(contract)

    vendor_mark_exited(vendor=vendor, actor=lead, reason="Dropped")
    count = vendor.history.count()
    again = vendor_mark_exited(vendor=vendor, actor=lead, reason="Dropped")

    assert again.status == Vendor.Status.EXITED
    assert vendor.history.count() == count


def test_the_reason_is_required(contract, lead):
    _close(contract)

    with pytest.raises(ValidationError):
        vendor_mark_exited(vendor=contract.vendor, actor=lead, reason="  ")

    assert Vendor.objects.get(pk=contract.vendor.pk).status == Vendor.Status.PROSPECT


@pytest.mark.parametrize("role", [Role.EVALUATOR, Role.AUDITOR, Role.POST_AWARD_MANAGER, None])
def test_outsiders_may_not_mark_a_vendor_exited(contract, make_user, role):
    _close(contract)
    outsider = make_user(role) if role else make_user()

    with pytest.raises(PermissionDenied):
        vendor_mark_exited(vendor=contract.vendor, actor=outsider, reason="Closing")

    assert Vendor.objects.get(pk=contract.vendor.pk).status == Vendor.Status.PROSPECT
