"""A due-diligence item can demand independent evidence (issue 17, finding 9).

The data step flags the seeded plan rows whose evidence must, by its nature, come from someone other than the
vendor: certificates, penetration tests, independent evaluations and live assessments. Each changed row gets a
history row saying why, as a service would leave. Rows added later are left to the administrators."""

from django.apps import apps as global_apps
from django.db import migrations, models
from django.utils import timezone

INDEPENDENT_BY_NATURE = ("independent_evaluation", "pentest_summary", "security_certification", "iso_42001",
                         "live_assessment")
REASON = "Migration 0005: this kind of evidence must come from someone other than the vendor"


def flag_seeded_rows(apps, schema_editor):
    Requirement = apps.get_model("vendors", "DueDiligenceRequirement")
    rows = Requirement.objects.filter(evidence_kind__in=INDEPENDENT_BY_NATURE, independent_evidence_required=False)
    if apps is global_apps:
        # Re-run with the live models (procurement.seeding, after a test flush): simple-history writes the history
        # row and the audit chain seals it, as for any save.
        for row in rows.order_by("pk"):
            row.independent_evidence_required = True
            row._change_reason = REASON
            row.save(update_fields=["independent_evidence_required"])
        return
    # During migrate the models carry no history machinery: write the history row, then seal it in the chain
    # (the seal table exists: this migration depends on the audit app's first one).
    from procurement.audit.chain import layouts, seal_history_row

    History = apps.get_model("vendors", "HistoricalDueDiligenceRequirement")
    seal_model, spec = apps.get_model("audit", "AuditSeal"), layouts(apps)[History._meta.label_lower]
    alias = schema_editor.connection.alias
    for row in rows.order_by("pk"):
        row.independent_evidence_required = True
        row.save(update_fields=["independent_evidence_required"])
        history = History.objects.create(id=row.pk, plan_id=row.plan_id, evidence_kind=row.evidence_kind,
                                         guidance=row.guidance, independent_evidence_required=True,
                                         history_date=timezone.now(), history_type="~",
                                         history_change_reason=REASON)
        seal_history_row(spec, history.pk, using=alias, seal_model=seal_model)


class Migration(migrations.Migration):

    dependencies = [
        ('vendors', '0004_vendor_monitoring'),
        ('audit', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='duediligencerequirement',
            name='independent_evidence_required',
            field=models.BooleanField(default=False, help_text="Tick when the vendor's own word is not enough for this item: only evidence from an independent party, a third-party attestation or our own test satisfies it, never self-reported evidence. Independent evaluations and live assessments always need it."),
        ),
        migrations.AddField(
            model_name='historicalduediligencerequirement',
            name='independent_evidence_required',
            field=models.BooleanField(default=False, help_text="Tick when the vendor's own word is not enough for this item: only evidence from an independent party, a third-party attestation or our own test satisfies it, never self-reported evidence. Independent evaluations and live assessments always need it."),
        ),
        migrations.RunPython(flag_seeded_rows, migrations.RunPython.noop),
    ]
