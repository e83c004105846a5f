from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("awards", "0013_assignment_groups_from_text")]

    operations = [
        migrations.RemoveField(model_name="evaluatorassignment", name="criterion_groups"),
        migrations.RemoveField(model_name="historicalevaluatorassignment", name="criterion_groups"),
    ]
