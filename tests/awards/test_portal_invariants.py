"""Rules between the portal and the rest (issue 20): a portal procedure is evaluated only after its sealed bids
are opened, and bidder contacts never hold API tokens."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from awards.models import BidOpening
from awards.models.procedure import Stage
from awards.services.opening import bid_opening_start, opening_witness_confirm
from awards.services.procedure import procedure_advance
from awards.services.sealed import sealed_document_add, sealed_submit
from procurement.api.services import api_token_create
from procurement.exceptions import DomainError
from tests.factories.awards import EvaluatorAssignmentFactory
from tests.factories.sealed import bid_with_bidder, open_portal_procedure, pass_deadline, pdf, witness

pytestmark = pytest.mark.django_db


def _sealed_and_due():
    procedure = open_portal_procedure()
    for name in ("inv-a", "inv-b"):
        bid, bidder = bid_with_bidder(procedure, username=name)
        sealed_document_add(actor=bidder, bid=bid, title="Proposal", upload=pdf(body=name.encode()))
        sealed_submit(actor=bidder, bid=bid)
    EvaluatorAssignmentFactory(procedure=procedure)
    pass_deadline(procedure)
    procedure.refresh_from_db()
    return procedure


def test_a_portal_procedure_is_not_evaluated_before_its_bids_are_opened():
    # given sealed bids whose deadline has passed, an evaluator assigned, and no opening yet
    procedure = _sealed_and_due()
    # when the lead moves to evaluation, then it is refused with the reason, and the stage stays
    with pytest.raises(DomainError, match="Open the sealed bids"):
        procedure_advance(actor=procedure.lead, procedure=procedure, target=Stage.EVALUATION, reason="Go")
    procedure.refresh_from_db()
    assert procedure.stage == Stage.RFP_ISSUED
    # when the witnesses open them, then the evaluation may start
    other = witness(procedure)
    opening = bid_opening_start(actor=procedure.lead, procedure=procedure, witnesses=[procedure.lead, other])
    opening_witness_confirm(actor=procedure.lead, opening=opening)
    opening = opening_witness_confirm(actor=other, opening=opening)
    assert opening.status == BidOpening.Status.OPENED
    procedure_advance(actor=procedure.lead, procedure=procedure, target=Stage.EVALUATION, reason="Bids opened")
    procedure.refresh_from_db()
    assert procedure.stage == Stage.EVALUATION
    assert procedure.history.first().history_user == procedure.lead


def test_a_bidder_cannot_create_an_api_token():
    procedure = open_portal_procedure()
    _, bidder = bid_with_bidder(procedure, username="no-token")
    with pytest.raises(PermissionDenied):
        api_token_create(actor=bidder, name="Mine", scope="read", expires_on=timezone.localdate() + timedelta(days=5))
    assert not bidder.api_tokens.exists()
