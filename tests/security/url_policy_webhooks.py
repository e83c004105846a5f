"""The URL policy of the webhooks endpoints (issue 19), merged into url_policy.POLICY; same Rule helpers.

Webhooks are for administrators (the scenario's superuser; holders of webhooks.manage_webhooksubscription too,
tests/webhooks/test_views.py). Auditors read the pages and act on nothing (403). Everyone else: 403 on the list
and the create page (they reveal nothing), 404 on a subscription or a delivery (its existence is not revealed).
"""

from tests.security.url_policy import AUD, POST, Rule, act, read, signed_in  # noqa: F401


def _subscription(s):
    if "webhook_subscription" not in s.__dict__:
        from procurement.webhooks.services import subscription_create

        s.__dict__["webhook_subscription"], _ = subscription_create(
            actor=s.superuser, url="https://8.8.8.8/matrix", events=["contract.signed"], description="Matrix")
    return s.__dict__["webhook_subscription"]


def _failed_delivery(s):
    """A delivery of a test event, marked failed (as after its last attempt), so the right person may re-send."""
    if "webhook_delivery" not in s.__dict__:
        from procurement.webhooks.models import Delivery
        from procurement.webhooks.services import subscription_ping

        delivery = subscription_ping(actor=s.superuser, subscription=_subscription(s))
        delivery.status = Delivery.Status.FAILED
        delivery._change_reason = "Failed after 8 attempts"
        delivery.save()
        s.__dict__["webhook_delivery"] = delivery
    return s.__dict__["webhook_delivery"]


def SUB(s):  # noqa: N802 - reads like the URL
    return {"pk": _subscription(s).pk}


def SUBD(s):  # noqa: N802
    return {"pk": _subscription(s).pk, "delivery_pk": _failed_delivery(s).pk}


ADMIN = {"right": "superuser", "sees": AUD}

WEBHOOKS: dict = {
    "webhooks:list": read(others=403, **ADMIN),
    "webhooks:create": act(others=403, **ADMIN),
    "webhooks:detail": read(SUB, **ADMIN),
    "webhooks:edit": act(SUB, **ADMIN),
    "webhooks:deactivate": act(SUB, **ADMIN),
    "webhooks:rotate": act(SUB, **ADMIN),
    "webhooks:ping": act(SUB, methods=POST, **ADMIN),
    "webhooks:delivery": read(SUBD, **ADMIN),
    "webhooks:resend": act(SUBD, methods=POST, **ADMIN),
}
