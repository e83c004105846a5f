"""The decision memo's lifecycle, in one place: create, edit, submit (freeze a version, open the route),
sign-off (approve, reject or request changes), and the award that follows approval.

The memo's state machine is data (awards.transitions.MEMO_TRANSITIONS):

    draft --submit--> in_approval --(every committee at quorum)--> approved   (final, immutable)
                      in_approval --(one rejection)--> rejected --(revise)--> draft
                      in_approval --(changes requested, or the lead edits)--> draft   (the route is voided)

Any edit after submission voids the open route and its sign-offs; the next submission is a new version with a
new route. Which committees sign, with what quorum, and who may sign now is the routing module's
(awards.services.approval), which this module calls and which never changes a memo. The scoring summary and the
findings are reads (awards.selectors.memo_snapshot, awards.selectors.memo_checks).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from awards import notices
from awards.models import (
    ApprovalRoute,
    Bid,
    Committee,
    DecisionMemo,
    MemoAlternative,
    MemoVersion,
    RouteStep,
    SignOff,
)
from awards.models.approval import Decision
from awards.models.memo import MemoEditConflict, MemoImmutable, MemoStatus
from awards.models.procedure import Stage
from awards.policies import memo_policy, procedure_policy
from awards.selectors.memo_checks import Finding, approval_gaps, memo_findings
from awards.selectors.memo_snapshot import scoring_snapshot
from awards.selectors.waivers import waivers_for
from awards.services import approval
from awards.services._common import lock_procedure
from awards.services.debrief import debriefs_open
from awards.services.procedure import procedure_award
from awards.transitions import BID_LABELS, BID_STATUSES, MEMO_LABELS, MEMO_TRANSITIONS
from procurement import throttle
from procurement.audit import tasks as audit_tasks
from procurement.audit.history import attribute
from procurement.authz import require
from procurement.documents.registry import content_hash
from procurement.exceptions import DomainError, InvalidTransition
from procurement.money import MissingRate, base_currency, plain, rate_on
from procurement.passkeys import services as passkey_services
from procurement.passkeys.models import PasskeyChallenge
from procurement.services import model_delete, model_save, model_update
from procurement.statemachine import ensure_transition

TEXT_FIELDS = ("title", "recommendation", "ranking_justification", "do_nothing", "build_in_house", "risk_notes",
               "negotiation_objectives", "key_asks", "key_clauses", "walk_away", "batna_notes")
EDITABLE_FIELDS = (*TEXT_FIELDS, "decision_date", "contract_value", "recommended_bid")
# Bids a memo can recommend or weigh as alternatives.
CANDIDATE_STATUSES = (Bid.Status.SHORTLISTED,)
DEFAULT_STANDSTILL_DAYS = 10
EXCHANGE_RATE_MISSING = "exchange_rate_missing"


def standstill_days() -> int:
    return int(getattr(settings, "BATON_STANDSTILL_DAYS", DEFAULT_STANDSTILL_DAYS))


def move(memo: DecisionMemo, target: str) -> None:
    """Move the memo by its machine (InvalidTransition when the machine does not allow it)."""
    ensure_transition(MEMO_TRANSITIONS, memo.status, target, labels=MEMO_LABELS,
                      subject=f"The decision memo of {memo.procedure.reference}")
    memo.status = target


def locked_memo(memo_id) -> DecisionMemo:
    return DecisionMemo.objects.select_for_update().select_related("procedure").get(pk=memo_id)


def _person(user) -> str:
    return "" if user is None else (user.get_full_name() or user.get_username())


def candidate_bids(procedure):
    return Bid.objects.filter(procedure=procedure, status__in=CANDIDATE_STATUSES).select_related("vendor") \
        .order_by("vendor__legal_name", "pk")


# --- create and edit -------------------------------------------------------------------------------------------


@transaction.atomic
def memo_create(*, actor, procedure, title: str = "", decision_date: date | None = None,
                contract_value: Decimal | None = None, recommended_bid: Bid | None = None) -> DecisionMemo:
    procedure = lock_procedure(procedure.pk)
    require(actor, procedure_policy, "edit", procedure)
    if procedure.stage != Stage.SHORTLIST:
        raise DomainError(f"A decision memo is written once the procedure is at the shortlist; "
                          f"{procedure.reference} is {procedure.get_stage_display()}.")
    if DecisionMemo.objects.filter(procedure=procedure).exists():
        raise DomainError(f"{procedure.reference} already has a decision memo.")
    _check_decision_date(decision_date)
    memo = DecisionMemo(procedure=procedure, author=actor, title=title or f"Award of {procedure.title}",
                        decision_date=decision_date or timezone.localdate(),
                        contract_value=procedure.estimated_value if contract_value is None else contract_value)
    _check_recommended(memo, recommended_bid)
    memo.recommended_bid = recommended_bid
    model_save(memo, actor=actor, reason="Decision memo started")
    _sync_alternatives(memo, actor=actor, reasons={})
    return memo


def _check_decision_date(day: date | None) -> None:
    """A decision date is today or later: due diligence is judged on it, so a date in the past would let evidence
    that has since expired count as valid."""
    today = timezone.localdate()
    if day is not None and day < today:
        raise ValidationError({"decision_date": f"The decision date cannot be in the past: due diligence is judged "
                                                f"on it. Choose today ({today:%d %b %Y}) or a later day."})


def _check_recommended(memo: DecisionMemo, bid: Bid | None) -> None:
    if bid is None:
        return
    if bid.procedure_id != memo.procedure_id or bid.status not in CANDIDATE_STATUSES:
        raise ValidationError({"recommended_bid": "Recommend one of this procedure's shortlisted bids."})


def _sync_alternatives(memo: DecisionMemo, *, actor, reasons: dict[int, str]) -> None:
    """One alternative row per other shortlisted bid (rows for bids no longer candidates are dropped)."""
    wanted = {b.pk: b for b in candidate_bids(memo.procedure) if b.pk != memo.recommended_bid_id}
    existing = {a.bid_id: a for a in MemoAlternative.objects.filter(memo=memo)}
    for bid_id, row in existing.items():
        if bid_id not in wanted:
            model_delete(row, actor=actor, reason="No longer an alternative")
    for bid_id, bid in wanted.items():
        row = existing.get(bid_id)
        reason = reasons.get(bid_id)
        if row is None:
            row = MemoAlternative(memo=memo, bid=bid, reason=(reason or "").strip())
            attribute(row, actor=actor, reason="Alternative listed")
            row.save()
        elif reason is not None and reason.strip() != row.reason:
            row.reason = reason.strip()
            attribute(row, actor=actor, reason="Reason not chosen edited")
            row.save()


def _reopen_for_edit(memo: DecisionMemo, *, actor) -> str | None:
    """Editing a submitted or rejected memo returns it to draft; the open route and its sign-offs are void."""
    if memo.status == MemoStatus.APPROVED:
        raise MemoImmutable(f"The decision memo of {memo.reference} is approved and can no longer change.")
    if memo.status == MemoStatus.IN_APPROVAL:
        approval.route_void(memo, actor=actor, why="Memo edited after submission; sign-offs void")
        move(memo, MemoStatus.DRAFT)
        return "Edited after submission: back to draft, sign-offs void"
    if memo.status == MemoStatus.REJECTED:
        move(memo, MemoStatus.DRAFT)
        return "Revised after rejection: back to draft"
    return None


def _edit_conflict(memo: DecisionMemo, expected_revision: int) -> MemoEditConflict:
    last = memo.history.select_related("history_user").order_by("-history_date", "-history_id").first()
    who = _person(last.history_user) if last is not None and last.history_user_id else "someone else"
    when = timezone.localtime(last.history_date).strftime("%H:%M") if last is not None else ""
    return MemoEditConflict(
        f"{who} saved this memo{f' at {when}' if when else ''} while you were editing it (you started from "
        f"revision {expected_revision}; it is now at revision {memo.revision}). Nothing of yours was saved and "
        "your text is kept in the form: compare it with the current memo, then save again to replace their "
        "version with yours.", current_revision=memo.revision)


@transaction.atomic
def memo_update(*, actor, memo: DecisionMemo, alternatives: dict[int, str] | None = None,
                residual_risks=None, reason: str = "Memo edited", expected_revision: int | None = None,
                **changes) -> DecisionMemo:
    """Edit the memo's fields, the reasons of its alternatives ({bid id: reason}) and its residual risks.

    `expected_revision` is the revision the editor read (the edit form carries it): when someone saved in between,
    the edit is refused with MemoEditConflict and nothing is written (optimistic concurrency, checked under the
    row lock so two simultaneous saves cannot both pass). Editing a submitted or rejected memo returns it to
    draft and voids the open route (all in this transaction: a refused edit changes nothing)."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable on a memo: {sorted(unknown)}")
    memo = locked_memo(memo.pk)
    require(actor, memo_policy, "edit", memo)
    if memo.status == MemoStatus.APPROVED:
        raise MemoImmutable(f"The decision memo of {memo.reference} is approved and can no longer change.")
    if expected_revision is not None and expected_revision != memo.revision:
        raise _edit_conflict(memo, expected_revision)
    if "decision_date" in changes:
        _check_decision_date(changes["decision_date"])
    recommended = changes.get("recommended_bid", memo.recommended_bid)
    if "recommended_bid" in changes:
        _check_recommended(memo, recommended)
    risks = None
    if residual_risks is not None:
        risks = list(residual_risks)
        vendor_id = recommended.vendor_id if recommended is not None else None
        if any(r.vendor_id != vendor_id for r in risks):
            raise ValidationError({"residual_risks": "Choose residual risks from the recommended vendor's register."})
    status_reason = _reopen_for_edit(memo, actor=actor)
    memo.revision += 1
    model_update(instance=memo, fields=changes, allowed=EDITABLE_FIELDS, actor=actor,
                 reason=status_reason or reason, also=("status", "revision"))
    if risks is not None:
        memo.residual_risks.set(risks)
    elif "recommended_bid" in changes and memo.recommended_bid_id:
        stale = [r for r in memo.residual_risks.all() if r.vendor_id != memo.recommended_bid.vendor_id]
        if stale:
            memo.residual_risks.remove(*stale)
    _sync_alternatives(memo, actor=actor, reasons=alternatives or {})
    return memo


# --- content, hash and submission -------------------------------------------------------------------------------


def risk_rows(memo: DecisionMemo) -> list[dict]:
    from vendors.risk import RATING_LABELS, acceptance_level

    rows = []
    matrices: dict[int, dict] = {}
    for risk in memo.residual_risks.select_related("owner", "accepted_by").order_by("pk"):
        rating = risk.residual_rating
        rows.append({"id": risk.pk, "title": risk.title, "category": risk.get_category_display(),
                     "description": risk.description, "mitigations": risk.mitigations,
                     "owner": _person(risk.owner),
                     "residual": f"{risk.residual_likelihood} × {risk.residual_impact} = {risk.residual_score}",
                     "rating": rating, "rating_label": RATING_LABELS[rating],
                     "acceptance": acceptance_level(rating, _acceptance_matrix(risk, matrices)).label,
                     "status": risk.status,
                     "status_label": risk.get_status_display(), "accepted_by": _person(risk.accepted_by),
                     "accepted_at": risk.accepted_at.isoformat() if risk.accepted_at else ""})
    return rows


def tier_clauses(tier: str | None) -> list[dict]:
    """The playbook clauses the recommended vendor's tier must carry (contracts' playbook, when installed)."""
    from django.apps import apps

    try:
        clause_model = apps.get_model("contracts", "PlaybookClause")
    except LookupError:
        return []
    tier = tier or "critical"  # untiered: the strictest set
    return [{"title": c.title, "walk_away": c.walk_away} for c in clause_model.objects.filter(active=True)
            .order_by("order", "title") if c.required_for(tier)]


def waiver_rows(procedure) -> list[dict]:
    """The waivers recorded for the procedure, as the memo shows them and its approvers sign over them."""
    return [{"kind": w.kind, "kind_label": w.get_kind_display(), "subject": w.subject, "reason": w.reason,
             "recorded_by": _person(w.recorded_by), "recorded_at": w.recorded_at.isoformat(),
             "sentence": w.sentence()} for w in waivers_for(procedure)]


def cost_comparison(procedure) -> dict | None:
    """The memo's cost comparison (issue 20): every admitted bid's total cost over the term in its currency and in
    the base currency with the rate used (that of proposals-due), and its price score. None when the procedure has
    neither a price formula nor any price schedule (then the memo's content is what it was before issue 20)."""
    from awards.models.scorecard import Scorecard
    from awards.selectors.price import bid_costs, price_outcome, rate_day

    scorecard = Scorecard.objects.filter(procedure=procedure).first()
    priced = Bid.objects.filter(procedure=procedure).exclude(price_currency="").exists()
    if not priced and not (scorecard and scorecard.price_formula):
        return None
    costs = bid_costs(procedure)
    outcome = price_outcome(procedure, scorecard, costs=costs) if scorecard is not None else None
    scores = outcome.scores if outcome is not None else {}
    cent = Decimal("0.01")
    return {
        "formula": scorecard.price_formula if scorecard else "",
        "formula_label": scorecard.get_price_formula_display() if scorecard and scorecard.price_formula else "",
        "ceiling": None if not scorecard or scorecard.price_ceiling is None else str(scorecard.price_ceiling),
        "scale": scorecard.scale if scorecard else None,
        "base_currency": base_currency(), "term_months": procedure.term_months,
        "rate_day": rate_day(procedure).isoformat(),
        "rows": [{"bid": str(c.bid.pk), "vendor": str(c.bid.vendor), "currency": c.currency,
                  "total": None if c.total is None else str(c.total.quantize(cent)),
                  "rate": None if c.rate is None else plain(c.rate.rate),
                  "rate_date": c.rate.valid_from.isoformat() if c.rate and c.rate.valid_from else None,
                  "base_total": None if c.base_total is None else str(c.base_total.quantize(cent)),
                  "score": None if c.bid.pk not in scores else f"{scores[c.bid.pk]:.2f}",
                  "problem": c.problem} for c in costs],
        "problems": list(outcome.problems) if outcome is not None else [],
    }


def route_value_row(memo: DecisionMemo) -> dict:
    """Which value chooses the approval route (awards.services.approval.route_value), for the memo."""
    from awards.services.approval import route_value

    try:
        value = route_value(memo)
    except MissingRate as exc:
        return {"source": "", "sentence": str(exc)}
    return {"source": value.source, "sentence": value.sentence, "base_value": str(value.base_value)}


def memo_content(memo: DecisionMemo, *, version: int | None = None) -> dict:
    """Every field of the memo in a canonical, JSON-ready form: what is frozen, hashed and signed."""
    bid = memo.recommended_bid
    content = {
        "reference": memo.procedure.reference,
        "procedure_title": memo.procedure.title,
        "version": memo.version if version is None else version,
        "title": memo.title,
        "author": _person(memo.author),
        "decision_date": memo.decision_date.isoformat(),
        "contract_value": str(memo.contract_value),
        "currency": memo.procedure.currency,
        "exchange_rate": exchange_rate_row(memo),
        "recommended": None if bid is None else {"bid": str(bid.pk), "vendor": str(bid.vendor),
                                                 "tier": bid.vendor.tier or ""},
        "recommendation": memo.recommendation,
        "ranking_justification": memo.ranking_justification,
        "alternatives": [{"bid": str(a.bid_id), "vendor": str(a.bid.vendor), "reason": a.reason}
                         for a in memo.alternatives.select_related("bid__vendor").order_by("bid__vendor__legal_name",
                                                                                              "pk")],
        "do_nothing": memo.do_nothing,
        "build_in_house": memo.build_in_house,
        "residual_risks": risk_rows(memo),
        "risk_notes": memo.risk_notes,
        "waivers": waiver_rows(memo.procedure),
        "tier_clauses": tier_clauses(bid.vendor.tier) if bid is not None else [],
        "negotiation": {"objectives": memo.negotiation_objectives, "key_asks": memo.key_asks,
                        "key_clauses": memo.key_clauses, "walk_away": memo.walk_away,
                        "batna_notes": memo.batna_notes},
    }
    costs = cost_comparison(memo.procedure)
    if costs is not None:  # issue 20; absent for procedures without price, so their content is unchanged
        content["cost_comparison"] = costs
        content["route_value"] = route_value_row(memo)
    return content


def exchange_rate_row(memo: DecisionMemo) -> dict:
    """The contract value in the base currency at the rate of the decision date: what the approval route is chosen
    by (awards.services.approval.route_for). `missing` holds the sentence when no rate applies (then the memo
    cannot be submitted: its route cannot be chosen)."""
    try:
        rate = rate_on(memo.procedure.currency, memo.decision_date)
    except MissingRate as exc:
        return {"currency": exc.currency, "base_currency": base_currency(), "missing": str(exc)}
    return {"currency": rate.currency, "base_currency": rate.base_currency, "rate": plain(rate.rate),
            "rate_date": rate.valid_from.isoformat() if rate.valid_from else None,
            "base_value": str(rate.convert(memo.contract_value)), "sentence": rate.describe(memo.contract_value),
            "missing": ""}


def rate_findings(content: dict) -> list[Finding]:
    """A blocking finding when the contract's currency has no rate on the decision date."""
    missing = (content.get("exchange_rate") or {}).get("missing")
    return [Finding(EXCHANGE_RATE_MISSING, missing, True)] if missing else []


def memo_content_hash(content: dict, snapshot: dict) -> str:
    return content_hash("decision-memo", content, snapshot)


def memo_preview(memo: DecisionMemo) -> tuple[dict, dict, list]:
    """The live content, a live scoring summary and the findings (warnings and blockers) for the draft page."""
    snapshot = scoring_snapshot(memo.procedure, memo.recommended_bid, memo.decision_date)
    content = memo_content(memo, version=memo.version + 1)
    return content, snapshot, memo_findings(memo, snapshot, content["residual_risks"]) + rate_findings(content)


@transaction.atomic
def memo_submit(*, actor, memo: DecisionMemo) -> DecisionMemo:
    """Freeze the memo and its scoring summary as a new version, hash it, and open the approval route."""
    memo = locked_memo(memo.pk)
    require(actor, memo_policy, "edit", memo)
    ensure_transition(MEMO_TRANSITIONS, memo.status, MemoStatus.IN_APPROVAL, labels=MEMO_LABELS,
                      subject=f"The decision memo of {memo.reference}")
    if memo.procedure.stage != Stage.SHORTLIST:
        raise InvalidTransition(f"{memo.reference} is {memo.procedure.get_stage_display()}; a memo is submitted "
                                "while the procedure is at the shortlist.")
    if memo.decision_date < timezone.localdate():
        raise InvalidTransition(f"The decision date ({memo.decision_date:%d %b %Y}) has passed. Edit the memo to "
                                "set today or a later day, then submit it: due diligence is judged on that date.")
    number = memo.version + 1
    snapshot = scoring_snapshot(memo.procedure, memo.recommended_bid, memo.decision_date)
    content = memo_content(memo, version=number)
    blockers = [f.message for f in memo_findings(memo, snapshot, content["residual_risks"]) if f.blocking]
    if blockers:
        raise InvalidTransition("The memo cannot be submitted yet. " + " ".join(blockers))
    digest = memo_content_hash(content, snapshot)
    now = timezone.now()
    version = MemoVersion(memo=memo, number=number, content=content, scoring_snapshot=snapshot,
                          content_hash=digest, submitted_by=actor, submitted_at=now)
    attribute(version, actor=actor, reason=f"Version {number} submitted")
    version.save()
    memo.status = MemoStatus.IN_APPROVAL
    memo.version, memo.content_hash, memo.submitted_at = number, digest, now
    attribute(memo, actor=actor, reason=f"Submitted for approval (version {number})")
    memo.save(update_fields=["status", "version", "content_hash", "submitted_at", "updated_at"])
    approval.approval_route_open(memo=memo, version=version, actor=actor)
    return memo


# --- sign-off --------------------------------------------------------------------------------------------------


PASSKEY_FIELD = "passkey_assertion"  # the sign-off form's field the passkey answer (and its refusals) go to


def signoff_binding(*, memo: DecisionMemo, decision: str, committee=None) -> dict:
    """What a passkey signature of a sign-off is bound to: this memo, the version and content hash the signer
    reads, their decision and the committee as the form named it (procurement.passkeys: the challenge is derived
    from it, and checked against it again when the answer comes back)."""
    if committee in (None, ""):
        named = ""
    elif isinstance(committee, RouteStep):
        named = f"step:{committee.pk}"
    elif isinstance(committee, Committee):
        named = f"committee:{committee.key}"
    else:
        named = str(committee)
    return {"memo": memo.pk, "version": memo.version, "content_hash": memo.content_hash, "decision": str(decision),
            "committee": named}


def _binding_mismatch(memo: DecisionMemo) -> dict[str, str]:
    changed = (f"The memo changed since you started signing (it is now version {memo.version}, hash "
               f"{(memo.content_hash or '')[:12]}…). Nothing was recorded: read it again, then sign again.")
    return {"memo": "This passkey signature was made for another memo. Nothing was recorded.",
            "version": changed, "content_hash": changed,
            "decision": "This passkey signature was made for another decision. Nothing was recorded: sign again.",
            "committee": "This passkey signature was made for another committee. Nothing was recorded: sign again."}


@transaction.atomic
def signoff_passkey_options(*, actor, memo: DecisionMemo, decision: str, committee=None) -> dict:
    """The passkey request for signing `memo` with `decision` (for `committee`): a single-use, short-lived
    challenge bound to signoff_binding. Refused as the sign-off itself would be refused."""
    memo = locked_memo(memo.pk)
    require(actor, memo_policy, "view", memo)
    if decision not in Decision.values:
        raise ValidationError({"decision": "Choose approve, reject or request changes."})
    refusal = approval.signoff_refusal(memo, actor)
    if refusal:
        if memo.status != MemoStatus.IN_APPROVAL:
            raise InvalidTransition(refusal)
        raise PermissionDenied(refusal)
    try:
        return passkey_services.assertion_options(
            actor=actor, purpose=PasskeyChallenge.Purpose.SIGNOFF,
            binding=signoff_binding(memo=memo, decision=decision, committee=committee))
    except ValidationError as exc:
        raise ValidationError({PASSKEY_FIELD: exc.messages}) from exc


def _step_up(actor, *, memo, decision, committee, password: str, passkey_assertion, client_address):
    """The step-up, exactly one of: a passkey signature bound to this memo version and decision, or the password
    (only for someone who has a usable one: single sign-on users have none). Both are throttled together.
    Returns the passkey that signed, or None for the password."""
    if passkey_assertion is not None and password:
        raise ValidationError({PASSKEY_FIELD: "Sign with your passkey or with your password, not both."})
    if passkey_assertion is not None:
        return throttle.check(
            actor, lambda: passkey_services.assertion_verify(
                actor=actor, credential=passkey_assertion, purpose=PasskeyChallenge.Purpose.SIGNOFF,
                binding=signoff_binding(memo=memo, decision=decision, committee=committee),
                mismatch=_binding_mismatch(memo), used_for=f"sign-off of {memo.procedure.reference} v{memo.version}"),
            field=PASSKEY_FIELD, what="passkey signature", client_address=client_address)
    if not actor.has_usable_password():
        raise ValidationError({PASSKEY_FIELD: "You sign in through single sign-on and have no password in Baton: "
                                              "sign with a passkey (register one on your preferences page)."})
    throttle.check_password(actor, password, wrong="That is not your password. Nothing was recorded.",
                            client_address=client_address)
    return None


@transaction.atomic
def signoff_record(*, actor, memo: DecisionMemo, decision: str, comment: str = "", password: str = "",
                   passkey_assertion: dict | str | None = None, committee=None,
                   client_address: str | None = None) -> SignOff:
    """Record one member's decision, bound to the hash of the version they saw. Wrong password: nothing recorded.

    The step-up is exactly one of `password` (only where the signer has a usable one) and `passkey_assertion`
    (the browser's answer to signoff_passkey_options for this memo version, decision and committee); a failed one
    of either counts in procurement.throttle, and nothing is written. The sign-off records which was used.

    `committee` (a committee key, a step id, a Committee or a RouteStep) is the committee the signature counts
    for, as the sign-off form named it (approval.signature_counts_for: required of a person on several committees
    of the route while one signature counts for one committee). The sign-off that brings every committee to
    quorum is refused, and nothing written, when approving today would proceed against incomplete due diligence
    or an unaccepted residual risk that no waiver covers (memo_checks.approval_gaps)."""
    memo = locked_memo(memo.pk)  # serialises concurrent sign-offs: quorum is counted once, under the lock
    require(actor, memo_policy, "view", memo)
    if decision not in Decision.values:
        raise ValidationError({"decision": "Choose approve, reject or request changes."})
    passkey = _step_up(actor, memo=memo, decision=decision, committee=committee, password=password,
                       passkey_assertion=passkey_assertion, client_address=client_address)
    refusal = approval.signoff_refusal(memo, actor)
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
    steps = approval.signature_counts_for(route, actor, committee)
    if not steps:
        raise InvalidTransition("Your committees on this route have already reached their quorum; your sign-off is "
                                "not needed.")
    now = timezone.now()
    first = None
    for step in steps:
        signoff = SignOff(route=route, step=step, signer=actor, decision=decision, comment=comment,
                          content_hash=memo.content_hash, signed_at=now, passkey=passkey,
                          step_up=SignOff.StepUp.PASSKEY if passkey else SignOff.StepUp.PASSWORD)
        model_save(signoff, actor=actor, reason=f"{Decision(decision).label} for {step.committee_name}"
                                                f" ({'passkey' if passkey else 'password'} step-up)")
        first = first or signoff
    if decision == Decision.REJECT:
        _close(route, memo, actor=actor, route_status=ApprovalRoute.Status.REJECTED, memo_status=MemoStatus.REJECTED,
               reason=f"Rejected by {actor}: {comment}")
    elif decision == Decision.REQUEST_CHANGES:
        _close(route, memo, actor=actor, route_status=ApprovalRoute.Status.RETURNED, memo_status=MemoStatus.DRAFT,
               reason=f"Changes requested by {actor}: {comment}")
    elif approval.quorum_reached(route):
        _refuse_unwaived_gaps(memo, route)
        _close(route, memo, actor=actor, route_status=ApprovalRoute.Status.APPROVED,
               memo_status=MemoStatus.APPROVED, reason="Approved: every committee reached quorum")
        memo_award(memo=memo, actor=actor)
    return first


def _refuse_unwaived_gaps(memo: DecisionMemo, route: ApprovalRoute) -> None:
    """No waiver, no approval: judged again on the day of approval (evidence may have expired, a risk's acceptance
    may have been withdrawn since submission), counting only waivers recorded by the time the version being
    signed was submitted (its frozen content lists them). Raising rolls back the sign-off being recorded."""
    gaps = [f.message for f in approval_gaps(memo, timezone.localdate(), risk_rows(memo),
                                             signed_at=route.version.submitted_at) if f.blocking]
    if gaps:
        raise InvalidTransition("Your approval would complete the route, but the memo cannot be approved today "
                                "without a waiver. " + " ".join(gaps) + " Nothing was recorded: ask for a waiver "
                                "to be recorded, or ask the author to revise the memo.")


def _close(route, memo, *, actor, route_status: str, memo_status: str, reason: str) -> None:
    """End the route and move the memo by its machine (approved: stamped, standstill set)."""
    approval.route_close(route, actor=actor, status=route_status, reason=reason)
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
    """Called inside the approving transaction, once: the procedure enters Awarded (procedure_award, with its
    stage machine and prerequisites), the winning bid is awarded and the other shortlisted bids are unsuccessful,
    debriefs open, the memo PDF is requested and the award notices are queued in the outbox."""
    if memo.recommended_bid_id is None:
        raise DomainError("An approved memo must name the recommended bid.")
    procedure = procedure_award(actor=actor, procedure=memo.procedure,
                                reason=f"decision memo version {memo.version} approved")
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
    notices.award_decided(memo=memo, actor=actor)  # through the outbox: one message each, e-mailed on commit
    # The audit chains' heads are signed at every approval, so no history of this decision can later be cut
    # off silently (procurement.audit.checkpoint); a failure is logged and the beat job writes the next one.
    audit_tasks.checkpoint_on_commit(f"Decision memo of {procedure.reference} approved")


def latest_version(memo: DecisionMemo) -> MemoVersion | None:
    return MemoVersion.objects.filter(memo=memo).order_by("-number").first()


def approved_memo(procedure) -> DecisionMemo | None:
    """The procedure's approved decision memo (for opening a contract from it), or None."""
    return (DecisionMemo.objects.select_related("procedure", "recommended_bid__vendor")
            .filter(procedure=procedure, status=MemoStatus.APPROVED).first())


def _acceptance_matrix(risk, matrices: dict) -> dict:
    """The risk acceptance matrix a residual risk is read under: the version it was accepted under, else the
    current one (policy table "risk_acceptance"), each read once per memo."""
    from procurement import policy_tables
    from vendors.risk import matrix_from_config

    number = risk.acceptance_matrix_version or policy_tables.current_number("risk_acceptance")
    if number not in matrices:
        matrices[number] = matrix_from_config(policy_tables.version("risk_acceptance", number).snapshot)
    return matrices[number]
