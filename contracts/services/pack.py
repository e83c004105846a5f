"""The handoff pack: request a render (through the documents pipeline) and acknowledge receipt."""

from __future__ import annotations

from django.db import transaction

from contracts.handoff import HANDOFF_PACK, KIND, SETTLED
from contracts.models import Contract, PackAcknowledgement
from contracts.services._common import require, save
from procurement.documents.models import RenderedDocument
from procurement.documents.services import document_request
from procurement.exceptions import InvalidTransition


def pack_request(*, actor, contract: Contract):
    return document_request(kind=KIND, source=contract, actor=actor, reason="Handoff pack requested")


@transaction.atomic
def pack_acknowledge(*, actor, contract: Contract, document: RenderedDocument) -> PackAcknowledgement:
    """The post-award manager confirms receipt of the current, ready version of the pack; refused while any clause
    is still open, proposed, countered or escalated (a pack rendered then is a draft and says so)."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    require(actor, "acknowledge_pack", contract)
    if document.kind != KIND or document.object_id != contract.pk:
        raise InvalidTransition("That document is not this contract's handoff pack.")
    if document.status != RenderedDocument.Status.READY:
        raise InvalidTransition("Only a rendered, current handoff pack can be acknowledged.")
    if document.source_hash != HANDOFF_PACK.hash_source(contract):
        raise InvalidTransition("The contract changed after this pack was rendered; render the new version and "
                                "acknowledge that one.")
    unsettled = [p for p in contract.clauses.order_by("order", "pk") if p.status not in SETTLED]
    if unsettled:
        named = ", ".join(f"“{p.title}” ({p.get_status_display().lower()})" for p in unsettled)
        raise InvalidTransition(
            f"The handoff pack cannot be acknowledged while {len(unsettled)} clause"
            f"{'s are' if len(unsettled) > 1 else ' is'} still being negotiated: {named}. Agree or concede "
            "them first, then render the pack again.")
    existing = PackAcknowledgement.objects.filter(document=document, acknowledged_by=actor).first()
    if existing:
        return existing
    acknowledgement = save(PackAcknowledgement(contract=contract, document=document, version=document.version,
                                               sha256=document.sha256, acknowledged_by=actor),
                           actor=actor, reason=f"Handoff pack v{document.version} received")
    from procurement.webhooks.services import event_publish

    event_publish(event="pack.acknowledged", subject=contract, data={
        "pack_version": document.version, "pack_sha256": document.sha256,
        "acknowledged_at": acknowledgement.created_at})
    return acknowledgement
