"""Creates Baton's six roles as Groups. Object access is granted per record (guardian), not here."""

from django.db import migrations

ROLES = (
    "Procurement lead",
    "Evaluator",
    "Committee approver",
    "Post-award manager",
    "Business owner",
    "Auditor",
)


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def remove_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=ROLES):
        group.delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create_roles, remove_roles)]
