"""The handoff pack: a zip document kind (PDF + CSV files + an iCalendar file of key dates).

The context is plain data built from the contract and everything hanging off it; its hash is the pack's source
hash, so any change to what the pack shows makes the rendered pack stale and offers a new version. Nothing in
the context depends on the day it is built.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

from django.db.models import Prefetch

from contracts.models import ClauseFeedback, ClausePosition, Contract
from contracts.models.planning import RACI_PARTIES, RaciCode
from procurement.documents.registry import DocumentKind, register
from procurement.icalendar import CalendarEvent, record_uid
from procurement.icalendar import to_ics as calendar_bytes
from procurement.markdown import render_markdown
from procurement.spreadsheets import neutralise

KIND = "contract_handoff_pack"

SECTIONS = [
    ("summary", "Contract summary"),
    ("positions", "Agreed positions and deviations from the playbook"),
    ("feedback", "Clause feedback from the post-award manager"),
    ("obligations", "Obligations and KPIs to monitor"),
    ("milestones", "Milestones and payment schedule"),
    ("risks", "Risk register"),
    ("issues", "Open issues and concessions"),
    ("scenarios", "Scenarios and contingency terms"),
    ("raci", "RACI matrix"),
    ("checklist", "Transition checklist"),
    ("attestations", "Attestation refresh calendar"),
    ("contacts", "Key contacts"),
    ("audit", "Audit summary"),
]
KPI_CLAUSES = {"service-levels", "performance", "pricing-caps"}
# A clause in any other status (open, proposed, countered, escalated) is still being negotiated.
SETTLED = (ClausePosition.Status.AGREED, ClausePosition.Status.CONCEDED)


def _person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def pack_queryset():
    from vendors.models import Risk

    return Contract.objects.select_related(
        "vendor", "procedure", "memo", "negotiation_lead", "legal_counsel", "post_award_manager", "security_reviewer",
        "business_owner", "created_by", "kickoff", "kickoff__held_by",
    ).prefetch_related(
        Prefetch("clauses", queryset=ClausePosition.objects.select_related("playbook_clause", "owner")
                 .prefetch_related(Prefetch("feedback", queryset=ClauseFeedback.objects.select_related(
                     "author", "responded_by").order_by("created_at", "pk")))),
        "scenarios__clauses", "raci_activities__assignments", "issues__raised_by", "checklist__owner",
        "milestones", "kickoff__attendees__user", "change_orders",
        Prefetch("vendor__risks", queryset=Risk.objects.select_related("owner", "accepted_by")),
        "vendor__attestations", "vendor__contacts",
    )


def _memo(contract: Contract):
    memo = contract.memo
    return memo if memo is not None and memo.status == "approved" else None


def _memo_audit(memo) -> dict | None:
    if memo is None:
        return None
    from awards.models import SignOff

    rows = SignOff.objects.filter(route__memo=memo).select_related("signer").order_by("signed_at", "pk")
    signoffs = [{"signer": _person(s.signer), "decision": s.get_decision_display(),
                 "signed_at": s.signed_at.isoformat(), "content_hash": s.content_hash} for s in rows]
    return {"reference": str(getattr(memo, "reference", memo.pk)), "content_hash": memo.content_hash,
            "approved_at": memo.approved_at.isoformat() if memo.approved_at else "", "signoffs": signoffs}


def handoff_context(contract: Contract) -> dict:
    c = pack_queryset().get(pk=contract.pk)
    kickoff = getattr(c, "kickoff", None)
    team = [{"role": label, "name": _person(user), "email": getattr(user, "email", "")}
            for _key, label, user in c.team() if user is not None]
    team_by_key = {key: _person(user) for key, _label, user in c.team()}
    clauses = list(c.clauses.all())
    positions = [{
        "title": p.title, "status": p.get_status_display(), "status_code": p.status, "required": p.required,
        "target": p.target, "fallback": p.fallback, "walk_away": p.walk_away, "vendor_position": p.vendor_position,
        "agreed": p.agreed_summary, "owner": _person(p.owner), "deviates": p.deviates,
        "beyond_walk_away": p.beyond_walk_away, "escalation_reason": p.escalation_reason,
        "override": p.feedback_override_reason,
        "playbook_target": p.playbook_clause.target if p.playbook_clause_id else "",
        "open_feedback": sum(1 for f in p.feedback.all() if not f.resolved),
    } for p in clauses]
    feedback = [{
        "clause": p.title, "topic": f.get_topic_display(), "feedback": f.body, "raised_by": _person(f.author),
        "raised_on": f.created_at.date().isoformat(), "response": f.response, "answered_by": _person(f.responded_by),
        "status": "Resolved" if f.resolved else "Open",
    } for p in clauses for f in p.feedback.all()]
    unsettled = [p for p in clauses if p.status not in SETTLED]
    obligations = [{
        "obligation": p.title,
        "type": "KPI" if p.playbook_clause_id and p.playbook_clause.key in KPI_CLAUSES else "Obligation",
        "terms": p.agreed_summary, "owner": _person(c.post_award_manager) or _person(p.owner),
    } for p in clauses if p.status in (ClausePosition.Status.AGREED, ClausePosition.Status.CONCEDED)]
    risks = sorted((r for r in c.vendor.risks.all() if r.status != "closed"),
                   key=lambda r: (-r.residual_score, r.pk))
    parties = [key for key, _ in RACI_PARTIES]
    raci = [{"activity": a.name,
             "cells": [{c2.party: c2.code for c2 in a.assignments.all()}.get(p, "") for p in parties]}
            for a in c.raci_activities.all()]
    return {
        "sections": SECTIONS,
        "contract": {
            "reference": c.reference, "title": c.title, "status": c.get_status_display(),
            "vendor": c.vendor.legal_name, "tier": c.vendor.get_tier_display() if c.vendor.tier else "Not tiered",
            "procedure": str(c.procedure) if c.procedure_id else "", "value": c.value, "currency": c.currency,
            "start_date": c.start_date, "end_date": c.end_date, "renewal": c.renewal,
            "notice_period_days": c.notice_period_days, "notice_date": c.notice_date,
            "uids": {kind: record_uid(c, kind) for kind in ("start", "notice", "end")},
        },
        "team": team,
        "kickoff": {
            "meeting_date": kickoff.meeting_date if kickoff else None,
            "held": bool(kickoff and kickoff.is_held),
            "held_by": _person(kickoff.held_by) if kickoff else "",
            "attendees": [f"{_person(a.user)} ({a.get_role_display()})" for a in kickoff.attendees.all()]
            if kickoff else [],
            "minutes": render_markdown(kickoff.minutes) if kickoff else "",
        },
        "positions": positions,
        # rendered while clauses are still being negotiated: the pack is a draft and says so on its cover
        "draft": {"open": len(unsettled)} if unsettled else None,
        "feedback": feedback,
        "deviations": [p for p in positions if p["deviates"]],
        "obligations": obligations,
        "change_orders": [{"number": o.number, "title": o.title, "reason": o.get_reason_display(),
                           "cost_impact": o.cost_impact, "schedule_impact_days": o.schedule_impact_days,
                           "decision_note": o.decision_note}
                          for o in sorted(c.change_orders.all(), key=lambda o: o.number) if o.status == "approved"],
        "milestones": [{"title": m.title, "due_date": m.due_date, "payment_amount": m.payment_amount,
                        "uid": record_uid(m)}
                       for m in c.milestones.all()],
        "risks": [{"title": r.title, "category": r.get_category_display(), "status": r.get_status_display(),
                   "residual": f"{r.residual_likelihood}×{r.residual_impact}", "owner": _person(r.owner),
                   "review_date": r.review_date, "accepted_by": _person(r.accepted_by),
                   "acceptance_reason": r.acceptance_reason} for r in risks],
        "issues": [{"title": i.title, "priority": i.get_priority_display(), "status": i.get_status_display(),
                    "raised_by": _person(i.raised_by), "resolution": i.resolution, "conceded": i.conceded,
                    "in_return": i.in_return} for i in c.issues.all()],
        "scenarios": [{"kind": s.get_kind_display(), "description": s.description, "likelihood": s.likelihood,
                       "impact": s.impact, "contingency": s.contingency,
                       "clauses": [p.title for p in s.clauses.all()], "flagged": s.lacks_contingency}
                      for s in c.scenarios.all()],
        "raci_parties": [label for _, label in RACI_PARTIES],
        "raci_holders": [team_by_key.get(p, "") if p != "vendor" else c.vendor.legal_name for p in parties],
        "raci": raci,
        "raci_legend": [f"{code} = {label}" for code, label in RaciCode.choices],
        "checklist": [{"label": i.label, "owner": _person(i.owner), "done_on": i.done_on,
                       "waived": i.waived_reason} for i in c.checklist.all()],
        "attestations": [{"standard": a.standard_label, "issuer": a.issuer, "issued_on": a.issued_on,
                          "expires_on": a.expires_on, "refresh_by": a.expires_on - timedelta(days=60),
                          "uid": record_uid(a, "expires")}
                         for a in c.vendor.attestations.all()],
        "contacts": team + [{"role": f"Vendor — {v.role}" if v.role else "Vendor", "name": v.name,
                             "email": v.email} for v in c.vendor.contacts.all()],
        "audit": {
            "opened_by": _person(c.created_by), "opened_at": c.created_at.isoformat(),
            "memo": _memo_audit(_memo(c)),
        },
    }


# --- data files ---------------------------------------------------------------------------------------------
def safe_cell(value) -> str:
    """A CSV cell a spreadsheet will not run (the kernel's rule), as text."""
    return neutralise("" if value is None else str(value))


def to_csv(header: list[str], rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def key_dates(context: dict) -> list[tuple[str, str, date]]:
    """[(uid, summary, day)] for the calendar. Each UID names its record (procurement.icalendar.record_uid), so
    it is the one the person's own calendar feed uses, and adding a milestone never renames another event."""
    c = context["contract"]
    uids = c["uids"]
    dates = []
    if c["start_date"]:
        dates.append((uids["start"], f"{c['reference']}: contract starts", c["start_date"]))
    if c["notice_date"]:
        dates.append((uids["notice"], f"{c['reference']}: last day to give notice ({c['notice_period_days']} days)",
                      c["notice_date"]))
    if c["end_date"]:
        dates.append((uids["end"], f"{c['reference']}: end of term / renewal", c["end_date"]))
    for a in context["attestations"]:
        dates.append((a["uid"], f"{c['reference']}: {a['standard']} ({a['issuer']}) expires", a["expires_on"]))
    for m in context["milestones"]:
        dates.append((m["uid"], f"{c['reference']}: {m['title']}", m["due_date"]))
    return dates


def to_ics(context: dict, *, now: datetime | None = None) -> bytes:
    ref = context["contract"]["reference"]
    events = [CalendarEvent(uid=uid, day=day, summary=summary) for uid, summary, day in key_dates(context)]
    return calendar_bytes(events, name=f"{ref} key dates", product="Contract handoff pack", now=now)


def handoff_attachments(contract: Contract, context: dict) -> dict[str, bytes]:
    ref = context["contract"]["reference"]
    parties = context["raci_parties"]
    return {
        f"{ref}-obligations.csv": to_csv(["Obligation", "Type", "Agreed terms", "Owner"],
                                         [[o["obligation"], o["type"], o["terms"], o["owner"]]
                                          for o in context["obligations"]]),
        f"{ref}-risks.csv": to_csv(["Risk", "Category", "Status", "Residual", "Owner", "Review date",
                                    "Accepted by", "Acceptance reason"],
                                   [[r["title"], r["category"], r["status"], r["residual"], r["owner"],
                                     r["review_date"], r["accepted_by"], r["acceptance_reason"]]
                                    for r in context["risks"]]),
        f"{ref}-raci.csv": to_csv(["Activity", *parties],
                                  [[row["activity"], *row["cells"]] for row in context["raci"]]),
        f"{ref}-clause-feedback.csv": to_csv(["Clause", "Topic", "Feedback", "Raised by", "Raised on", "Answer",
                                              "Answered by", "Status"],
                                             [[f["clause"], f["topic"], f["feedback"], f["raised_by"], f["raised_on"],
                                               f["response"], f["answered_by"], f["status"]]
                                              for f in context["feedback"]]),
        f"{ref}-milestones.csv": to_csv(["Milestone", "Due date", "Payment"],
                                        [[m["title"], m["due_date"], m["payment_amount"] or ""]
                                         for m in context["milestones"]]),
        f"{ref}-key-dates.ics": to_ics(context),
    }


def _policy():
    from contracts.policies import contract_policy

    return contract_policy


HANDOFF_PACK = register(DocumentKind(
    key=KIND,
    label="Handoff pack",
    source_model="contracts.Contract",
    policy=_policy,
    template="contracts/handoff_pack.html",
    build_context=handoff_context,
    filename="{source.reference}-handoff-pack-v{version}",
    title=lambda contract: f"Handoff pack — {contract.title}",
    reference=lambda contract: contract.reference,
    request_action="request_pack",
    source_label="contract",
    attachments=handoff_attachments,
), replace=True)
