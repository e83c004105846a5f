"""Who is told what: kickoff invitations and a ready handoff pack, once each."""

import pytest

from contracts import services
from procurement.notifications.models import Notification
from tests.factories.contracts import open_contract

pytestmark = pytest.mark.django_db


def test_kickoff_attendees_are_invited_but_not_the_person_adding_them(lead, manager):
    contract = open_contract(lead=lead, manager=manager)
    services.kickoff_attendee_add(actor=lead, kickoff=contract.kickoff, user=manager, role="post_award_manager")
    services.kickoff_attendee_add(actor=lead, kickoff=contract.kickoff, user=lead, role="negotiation_lead")
    invitations = Notification.objects.filter(kind="kickoff_invitation")
    assert [n.recipient for n in invitations] == [manager]
    assert contract.reference in invitations.get().subject


def test_a_rendered_pack_tells_the_post_award_manager_once(lead, manager, django_capture_on_commit_callbacks):
    from procurement.documents.models import RenderedDocument
    from procurement.documents.services import document_render

    contract = open_contract(lead=lead, manager=manager)
    with django_capture_on_commit_callbacks(execute=True):
        doc = services.pack_request(actor=lead, contract=contract)
    with django_capture_on_commit_callbacks(execute=True):
        document_render(document_id=doc.pk)  # already rendered: returns at once, tells nobody again
    assert RenderedDocument.objects.get(pk=doc.pk).status == "ready"
    told = Notification.objects.filter(kind="pack_ready")
    assert [n.recipient for n in told] == [manager] and told.get().key == f"contracts:pack:{doc.pk}:ready"
