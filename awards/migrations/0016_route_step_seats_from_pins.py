"""Each existing route step gets its seats: the committee's members in the committees version its procedure pinned.

Until now the seats were worked out at each sign-off (the live members while the pinned version was current, else
the pinned snapshot), and the memo policy read the live members. The step now records them (RouteStep.members).
This fills them for the steps that exist, with the rule the sign-off applied: the live members when the pinned
version is still the current one, else the usernames in the pinned version's snapshot. Run on its own, after
0015 made the tables; a step that already has seats is left as it is (procurement.seeding runs this again).
"""

from django.db import migrations

COMMITTEES = "committees"


def seats_from_pins(apps, schema_editor):
    RouteStep = apps.get_model("awards", "RouteStep")
    User = apps.get_model("accounts", "User")
    try:  # no dependency on the migration that makes policy versions: without them, version 1 is current
        PolicyVersion = apps.get_model("procurement", "PolicyVersion")
    except LookupError:
        PolicyVersion = None
    latest = (PolicyVersion.objects.filter(table=COMMITTEES).order_by("-number").first()
              if PolicyVersion is not None else None)
    current = latest.number if latest is not None else 1
    for step in RouteStep.objects.select_related("route__memo__procedure", "committee"):
        if step.members.exists():
            continue
        pinned = int((step.route.memo.procedure.policy_versions or {}).get(COMMITTEES) or 1)
        if pinned == current:
            step.members.set(step.committee.members.all())
            continue
        snapshot = PolicyVersion.objects.filter(table=COMMITTEES, number=pinned).values_list("snapshot",
                                                                                            flat=True).first()
        row = next((row for row in snapshot or () if row.get("key") == step.committee.key), {})
        step.members.set(User.objects.filter(username__in=row.get("members", ())))


class Migration(migrations.Migration):
    # Not on procurement's 0004 (policy versions): the procurement app's own migration tests move it back alone.
    dependencies = [("awards", "0015_route_step_seats")]

    operations = [migrations.RunPython(seats_from_pins, migrations.RunPython.noop)]
