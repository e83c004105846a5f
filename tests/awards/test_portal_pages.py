"""The bidder's view (issue 20): their procedures with what needs doing, a procedure's public facts, its RFP
documents (downloaded only once their hash matches), and nothing internal or of another bidder."""

from __future__ import annotations

import pytest
from django.urls import reverse

from awards import services
from awards.models import RfpDocument
from awards.services.bidder_notices import bidder_notice_publish
from awards.services.rfp_documents import rfp_document_add, rfp_document_withdraw
from tests.awards.portal_helpers import issue_portal_rfp
from tests.factories.award_fixtures import pdf
from tests.factories.portal import bidder_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def portal_rfp(lead, business_owner, make_vendor, future_timeline):
    return issue_portal_rfp(lead=lead, business_owner=business_owner, make_vendor=make_vendor,
                            future_timeline=future_timeline)


@pytest.fixture
def bids(portal_rfp):
    return list(portal_rfp.bids.select_related("vendor").order_by("pk"))


def _second_procedure(lead, business_owner, vendor):
    procedure = services.procedure_create(
        actor=lead, title="Translation service", need_statement="Translate tickets.", business_owner=business_owner,
        category="ai_saas", estimated_value=5000, currency="EUR", term_months=12, submission="portal")
    return services.bid_invite(actor=lead, procedure=procedure, vendor=vendor)


def test_home_lists_the_bidders_procedures_with_what_needs_doing_in_few_queries(
        client, portal_rfp, bids, lead, business_owner, django_assert_max_num_queries):
    user = bidder_for(bids[0])
    second = _second_procedure(lead, business_owner, bids[0].vendor)
    bidder_for(second, username="colleague")  # a colleague accepted that one: the vendor sees it too
    _second_procedure(lead, business_owner, bids[1].vendor)  # another vendor's procedure
    for n in range(2):
        bidder_notice_publish(actor=lead, procedure=portal_rfp, kind="clarification", subject=f"S{n}", body="B",
                              key=f"k{n}", bids=[bids[0]])
    client.force_login(user)

    with django_assert_max_num_queries(10):
        page = client.get(reverse("portal:home")).content.decode()

    assert portal_rfp.reference in page and second.procedure.reference in page
    assert "2 notices to acknowledge" in page and "Questions are open" in page
    assert str(bids[1].vendor) not in page and page.count("portal/procedures/") >= 2


def test_the_procedure_page_shows_the_public_facts_and_nothing_internal(client, portal_rfp, bids, lead,
                                                                        make_user):
    from procurement.accounts.roles import Role

    evaluator = make_user(Role.EVALUATOR, first_name="Evelyn", last_name="Scorer")
    services.evaluator_assign(actor=lead, procedure=portal_rfp, evaluator=evaluator)
    rfp_document_add(actor=lead, procedure=portal_rfp, title="Annex A: service levels", upload=pdf("annex-a.pdf"))
    gone = rfp_document_add(actor=lead, procedure=portal_rfp, title="Old annex", upload=pdf("old.pdf", b"old"))
    rfp_document_withdraw(actor=lead, document=gone, reason="Replaced")
    client.force_login(bidder_for(bids[0]))

    page = client.get(reverse("portal:procedure", args=[portal_rfp.reference])).content.decode()

    assert portal_rfp.title in page and "<strong>tier-1</strong>" in page  # the sanitised Markdown
    assert "Question deadline" in page and "Proposals due" in page and "Annex A: service levels" in page
    assert "Old annex" not in page and "not submitted yet" in page
    for area in ("qa", "submission", "price", "notices"):
        assert reverse(f"portal:{area}", args=[portal_rfp.reference]) in page
    assert "Evelyn" not in page and "Scorer" not in page
    assert str(bids[1].vendor) not in page and str(bids[2].vendor) not in page
    assert "/procedures/" + portal_rfp.reference not in page.replace("/portal/procedures/", "")


def test_an_rfp_document_downloads_only_when_its_hash_matches(client, portal_rfp, bids, lead):
    document = rfp_document_add(actor=lead, procedure=portal_rfp, title="Annex A", upload=pdf("annex-a.pdf"))
    client.force_login(bidder_for(bids[0]))
    url = reverse("portal:rfp_document", args=[portal_rfp.reference, document.pk])

    response = client.get(url)

    assert response.status_code == 200 and response["X-Content-SHA256"] == document.sha256
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    with document.file.open("wb") as handle:  # someone alters the stored file
        handle.write(b"%PDF-1.7 altered")
    tampered = client.get(url)
    assert tampered.status_code == 409 and "withheld" in tampered.content.decode()


def test_withdrawn_or_foreign_documents_and_foreign_procedures_are_404(client, portal_rfp, bids, lead,
                                                                       business_owner):
    gone = rfp_document_add(actor=lead, procedure=portal_rfp, title="Old", upload=pdf("old.pdf"))
    rfp_document_withdraw(actor=lead, document=gone, reason="Replaced")
    other_bid = _second_procedure(lead, business_owner, bids[1].vendor)
    foreign = rfp_document_add(actor=lead, procedure=other_bid.procedure, title="Theirs", upload=pdf("x.pdf"))
    client.force_login(bidder_for(bids[0]))

    for url in (reverse("portal:rfp_document", args=[portal_rfp.reference, gone.pk]),
                reverse("portal:rfp_document", args=[portal_rfp.reference, foreign.pk]),
                reverse("portal:rfp_document", args=[other_bid.procedure.reference, foreign.pk]),
                reverse("portal:procedure", args=[other_bid.procedure.reference]),
                reverse("portal:procedure", args=["AP-0000-9999"]),
                reverse("portal:qa", args=[other_bid.procedure.reference]),
                reverse("portal:notices", args=[other_bid.procedure.reference])):
        assert client.get(url).status_code == 404, url
    assert RfpDocument.objects.count() == 2


def test_the_lead_adds_a_document_through_the_page_and_a_bad_file_is_refused_next_to_the_field(
        client, portal_rfp, lead):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(lead)
    url = reverse("awards:rfp_document_add", args=[portal_rfp.reference])

    bad = client.post(url, {"title": "Script", "file": SimpleUploadedFile("run.exe", b"MZ\x90\x00binary")})
    good = client.post(url, {"title": "Annex A", "file": pdf("annex-a.pdf")})

    assert bad.status_code == 400 and 'id="id_file_error"' in bad.content.decode()
    assert good.status_code == 302
    assert list(RfpDocument.objects.values_list("title", flat=True)) == ["Annex A"]
    document = RfpDocument.objects.get()
    assert document.uploaded_by == lead and document.history.get().history_user == lead


def test_anonymous_visitors_are_sent_to_sign_in_and_staff_get_404(client, portal_rfp, lead):
    urls = [reverse("portal:home"), reverse("portal:procedure", args=[portal_rfp.reference]),
            reverse("portal:qa", args=[portal_rfp.reference]), reverse("portal:notices", args=[portal_rfp.reference])]

    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(lead)
    for url in urls:
        assert client.get(url).status_code == 404
