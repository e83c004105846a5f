"""What the award procedure tells people, through the notification kernel. Called inside the services'
transactions; each event has a key, so a service that runs twice tells nobody twice."""

from django.contrib.auth import get_user_model

from awards.policies import memo_policy
from procurement.notifications.services import notify


def evaluator_assigned(*, assignment) -> None:
    procedure = assignment.procedure
    notify(recipient=assignment.evaluator, kind="evaluator_assigned",
           key=f"evaluator_assigned:{assignment.pk}",
           subject=f"You are an evaluator on {procedure.reference} {procedure.title}",
           body="Declare any conflict of interest for each bid first; then score the criteria assigned to you.",
           target=procedure)


def memo_routed(*, route) -> None:
    """Whoever may sign the memo now (awards.policies, MemoPolicy "sign"): the active members of the route's
    committees, except the memo's author and anyone with a declared conflict with the recommended bid."""
    for member in memo_routed_recipients(route):
        notify(recipient=member, kind="memo_routed", key=f"memo_routed:{route.pk}",
               subject=f"Decision memo {route.memo.procedure.reference} is waiting for your sign-off",
               body=f"{route.memo.title}. Read it, then approve, reject or request changes.", target=route.memo)


def memo_routed_recipients(route) -> list:
    """The people told that `route` opened: the candidates on its committees for whom the policy's `can` says
    yes (the same answer as `memo_policy.actionable(user, "sign")`)."""
    memo = route.memo
    candidates = (get_user_model().objects.filter(approval_committees__steps__route=route, is_active=True)
                  .distinct().order_by("pk"))
    return [member for member in candidates if memo_policy.can(member, "sign", memo)]


DECISION_WORDS = {"approved": "was approved", "rejected": "was rejected", "returned": "was sent back for changes"}


def memo_decided(*, route, memo) -> None:
    """The memo's author and the procedure's lead hear how the route ended."""
    words = DECISION_WORDS.get(route.status)
    if words is None:
        return
    procedure = memo.procedure
    recipients = {u.pk: u for u in (memo.author, procedure.lead) if u is not None}
    for user in recipients.values():
        notify(recipient=user, kind="memo_decided", key=f"memo_decided:{route.pk}:{route.status}",
               subject=f"Decision memo {procedure.reference} {words}",
               body=f"{memo.title}. See the sign-offs and comments on the memo.", target=memo)


def award_notice_recipients(memo) -> list:
    """Who hears of an award: the procedure's lead and business owner, its evaluators, and whoever signed the
    approving route (each once; inactive people are skipped by the outbox)."""
    from awards.models import ApprovalRoute

    procedure = memo.procedure
    people = [procedure.lead, procedure.business_owner]
    people += [a.evaluator for a in procedure.assignments.select_related("evaluator").order_by("pk")]
    route = ApprovalRoute.objects.filter(memo=memo, status=ApprovalRoute.Status.APPROVED).first()
    if route is not None:
        people += [s.signer for s in route.signoffs.select_related("signer").order_by("pk")]
    unique = {p.pk: p for p in people if p is not None}
    return [unique[pk] for pk in sorted(unique)]


def award_notice_text(memo) -> tuple[str, str]:
    """The award notice's subject and body: it names the winner and the day the standstill period ends."""
    procedure = memo.procedure
    winner = memo.recommended_bid.vendor
    ends = memo.standstill_ends_on
    ends_text = f"{ends.day} {ends:%B %Y}" if ends else "not set"
    subject = f"{procedure.reference} awarded to {winner}"
    body = (f"The award decision memo for {procedure.reference} “{procedure.title}” (version {memo.version}) was "
            f"approved by every committee on its route.\n\n"
            f"Awarded to: {winner}\n"
            f"Standstill period ends: {ends_text}\n"
            f"Content hash signed: {memo.content_hash}\n\n"
            "Each unsuccessful bidder is offered a debrief. Baton refuses to mark the contract signed until the "
            "standstill period has ended, unless a standstill waiver is recorded for the procedure.")
    return subject, body


def award_decided(*, memo) -> None:
    """The award notice, one message per person through the outbox (idempotent on the memo's approved version)."""
    subject, body = award_notice_text(memo)
    for person in award_notice_recipients(memo):
        notify(recipient=person, kind="award_notice", key=f"award_notice:{memo.pk}:{memo.version}",
               subject=subject, body=body, target=memo.procedure)


def scorecard_changed(*, evaluators, procedure, what: str, reason: str) -> None:
    """Evaluators whose scores were reset (or whose sheets were reopened) by a scorecard change, each through the
    outbox, so a failed send is retried by the sweeper and shows in the notification's status."""
    from django.utils import timezone

    stamp = timezone.now().isoformat()
    body = (f"The procurement lead changed the scorecard of {procedure.reference} {procedure.title}.\n\n"
            f"What changed: {what}\nReason: {reason}\n\n"
            "Some of your scores were reset or your score sheet was reopened. Please score the affected "
            "criteria again and submit your sheet.")
    for person in sorted(evaluators, key=lambda user: user.pk):
        notify(recipient=person, kind="scorecard_changed",
               key=f"scorecard_changed:{procedure.pk}:{stamp}:{what}"[:200],
               subject=f"{procedure.reference}: scorecard changed, please review your scores", body=body,
               target=procedure)
