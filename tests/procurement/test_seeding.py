import pytest
from django.contrib.auth.models import Group

from procurement.seeding import reapply_seed_migrations


@pytest.mark.django_db(transaction=True)
def test_seed_migrations_restore_reference_data_after_a_flush_and_are_idempotent():
    from django.core.management import call_command

    from vendors.models import DueDiligencePlan

    call_command("flush", "--noinput", verbosity=0)
    assert not Group.objects.exists() and not DueDiligencePlan.objects.exists()

    assert reapply_seed_migrations() >= 5
    groups, plans = Group.objects.count(), DueDiligencePlan.objects.count()
    reapply_seed_migrations()

    assert groups == 7 and plans == 4  # seven roles since issue 21 (the policy administrator)
    assert (Group.objects.count(), DueDiligencePlan.objects.count()) == (groups, plans)
