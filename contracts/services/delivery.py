"""Milestones and deliverables: acceptance criteria, delivery, acceptance or rejection with evidence.

Acceptance evidence is a note and/or a file. A file is checked like vendor evidence (safe name, size cap, type
judged by content), stored in private storage under a name of ours (copied in chunks, never read whole into
memory), with its sha256 computed here; it is served only by a permission-checked view that re-verifies the
sha256 (procurement.uploads.open_verified).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction

from contracts.models import Milestone
from contracts.services._common import ensure_open, need, require, save, today
from contracts.transitions import MILESTONE_TRANSITIONS
from procurement.exceptions import EvidenceTampered
from procurement.services import model_update
from procurement.statemachine import ensure_transition
from procurement.uploads import open_verified
from vendors import files

S = Milestone.Status
PLAN_FIELDS = ("title", "due_date", "payment_amount", "acceptance_criteria", "test_method", "tester")

__all__ = ["EvidenceTampered", "milestone_decide", "milestone_deliver", "milestone_evidence_file", "milestone_plan"]


def _locked(milestone: Milestone) -> Milestone:
    return Milestone.objects.select_for_update(of=("self",)).select_related("contract").get(pk=milestone.pk)


@transaction.atomic
def milestone_plan(*, actor, milestone: Milestone, reason: str = "Milestone plan edited", **changes) -> Milestone:
    """The post-award manager sets what acceptance means: criteria, the test, who tests it (and the dates)."""
    unknown = set(changes) - set(PLAN_FIELDS)
    if unknown:
        raise ValueError(f"milestone_plan cannot change: {', '.join(sorted(unknown))}")
    milestone = _locked(milestone)
    require(actor, "manage", milestone.contract)
    ensure_open(milestone.contract)
    return model_update(instance=milestone, fields=changes, allowed=PLAN_FIELDS, actor=actor, reason=need(reason),
                        check=_check_tester)


def _check_tester(milestone: Milestone) -> None:
    if milestone.tester_id and not milestone.tester.is_active:
        raise ValidationError({"tester": "Choose an active user."})


def _move(milestone: Milestone, target: str) -> None:
    ensure_transition(MILESTONE_TRANSITIONS, milestone.status, target, labels=dict(S.choices),
                      subject=f"Milestone “{milestone.title}”")


@transaction.atomic
def milestone_deliver(*, actor, milestone: Milestone, delivered_on=None, reason: str = "Deliverable received") \
        -> Milestone:
    milestone = _locked(milestone)
    require(actor, "manage", milestone.contract)
    ensure_open(milestone.contract)
    _move(milestone, S.DELIVERED)
    delivered_on = delivered_on or today()
    if delivered_on > today():
        raise ValidationError({"delivered_on": "A delivery cannot be recorded in the future."})
    milestone.status, milestone.delivered_on = S.DELIVERED, delivered_on
    milestone.decided_on, milestone.decided_by = None, None
    return save(milestone, actor=actor, reason=f"Delivered: {need(reason)}")


def _store_evidence(milestone: Milestone, upload) -> str:
    """Check and store the file; set the evidence fields; return the stored name (to delete on failure)."""
    try:
        checked = files.check_upload(upload, getattr(upload, "name", ""), limit=settings.EVIDENCE_MAX_BYTES)
    except files.UploadRefused as exc:
        raise ValidationError({"evidence_file": str(exc)}) from None
    stored = default_storage.save(
        f"contracts/{milestone.contract_id}/milestones/{uuid.uuid4().hex}{checked.extension}",
        upload)  # rewound by check_upload; the storage copies it in chunks
    milestone.evidence_file.name = stored
    milestone.evidence_name = checked.original_name
    milestone.evidence_sha256 = checked.sha256
    milestone.evidence_size = checked.size
    milestone.evidence_content_type = checked.content_type
    return stored


@transaction.atomic
def milestone_decide(*, actor, milestone: Milestone, accept: bool, note: str = "", upload=None) -> Milestone:
    """Accept (with evidence: a note and/or a file) or reject (with the reason) a delivered milestone."""
    milestone = _locked(milestone)
    require(actor, "manage", milestone.contract)
    ensure_open(milestone.contract)
    target = S.ACCEPTED if accept else S.REJECTED
    _move(milestone, target)
    note = (note or "").strip()
    if accept and not note and upload is None:
        raise ValidationError({"evidence_note": "Record the acceptance evidence: a note on the test result, a file, "
                                                "or both."})
    if not accept and not note:
        raise ValidationError({"evidence_note": "Say why the deliverable is rejected."})
    stored = _store_evidence(milestone, upload) if upload is not None else None
    milestone.status, milestone.evidence_note = target, note
    milestone.decided_on, milestone.decided_by = today(), actor
    try:
        save(milestone, actor=actor, reason=("Accepted" if accept else "Rejected") + (f": {note}" if note else ""))
    except Exception:
        if stored:
            default_storage.delete(stored)
        raise
    return milestone


def milestone_evidence_file(*, actor, milestone: Milestone):
    """A verified private copy of the acceptance file (procurement.uploads.open_verified), after checking the
    user may see the contract; for a download view to stream (procurement.uploads.attachment_response)."""
    require(actor, "view", milestone.contract)
    if not milestone.evidence_file:
        raise EvidenceTampered("This milestone has no acceptance file.", missing=True)
    return open_verified(milestone.evidence_file, sha256=milestone.evidence_sha256,
                         what="The stored acceptance file")
