"""The vendor page lists the vendor's award procedures, scoped to what the viewer may see."""

import pytest
from guardian.shortcuts import assign_perm

from tests.factories.awards import AwardProcedureFactory, BidFactory
from tests.factories.vendors import VendorFactory

pytestmark = pytest.mark.django_db


def test_vendor_page_lists_procedures_the_viewer_may_see(client, lead):
    vendor = VendorFactory(owner=lead)
    procedure = AwardProcedureFactory(lead=lead, title="LLM assistant for claims")
    BidFactory(procedure=procedure, vendor=vendor)

    client.force_login(lead)
    html = client.get(vendor.get_absolute_url()).content.decode()

    assert procedure.reference in html and "LLM assistant for claims" in html


def test_vendor_page_hides_procedures_from_a_reader_of_the_vendor_only(client, lead, stranger):
    vendor = VendorFactory(owner=lead)
    procedure = AwardProcedureFactory(lead=lead, title="Secret sourcing")
    BidFactory(procedure=procedure, vendor=vendor)
    assign_perm("vendors.view_vendor", stranger, vendor)

    client.force_login(stranger)
    response = client.get(vendor.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert "Secret sourcing" not in html and procedure.reference not in html
    assert "No award procedure or contract with this vendor that you can see." in html
