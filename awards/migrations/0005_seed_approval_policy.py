"""Seed the approval matrix: three committees and the value-band x tier rules (editable in the admin)."""

from decimal import Decimal

from django.db import migrations

COMMITTEES = (
    ("procurement-manager", "Procurement manager", 1,
     "The procurement manager signs every award decision memo."),
    ("risk-committee", "Risk committee", 2,
     "Reviews awards from 100,000, or with a high or critical tier vendor."),
    ("executive-committee", "Executive committee", 2,
     "Reviews awards from 1,000,000, or with a critical tier vendor."),
)
PM, RC, EC = "procurement-manager", "risk-committee", "executive-committee"
K100, M1 = Decimal("100000"), Decimal("1000000")
RULES = (
    # (position, name, min, max, tiers, committees)
    (10, "Under 100k, low or medium tier", 0, K100, ["low", "medium"], [PM]),
    (20, "Under 100k, high tier", 0, K100, ["high"], [PM, RC]),
    (30, "100k to under 1M, low to high tier", K100, M1, ["low", "medium", "high"], [PM, RC]),
    (40, "Under 1M, critical tier", 0, M1, ["critical"], [PM, RC, EC]),
    (50, "1M and above, any tier", M1, None, ["low", "medium", "high", "critical"], [PM, RC, EC]),
)


def seed(apps, schema_editor):
    Committee = apps.get_model("awards", "Committee")
    ApprovalRule = apps.get_model("awards", "ApprovalRule")
    by_key = {}
    for key, name, quorum, description in COMMITTEES:
        by_key[key], _ = Committee.objects.get_or_create(key=key, defaults={"name": name, "quorum": quorum,
                                                                            "description": description})
    if ApprovalRule.objects.exists():
        return
    for position, name, low, high, tiers, committees in RULES:
        rule = ApprovalRule.objects.create(name=name, position=position, min_value=low, max_value=high, tiers=tiers)
        rule.committees.set([by_key[k] for k in committees])


class Migration(migrations.Migration):
    dependencies = [("awards", "0004_decision_memo")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
