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
