"""The kernel table of the tamper-evident audit chain (see procurement.audit.chain for how it is filled).

One `AuditSeal` per history row of every audit-trailed model. The seals of one object form a chain: sequence
1, 2, 3… each carrying the previous seal's hash, so editing, deleting or inserting a history row breaks the chain
at that row. The chain lives here rather than as extra columns on every historical table, so apps that add new
tracked models need no audit-specific migration.
"""

from django.db import models
from django.utils import timezone


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
