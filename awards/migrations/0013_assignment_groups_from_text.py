"""The free-text "criterion groups" of earlier evaluator assignments become the groups they name (issue 21).

By name or key, separated by commas, semicolons or lines, case ignored: as the scoring grid read them. Run on its
own (PostgreSQL refuses to alter a table in the transaction that queued trigger events on it); 0014 drops the text.
"""

from django.db import migrations


def groups_from_text(apps, schema_editor):
    import re

    Assignment = apps.get_model("awards", "EvaluatorAssignment")
    Group = apps.get_model("awards", "CriterionGroup")
    if not any(field.name == "criterion_groups" for field in Assignment._meta.get_fields()):
        return  # run again on today's models (procurement.seeding after a flush): the text is long gone
    for assignment in Assignment.objects.exclude(criterion_groups=""):
        wanted = {t.strip().lower() for t in re.split(r"[,;\n]", assignment.criterion_groups) if t.strip()}
        groups = [g for g in Group.objects.filter(scorecard__procedure_id=assignment.procedure_id)
                  if g.name.lower() in wanted or g.key.lower() in wanted]
        assignment.groups.add(*groups)


class Migration(migrations.Migration):
    dependencies = [("awards", "0012_issue21_daily_work")]

    operations = [migrations.RunPython(groups_from_text, migrations.RunPython.noop)]
