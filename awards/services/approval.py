"""Approval routing by policy, step-up sign-off bound to the memo's content hash, and the award that follows.

- `approval_route_open` (called by memo_submit): picks the rule from the active approval matrix
  (awards.approval_policy), records it on the route with a copy of each committee's quorum.
- `signoff_record`: a committee member approves, rejects or requests changes, re-entering their password.
  The memo row is locked first, so two members completing quorum at the same moment approve it once.
- On approval: the procedure moves to Awarded (its transition and the prerequisites registry), the winning bid
  to awarded and the other shortlisted bids to unsuccessful, a standstill end date is set, debriefs are opened,
  the memo PDF is requested and award notices are mailed on commit.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from awards import notices
from awards.approval_policy import NoRuleApplies, Rule, select_rule
from awards.models import (
    ApprovalRoute,
    ApprovalRule,
    Bid,
    Committee,
    ConflictDeclaration,
    DecisionMemo,
    MemoVersion,
    RouteStep,
    SignOff,
)
from awards.models.approval import Decision
from awards.models.memo import MemoStatus
from awards.models.procedure import Stage
from awards.policies import memo_policy
from awards.prerequisites import missing_for
from awards.services._common import lock_procedure
from awards.services.memo import locked_memo, move
from awards.transitions import BID_LABELS, BID_STATUSES, PROCEDURE_STAGES, STAGE_LABELS
from procurement import throttle
from procurement.audit.history import attribute
from procurement.authz import require
from procurement.exceptions import DomainError, InvalidTransition
from procurement.statemachine import ensure_transition

DEFAULT_STANDSTILL_DAYS = 10


def standstill_days() -> int:
    return int(getattr(settings, "BATON_STANDSTILL_DAYS", DEFAULT_STANDSTILL_DAYS))


def policy_rules() -> list[Rule]:
    """The approval matrix in force, as pure rules."""
    rows = ApprovalRule.objects.filter(active=True).prefetch_related("committees").order_by("position", "pk")
    return [Rule(key=r.pk, name=r.name, min_value=r.min_value, max_value=r.max_value, tiers=frozenset(r.tiers),
                 committees=tuple(c.key for c in sorted(r.committees.all(), key=lambda c: c.pk))) for r in rows]


def route_for(memo: DecisionMemo):
    tier = memo.recommended_bid.vendor.tier if memo.recommended_bid_id else None
    return select_rule(policy_rules(), value=memo.contract_value, tier=tier)


def approval_route_open(*, memo: DecisionMemo, version: MemoVersion, actor) -> ApprovalRoute:
    try:
        decision = route_for(memo)
    except NoRuleApplies as exc:
        raise InvalidTransition(str(exc)) from None
    committees = {c.key: c for c in Committee.objects.filter(key__in=decision.committees)}
    route = ApprovalRoute(memo=memo, version=version, rule_id=decision.rule.key, rule_name=decision.rule.name,
                          rule_explanation=decision.explanation[:300], contract_value=memo.contract_value,
                          vendor_tier=decision.tier)
    attribute(route, actor=actor, reason=f"Route opened by rule “{decision.rule.name}”")
    route.save()
    for position, key in enumerate(decision.committees):
        committee = committees[key]
        step = RouteStep(route=route, committee=committee, committee_name=committee.name, quorum=committee.quorum,
                         position=position)
        attribute(step, actor=actor, reason="Committee required by the approval policy")
        step.save()
    notices.memo_routed(route=route)
    return route


def open_route(memo: DecisionMemo) -> ApprovalRoute | None:
    return ApprovalRoute.objects.filter(memo=memo, status=ApprovalRoute.Status.OPEN).first()


def _steps_of(route: ApprovalRoute, user) -> list[RouteStep]:
    return list(RouteStep.objects.filter(route=route, committee__members=user).select_related("committee"))


def signoff_refusal(memo: DecisionMemo, user) -> str | None:
    """Why `user` may not sign this memo now, or None."""
    if memo.status != MemoStatus.IN_APPROVAL:
        return "This memo is not waiting for sign-off."
    if memo.author_id == user.pk:
        return "You wrote this memo, so you cannot sign it."
    route = open_route(memo)
    if route is None or not _steps_of(route, user):
        return "You are not a member of a committee on this memo's route."
    if memo.recommended_bid_id and ConflictDeclaration.objects.filter(
            bid_id=memo.recommended_bid_id, assignment__evaluator=user,
            review=ConflictDeclaration.Review.RECUSED).exists():
        return "You were recused from the recommended bid, so you cannot sign this memo."
    signed = set(SignOff.objects.filter(route=route, signer=user).values_list("step_id", flat=True))
    if all(step.pk in signed for step in _steps_of(route, user)):
        return "You have already signed this version."
    return None


def quorum_state(route: ApprovalRoute) -> list[dict]:
    """Per committee on the route: approvals so far against the quorum."""
    steps = list(route.steps.order_by("position", "pk"))
    approvals = {}
    for step_id in SignOff.objects.filter(route=route, decision=Decision.APPROVE).values_list("step_id", flat=True):
        approvals[step_id] = approvals.get(step_id, 0) + 1
    return [{"step": step, "approvals": approvals.get(step.pk, 0), "quorum": step.quorum,
             "reached": approvals.get(step.pk, 0) >= step.quorum} for step in steps]


@transaction.atomic
def signoff_record(*, actor, memo: DecisionMemo, decision: str, comment: str = "", password: str) -> SignOff:
    """Record one member's decision, bound to the hash of the version they saw. Wrong password: nothing recorded."""
    memo = locked_memo(memo.pk)  # serialises concurrent sign-offs: quorum is counted once, under the lock
    require(actor, memo_policy, "view", memo)
    if decision not in Decision.values:
        raise ValidationError({"decision": "Choose approve, reject or request changes."})
    throttle.check_password(actor, password, wrong="That is not your password. Nothing was recorded.")
    refusal = signoff_refusal(memo, actor)
    if refusal:
        if memo.status != MemoStatus.IN_APPROVAL:
            raise InvalidTransition(refusal)
        raise PermissionDenied(refusal)
    comment = (comment or "").strip()
    if decision != Decision.APPROVE and not comment:
        raise ValidationError({"comment": "Say why: the author needs your comment to act on it."})
    route = ApprovalRoute.objects.select_for_update().get(memo=memo, status=ApprovalRoute.Status.OPEN)
    if route.version.content_hash != memo.content_hash:
        raise InvalidTransition("The memo changed since this route opened; reload it.")
    signed = set(SignOff.objects.filter(route=route, signer=actor).values_list("step_id", flat=True))
    now = timezone.now()
    first = None
    for step in _steps_of(route, actor):
        if step.pk in signed:
            continue
        signoff = SignOff(route=route, step=step, signer=actor, decision=decision, comment=comment,
                          content_hash=memo.content_hash, signed_at=now)
        signoff.full_clean()
        attribute(signoff, actor=actor, reason=f"{Decision(decision).label} for {step.committee_name}")
        signoff.save()
        first = first or signoff
    if decision == Decision.REJECT:
        _close(route, memo, actor=actor, route_status=ApprovalRoute.Status.REJECTED, memo_status=MemoStatus.REJECTED,
               reason=f"Rejected by {actor}: {comment}")
    elif decision == Decision.REQUEST_CHANGES:
        _close(route, memo, actor=actor, route_status=ApprovalRoute.Status.RETURNED, memo_status=MemoStatus.DRAFT,
               reason=f"Changes requested by {actor}: {comment}")
    elif all(row["reached"] for row in quorum_state(route)):
        _close(route, memo, actor=actor, route_status=ApprovalRoute.Status.APPROVED,
               memo_status=MemoStatus.APPROVED, reason="Approved: every committee reached quorum")
        memo_award(memo=memo, actor=actor)
    return first


def _close(route, memo, *, actor, route_status: str, memo_status: str, reason: str) -> None:
    route.status, route.closed_at = route_status, timezone.now()
    attribute(route, actor=actor, reason=reason)
    route.save(update_fields=["status", "closed_at", "updated_at"])
    move(memo, memo_status)
    fields = ["status", "updated_at"]
    if memo_status == MemoStatus.APPROVED:
        memo.approved_at = timezone.now()
        memo.standstill_ends_on = timezone.localdate() + timedelta(days=standstill_days())
        fields += ["approved_at", "standstill_ends_on"]
    attribute(memo, actor=actor, reason=reason)
    memo.save(update_fields=fields)
    notices.memo_decided(route=route, memo=memo)


# --- the award -------------------------------------------------------------------------------------------------


def memo_award(*, memo: DecisionMemo, actor) -> None:
    """Called inside the approving transaction, once. The procedure's own stage machine and prerequisites apply."""
    from awards.services.debrief import debriefs_open

    procedure = lock_procedure(memo.procedure_id)
    ensure_transition(PROCEDURE_STAGES, procedure.stage, Stage.AWARDED, labels=STAGE_LABELS,
                      subject=f"Procedure {procedure.reference}")
    readiness = missing_for(procedure, Stage.AWARDED)
    if not readiness.ready:
        raise InvalidTransition(f"{procedure.reference} cannot be awarded yet. Missing: " + " ".join(readiness.missing))
    procedure.stage = Stage.AWARDED
    attribute(procedure, actor=actor, reason=f"Awarded: decision memo version {memo.version} approved")
    procedure.save(update_fields=["stage", "updated_at"])
    if memo.recommended_bid_id is None:
        raise DomainError("An approved memo must name the recommended bid.")
    for bid in Bid.objects.select_for_update().filter(procedure=procedure).order_by("pk"):
        if bid.pk == memo.recommended_bid_id:
            target, reason = Bid.Status.AWARDED, f"Awarded by decision memo version {memo.version}"
        elif bid.status == Bid.Status.SHORTLISTED:
            target, reason = Bid.Status.UNSUCCESSFUL, "Not chosen in the approved decision memo"
        else:
            continue
        ensure_transition(BID_STATUSES, bid.status, target, labels=BID_LABELS, subject=f"The bid of {bid.vendor}")
        bid.status, bid.status_reason = target, reason
        attribute(bid, actor=actor, reason=reason)
        bid.save(update_fields=["status", "status_reason", "updated_at"])
    debriefs_open(memo=memo, actor=actor)
    from procurement.documents.services import document_request

    document_request(kind="award_memo", source=memo, actor=None, reason="Memo approved")
    transaction.on_commit(partial(send_award_notices, memo.pk))


def award_recipients(memo: DecisionMemo) -> list[str]:
    procedure = memo.procedure
    people = [procedure.lead, procedure.business_owner]
    people += [a.evaluator for a in procedure.assignments.select_related("evaluator")]
    route = ApprovalRoute.objects.filter(memo=memo, status=ApprovalRoute.Status.APPROVED).first()
    if route is not None:
        people += [s.signer for s in route.signoffs.select_related("signer")]
    return sorted({p.email for p in people if p.email and p.is_active})


def send_award_notices(memo_id: int) -> None:
    memo = DecisionMemo.objects.select_related("procedure", "recommended_bid__vendor").get(pk=memo_id)
    procedure = memo.procedure
    subject = f"{procedure.reference} awarded to {memo.recommended_bid.vendor}"
    body = (f"The award decision memo for {procedure.reference} “{procedure.title}” (version {memo.version}) "
            f"has been approved by every committee on its route.\n\n"
            f"Awarded to: {memo.recommended_bid.vendor}\n"
            f"Standstill period ends: {memo.standstill_ends_on:%d %b %Y}\n"
            f"Content hash signed: {memo.content_hash}\n\n"
            "Unsuccessful bidders are offered a debrief; the contract is not signed before the standstill ends.")
    recipients = award_recipients(memo)
    if recipients:
        send_mail(subject, body, None, recipients)
