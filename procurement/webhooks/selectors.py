"""Reads for the webhooks pages: user-scoped through the policies, a constant number of queries per page."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from procurement.webhooks.models import Delivery, DeliveryAttempt, WebhookSubscription
from procurement.webhooks.policies import delivery_policy, subscription_policy


def subscriptions_for(user) -> QuerySet[WebhookSubscription]:
    """The subscriptions the user may see, each with its delivery counts by status."""
    return (subscription_policy.visible(user).select_related("created_by")
            .annotate(delivered=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.DELIVERED)),
                      waiting=Count("deliveries", filter=Q(deliveries__status__in=(Delivery.Status.PENDING,
                                                                                    Delivery.Status.SENDING))),
                      failed=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.FAILED)))
            .order_by("-is_active", "-created_at", "-pk"))


def delivery_log(user, subscription: WebhookSubscription, *, status: str = "", event: str = "") -> QuerySet[Delivery]:
    """The subscription's deliveries, newest first, optionally of one status and one event, with their attempts
    (one query for the page's attempts)."""
    qs = delivery_policy.visible(user).filter(subscription=subscription)
    if status in Delivery.Status.values:
        qs = qs.filter(status=status)
    if event:
        qs = qs.filter(event=event)
    return qs.prefetch_related(Prefetch("attempts", queryset=DeliveryAttempt.objects.order_by("number"))) \
        .order_by("-created_at", "-pk")


def log_events(subscription: WebhookSubscription) -> list[str]:
    """The event names the log can be filtered by: those subscribed and those already delivered."""
    logged = set(Delivery.objects.filter(subscription=subscription).values_list("event", flat=True).distinct())
    return [*subscription.events, *sorted(logged - set(subscription.events))]
