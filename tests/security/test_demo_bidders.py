"""The demo's bidders (awards/demo/portal.py), as `make run` loads them: every portal page of every demo procedure,
asked by every demo bidder (issue 20: "the permission matrix covers every portal URL for every bidder of the
demo").

A bidder gets through on the pages of their own vendor's bids and 404 on every other bid's, and nothing a bidder is
shown names another demo bidder (vendor, contact or sign-in). Every internal page answers them 404. The demo's
own content is checked on the way: the open procedure has two sealed bids and a published answer, the other was
opened by its witnesses.
"""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from awards.demo.portal import BIDDERS, OPEN_TITLE, OPENED_TITLE
from awards.models import (
    AwardProcedure,
    BidderNotice,
    BidOpening,
    OpeningEntry,
    Question,
    RfpDocument,
    SealedItem,
    SealedSubmission,
)
from procurement.accounts.models import User
from tests.security.figures import record

THROUGH_REFUSED = {403, 404, 405}
PROCEDURE_PAGES = ("portal:procedure", "portal:qa", "portal:submission", "portal:price", "portal:notices",
                   "portal:debrief", "portal:submission_add", "portal:submission_submit",
                   "portal:submission_withdraw")


def addresses(procedure) -> list[tuple[str, str, int]]:
    """(name, path, vendor id or 0 for any bidder of the procedure) of every portal page about `procedure`."""
    ref = procedure.reference
    found = [(name, reverse(name, args=[ref]), 0) for name in PROCEDURE_PAGES]
    for document in RfpDocument.objects.filter(procedure=procedure):
        found.append(("portal:rfp_document", reverse("portal:rfp_document", args=[ref, document.pk]), 0))
    for notice in BidderNotice.objects.filter(procedure=procedure).select_related("bid"):
        found.append(("portal:notice_detail", reverse("portal:notice_detail", args=[ref, notice.pk]),
                      notice.bid.vendor_id))
    for item in SealedItem.objects.filter(submission__bid__procedure=procedure, removed_at=None).select_related(
            "submission__bid"):
        for name in ("portal:submission_replace", "portal:submission_remove"):
            found.append((name, reverse(name, args=[ref, item.pk]), item.submission.bid.vendor_id))
    return found


@pytest.mark.django_db
def test_each_demo_bidder_reaches_their_own_bids_only(settings_debug):
    # given the demo as `make run` loads it
    call_command("seed_demo", stdout=io.StringIO())
    open_procedure = AwardProcedure.objects.get(title=OPEN_TITLE)
    opened = AwardProcedure.objects.get(title=OPENED_TITLE)
    assert SealedSubmission.objects.filter(bid__procedure=open_procedure,
                                           status=SealedSubmission.Status.SUBMITTED).count() == 2
    assert Question.objects.filter(procedure=open_procedure, published_at__isnull=False).count() == 1
    assert Question.objects.filter(procedure=open_procedure, bid__isnull=False).count() == 2
    opening = BidOpening.objects.get(procedure=opened)
    assert opening.status == BidOpening.Status.OPENED and opening.witnesses.filter(confirmed_at=None).count() == 0
    assert set(OpeningEntry.objects.filter(opening=opening).values_list("outcome", flat=True)) == {"opened"}
    people = {username: User.objects.get(username=username) for username in BIDDERS}
    assert all(person.is_bidder and person.check_password(settings.BATON_DEMO_PASSWORD) for person in people.values())
    hidden = {username: [text for other, (legal, contact, _, email) in BIDDERS.items() if other != username
                         for text in (legal, contact, email, other)] for username in BIDDERS}

    # when every demo bidder asks every portal page of both procedures, the home and due-diligence pages, and an
    # internal page
    asked, cross, problems = 0, 0, []
    for username, person in people.items():
        client = Client(raise_request_exception=False)
        assert client.login(username=username, password=settings.BATON_DEMO_PASSWORD)
        vendor = person.vendor_contact.vendor_id
        own = {procedure.pk for procedure in (open_procedure, opened)
               if procedure.bids.filter(vendor_id=vendor, invitations__accepted_by__isnull=False).exists()}
        pages = [("portal:home", reverse("portal:home"), True), ("portal:diligence", reverse("portal:diligence"), True)]
        for procedure in (open_procedure, opened):
            pages += [(name, path, procedure.pk in own and owner in (0, vendor))
                      for name, path, owner in addresses(procedure)]
        for name, path, allowed in pages:
            response = client.get(path)
            asked += 1
            through = response.status_code not in THROUGH_REFUSED and response.status_code < 500
            body = b"".join(response.streaming_content) if response.streaming else response.content
            text = body.decode("utf-8", "replace")
            shown = [secret for secret in hidden[username] if secret in text]
            if (through and not allowed) or shown:
                cross += 1
            if response.status_code >= 500 or through != allowed or shown:
                problems.append(f"{username} GET {path} ({name}): {response.status_code}"
                                f"{', shows ' + repr(shown) if shown else ''}, expected "
                                f"{'to get through' if allowed else '404'}")
            elif not allowed:
                assert response.status_code == 404, (username, path, response.status_code)
        internal = client.get(reverse("awards:procedure_detail", args=[open_procedure.reference]))
        assert internal.status_code == 404

    # then each saw only their own
    record("portal URLs × bidders checked", asked)
    record("portal URLs × bidders checked/cross-bidder views", cross)
    assert not problems, "\n".join(problems)
    assert asked >= 3 * 2 * len(PROCEDURE_PAGES)


@pytest.fixture
def settings_debug(settings):
    settings.DEBUG = True  # seed_demo refuses to run with DEBUG off (its passwords are public)
    return settings
