import pytest
from django.contrib.admin.sites import site
from django.contrib.auth.models import Group

from procurement.accounts.models import User
from procurement.accounts.roles import Role, has_role, roles_of
from procurement.accounts.services import user_deactivate

pytestmark = pytest.mark.django_db


def test_the_data_migration_created_every_role_as_a_group():
    assert set(Group.objects.values_list("name", flat=True)) >= {role.value for role in Role}


def test_roles_are_read_from_groups_and_inactive_users_hold_none(make_user):
    user = make_user(Role.EVALUATOR, Role.BUSINESS_OWNER)

    assert roles_of(user) == {"Evaluator", "Business owner"}
    assert has_role(user, Role.EVALUATOR) and not has_role(user, Role.AUDITOR)
    inactive = make_user(Role.AUDITOR, is_active=False)
    assert roles_of(inactive) == frozenset()


def test_users_are_never_deleted(lead):
    with pytest.raises(PermissionError, match="deactivate"):
        lead.delete()

    assert User.objects.filter(pk=lead.pk).exists()


def test_deactivation_keeps_the_user_and_records_who_and_why(lead, auditor):
    user_deactivate(user=auditor, actor=lead, reason="Left the organisation")

    auditor.refresh_from_db()
    assert auditor.is_active is False
    latest = auditor.history.first()
    assert (latest.history_user, latest.history_change_reason) == (lead, "Left the organisation")


def test_admin_offers_deactivate_instead_of_delete(rf, make_user):
    admin_user = make_user(is_staff=True, is_superuser=True)
    request = rf.get("/admin/accounts/user/")
    request.user = admin_user
    model_admin = site._registry[User]

    actions = model_admin.get_actions(request)

    assert "delete_selected" not in actions
    assert "deactivate_selected" in actions
    assert model_admin.has_delete_permission(request) is False


def test_admin_deactivate_action(client, make_user, evaluator):
    admin_user = make_user(is_staff=True, is_superuser=True)
    client.force_login(admin_user)

    form = {"action": "deactivate_selected", "_selected_action": [evaluator.pk]}
    response = client.post("/admin/accounts/user/", form)

    assert response.status_code == 302
    evaluator.refresh_from_db()
    assert evaluator.is_active is False
    assert User.objects.filter(pk=evaluator.pk).exists()
