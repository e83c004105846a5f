"""The kernel table of the tamper-evident audit chain (see procurement.audit.chain for how it is filled).

One `AuditSeal` per history row of every audit-trailed model. The seals of one object form a chain: sequence
1, 2, 3… each carrying the previous seal's hash, so editing, deleting or inserting a history row breaks the chain
at that row. The chain lives here rather than as extra columns on every historical table, so apps that add new
tracked models need no audit-specific migration.

`AuditEntry` is the auditor's log read from one table: a copy of what the log shows of each sealed history row,
written with the seal (procurement.audit.index explains why it is derived data, not evidence).
"""

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone


class SealQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        """Seals written in bulk (the benchmark's seed writes them so) get their audit log index rows in the
        same transaction, exactly as `seal_history_row` writes one with each seal."""
        from procurement.audit.index import index_seals

        with transaction.atomic(using=self.db, savepoint=False):
            created = super().bulk_create(objs, *args, **kwargs)
            index_seals(created, using=self.db)
        return created


class AuditSeal(models.Model):
    history_model = models.CharField(max_length=100,
                                     help_text="Label of the historical model, e.g. vendors.historicalvendor.")
    history_id = models.BigIntegerField(help_text="The sealed history row's history_id.")
    object_key = models.CharField(max_length=200, help_text="The tracked object: model label and primary key.")
    sequence = models.PositiveBigIntegerField(help_text="Position of the row in its object's chain, from 1.")
    previous_hash = models.CharField(max_length=64, help_text="The hash of the seal before this one (zeros first).")
    row_hash = models.CharField(max_length=64,
                                help_text="sha256 of the history row's canonical form and the previous hash.")
    columns = models.TextField(help_text="The history columns the hash covers, comma-separated: a later migration "
                                         "may add columns, which older rows were never sealed with.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = SealQuerySet.as_manager()

    # The seal table is the audit trail itself: it has no history of its own (procurement.audit.history).
    audit_trail_kernel = True

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["object_key", "sequence"], name="audit_seal_one_row_per_position"),
            models.UniqueConstraint(fields=["history_model", "history_id"], name="audit_seal_one_seal_per_row"),
        ]
        verbose_name = "audit seal"

    def __str__(self) -> str:
        return f"{self.object_key} #{self.sequence} {self.row_hash[:12]}"


class AuditEntry(models.Model):
    """One line of the auditor's global log: a sealed history row as the log shows it, in one table so a page of
    the log is one query. Written in the same transaction as its seal and never changed (the append-only triggers
    guard this table too); `audit_verify` checks every entry against its seal and history row."""

    # The seal this line copies (its keys, position and hash): a plain column rather than a foreign key, so an
    # entry whose seal has been removed stays behind for `audit_verify` to report.
    seal_id = models.BigIntegerField(unique=True, help_text="The AuditSeal this entry copies.")
    history_model = models.CharField(max_length=100, help_text="Label of the historical model.")
    history_id = models.BigIntegerField(help_text="The history row's history_id.")
    object_key = models.CharField(max_length=200, help_text="The tracked object: model label and primary key.")
    sequence = models.PositiveBigIntegerField(help_text="The seal's position in its object's chain.")
    row_hash = models.CharField(max_length=64, help_text="The seal's hash.")
    # What the log shows, copied from the history row.
    model_label = models.CharField(max_length=100, help_text="Label of the tracked model, e.g. vendors.vendor.")
    object_id = models.CharField(max_length=100, help_text="The tracked object's primary key.")
    history_date = models.DateTimeField()
    history_type = models.CharField(max_length=1, help_text="+ created, ~ changed, - deleted.")
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING,
                              db_constraint=False, related_name="+", help_text="Who made the change.")
    name = models.CharField(max_length=80, blank=True, help_text="The record's own name as it read then.")
    name_field = models.CharField(max_length=100, blank=True, help_text="The history column the name comes from.")
    link_label = models.CharField(max_length=100, blank=True,
                                  help_text="The history page that shows the row: the record's own or its parent's.")
    link_pk = models.BigIntegerField(null=True, blank=True)
    link_field = models.CharField(max_length=100, blank=True, help_text="The history column link_pk comes from.")

    audit_trail_kernel = True  # derived from the trail, not a subject of it (procurement.audit.history)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["history_model", "history_id"], name="audit_entry_one_per_row"),
        ]
        indexes = [
            # Newest first, keyset-paginated on (history_date, id); one index per filter the log offers.
            models.Index(fields=["-history_date", "-id"], name="audit_entry_newest"),
            models.Index(fields=["actor", "-history_date", "-id"], name="audit_entry_by_actor"),
            models.Index(fields=["model_label", "-history_date", "-id"], name="audit_entry_by_kind"),
            models.Index(fields=["object_key", "-history_date", "-id"], name="audit_entry_by_object"),
        ]
        verbose_name = "audit log entry"
        verbose_name_plural = "audit log entries"

    def __str__(self) -> str:
        return f"{self.history_date:%Y-%m-%d %H:%M} {self.object_key} {self.history_type}"
