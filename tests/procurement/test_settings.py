"""Settings read the environment; production mode is hardened and checked by Django's deploy checks."""

import os
import subprocess
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings

# Production signs audit checkpoints with a key from the environment (procurement.audit.checkpoint).
CHECKPOINT_KEY = Ed25519PrivateKey.generate().private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "x7!kq-2v$pz9#mWf4@Lr8&bNc0^tYh6*Ud3%sGj5(eAo1)Qi_Zw",
    "ALLOWED_HOSTS": "baton.example.org",
    "DATABASE_URL": "postgres://baton:secret@db.internal:5432/baton",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "BATON_AUDIT_SIGNING_KEY": CHECKPOINT_KEY,
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS",
                                                              "DATABASE_URL", "REDIS_URL", "BATON_TESTING",
                                                              "DJANGO_ALLOW_ASYNC_UNSAFE",
                                                              "BATON_AUDIT_SIGNING_KEY", "BATON_AUDIT_VERIFY_KEY"}}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=120)


def test_deploy_check_passes_at_warning_level_with_production_environment():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_deploy_check_warns_when_audit_checkpoints_have_no_signing_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "BATON_AUDIT_SIGNING_KEY"}

    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode != 0
    assert "audit.W001" in result.stdout + result.stderr


def test_production_mode_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_production_mode_refuses_to_start_without_allowed_hosts():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "ALLOWED_HOSTS"}

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set when DEBUG is off" in result.stderr


def test_production_settings_resolve_postgres_redis_and_security_headers():
    code = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.DATABASES['default']['CONN_MAX_AGE'], s.CELERY_BROKER_URL,"
        " s.CELERY_TASK_ALWAYS_EAGER, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0)"
    )
    result = _manage("shell", "--no-imports", "-c", code, env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "60", "redis://redis.internal:6379/0",
                                     "False", "True", "True", "True"]


def test_embedded_default_is_sqlite_with_eager_celery_and_console_email():
    code = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.DATABASES['default']['OPTIONS']['transaction_mode'],"
        " s.CELERY_TASK_ALWAYS_EAGER, s.EMAIL_BACKEND, s.DEBUG)"
    )
    result = _manage("shell", "--no-imports", "-c", code, env={"BATON_VAR_DIR": "/tmp/baton-settings-test"})

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "IMMEDIATE", "True",
                                     "django.core.mail.backends.console.EmailBackend", "True"]
    assert "DEVELOPMENT secret key" in result.stderr  # the loud warning


def test_celery_is_configured_for_at_least_once_delivery_with_the_database_as_truth():
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert settings.CELERY_TASK_IGNORE_RESULT is True
    assert settings.CELERY_TASK_SERIALIZER == "json" and settings.CELERY_ACCEPT_CONTENT == ["json"]
    assert 0 < settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT
    assert settings.CELERY_WORKER_MAX_TASKS_PER_CHILD > 0


def test_every_beat_job_names_a_registered_task():
    from procurement.beat import BEAT_SCHEDULE
    from procurement.celery import app

    app.loader.import_default_modules()
    assert BEAT_SCHEDULE, "the beat schedule is empty"
    for name, entry in BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, f"beat job {name} names unknown task {entry['task']}"
