"""What a notification is about. Each kind can be switched on or off per channel by each person."""

from django.db import models


class Kind(models.TextChoices):
    EVALUATOR_ASSIGNED = "evaluator_assigned", "You were assigned as an evaluator"
    SCORING_DEADLINE = "scoring_deadline", "A scoring deadline is approaching"
    MEMO_ROUTED = "memo_routed", "A decision memo is waiting for your sign-off"
    MEMO_DECIDED = "memo_decided", "A decision memo you wrote was approved or rejected"
    KICKOFF_INVITATION = "kickoff_invitation", "You are invited to a negotiation kickoff"
    PACK_READY = "pack_ready", "A handoff pack is ready for you"
    BREACH = "breach", "A contract commitment was breached"
    EXPIRY = "expiry", "An attestation or contract date is about to expire"
    PAYMENT_LATE = "payment_late", "A payment is late"
    USAGE_FORECAST = "usage_forecast", "Usage is forecast to exceed what was bought"
    RENEWAL_NOTICE = "renewal_notice", "A renewal or notice date is approaching"
    REASSESSMENT_DUE = "reassessment_due", "A vendor reassessment is due"
    CHANGE_ORDER = "change_order", "A change order needs your attention"
    INCIDENT = "incident", "A vendor incident was reported"


class Channel(models.TextChoices):
    IN_APP = "in_app", "In Baton (inbox)"
    EMAIL = "email", "Email"
