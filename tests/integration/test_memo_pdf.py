"""An approved decision memo rendered by a real worker (PostgreSQL, Redis, `celery worker`) and read back."""

import io
import time
from decimal import Decimal

import pypdf
import pytest
from django.urls import reverse

from awards import services
from awards.memo_documents import SECTIONS
from awards.models import DecisionMemo
from procurement.accounts.roles import Role
from procurement.documents.models import RenderedDocument
from tests.factories.accounts import TEST_PASSWORD, UserFactory
from tests.factories.memos import EC, PM, RC, committee, shortlisted_procedure, written_memo

pytestmark = pytest.mark.django_db(transaction=True)




def wait_ready(kind: str, timeout: float = 60) -> RenderedDocument:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        doc = RenderedDocument.objects.filter(kind=kind).order_by("-pk").first()
        if doc is not None and doc.status in ("ready", "failed"):
            assert doc.status == "ready", doc.error
            return doc
        time.sleep(0.1)
    raise AssertionError(f"no {kind} document became ready within {timeout} s")


def test_an_approved_memo_is_rendered_by_the_worker_with_every_section_and_signature(client, worker_storage):
    lead = UserFactory(roles=[Role.PROCUREMENT_LEAD])
    approvers = [UserFactory(roles=[Role.COMMITTEE_APPROVER], first_name=name, last_name="Approver")
                 for name in ("Ada", "Grace")]
    committee(PM, approvers[0], quorum=1)
    committee(RC, approvers[1], quorum=1)
    committee(EC, quorum=1)
    shortlist = shortlisted_procedure(lead=lead, value=Decimal("300000"))  # PM + risk committee
    memo = services.memo_submit(actor=lead, memo=written_memo(shortlist))
    for person in approvers:
        services.signoff_record(actor=person, memo=memo, decision="approve", comment=f"Signed by {person.first_name}",
                                password=TEST_PASSWORD)
    memo = DecisionMemo.objects.get(pk=memo.pk)
    assert memo.is_approved

    doc = wait_ready("award_memo")
    client.force_login(lead)
    response = client.get(reverse("documents:download", args=[doc.pk]))
    assert response.status_code == 200
    assert f"{memo.reference}-award-memo-v1.pdf" in response["Content-Disposition"]
    reader = pypdf.PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = text.replace("\n", "")

    assert len(reader.pages) > 1
    assert memo.reference in text
    assert str(shortlist.bids[0].vendor) in text
    for _, heading in SECTIONS:
        assert heading in text, heading
    signoffs = list(memo.routes.get().signoffs.select_related("signer"))
    assert len(signoffs) == 2
    for signoff in signoffs:
        assert signoff.signer.get_full_name() in text
        assert signoff.content_hash in flat
    assert "<svg" not in text  # the charts are drawn, not printed as markup
