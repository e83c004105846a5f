"""Who a person is at the identity provider, and which of their roles single sign-on manages."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from simple_history.models import HistoricalRecords


class ExternalIdentity(models.Model):
    """A Baton user's account at an OpenID Connect provider: the issuer and the provider's stable `sub`.

    Sign-in matches on (issuer, subject) only, never on the e-mail address (an address can be re-assigned or
    typed by anyone at a lax provider). `managed_roles` are the roles single sign-on granted, the only ones a
    later sign-in may take back; roles granted by hand in Baton are not in it and stay.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="external_identities")
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    managed_roles = models.ManyToManyField(Group, blank=True, related_name="+",
                                           help_text="Roles granted by single sign-on (taken back when the "
                                                     "provider stops giving them).")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[managed_roles])

    class Meta:
        verbose_name = "external identity"
        verbose_name_plural = "external identities"
        ordering = ["issuer", "subject"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="sso_unique_issuer_subject"),
            models.UniqueConstraint(fields=["user", "issuer"], name="sso_one_identity_per_issuer"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"
