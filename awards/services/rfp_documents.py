"""The RFP documents every invited bidder downloads from the portal (issue 20): added and withdrawn by the lead,
stored pinned by their server-side sha256 (the same upload checks as proposal files, awards.uploads), never
deleted. Once the RFP is issued, adding or withdrawing one is a clarification every bidder is told about."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone

from awards.models import AwardProcedure, RfpDocument
from awards.models.procedure import Stage, Submission
from awards.policies import procedure_policy
from awards.services._common import clean_reason, lock_procedure, locked
from awards.services.bidder_notices import bidder_notice_publish
from awards.uploads import fingerprint_upload
from procurement.audit.history import attribute
from procurement.authz import require
from procurement.exceptions import DomainError
from procurement.services import model_save

# Once the RFP is out, bidders are working from its documents: any change is announced to them.
ANNOUNCED_STAGES = (Stage.RFP_ISSUED, Stage.EVALUATION, Stage.SHORTLIST)


def _announce(*, actor, procedure: AwardProcedure, subject: str, body: str, key: str) -> None:
    if procedure.stage in ANNOUNCED_STAGES and procedure.submission == Submission.PORTAL:
        bidder_notice_publish(actor=actor, procedure=procedure, kind="clarification", subject=subject, body=body,
                              key=key)


@transaction.atomic
def rfp_document_add(*, actor, procedure: AwardProcedure, title: str, upload) -> RfpDocument:
    procedure = lock_procedure(procedure.pk)
    require(actor, procedure_policy, "edit", procedure)
    if not procedure.is_open:
        raise DomainError(f"{procedure.reference} is {procedure.get_stage_display()}; its RFP documents are closed.")
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError({"title": "Give the document a title bidders will recognise."})
    fingerprint = fingerprint_upload(upload)
    if RfpDocument.objects.filter(procedure=procedure, sha256=fingerprint.sha256, withdrawn_at=None).exists():
        raise ValidationError({"file": "This exact file is already one of the procedure's RFP documents."})
    document = RfpDocument(procedure=procedure, title=title, original_name=fingerprint.original_name,
                           sha256=fingerprint.sha256, size=fingerprint.size, content_type=fingerprint.content_type,
                           uploaded_by=actor)
    document.file.save(fingerprint.sha256, upload, save=False)
    try:
        model_save(document, actor=actor, reason="RFP document added")
        _announce(actor=actor, procedure=procedure, subject=f"New RFP document: {title}",
                  body=(f"A document was added to the RFP of {procedure.reference} “{procedure.title}”: {title} "
                        f"({fingerprint.original_name}). Download it from the procedure's page in the portal."),
                  key=f"rfp_document:{document.pk}:added")
    except Exception:
        document.file.delete(save=False)
        raise
    return document


@transaction.atomic
def rfp_document_withdraw(*, actor, document: RfpDocument, reason: str) -> RfpDocument:
    procedure = lock_procedure(document.procedure_id)
    document = locked(RfpDocument, document.pk)
    require(actor, procedure_policy, "edit", procedure)
    reason = clean_reason(reason)
    if document.withdrawn_at is not None:
        return document
    if not procedure.is_open:
        raise DomainError(f"{procedure.reference} is {procedure.get_stage_display()}; its RFP documents are closed.")
    document.withdrawn_at, document.withdraw_reason = timezone.now(), reason
    attribute(document, actor=actor, reason=f"RFP document withdrawn: {reason}"[:100])
    document.save(update_fields=["withdrawn_at", "withdraw_reason", "updated_at"])
    _announce(actor=actor, procedure=procedure, subject=f"RFP document withdrawn: {document.title}",
              body=(f"The document “{document.title}” of the RFP of {procedure.reference} “{procedure.title}” is "
                    f"withdrawn and no longer applies. Reason: {reason}"),
              key=f"rfp_document:{document.pk}:withdrawn")
    return document


@transaction.atomic
def bidder_clarification_publish(*, actor, procedure: AwardProcedure, subject: str, body: str, key: str):
    """The lead publishes a clarification (subject and text, shown as written) to every bidder still taking part.
    `key` names this publication (the form carries one), so posting it twice tells nobody twice. Returns the
    notices created now (one per bid)."""
    procedure = lock_procedure(procedure.pk)
    require(actor, procedure_policy, "edit", procedure)
    if procedure.submission != Submission.PORTAL:
        raise DomainError(f"{procedure.reference} is run outside the bidders' portal; write to its bidders directly.")
    if not procedure.is_open:
        raise DomainError(f"{procedure.reference} is {procedure.get_stage_display()}; clarifications are closed.")
    errors = {}
    subject, body, key = " ".join((subject or "").split()), (body or "").strip(), (key or "").strip()
    if not subject:
        errors["subject"] = "Give the clarification a subject."
    if not body:
        errors["body"] = "Write the clarification."
    if not key or len(key) > 64:
        errors[NON_FIELD_ERRORS] = "This form has expired: open it again and publish from there."
    if errors:
        raise ValidationError(errors)
    return bidder_notice_publish(actor=actor, procedure=procedure, kind="clarification", subject=subject, body=body,
                                 key=f"clarification:{key}")
