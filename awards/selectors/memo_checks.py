"""What the decision memo warns about and what the policy blocks (a read: the memo page and submission use it).

`memo_findings(memo, snapshot)` returns Finding values. Each names a code; the codes listed in the setting
BATON_MEMO_BLOCKING_CHECKS (read with getattr, default below) stop submission, the others only warn. A
recommended bid that is not ranked first always needs a written justification.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

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
    return codes | {NOT_JUSTIFIED, NO_RECOMMENDATION}


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    blocking: bool


def memo_findings(memo, snapshot: dict, risks: list[dict] | None = None) -> list[Finding]:
    blocking = blocking_codes()
    found: list[tuple[str, str]] = []
    recommended = snapshot.get("recommended")
    if not recommended:
        found.append((NO_RECOMMENDATION, "Choose the recommended bid."))
    if not snapshot.get("complete"):
        problems = " ".join(snapshot.get("problems") or [])
        found.append((SCORING_INCOMPLETE, f"The scoring is not usable yet. {problems}".strip()))
    dd = snapshot.get("due_diligence")
    if dd and not dd["complete"]:
        found.append((DD_INCOMPLETE, f"Due diligence of the recommended vendor is incomplete as of {dd['as_of']}: "
                      + "; ".join(dd["gaps"]) + "."))
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
            found.append((RISK_NOT_ACCEPTED, f"Residual risk “{risk['title']}” is not accepted yet; it needs "
                                             f"{risk['acceptance']}."))
    return [Finding(code, message, code in blocking) for code, message in found]
