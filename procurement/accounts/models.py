from django.contrib.auth.models import AbstractUser
from django.db import models
from simple_history.models import HistoricalRecords


class User(AbstractUser):
    """A person using Baton. Never deleted: deactivated, so every history row keeps its actor."""

    job_title = models.CharField(max_length=120, blank=True)
    history = HistoricalRecords(m2m_fields=[AbstractUser.groups.field])

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def delete(self, *args, **kwargs):
        raise PermissionError("Users are never deleted; deactivate them instead (history keeps its actors).")
