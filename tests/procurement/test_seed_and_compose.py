import io
from importlib import import_module
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from procurement.accounts.models import User
from procurement.accounts.roles import Role, roles_of
from procurement.demo import DEMO_USERS

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_seed_demo_creates_a_user_per_role_who_can_sign_in(client, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())  # idempotent

    held = set()
    for username, _name, _title, _role in DEMO_USERS:
        user = User.objects.get(username=username)
        held |= roles_of(user)
        assert client.login(username=username, password=settings.BATON_DEMO_PASSWORD)
    assert held == {role.value for role in Role}
    assert User.objects.filter(username="admin", is_superuser=True).count() == 1


@pytest.mark.django_db
def test_seed_demo_refuses_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="refuses to run with DEBUG off"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not User.objects.exists()


def _module_of(target: str) -> str:
    return target.split(":")[0]


def test_docker_compose_services_point_at_real_modules():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]

    assert set(services) == {"web", "worker", "beat", "postgres", "redis"}
    web, worker, beat = (services[name]["command"] for name in ("web", "worker", "beat"))
    assert web[0] == "gunicorn" and import_module(_module_of(web[1])).application
    for command, kind in ((worker, "worker"), (beat, "beat")):
        assert command[:3] == ["celery", "-A", "procurement"] and command[3] == kind
        assert import_module(command[2]).celery_app.main == "procurement"
    for name, service in services.items():
        assert "healthcheck" in service, f"{name} has no health check"
    assert {"postgres-data", "private-files"} <= set(compose["volumes"])
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and env["REDIS_URL"].startswith("redis://")
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
