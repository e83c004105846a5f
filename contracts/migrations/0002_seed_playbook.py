from django.db import migrations


def seed(apps, schema_editor):
    from contracts.playbook import PLAYBOOK

    PlaybookClause = apps.get_model("contracts", "PlaybookClause")
    for order, entry in enumerate(PLAYBOOK, start=1):
        if not PlaybookClause.objects.filter(key=entry["key"]).exists():
            PlaybookClause.objects.create(order=order, **entry)


class Migration(migrations.Migration):
    dependencies = [("contracts", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
