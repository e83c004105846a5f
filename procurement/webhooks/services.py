"""Every write of the webhooks: subscriptions, the outbox of deliveries, and each delivery attempt.

`event_publish` is the one function the apps call, inside their own transactions: one Delivery row per active
subscription to the event, written in that transaction (the outbox pattern), the delivery task queued when it
commits. A rolled-back transaction leaves no row and queues nothing; a broker that is down at commit leaves the
rows PENDING for the beat sweeper (`delivery_sweep`).

A delivery attempt claims its row (PENDING -> SENDING) in a short transaction, checks the URL again (DNS may
have changed), signs and posts outside any transaction, then records the attempt and moves the row to
DELIVERED, back to PENDING with the next attempt's time (exponential back-off with jitter), or FAILED once the
attempts run out. A second task for the same delivery finds it claimed or done and does nothing.
"""

from __future__ import annotations

import json
import logging
import random
import time
import uuid
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from procurement.authz import require
from procurement.contributions import collect
from procurement.queueing import enqueue_fail_fast
from procurement.services import model_save
from procurement.webhooks import secrets, signing
from procurement.webhooks.models import Delivery, DeliveryAttempt, WebhookSubscription
from procurement.webhooks.policies import delivery_policy, subscription_policy
from procurement.webhooks.sender import Outcome, post
from procurement.webhooks.urlsafety import UnsafeUrl, check_url

logger = logging.getLogger(__name__)

PING = "ping"
USER_AGENT = "Baton-Webhooks/1"
EARLY_TOLERANCE = timedelta(seconds=2)  # a task may run this much before its due time (clock skew)
JITTER = 0.2  # ± 20 % of each back-off delay

# The subjects events are about: {model label: (kind, REST API collection, attribute holding the reference)}.
# Named by label, never imported: the kernel knows no app.
SUBJECTS = {
    "vendors.vendor": ("vendor", "vendors", "pk"),
    "awards.awardprocedure": ("procedure", "procedures", "reference"),
    "contracts.contract": ("contract", "contracts", "reference"),
}


def event_choices() -> list[tuple[str, str]]:
    """(value, label) of every event the apps contribute, in INSTALLED_APPS order."""
    return [(e.value, e.label) for e in collect().webhook_events]


def subject_of(subject) -> dict:
    """The subject's kind, reference and REST API path, e.g. {"kind": "contract", "reference": "C-2026-0001",
    "api_path": "/api/v1/contracts/C-2026-0001"}."""
    label = subject._meta.label_lower
    if label not in SUBJECTS:
        raise ValueError(f"Webhook events are about vendors, procedures or contracts, not {label}.")
    kind, collection, attribute = SUBJECTS[label]
    reference = str(getattr(subject, attribute))
    return {"kind": kind, "reference": reference, "api_path": f"/api/v1/{collection}/{reference}"}


def payload_body(*, event: str, event_id: uuid.UUID, occurred_at, subject: dict, data: dict) -> str:
    """The JSON body, compact and with sorted keys: the exact text that is signed and sent."""
    payload = {"id": str(event_id), "event": event, "occurred_at": occurred_at, "subject": subject, "data": data}
    return json.dumps(payload, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# --- publishing --------------------------------------------------------------------------------------------


def event_publish(*, event: str, subject, data: dict) -> list[Delivery]:
    """Announce `event` about `subject` (a vendor, procedure or contract) with `data` (a few public fields):
    one Delivery per active subscription to it, in the caller's transaction; the tasks are queued on commit."""
    if event not in dict(event_choices()):
        raise ValueError(f"{event!r} is not a webhook event any app contributes.")
    described = subject_of(subject)
    subscriptions = [s for s in WebhookSubscription.objects.filter(is_active=True).order_by("pk")
                     if event in s.events]
    if not subscriptions:  # the usual case: one query, no savepoint
        return []
    now, event_id = timezone.now(), uuid.uuid4()
    body = payload_body(event=event, event_id=event_id, occurred_at=now, subject=described, data=data)
    with transaction.atomic():
        created = [_delivery_create(subscription=s, event=event, event_id=event_id, body=body, now=now,
                                    actor=None, reason=f"Event {event} about {described['kind']} "
                                                       f"{described['reference']}")
                   for s in subscriptions]
    return created


def _delivery_create(*, subscription, event, event_id, body, now, actor, reason) -> Delivery:
    delivery = model_save(Delivery(subscription=subscription, event=event, event_id=event_id, body=body,
                                   next_attempt_at=now, queued_at=now), actor=actor, reason=reason)
    _queue_on_commit(delivery.pk)
    return delivery


def _queue(delivery_id: int, *, eta=None) -> bool:
    from procurement.webhooks.tasks import deliver

    options = {"eta": eta} if eta is not None else {}
    return enqueue_fail_fast(deliver, args=(delivery_id,), what=f"webhook delivery {delivery_id}", **options)


def _queue_on_commit(delivery_id: int, *, eta=None) -> None:
    transaction.on_commit(partial(_queue, delivery_id, eta=eta))


# --- subscriptions -------------------------------------------------------------------------------------------


def _clean_events(events) -> list[str]:
    known = [value for value, _ in event_choices()]
    chosen = [e for e in dict.fromkeys(events or []) if isinstance(e, str)]
    unknown = [e for e in chosen if e not in known]
    if unknown:
        raise ValidationError({"events": f"Unknown event{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}."})
    if not chosen:
        raise ValidationError({"events": "Choose at least one event to send."})
    return [e for e in known if e in chosen]  # the contributed order


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    try:
        check_url(url)
    except UnsafeUrl as exc:
        raise ValidationError({"url": str(exc)}) from None
    return url


def _need_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why; the reason is kept in the subscription's history."})
    return reason


def _clean_target(url: str, events) -> tuple[str, list[str]]:
    """The URL and the events checked together, so one submission shows every problem at its field."""
    errors, cleaned = {}, []
    for clean, value in ((_clean_url, url), (_clean_events, events)):
        try:
            cleaned.append(clean(value))
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return cleaned[0], cleaned[1]


@transaction.atomic
def subscription_create(*, actor, url: str, events, description: str = "") -> tuple[WebhookSubscription, str]:
    """A new active subscription and its signing secret (returned once, stored encrypted)."""
    require(actor, subscription_policy, "manage")
    url, events = _clean_target(url, events)
    secret = secrets.new_secret()
    subscription = WebhookSubscription(url=url, events=events, description=(description or "").strip(),
                                       secret_encrypted=secrets.encrypt(secret), secret_rotated_at=timezone.now(),
                                       created_by=actor)
    model_save(subscription, actor=actor, reason="Subscription created")
    return subscription, secret


def _locked(subscription: WebhookSubscription) -> WebhookSubscription:
    return WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)


@transaction.atomic
def subscription_update(*, actor, subscription: WebhookSubscription, url: str, events, description: str = "",
                        reason: str = "Subscription edited") -> WebhookSubscription:
    subscription = _locked(subscription)
    require(actor, subscription_policy, "edit", subscription)
    url, events = _clean_target(url, events)
    subscription.url, subscription.events = url, events
    subscription.description = (description or "").strip()
    return model_save(subscription, actor=actor, reason=(reason or "").strip() or "Subscription edited")


@transaction.atomic
def subscription_deactivate(*, actor, subscription: WebhookSubscription, reason: str) -> WebhookSubscription:
    """Stop sending: no new deliveries; waiting ones fail at their next attempt with the reason shown."""
    subscription = _locked(subscription)
    require(actor, subscription_policy, "edit", subscription)
    reason = _need_reason(reason)
    subscription.is_active = False
    subscription.deactivated_reason = reason[:300]
    subscription.deactivated_at = timezone.now()
    return model_save(subscription, actor=actor, reason=f"Deactivated: {reason}")


@transaction.atomic
def subscription_rotate_secret(*, actor, subscription: WebhookSubscription, reason: str) -> str:
    """A new signing secret (returned once); every later attempt, retries included, is signed with it."""
    subscription = _locked(subscription)
    require(actor, subscription_policy, "edit", subscription)
    reason = _need_reason(reason)
    secret = secrets.new_secret()
    subscription.secret_encrypted = secrets.encrypt(secret)
    subscription.secret_rotated_at = timezone.now()
    model_save(subscription, actor=actor, reason=f"Secret rotated: {reason}")
    return secret


@transaction.atomic
def subscription_ping(*, actor, subscription: WebhookSubscription) -> Delivery:
    """A test event ("ping") to this subscription only, delivered, signed and logged like any other."""
    subscription = _locked(subscription)
    require(actor, subscription_policy, "edit", subscription)
    now = timezone.now()
    event_id = uuid.uuid4()
    body = payload_body(event=PING, event_id=event_id, occurred_at=now,
                        subject={"kind": "subscription", "reference": str(subscription.pk), "api_path": None},
                        data={"message": "A test event sent from Baton.", "requested_by": actor.get_username()})
    return _delivery_create(subscription=subscription, event=PING, event_id=event_id, body=body, now=now,
                            actor=actor, reason="Test event sent")


@transaction.atomic
def delivery_resend(*, actor, delivery: Delivery) -> Delivery:
    """Queue a failed delivery again, same delivery id and body, with a fresh run of attempts."""
    delivery = Delivery.objects.select_for_update().select_related("subscription").get(pk=delivery.pk)
    require(actor, delivery_policy, "resend", delivery)
    now = timezone.now()
    delivery.status = Delivery.Status.PENDING
    delivery.tries = 0
    delivery.next_attempt_at = delivery.queued_at = now
    delivery.claimed_at = None
    model_save(delivery, actor=actor, reason="Sent again")
    _queue_on_commit(delivery.pk)
    return delivery


# --- delivering ------------------------------------------------------------------------------------------------


def backoff_seconds(tries: int, *, base: float | None = None, cap: float | None = None,
                    jitter: float | None = None) -> float:
    """Seconds to wait after the `tries`-th failed attempt: base × 2^(tries-1), capped, times (1 ± 20 %)."""
    base = settings.BATON_WEBHOOK_RETRY_BASE_SECONDS if base is None else base
    cap = settings.BATON_WEBHOOK_RETRY_MAX_SECONDS if cap is None else cap
    jitter = random.uniform(-JITTER, JITTER) if jitter is None else jitter
    return min(cap, base * 2 ** max(0, tries - 1)) * (1 + jitter)


def _claim(delivery_id: int) -> Delivery | None:
    now = timezone.now()
    with transaction.atomic():
        delivery = (Delivery.objects.select_for_update(of=("self",)).select_related("subscription")
                    .filter(pk=delivery_id).first())
        if delivery is None or delivery.status != Delivery.Status.PENDING:
            return None  # done, failed, or being sent by another worker
        if delivery.next_attempt_at > now + EARLY_TOLERANCE:
            return None  # not due yet: a duplicate task; the one queued for its time (or the sweeper) sends it
        if not delivery.subscription.is_active:
            delivery.status = Delivery.Status.FAILED
            delivery.last_error = "The subscription was deactivated; nothing was sent."
            model_save(delivery, actor=None, reason="Subscription deactivated")
            return None
        delivery.status = Delivery.Status.SENDING
        delivery.claimed_at = now
        delivery.tries += 1
        model_save(delivery, actor=None, reason=f"Attempt {delivery.tries}")
    return delivery


def _send(delivery: Delivery) -> tuple[Outcome, str]:
    """(what happened, the address connected to) for one attempt; never raises for the receiver's faults."""
    try:
        target = check_url(delivery.subscription.url)  # again: DNS may point elsewhere now
    except UnsafeUrl as exc:
        return Outcome(None, "", f"Refused before sending: {exc}"[:500], 0), ""
    try:
        secret = secrets.decrypt(delivery.subscription.secret_encrypted)
    except ValueError as exc:
        return Outcome(None, "", str(exc)[:500], 0), ""
    body = delivery.body.encode("utf-8")
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        signing.HEADER_EVENT: delivery.event,
        signing.HEADER_DELIVERY: str(delivery.uid),
        signing.HEADER_TIMESTAMP: str(timestamp),
        signing.HEADER_SIGNATURE: signing.signature(secret, timestamp, body),
    }
    outcome = post(target, body=body, headers=headers, connect_timeout=settings.BATON_WEBHOOK_CONNECT_TIMEOUT,
                   read_timeout=settings.BATON_WEBHOOK_READ_TIMEOUT)
    return outcome, target.address


def delivery_attempt(*, delivery_id: int) -> Delivery | None:
    """One attempt at one delivery (the Celery task's body); idempotent per delivery id."""
    claimed = _claim(delivery_id)
    if claimed is None:
        return None
    started = timezone.now()
    outcome, address = _send(claimed)
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        if delivery.status != Delivery.Status.SENDING or delivery.claimed_at != claimed.claimed_at:
            return delivery  # the sweeper took it back meanwhile; its next run records its own attempt
        number = DeliveryAttempt.objects.filter(delivery=delivery).count() + 1
        model_save(DeliveryAttempt(delivery=delivery, number=number, started_at=started,
                                   duration_ms=outcome.duration_ms, address=address,
                                   status_code=outcome.status_code, response_excerpt=outcome.excerpt,
                                   error=outcome.error), actor=None, reason=f"Attempt {number}")
        delivery.last_status_code = outcome.status_code
        delivery.last_error = outcome.error or ("" if outcome.succeeded else f"HTTP {outcome.status_code}")
        now = timezone.now()
        if outcome.succeeded:
            delivery.status = Delivery.Status.DELIVERED
            delivery.delivered_at = now
            reason = f"Delivered (HTTP {outcome.status_code})"
        elif delivery.tries >= settings.BATON_WEBHOOK_MAX_ATTEMPTS:
            delivery.status = Delivery.Status.FAILED
            reason = f"Failed after {delivery.tries} attempts"
        else:
            delivery.status = Delivery.Status.PENDING
            delivery.next_attempt_at = now + timedelta(seconds=backoff_seconds(delivery.tries))
            delivery.queued_at = now
            reason = f"Attempt {delivery.tries} failed; retry at {delivery.next_attempt_at:%H:%M:%S}"
            _queue_on_commit(delivery.pk, eta=delivery.next_attempt_at)
        model_save(delivery, actor=None, reason=reason)
    _count(delivery, outcome)
    return delivery


def _count(delivery: Delivery, outcome: Outcome) -> None:
    level = logging.INFO if outcome.succeeded else logging.WARNING
    logger.log(level, "Webhook delivery %s (%s) attempt %s: %s", delivery.uid, delivery.event, delivery.tries,
               outcome.status_code or outcome.error)


def stuck_after() -> timedelta:
    """How long a SENDING claim may last before the sweeper assumes its worker died mid-attempt."""
    return timedelta(seconds=2 * (settings.BATON_WEBHOOK_CONNECT_TIMEOUT + settings.BATON_WEBHOOK_READ_TIMEOUT)
                     + 60)


def delivery_sweep() -> int:
    """Beat job: queue again the deliveries whose task is overdue (the broker was down at commit, or the task was
    lost), and take back the ones claimed by a worker that died mid-attempt (the receiver may then see that
    delivery id twice: receivers deduplicate on it). Returns how many were queued."""
    now = timezone.now()
    late = now - timedelta(seconds=settings.BATON_WEBHOOK_SWEEP_AFTER_SECONDS)
    queued = 0
    for pk in Delivery.objects.filter(status=Delivery.Status.SENDING, claimed_at__lt=now - stuck_after()) \
            .values_list("pk", flat=True)[:500]:
        with transaction.atomic():
            delivery = Delivery.objects.select_for_update().get(pk=pk)
            if delivery.status != Delivery.Status.SENDING:
                continue
            delivery.status = Delivery.Status.PENDING
            delivery.next_attempt_at = delivery.queued_at = timezone.now()
            model_save(delivery, actor=None, reason="Attempt interrupted; taken back by the sweeper")
        queued += _queue(pk)
    # Overdue by the grace period and not queued since: the task that should have sent it is lost.
    for pk in Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=late,
                                      queued_at__lte=late).values_list("pk", flat=True)[:500]:
        with transaction.atomic():
            delivery = Delivery.objects.select_for_update().get(pk=pk)
            if delivery.status != Delivery.Status.PENDING:
                continue
            delivery.queued_at = timezone.now()
            model_save(delivery, actor=None, reason="Queued again by the sweeper")
        queued += _queue(pk)
    return queued
