"""What the award procedure tells people, through the notification kernel. Called inside the services'
transactions; each event has a key, so a service that runs twice tells nobody twice."""

from django.contrib.auth import get_user_model

from procurement.notifications.services import notify


def evaluator_assigned(*, assignment) -> None:
    procedure = assignment.procedure
    notify(recipient=assignment.evaluator, kind="evaluator_assigned",
           key=f"evaluator_assigned:{assignment.pk}",
           subject=f"You are an evaluator on {procedure.reference} {procedure.title}",
           body="Declare any conflict of interest for each bid first; then score the criteria assigned to you.",
           target=procedure)


def memo_routed(*, route) -> None:
    """Every member of every committee on the route, except the memo's author (who may not sign)."""
    memo = route.memo
    members = (get_user_model().objects.filter(approval_committees__steps__route=route, is_active=True)
               .exclude(pk=memo.author_id).distinct())
    for member in members:
        notify(recipient=member, kind="memo_routed", key=f"memo_routed:{route.pk}",
               subject=f"Decision memo {memo.procedure.reference} is waiting for your sign-off",
               body=f"{memo.title}. Read it, then approve, reject or request changes.", target=memo)


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
