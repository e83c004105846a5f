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
    """The production stack (issue 18): nginx, two web replicas, workers, beat, a one-shot migrate, PostgreSQL, Redis,
    MinIO and its bucket; each app command names a module that imports. (tests/deploy checks the rest.)"""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]

    assert set(services) == {"nginx", "web-1", "web-2", "worker", "beat", "migrate", "postgres", "redis", "minio",
                             "createbucket"}
    for name in ("web-1", "web-2"):
        web = services[name]["command"]
        assert web[0] == "gunicorn" and import_module(_module_of(web[-1])).application
    worker, beat = services["worker"]["command"], services["beat"]["command"]
    for command, kind in ((worker, "worker"), (beat, "beat")):
        assert command[:3] == ["celery", "-A", "procurement"] and command[3] == kind
        assert import_module(command[2]).celery_app.main == "procurement"
    assert services["migrate"]["command"][:3] == ["python", "manage.py", "migrate"]
    for name, service in services.items():
        if name not in ("migrate", "createbucket"):  # one-shots: they exit when done
            assert "healthcheck" in service, f"{name} has no health check"
    assert {"postgres-data", "minio-data"} <= set(compose["volumes"])
    for name in ("web-1", "web-2", "worker", "beat", "migrate"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and env["REDIS_URL"].startswith("redis://")
        assert env["CACHE_URL"].startswith("redis://") and env["S3_BUCKET"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("web-1", "web-2", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
