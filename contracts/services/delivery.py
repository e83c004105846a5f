"""Milestones and deliverables: acceptance criteria, delivery, acceptance or rejection with evidence.

Acceptance evidence is a note and/or a file. A file is checked like vendor evidence (safe name, size cap, type
judged by content), stored in private storage under a name of ours, with its sha256 computed here; it is served
only by a permission-checked view that re-verifies the sha256.
"""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from contracts.models import Milestone
from contracts.services._common import ensure_open, need, require, save, today
from contracts.transitions import MILESTONE_TRANSITIONS
from procurement.statemachine import ensure_transition
from vendors import files

S = Milestone.Status
PLAN_FIELDS = ("title", "due_date", "payment_amount", "acceptance_criteria", "test_method", "tester")


class EvidenceTampered(Exception):
    """The stored acceptance file no longer matches its sha256."""


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
    for name, value in changes.items():
        setattr(milestone, name, value)
    if milestone.tester_id and not milestone.tester.is_active:
        raise ValidationError({"tester": "Choose an active user."})
    return save(milestone, actor=actor, reason=need(reason))


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


def _read_capped(content, limit: int) -> bytes:
    chunks, total = [], 0
    for chunk in (content.chunks() if hasattr(content, "chunks") else [content.read()]):
        total += len(chunk)
        if total > limit:
            raise files.UploadRefused(f"The file is too large; the limit is {limit / 1048576:.1f} MB.")
        chunks.append(chunk)
    return b"".join(chunks)


def _store_evidence(milestone: Milestone, upload) -> str:
    """Check and store the file; set the evidence fields; return the stored name (to delete on failure)."""
    try:
        name = files.clean_name(getattr(upload, "name", ""))
        data = _read_capped(upload, settings.EVIDENCE_MAX_BYTES)
        detected = files.detect(data, name)
    except files.UploadRefused as exc:
        raise ValidationError({"evidence_file": str(exc)}) from None
    stored = default_storage.save(
        f"contracts/{milestone.contract_id}/milestones/{uuid.uuid4().hex}{detected.extension}", ContentFile(data))
    milestone.evidence_file.name = stored
    milestone.evidence_name = name
    milestone.evidence_sha256 = hashlib.sha256(data).hexdigest()
    milestone.evidence_size = len(data)
    milestone.evidence_content_type = detected.content_type
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


def milestone_evidence_content(*, actor, milestone: Milestone) -> bytes:
    require(actor, "view", milestone.contract)
    if not milestone.evidence_file:
        raise EvidenceTampered("This milestone has no acceptance file.")
    try:
        with default_storage.open(milestone.evidence_file.name, "rb") as handle:
            data = handle.read()
    except OSError:
        raise EvidenceTampered("The stored acceptance file is missing; report this to an administrator.") from None
    if hashlib.sha256(data).hexdigest() != milestone.evidence_sha256:
        raise EvidenceTampered("The stored acceptance file no longer matches the fingerprint recorded when it was "
                               "uploaded; it has not been served. Report this to an administrator.")
    return data
