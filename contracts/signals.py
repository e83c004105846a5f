"""One side effect hooked on the documents pipeline: when a handoff pack version is READY, its contract's
post-award manager is told (once per version, after the render commits). No rule lives here."""

from django.db import transaction


def pack_rendered(sender, instance, **kwargs):
    from contracts.handoff import KIND

    if instance.kind != KIND or instance.status != "ready":
        return
    document_id = instance.pk
    transaction.on_commit(lambda: _tell(document_id))


def _tell(document_id: int) -> None:
    from contracts.models import Contract
    from contracts.notices import tell
    from procurement.documents.models import RenderedDocument

    doc = RenderedDocument.objects.filter(pk=document_id).first()
    contract = Contract.objects.select_related("post_award_manager").filter(pk=doc.object_id).first() if doc else None
    if contract is None or contract.post_award_manager is None:
        return
    tell([contract.post_award_manager], kind="pack_ready", key=f"contracts:pack:{doc.pk}:ready",
         subject=f"{contract.reference}: handoff pack version {doc.version} is ready to acknowledge",
         body="Download it, check it, and acknowledge receipt on the contract page.", target=contract)
