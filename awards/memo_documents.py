"""Document kinds of the decision memo (issue 7): the award memo PDF and the debrief letter PDF.

Registered at start-up (AwardsConfig.contributions names this module). `memo_page_data(memo)` is
also what the memo page shows, so the page and the PDF never disagree: a submitted memo shows its frozen
version (content + scoring snapshot); a draft shows the live content and a live scoring summary.
"""

from __future__ import annotations

from django.utils.safestring import mark_safe

from awards.models import ApprovalRoute, Debrief, DecisionMemo, MemoVersion, RouteStep, SignOff
from awards.policies import debrief_policy, memo_policy
from procurement.documents.registry import DocumentKind, content_hash, register
from procurement.markdown import render_markdown

MEMO_KIND = "award_memo"
DEBRIEF_KIND = "debrief_letter"
NARRATIVES = ("recommendation", "ranking_justification", "do_nothing", "build_in_house", "risk_notes")

SECTIONS = (
    ("recommendation", "Recommendation"),
    ("alternatives", "Alternatives considered"),
    ("scoring", "Scoring summary"),
    ("risks", "Residual risks"),
    ("waivers", "Waivers"),
    ("negotiation", "Contract negotiation strategy"),
    ("due-diligence", "Due diligence of the recommended vendor"),
    ("audit", "Audit trail"),
)


def _person(user) -> str:
    return "" if user is None else (user.get_full_name() or user.get_username())


def _display(content: dict) -> dict:
    """The frozen content with every narrative rendered to sanitised HTML."""
    shown = dict(content)
    for name in NARRATIVES:
        shown[name] = render_markdown(content.get(name, ""))
    shown["alternatives"] = [{**a, "reason": render_markdown(a["reason"])} for a in content.get("alternatives", [])]
    shown["residual_risks"] = [{**r, "description": render_markdown(r["description"]),
                                "mitigations": render_markdown(r["mitigations"])}
                               for r in content.get("residual_risks", [])]
    shown["negotiation"] = {k: render_markdown(v) for k, v in content.get("negotiation", {}).items()}
    return shown


def _scoring(snapshot: dict) -> dict:
    shown = dict(snapshot)
    # Justified mark_safe: the charts are SVG built by awards.charts (every label escaped), frozen in the snapshot.
    shown["charts"] = {k: mark_safe(v or "") for k, v in (snapshot.get("charts") or {}).items()}  # noqa: S308  # nosec
    shown["references"] = [{**r, "findings": render_markdown(r["findings"])} for r in snapshot.get("references", [])]
    ranking = snapshot.get("ranking") or []
    recommended = snapshot.get("recommended")
    runner = next((r for r in ranking if r["bid"] != recommended), None)
    shown["runner_up"] = runner
    groups = []
    for row in ranking:
        for group in row["groups"]:
            if group["group"] not in groups:
                groups.append(group["group"])
    shown["group_names"] = groups
    probabilities = (snapshot.get("monte_carlo") or {}).get("probabilities") or {}
    shown["ranking_rows"] = [{**row, "probability": probabilities.get(row["bid"])} for row in ranking]
    return shown


def _route_data(route: ApprovalRoute | None) -> dict | None:
    if route is None:
        return None
    from awards.services.approval import quorum_state

    signoffs = list(SignOff.objects.filter(route=route).select_related("signer", "step").order_by("signed_at", "pk"))
    seats: dict[int, list[str]] = {}  # who may sign for each step: the seats recorded when the route opened
    for seat in (RouteStep.members.through.objects.filter(routestep__route=route).select_related("user")
                 .order_by("user__last_name", "user__first_name", "user__username")):
        seats.setdefault(seat.routestep_id, []).append(str(seat.user))
    return {
        "rule": route.rule_name, "explanation": route.rule_explanation, "status": route.status,
        "status_label": route.get_status_display(),
        "steps": [{"committee": row["step"].committee_name, "quorum": row["quorum"], "approvals": row["approvals"],
                   "reached": row["reached"], "seats": seats.get(row["step"].pk, [])}
                  for row in quorum_state(route)],
        "signoffs": [{"signer": _person(s.signer), "committee": s.step.committee_name, "decision": s.decision,
                      "decision_label": s.get_decision_display(), "comment": s.comment, "hash": s.content_hash,
                      "signed_at": s.signed_at, "step_up": s.get_step_up_display()} for s in signoffs],
    }


def _route_preview(memo: DecisionMemo) -> str:
    """The route the policy in force would give if the memo were submitted now."""
    from awards.approval_policy import NoRuleApplies
    from awards.models import Committee
    from awards.services.approval import route_for, route_value
    from procurement.money import MissingRate

    try:
        decision = route_for(memo)
        value = route_value(memo)
    except (NoRuleApplies, MissingRate) as exc:
        return str(exc)
    names = dict(Committee.objects.filter(key__in=decision.committees).values_list("key", "name"))
    return (f"The route is chosen by {value.sentence}. {decision.explanation} Committees: "
            + ", ".join(names.get(k, k) for k in decision.committees) + ".")


def approval_chain_head(memo: DecisionMemo) -> dict | None:
    """The memo's audit-chain head as of its approval: the seal of the history row that recorded the approval
    (procurement.audit.chain). Computed when rendering rather than frozen on the memo: the seal is itself
    append-only, so the answer never changes, and the memo model needs no new column."""
    from procurement.audit.chain import seal_of

    if memo.status != DecisionMemo.Status.APPROVED:
        return None
    row = memo.history.filter(status=DecisionMemo.Status.APPROVED).order_by("history_date", "history_id").first()
    seal = seal_of(row) if row is not None else None
    if seal is None:
        return None
    return {"hash": seal.row_hash, "sequence": seal.sequence, "recorded_at": row.history_date}


def memo_page_data(memo: DecisionMemo) -> dict:
    """What the memo page and the memo PDF show."""
    from awards.services.memo import memo_preview

    version = MemoVersion.objects.filter(memo=memo).select_related("submitted_by").order_by("-number").first()
    frozen = memo.status != DecisionMemo.Status.DRAFT and version is not None
    if frozen:
        content, snapshot, findings = version.content, version.scoring_snapshot, []
    else:
        content, snapshot, findings = memo_preview(memo)
    route = ApprovalRoute.objects.filter(version=version).first() if frozen else None
    route_preview = "" if frozen else _route_preview(memo)
    history = []
    for v in MemoVersion.objects.filter(memo=memo).select_related("submitted_by", "route").order_by("number"):
        history.append({"number": v.number, "submitted_by": _person(v.submitted_by), "submitted_at": v.submitted_at,
                        "hash": v.content_hash, "route_status": v.route.get_status_display()
                        if hasattr(v, "route") else ""})
    return {
        "memo": {"reference": memo.reference, "title": content.get("title", memo.title), "status": memo.status,
                 "status_label": memo.get_status_display(), "version": content.get("version"),
                 "frozen": frozen, "content_hash": version.content_hash if frozen else "",
                 "submitted_at": version.submitted_at if frozen else None,
                 "submitted_by": _person(version.submitted_by) if frozen else "",
                 "approved_at": memo.approved_at, "standstill_ends_on": memo.standstill_ends_on,
                 "chain_head": approval_chain_head(memo)},
        "content": _display(content),
        "scoring": _scoring(snapshot),
        "findings": [{"code": f.code, "message": f.message, "blocking": f.blocking, "waiver": f.waiver}
                     for f in findings],
        "route": _route_data(route),
        "route_preview": route_preview,
        "versions": history,
        "sections": SECTIONS,
    }


def memo_source_hash(memo: DecisionMemo) -> str:
    signoffs = list(SignOff.objects.filter(route__memo=memo).order_by("pk").values_list("pk", flat=True))
    draft_marker = memo.updated_at.isoformat() if memo.status == DecisionMemo.Status.DRAFT else ""
    return content_hash(MEMO_KIND, memo.content_hash, memo.status, memo.version, signoffs, draft_marker)


def memo_file_stem(memo: DecisionMemo, version: int) -> str:
    return f"{memo.reference}-award-memo-v{memo.version or 0}"


AWARD_MEMO = register(DocumentKind(
    key=MEMO_KIND,
    label="Award decision memo",
    source_model="awards.DecisionMemo",
    policy=memo_policy,
    template="awards/memo/memo_pdf.html",
    build_context=memo_page_data,
    source_hash=memo_source_hash,
    filename=memo_file_stem,
    title=lambda memo: f"Award decision memo {memo.reference}",
    reference=lambda memo: memo.reference,
    source_label="memo",
), replace=True)


# --- the debrief letter -----------------------------------------------------------------------------------------


def debrief_context(debrief: Debrief) -> dict:
    """This bidder's own scores, the winning total and the winner's name (a standstill notice must name the
    successful bidder): never any other bidder's name, nor the winner's detail beyond its totals."""
    debrief = Debrief.objects.select_related("memo__procedure", "memo__recommended_bid__vendor",
                                             "bid__vendor").get(pk=debrief.pk)
    procedure = debrief.memo.procedure
    winner = debrief.memo.recommended_bid
    return {
        "procedure": {"reference": procedure.reference, "title": procedure.title},
        "bidder": str(debrief.bid.vendor),
        "winner": str(winner.vendor) if winner is not None else "",
        "held_on": debrief.held_on,
        "attendees": [line.strip() for line in debrief.attendees.splitlines() if line.strip()],
        "strengths": render_markdown(debrief.strengths),
        "weaknesses": render_markdown(debrief.weaknesses),
        "advice": render_markdown(debrief.advice),
        "own_total": debrief.own_total,
        "winning_total": debrief.winning_total,
        "groups": debrief.groups,
        "exclusion_reason": debrief.exclusion_reason,
        "standstill_ends_on": debrief.memo.standstill_ends_on,
    }


DEBRIEF_LETTER = register(DocumentKind(
    key=DEBRIEF_KIND,
    label="Debrief letter",
    source_model="awards.Debrief",
    policy=debrief_policy,
    template="awards/memo/debrief_pdf.html",
    build_context=debrief_context,
    filename=lambda debrief, version: f"{debrief.memo.procedure.reference}-debrief-{debrief.bid.vendor}-v{version}",
    title=lambda debrief: f"Debrief — {debrief.memo.procedure.reference}",
    reference=lambda debrief: debrief.memo.procedure.reference,
    source_label="debrief",
), replace=True)
