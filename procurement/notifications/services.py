"""Writes for notifications. `notify` is the one entry point other apps call when something happens.

`notify` is idempotent on (recipient, key): the unique constraint decides, so two concurrent callers
(two web processes, a job run twice) create one row and send one email. It runs inside the caller's
transaction (a savepoint absorbs the duplicate), and the email is queued only once that transaction commits.
"""

import logging
import secrets
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from procurement.audit.history import attribute
from procurement.authz import is_active_user
from procurement.notifications.kinds import Channel, kind_label, kind_values
from procurement.notifications.models import CalendarFeed, Notification, NotificationPreference
from procurement.queueing import enqueue_fail_fast

logger = logging.getLogger(__name__)

MAX_EMAIL_ATTEMPTS = 5
SWEEP_AFTER = timedelta(minutes=5)


def channels_for(user, kind: str) -> dict[str, bool]:
    """The channels `user` wants for `kind` (both on unless they switched one off)."""
    pref = NotificationPreference.objects.filter(user=user, kind=kind).values("in_app", "email").first()
    return pref or {"in_app": True, "email": True}


def _link_for(target, url: str) -> str:
    if url:
        return url
    if target is not None and hasattr(target, "get_absolute_url"):
        try:
            return target.get_absolute_url()
        except Exception:  # a target without a routable page still gets its notification
            logger.warning("No link for %r", target)
    return ""


def notify(*, recipient, kind: str, key: str, subject: str, body: str = "", target=None,
           url: str = "") -> Notification | None:
    """Tell `recipient` about an event once. Returns the new row, or None when nothing was created
    (an inactive recipient, both channels switched off, or this (recipient, key) was already told)."""
    if kind not in kind_values():
        raise ValueError(f"Unknown notification kind {kind!r}.")
    if not key:
        raise ValueError("A notification needs an event key (it is what makes it idempotent).")
    if recipient is None or not recipient.is_active:
        return None
    if Notification.objects.filter(recipient=recipient, key=key[:200]).exists():
        return None
    wants = channels_for(recipient, kind)
    if not wants["in_app"] and not wants["email"]:
        return None
    wants_email = wants["email"] and bool(recipient.email)
    notification = Notification(
        recipient=recipient, kind=kind, key=key[:200], subject=subject[:200], body=body,
        url=_link_for(target, url)[:500], in_app=wants["in_app"],
        email_status=Notification.Email.QUEUED if wants_email else Notification.Email.NOT_WANTED,
    )
    if target is not None:
        notification.target_type = ContentType.objects.get_for_model(target)
        notification.target_id = str(target.pk)
    attribute(notification, actor=None, reason=f"Notified: {kind_label(kind)}")
    try:
        with transaction.atomic():
            notification.save()
    except IntegrityError:
        return None  # someone else told this person about this event a moment ago
    if wants_email:
        _queue_email(notification.pk)
    if notification.in_app:
        transaction.on_commit(partial(_count_sent, Channel.IN_APP, kind))  # in the inbox once it commits
    return notification


def _count_sent(channel: str, kind: str) -> None:
    from procurement.metrics import NOTIFICATIONS_SENT

    NOTIFICATIONS_SENT.labels(channel=channel, kind=kind).inc()


def _queue_email(notification_id: int) -> None:
    from procurement.notifications.tasks import send_notification_email

    def enqueue() -> None:
        # Broker down: refused at once (procurement.queueing), the row stays QUEUED and the sweeper sends it later.
        enqueue_fail_fast(send_notification_email, args=(notification_id,),
                          what=f"notification email {notification_id}")

    transaction.on_commit(enqueue)


def absolute_url(path: str) -> str:
    if not path or path.startswith(("http://", "https://")):
        return path
    return getattr(settings, "BATON_SITE_URL", "").rstrip("/") + path


def _email_text(notification: Notification) -> str:
    parts = [f"Hello {notification.recipient},", "", notification.subject + "."]
    if notification.body:
        parts += ["", notification.body]
    if notification.url:
        parts += ["", f"Open it in Baton: {absolute_url(notification.url)}"]
    if not getattr(notification.recipient, "is_bidder", False):  # bidders have no preferences page (the portal)
        parts += ["", f"Choose what Baton emails you: {absolute_url(reverse('notifications:preferences'))}"]
    return "\n".join(parts)


def notification_email_send(*, notification_id: int) -> bool:
    """Send one queued email. True when this call sent it; a second run finds it SENT and does nothing."""
    with transaction.atomic():
        notification = (Notification.objects.select_for_update().select_related("recipient")
                        .filter(pk=notification_id).first())
        if notification is None or notification.email_status != Notification.Email.QUEUED:
            return False
        recipient = notification.recipient
        notification.email_attempts += 1
        if not recipient.is_active or not recipient.email:
            notification.email_status = Notification.Email.FAILED
            notification.email_error = "The recipient is inactive or has no email address."
            attribute(notification, actor=None, reason="Email not sent")
            notification.save(update_fields=["email_status", "email_error", "email_attempts"])
            return False
        try:
            EmailMessage(subject=f"[Baton] {notification.subject}", body=_email_text(notification),
                         to=[recipient.email]).send()
        except Exception as exc:  # SMTP refused or unreachable: keep it queued for the sweeper, up to a limit
            logger.exception("Notification email %s failed", notification_id)
            from procurement.metrics import NOTIFICATION_EMAILS_FAILED

            NOTIFICATION_EMAILS_FAILED.labels(kind=notification.kind).inc()
            if notification.email_attempts >= MAX_EMAIL_ATTEMPTS:
                notification.email_status = Notification.Email.FAILED
            notification.email_error = str(exc)[:300]
            attribute(notification, actor=None, reason="Email attempt failed")
            notification.save(update_fields=["email_status", "email_error", "email_attempts"])
            return False
        notification.email_status = Notification.Email.SENT
        notification.email_sent_at = timezone.now()
        notification.email_error = ""
        attribute(notification, actor=None, reason="Email sent")
        notification.save(update_fields=["email_status", "email_sent_at", "email_error", "email_attempts"])
        _count_sent(Channel.EMAIL, notification.kind)
        return True


def notification_email_sweep() -> int:
    """Beat job: queue again the emails still waiting after a while (the broker was down at commit)."""
    from procurement.notifications.tasks import send_notification_email

    stale = timezone.now() - SWEEP_AFTER
    ids = list(Notification.objects.filter(email_status=Notification.Email.QUEUED, created_at__lt=stale)
               .values_list("pk", flat=True)[:500])
    for pk in ids:
        send_notification_email.delay(pk)
    return len(ids)


# --- the inbox -----------------------------------------------------------------------------------------------

def _require_own(notification: Notification, actor) -> None:
    if not is_active_user(actor) or notification.recipient_id != actor.pk:
        raise PermissionDenied("This notification is not yours.")


@transaction.atomic
def notification_mark_read(*, notification: Notification, actor) -> Notification:
    notification = Notification.objects.select_for_update().get(pk=notification.pk)
    _require_own(notification, actor)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        attribute(notification, actor=actor, reason="Marked read")
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notification_mark_all_read(*, actor) -> int:
    if not is_active_user(actor):
        raise PermissionDenied("Sign in first.")
    now = timezone.now()
    unread = list(Notification.objects.select_for_update().filter(recipient=actor, in_app=True, read_at=None))
    for notification in unread:  # one save each: the history keeps every change
        notification.read_at = now
        attribute(notification, actor=actor, reason="Marked all read")
        notification.save(update_fields=["read_at"])
    return len(unread)


# --- preferences ---------------------------------------------------------------------------------------------

@transaction.atomic
def preferences_set(*, actor, choices: dict[str, dict[str, bool]]) -> list[NotificationPreference]:
    """`choices` maps kind → {"in_app": bool, "email": bool}. Only rows that change are saved."""
    if not is_active_user(actor):
        raise PermissionDenied("Sign in first.")
    unknown = set(choices) - set(kind_values())
    if unknown:
        raise ValidationError(f"Unknown notification kinds: {', '.join(sorted(unknown))}.")
    existing = {p.kind: p for p in NotificationPreference.objects.select_for_update().filter(user=actor)}
    changed = []
    for kind, wanted in choices.items():
        pref = existing.get(kind) or NotificationPreference(user=actor, kind=kind)
        in_app = bool(wanted.get(Channel.IN_APP, pref.in_app))
        email = bool(wanted.get(Channel.EMAIL, pref.email))
        if pref.pk and (pref.in_app, pref.email) == (in_app, email):
            continue
        if not pref.pk and in_app and email:
            continue  # the default already; no row needed
        pref.in_app, pref.email = in_app, email
        attribute(pref, actor=actor, reason="Notification preferences changed")
        pref.full_clean(validate_unique=False)
        pref.save()
        changed.append(pref)
    return changed


# --- the calendar feed token --------------------------------------------------------------------------------

@transaction.atomic
def calendar_feed_issue(*, actor) -> str:
    """Create (or replace) the person's secret feed token. Returns the token; only its hash is kept."""
    if not is_active_user(actor):
        raise PermissionDenied("Sign in first.")
    feed = CalendarFeed.objects.select_for_update().filter(user=actor).first() or CalendarFeed(user=actor)
    token = secrets.token_urlsafe(32)
    replacing = feed.is_active
    feed.token_hash = CalendarFeed.hash_token(token)
    feed.created_at = timezone.now()
    feed.revoked_at = None
    attribute(feed, actor=actor, reason="Calendar address regenerated" if replacing else "Calendar address created")
    feed.save()
    return token


@transaction.atomic
def calendar_feed_revoke(*, actor) -> bool:
    if not is_active_user(actor):
        raise PermissionDenied("Sign in first.")
    feed = CalendarFeed.objects.select_for_update().filter(user=actor).first()
    if feed is None or not feed.is_active:
        return False
    feed.token_hash = ""
    feed.revoked_at = timezone.now()
    attribute(feed, actor=actor, reason="Calendar address revoked")
    feed.save()
    return True


def calendar_feed_user(token: str):
    """The active user a feed token belongs to, or None (unknown, revoked, or the user is inactive)."""
    if not token or len(token) > 100:
        return None
    feed = (CalendarFeed.objects.select_related("user")
            .filter(token_hash=CalendarFeed.hash_token(token), revoked_at=None).first())
    if feed is None or not feed.user.is_active:
        return None
    return feed.user
