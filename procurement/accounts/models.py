from django.contrib.auth.models import AbstractUser
from django.db import models
from simple_history.models import HistoricalRecords


class UserKind(models.TextChoices):
    STAFF = "staff", "Staff"
    BIDDER = "bidder", "Bidder contact"


class User(AbstractUser):
    """A person using Baton. Never deleted: deactivated, so every history row keeps its actor.

    `kind` separates the organisation's people (staff) from vendors' contacts who bid through the portal
    (issue 20): a bidder reaches only the portal (procurement.bidders.BidderConfinementMiddleware), holds no
    role, and is tied to one vendor by vendors.VendorContact.account."""

    Kind = UserKind

    job_title = models.CharField(max_length=120, blank=True)
    kind = models.CharField(max_length=8, choices=UserKind.choices, default=UserKind.STAFF, editable=False)
    # issue 21: each person's own time zone (an IANA name, e.g. "Europe/Dublin"); empty: settings.TIME_ZONE.
    time_zone = models.CharField(max_length=64, blank=True, default="")
    history = HistoricalRecords(m2m_fields=[AbstractUser.groups.field])

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_bidder(self) -> bool:
        return self.kind == UserKind.BIDDER

    def delete(self, *args, **kwargs):
        raise PermissionError("Users are never deleted; deactivate them instead (history keeps its actors).")
