"""The publication decision: a procurement lead publishes a procedure as open contracting data, or withdraws it.

Each decision needs a reason and leaves a history row with the actor and the reason; the Publication row keeps
the latest. Publishing twice, or withdrawing what is not published, is refused as a conflict (409).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from awards.models import AwardProcedure
from contracts.models import Publication
from contracts.ocds.policies import publication_policy
from contracts.services._common import need, save
from procurement import authz
from procurement.statemachine import ensure_transition

NONE = "unpublished"  # no Publication row yet
TRANSITIONS = {
    NONE: frozenset({Publication.Status.PUBLISHED}),
    Publication.Status.PUBLISHED: frozenset({Publication.Status.WITHDRAWN}),
    Publication.Status.WITHDRAWN: frozenset({Publication.Status.PUBLISHED}),
}
LABELS = {NONE: "not published", Publication.Status.PUBLISHED: "published",
          Publication.Status.WITHDRAWN: "withdrawn"}


def _decide(*, actor, procedure: AwardProcedure, status: str, reason: str, verb: str) -> Publication:
    procedure = AwardProcedure.objects.select_for_update().get(pk=procedure.pk)
    authz.require(actor, publication_policy, verb, procedure)
    reason = need(reason, message=f"Give the reason to {verb} this procedure's open contracting data.")
    publication = Publication.objects.select_for_update().filter(procedure=procedure).first()
    ensure_transition(TRANSITIONS, publication.status if publication else NONE, status, labels=LABELS,
                      subject=f"The open contracting data of {procedure.reference}")
    now = timezone.now()
    if publication is None:
        publication = Publication(procedure=procedure, first_published_at=now)
    publication.status, publication.reason, publication.decided_by, publication.decided_at = (
        status, reason, actor, now)
    what = "Published as open contracting data" if status == Publication.Status.PUBLISHED else (
        "Withdrawn from open contracting data")
    return save(publication, actor=actor, reason=f"{what}: {reason}")


@transaction.atomic
def publication_publish(*, actor, procedure: AwardProcedure, reason: str) -> Publication:
    """Publish the procedure's releases (tender, award, contract, implementation) from now on."""
    return _decide(actor=actor, procedure=procedure, status=Publication.Status.PUBLISHED, reason=reason,
                   verb="publish")


@transaction.atomic
def publication_withdraw(*, actor, procedure: AwardProcedure, reason: str) -> Publication:
    """Stop publishing the procedure: it leaves the bulk package and its own package answers 404."""
    return _decide(actor=actor, procedure=procedure, status=Publication.Status.WITHDRAWN, reason=reason,
                   verb="withdraw")
