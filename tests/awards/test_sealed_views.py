"""Pages of sealed bids: the bidder's portal page and its actions, the procedure panel, the opening pages."""

import pytest
from django.urls import reverse

from awards import services
from awards.models import BidOpening, ProposalDocument, SealedItem, SealedSubmission
from procurement.accounts.roles import Role
from tests.factories.accounts import UserFactory
from tests.factories.sealed import bid_with_bidder, open_portal_procedure, pass_deadline, pdf, witness

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    procedure = open_portal_procedure()
    bid, bidder = bid_with_bidder(procedure, "bea")
    other_bid, other = bid_with_bidder(procedure, "olga")
    return procedure, bid, bidder, other


def _url(name, procedure, *args):
    return reverse(f"portal:{name}", args=[procedure.reference, *args])


def test_the_bidder_page_shows_hashes_not_titles_and_others_get_404(client, world, django_assert_max_num_queries):
    procedure, bid, bidder, other = world
    item = services.sealed_document_add(actor=bidder, bid=bid, title="Secret title", upload=pdf())
    client.force_login(bidder)

    with django_assert_max_num_queries(25):
        page = client.get(_url("submission", procedure))

    assert page.status_code == 200
    html = page.content.decode()
    assert item.sha256 in html and "Secret title" not in html and "proposal.pdf" not in html
    client.force_login(other)
    assert client.get(_url("submission", procedure)).status_code == 200  # their own bid's page
    assert item.sha256 not in client.get(_url("submission", procedure)).content.decode()
    assert client.get(_url("submission_remove", procedure, item.pk)).status_code == 404
    client.force_login(procedure.lead)
    assert client.get(_url("submission", procedure)).status_code == 404
    client.logout()
    assert client.get(_url("submission", procedure)).status_code == 302


def test_the_bidder_adds_submits_and_withdraws_with_confirmation(client, world):
    procedure, bid, bidder, _ = world
    client.force_login(bidder)

    added = client.post(_url("submission_add", procedure), {"title": "Proposal", "file": pdf()})
    assert added.status_code == 302
    assert client.get(_url("submission_submit", procedure)).status_code == 200  # the confirmation, nothing done
    assert SealedSubmission.objects.get(bid=bid).status == SealedSubmission.Status.DRAFT
    assert client.post(_url("submission_submit", procedure)).status_code == 302
    submission = SealedSubmission.objects.get(bid=bid)
    assert submission.status == SealedSubmission.Status.SUBMITTED
    assert submission.receipt_hash in client.get(_url("submission", procedure)).content.decode()

    refused = client.post(_url("submission_withdraw", procedure), {"reason": ""})
    assert refused.status_code == 400 and "This field is required" in refused.content.decode()
    assert client.post(_url("submission_withdraw", procedure), {"reason": "No longer able"}).status_code == 302
    assert SealedSubmission.objects.get(bid=bid).status == SealedSubmission.Status.WITHDRAWN


def test_removing_and_replacing_through_the_pages(client, world):
    procedure, bid, bidder, _ = world
    item = services.sealed_document_add(actor=bidder, bid=bid, title="Proposal", upload=pdf())
    client.force_login(bidder)

    replaced = client.post(_url("submission_replace", procedure, item.pk),
                           {"title": "Proposal v2", "file": pdf(body=b"second version")})
    assert replaced.status_code == 302
    new = SealedItem.objects.get(submission__bid=bid, removed_at__isnull=True)
    assert new.pk != item.pk
    assert client.get(_url("submission_remove", procedure, new.pk)).status_code == 200
    assert client.post(_url("submission_remove", procedure, new.pk)).status_code == 302
    assert not SealedItem.objects.filter(submission__bid=bid, removed_at__isnull=True).exists()


def test_a_bad_file_is_refused_at_the_field_and_nothing_is_saved(client, world):
    procedure, _, bidder, _ = world
    client.force_login(bidder)
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = client.post(_url("submission_add", procedure),
                       {"title": "Proposal", "file": SimpleUploadedFile("a.pdf", b"\x00\x01binary")})

    assert page.status_code == 400 and not SealedItem.objects.exists()


def test_after_the_deadline_refused_late_bids_get_a_409(client, world, settings):
    procedure, _, bidder, _ = world
    settings.BATON_LATE_BIDS = "refuse"
    pass_deadline(procedure)
    client.force_login(bidder)

    page = client.post(_url("submission_add", procedure), {"title": "Proposal", "file": pdf()})

    assert page.status_code == 409 and "does not accept late bids" in page.content.decode()
    assert not SealedItem.objects.exists()


def test_the_procedure_panel_counts_sealed_bids_without_naming_files(client, world):
    procedure, bid, bidder, _ = world
    services.sealed_document_add(actor=bidder, bid=bid, title="Secret title", upload=pdf())
    services.sealed_submit(actor=bidder, bid=bid)
    client.force_login(procedure.lead)

    html = client.get(procedure.get_absolute_url()).content.decode()
    bid_page = client.get(bid.get_absolute_url()).content.decode()

    assert "1 sealed bid submitted" in html and "Secret title" not in html
    assert reverse("awards:opening_start", args=[procedure.reference]) not in html  # not before the deadline
    assert "Sealed bid" in bid_page and "Secret title" not in bid_page
    assert reverse("awards:document_add", args=[procedure.reference, bid.pk]) not in bid_page


def test_the_opening_pages_start_confirm_and_record(client, world, django_assert_max_num_queries):
    procedure, bid, bidder, _ = world
    services.sealed_document_add(actor=bidder, bid=bid, title="Technical proposal", upload=pdf())
    services.sealed_submit(actor=bidder, bid=bid)
    pass_deadline(procedure)
    second = witness(procedure)
    start = reverse("awards:opening_start", args=[procedure.reference])
    confirm = reverse("awards:opening_confirm", args=[procedure.reference])

    client.force_login(UserFactory(roles=[Role.EVALUATOR]))
    assert client.get(start).status_code == 404  # cannot see the procedure
    client.force_login(second)
    assert client.get(start).status_code == 403  # sees it, does not lead it
    client.force_login(procedure.lead)
    form = client.get(start)
    assert form.status_code == 200 and f"({second.username})" in form.content.decode()
    wrong = client.post(start, {"witnesses": [procedure.lead.pk]})
    assert wrong.status_code == 400 and "exactly 2" in wrong.content.decode()
    assert client.post(start, {"witnesses": [procedure.lead.pk, second.pk]}).status_code == 302

    client.force_login(UserFactory(roles=[Role.PROCUREMENT_LEAD]))
    assert client.get(confirm).status_code == 403
    for person in (procedure.lead, second):
        client.force_login(person)
        assert client.post(confirm, {"present": "on"}).status_code == 302
    assert BidOpening.objects.get().status == BidOpening.Status.OPENED

    with django_assert_max_num_queries(20):
        record = client.get(reverse("awards:opening_record", args=[procedure.reference]))
    document = ProposalDocument.objects.get(bid=bid)
    html = record.content.decode()
    assert record.status_code == 200 and document.sha256 in html and "Verified" in html
    assert "Technical proposal" in html and str(bid.vendor) in html
