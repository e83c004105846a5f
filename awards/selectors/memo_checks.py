"""What the decision memo warns about and what the policy blocks (a read: the memo page and submission use it).

`memo_findings(memo, snapshot)` returns Finding values. Each names a code; the codes listed in the setting
BATON_MEMO_BLOCKING_CHECKS (read with getattr, default below) stop submission, the others only warn. A
recommended bid that is not ranked first always needs a written justification.

Waivers, not warnings (issue 17): incomplete due diligence of the recommended vendor and a residual risk that is
not accepted always block, unless a waiver is recorded for the procedure (awards.models.Waiver) — of kind
due_diligence, or of kind residual_risk whose subject is the risk's title (a blank subject covers every risk).
A waived finding is still shown, not blocking, with the waiver's sentence. `approval_gaps` asks the same
questions again on the day of the final sign-off (awards.services.memo.signoff_record).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings

from awards.models.waivers import WaiverKind
from awards.selectors.waivers import waivers_for

DD_INCOMPLETE = "dd_incomplete"
KNOCKOUT_UNRESOLVED = "knockout_unresolved"
SPREAD_UNRESOLVED = "spread_unresolved"
NOT_RANKED_FIRST = "not_ranked_first"
NOT_JUSTIFIED = "not_first_unjustified"
NO_RECOMMENDATION = "no_recommendation"
SCORING_INCOMPLETE = "scoring_incomplete"
RISK_NOT_ACCEPTED = "risk_not_accepted"

DEFAULT_BLOCKING = frozenset({KNOCKOUT_UNRESOLVED, SPREAD_UNRESOLVED, NOT_JUSTIFIED, NO_RECOMMENDATION,
                              SCORING_INCOMPLETE})


def blocking_codes() -> frozenset[str]:
    configured = getattr(settings, "BATON_MEMO_BLOCKING_CHECKS", None)
    codes = DEFAULT_BLOCKING if configured is None else frozenset(configured)
    return codes | ALWAYS_BLOCKING


# Proceeding against these takes a waiver: no setting turns them into warnings.
ALWAYS_BLOCKING = frozenset({NOT_JUSTIFIED, NO_RECOMMENDATION, DD_INCOMPLETE, RISK_NOT_ACCEPTED})


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    blocking: bool
    waiver: str = ""  # the sentence of the waiver that lets the memo proceed anyway (then not blocking)


def _waiver(procedure, kind: str, subject: str | None = None, *, signed_at=None):
    """The first waiver of `kind` (for `subject`) recorded for the procedure; with `signed_at`, only one recorded
    by then — a waiver the approvers signed over as part of the submitted version."""
    if procedure is None:
        return None
    waivers = waivers_for(procedure, kind, subject=subject)
    if signed_at is not None:
        waivers = waivers.filter(recorded_at__lte=signed_at)
    return waivers.first()


LATE_WAIVER = (" A waiver recorded after this version was submitted does not count: the approvers did not sign over "
               "it, so the author must resubmit the memo with it.")


def _dd_message(dd: dict) -> str:
    return (f"Due diligence of the recommended vendor is incomplete as of {dd['as_of']}: " + "; ".join(dd["gaps"])
            + ".")


def _risk_message(risk: dict) -> str:
    return f"Residual risk “{risk['title']}” is not accepted yet; it needs {risk['acceptance']}."


def _waivable(code: str, message: str, waiver) -> Finding:
    if waiver is None:
        return Finding(code, message, True)
    return Finding(code, message, False, waiver.sentence())


def approval_gaps(memo, as_of: date, risks: list[dict], *, signed_at=None) -> list[Finding]:
    """What approving the memo on `as_of` would proceed against: the recommended vendor's due diligence judged on
    that day and the memo's residual risks as they stand now (`risks`: awards.services.memo.risk_rows), each with
    its waiver when one is recorded — by `signed_at` (the submission of the version being signed) when given, so
    that an approval never rests on a waiver the approvers did not see."""
    from awards.selectors.obligations import bid_due_diligence

    def waivable(code, message, kind, subject=None):
        waiver = _waiver(memo.procedure, kind, subject, signed_at=signed_at)
        if waiver is None and signed_at is not None and _waiver(memo.procedure, kind, subject) is not None:
            message += LATE_WAIVER
        return _waivable(code, message, waiver)

    found = []
    if memo.recommended_bid_id:
        status = bid_due_diligence(memo.recommended_bid, as_of)
        if not status.complete:
            dd = {"as_of": as_of.isoformat(), "gaps": list(status.gaps)}
            found.append(waivable(DD_INCOMPLETE, _dd_message(dd), WaiverKind.DUE_DILIGENCE))
    for risk in risks:
        if risk["status"] != "accepted":
            found.append(waivable(RISK_NOT_ACCEPTED, _risk_message(risk), WaiverKind.RESIDUAL_RISK, risk["title"]))
    return found


def memo_findings(memo, snapshot: dict, risks: list[dict] | None = None) -> list[Finding]:
    blocking = blocking_codes()
    procedure = getattr(memo, "procedure", None)
    found: list[tuple[str, str]] = []
    waivable: list[Finding] = []
    recommended = snapshot.get("recommended")
    if not recommended:
        found.append((NO_RECOMMENDATION, "Choose the recommended bid."))
    if not snapshot.get("complete"):
        problems = " ".join(snapshot.get("problems") or [])
        found.append((SCORING_INCOMPLETE, f"The scoring is not usable yet. {problems}".strip()))
    dd = snapshot.get("due_diligence")
    if dd and not dd["complete"]:
        waivable.append(_waivable(DD_INCOMPLETE, _dd_message(dd), _waiver(procedure, WaiverKind.DUE_DILIGENCE)))
    undecided = [k["label"] for k in snapshot.get("knockouts", []) if k["undecided"]]
    if undecided:
        found.append((KNOCKOUT_UNRESOLVED, "Knockout decisions are still open for: " + ", ".join(undecided) + "."))
    open_flags = [f"{f['label']} / {f['criterion']}" for f in snapshot.get("flag_notes", []) if not f["resolved"]]
    if open_flags:
        found.append((SPREAD_UNRESOLVED, "Spread flags without a consensus note: " + "; ".join(open_flags) + "."))
    if recommended and snapshot.get("complete") and snapshot.get("recommended_rank") != 1:
        rank = snapshot.get("recommended_rank")
        where = f"ranked {rank}" if rank else "not ranked (knocked out or not scored)"
        if (memo.ranking_justification or "").strip():
            found.append((NOT_RANKED_FIRST, f"The recommended bid is {where}; the memo justifies the choice."))
        else:
            found.append((NOT_JUSTIFIED, f"The recommended bid is {where}: write why it is recommended over the "
                                         "bid ranked first."))
    for risk in risks or []:
        if risk["status"] != "accepted":
            waivable.append(_waivable(RISK_NOT_ACCEPTED, _risk_message(risk),
                                      _waiver(procedure, WaiverKind.RESIDUAL_RISK, risk["title"])))
    return [Finding(code, message, code in blocking) for code, message in found] + waivable
