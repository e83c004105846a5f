"""Who may see and manage webhooks: administrators (superusers) and the people they give the permission
`webhooks.manage_webhooksubscription` to (in the admin, to a person or a group). Auditors read everything and
change nothing, as everywhere. Everyone else sees no subscription and no delivery: 404 on their pages, 403 on
the list (which reveals nothing)."""

from __future__ import annotations

from django.db.models import Q

from procurement.authz import EVERY_OBJECT, Action, ObjectPolicy, is_active_user, when
from procurement.webhooks.models import Delivery, WebhookSubscription

MANAGE_PERMISSION = "webhooks.manage_webhooksubscription"
MANAGERS_ONLY = ("Webhooks are managed by an administrator or by someone they have given the webhook "
                 "permission to.")


def may_manage(user, obj=None) -> bool:
    return is_active_user(user) and (user.is_superuser or user.has_perm(MANAGE_PERMISSION))


def _managers(user):
    return EVERY_OBJECT if may_manage(user) else None


MANAGE = when(may_manage, _managers, MANAGERS_ONLY, needs_object=False)


class SubscriptionPolicy(ObjectPolicy):
    model = WebhookSubscription
    actions = {
        "manage": Action(MANAGE),
        "edit": Action(MANAGE, when(lambda user, sub: sub.is_active, lambda user: Q(is_active=True),
                                    "This subscription is deactivated; create a new one instead.", state=True)),
    }

    def related(self, user):
        return _managers(user)


class DeliveryPolicy(ObjectPolicy):
    model = Delivery
    actions = {
        "resend": Action(MANAGE, when(
            lambda user, d: d.status == Delivery.Status.FAILED and d.subscription.is_active,
            lambda user: Q(status=Delivery.Status.FAILED, subscription__is_active=True),
            "Only a failed delivery of an active subscription can be sent again.", state=True)),
    }

    def related(self, user):
        return _managers(user)


subscription_policy = SubscriptionPolicy()
delivery_policy = DeliveryPolicy()
