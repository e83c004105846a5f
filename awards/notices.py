"""What the award procedure tells people, through the notification kernel. Called inside the services'
transactions; each event has a key, so a service that runs twice tells nobody twice."""

from django.contrib.auth import get_user_model

from awards.policies import memo_policy
from procurement.notifications.services import notify
from procurement.webhooks.services import event_publish


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
    if route.status == "approved":  # webhook subscribers: the memo's version and when, nothing of its content
        event_publish(event="memo.approved", subject=procedure, data={
            "memo_version": memo.version, "approved_at": memo.approved_at,
            "memo_api_path": f"/api/v1/memos/{procedure.reference}"})


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


def award_decided(*, memo, actor=None) -> None:
    """The award notice, one message per person through the outbox (idempotent on the memo's approved version),
    and to every bidder that took part, a notice in the portal and by e-mail (award_notice_to_bidders)."""
    subject, body = award_notice_text(memo)
    for person in award_notice_recipients(memo):
        notify(recipient=person, kind="award_notice", key=f"award_notice:{memo.pk}:{memo.version}",
               subject=subject, body=body, target=memo.procedure)
    award_notice_to_bidders(memo=memo, actor=actor)
    winner = memo.recommended_bid.vendor  # the award is public; the scores of the other bids are not sent
    event_publish(event="award.notified", subject=memo.procedure, data={
        "memo_version": memo.version, "standstill_ends_on": memo.standstill_ends_on,
        "awarded_vendor": {"name": winner.legal_name, "api_path": f"/api/v1/vendors/{winner.pk}"}})


# --- the award notice to bidders (issue 20) --------------------------------------------------------------------

# The bids that took part in the evaluation (an invited bidder who never submitted, or declined, is not told).
TOOK_PART = ("submitted", "shortlisted", "awarded", "unsuccessful", "knocked_out")


def _approving_signer(memo):
    """Whose signature completed the approval (the actor of the award when the caller names nobody)."""
    from awards.models import SignOff

    last = (SignOff.objects.filter(route__memo=memo, route__status="approved", decision="approve")
            .select_related("signer").order_by("-signed_at", "-pk").first())
    return last.signer if last is not None else None


def award_notice_bidder_text(memo, bid) -> tuple[str, str]:
    """What one bidder is told of the award: who won, when the standstill period ends, and what they may do."""
    procedure = memo.procedure
    winner = memo.recommended_bid.vendor
    ends = memo.standstill_ends_on
    until = f"{ends.day} {ends:%B %Y}" if ends else "the date we will confirm to you"
    subject = f"Award decision: {procedure.title}"
    if bid.pk == memo.recommended_bid_id:
        body = (f"We are pleased to tell you that your bid in {procedure.reference} “{procedure.title}” was "
                f"selected.\n\nThe standstill period runs until {until}. During it the other bidders may ask for "
                "a debrief or raise concerns, and the contract cannot be signed before it ends. We will contact "
                "you about the contract negotiation.")
    else:
        body = (f"The evaluation of {procedure.reference} “{procedure.title}” is complete. The contract is to be "
                f"awarded to {winner}. Your bid was not selected.\n\n"
                f"The standstill period runs until {until}, and the contract will not be signed before then. "
                "Before that date you may ask for a debrief on your bid (your scores against the winning bid's "
                "will appear in the portal under Debrief once it is written) and raise any concern about how the "
                "procedure was run with the procurement lead.")
    return subject, body


def award_notice_to_bidders(*, memo, actor=None) -> list:
    """Every bid that took part hears of the award in the portal (a BidderNotice of kind "award") and by e-mail
    to its contacts with a portal account. Idempotent per approved memo version."""
    from awards.models import Bid, BidderNotice
    from awards.services.bidder_notices import bidder_notice_publish

    actor = actor or _approving_signer(memo)
    bids = list(Bid.objects.filter(procedure_id=memo.procedure_id, status__in=TOOK_PART)
                .select_related("vendor", "procedure").order_by("pk"))
    published = []
    for bid in bids:
        subject, body = award_notice_bidder_text(memo, bid)
        published += bidder_notice_publish(actor=actor, procedure=memo.procedure, kind=BidderNotice.Kind.AWARD,
                                           subject=subject, body=body, key=f"award:{memo.pk}:v{memo.version}",
                                           bids=[bid])
    return published


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


def timeline_change_recipients(procedure) -> list[tuple[object, object]]:
    """Who must hear of a timeline change after issue: (bid, contact) for every contact of every bidder still in
    the running (invited, submitted or shortlisted), and (bid, None) for a bidder with no contact on record."""
    from awards.models import Bid

    bids = (Bid.objects.filter(procedure=procedure, status__in=[Bid.Status.INVITED, Bid.Status.SUBMITTED,
                                                                Bid.Status.SHORTLISTED])
            .select_related("vendor").prefetch_related("vendor__contacts").order_by("vendor__legal_name", "pk"))
    pairs = []
    for bid in bids:
        contacts = list(bid.vendor.contacts.all())
        pairs += [(bid, contact) for contact in contacts] or [(bid, None)]
    return pairs


def timeline_change_letter(procedure, *, changes, reason: str, name: str = "") -> str:
    """What a bidder is told: the dates that moved (before and after), the reason, and that the rest stands."""
    from awards.selectors.timeline import day

    moved = "\n".join(f"- {label}: was {day(before)}, now {day(after)}" for label, before, after in changes)
    return (f"Dear {name or 'bidder'},\n\n"
            f"The timeline of {procedure.reference} “{procedure.title}” has changed since the RFP was issued on "
            f"{day(procedure.rfp_issue_date)}:\n{moved}\n\nReason: {reason}\n\n"
            "Every other date stays as announced.")


def timeline_changed(*, procedure, changes, reason: str, waiver, key: str) -> None:
    """A timeline change after issue (issue 17, finding 3), one message per bidder contact through the outbox.

    Bidders are not Baton users, so each message goes to the procedure's lead, who corresponds with the
    bidders: it names the contact (and e-mail address) and carries the letter to send them. A bidder with no
    contact on record gets a message too, asking the lead to record one and tell them. Idempotent per change and
    contact."""
    waived = waiver.sentence() if waiver is not None else ""
    for bid, contact in timeline_change_recipients(procedure):
        if contact is None:
            subject = f"{procedure.reference}: tell {bid.vendor} the new timeline (no contact on record)"
            to = (f"{bid.vendor} has no contact on record. Record one on the vendor's page and send them this "
                  "letter.")
            ident = f"bid{bid.pk}"
        else:
            address = f" <{contact.email}>" if contact.email else " (no e-mail address on record)"
            subject = f"{procedure.reference}: tell {contact.name} ({bid.vendor}) the new timeline"
            to = f"Send this to {contact.name}{address}, {bid.vendor}, and keep a copy."
            ident = f"contact{contact.pk}"
        letter = timeline_change_letter(procedure, changes=changes, reason=reason,
                                        name=contact.name if contact else "")
        body = f"{to}\n\n---\n{letter}\n---\n\n{waived}".strip()
        notify(recipient=procedure.lead, kind="timeline_changed", key=f"timeline_changed:{key}:{ident}"[:200],
               subject=subject, body=body, target=procedure)
