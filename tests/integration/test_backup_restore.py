"""Backup and restore, exactly as docs/deploy.md describes them, on the real PostgreSQL and the real storage.

Given audited data (a vendor, an evidence file, a review) and a signed audit checkpoint in the private storage,
when the database is dumped with `pg_dump -Fc`, the storage is copied (bucket to bucket with boto3 when the
leg runs on S3, folder to folder otherwise), and both are restored into an empty database and an empty
bucket/folder, then in separate processes pointed only at the restored copies:

  * `manage.py migrate` has nothing to apply (the dump carries the schema and the migration history);
  * `manage.py audit_verify` finds every chain intact and checks them against the restored checkpoint;
  * the evidence file reads back through the application's verified reader with its recorded sha256.

Then one history row of the restored copy is forged (through the test-only trigger bypass, as a person with
database access might) and `audit_verify` fails and names that object: the check proves something.
The restored database and bucket/folder are removed at the end.
"""
# ruff: noqa: S608 - the forged UPDATE names a table from model metadata; values are bound.

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import uuid
from datetime import date
from pathlib import Path

import psycopg
import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from procurement.audit.checkpoint import checkpoint_write
from procurement.audit.triggers import PG_SETTING
from tests.factories.vendors import PDF_BYTES, VendorFactory
from vendors.models import Evidence, EvidenceKind
from vendors.services import evidence_review, evidence_upload

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def pg_bin(program: str) -> str:
    """The newest PostgreSQL client installed, the same one .ci/with-services starts the server from."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    if not candidates:
        pytest.fail("No PostgreSQL binaries under /usr/lib/postgresql; the integration leg installs them.")
    return str(candidates[-1] / program)


def pg_env() -> dict[str, str]:
    db = connection.settings_dict
    env = {**os.environ, "PGHOST": db["HOST"], "PGPORT": str(db["PORT"]), "PGUSER": db["USER"]}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def database_url(name: str) -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{name}"


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=300, **kwargs)


# --- the storage: an S3 bucket or a folder -------------------------------------------------------------------------


class BucketCopy:
    """The private storage on S3: `aws s3 sync s3://live s3://restored`, done with boto3."""

    def __init__(self, storage):
        import boto3

        self.source = storage.bucket_name
        self.target = f"{self.source}-restored-{uuid.uuid4().hex[:8]}"
        self.client = boto3.client(
            "s3", endpoint_url=os.environ.get("S3_ENDPOINT_URL") or None,
            region_name=os.environ.get("S3_REGION", "us-east-1"),
            aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID"),
            aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY"))
        self.prefix = storage.location.strip("/")

    def keys(self, bucket: str) -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def copy(self) -> int:
        self.client.create_bucket(Bucket=self.target)
        keys = self.keys(self.source)
        for key in keys:
            self.client.copy_object(Bucket=self.target, Key=key, CopySource={"Bucket": self.source, "Key": key})
        return len(keys)

    def restored_env(self) -> dict[str, str]:
        return {"S3_BUCKET": self.target, "S3_PREFIX": self.prefix}

    def read(self, name: str) -> bytes:
        key = f"{self.prefix}/{name}" if self.prefix else name
        return self.client.get_object(Bucket=self.target, Key=key)["Body"].read()

    def remove(self) -> None:
        for key in self.keys(self.target):
            self.client.delete_object(Bucket=self.target, Key=key)
        self.client.delete_bucket(Bucket=self.target)


class FolderCopy:
    """The private storage on a disk (S3_BUCKET unset): `cp -a` of PRIVATE_STORAGE_ROOT."""

    def __init__(self, storage, target: Path):
        self.source = Path(storage.location)
        self.target = target

    def copy(self) -> int:
        shutil.copytree(self.source, self.target)
        return sum(1 for path in self.target.rglob("*") if path.is_file())

    def restored_env(self) -> dict[str, str]:
        return {"PRIVATE_STORAGE_ROOT": str(self.target), "S3_BUCKET": ""}

    def read(self, name: str) -> bytes:
        return (self.target / name).read_bytes()

    def remove(self) -> None:
        shutil.rmtree(self.target, ignore_errors=True)


def storage_copy(tmp_path: Path):
    storage = storages["default"]
    if hasattr(storage, "bucket_name"):
        return BucketCopy(storage)
    return FolderCopy(storage, tmp_path / "restored-private")


# --- the restored copy ------------------------------------------------------------------------------------------


@pytest.fixture
def restored(tmp_path):
    """Names of the restored database and storage copy; both are removed afterwards, whatever happened."""
    name = f"{connection.settings_dict['NAME']}_restored_{uuid.uuid4().hex[:8]}"
    copy = storage_copy(tmp_path)
    yield name, copy
    dropped = run([pg_bin("dropdb"), "--if-exists", "--force", name], env=pg_env())
    copy.remove()
    assert dropped.returncode == 0, dropped.stderr


def manage(*args: str, database: str, copy) -> subprocess.CompletedProcess:
    """`manage.py …` in a new process that sees only the restored database and the restored storage."""
    env = {**os.environ, "DATABASE_URL": database_url(database), "BATON_TESTING": "1", **copy.restored_env()}
    return run([sys.executable, "manage.py", *args], cwd=ROOT, env=env)


def seed(lead) -> tuple[Evidence, str]:
    vendor = VendorFactory(owner=lead)
    evidence = evidence_upload(actor=lead, vendor=vendor, content=SimpleUploadedFile("upload", PDF_BYTES),
                               original_name="soc2-report.pdf", kind=EvidenceKind.SECURITY_QUESTIONNAIRE,
                               title="Security questionnaire 2026", source=Evidence.Source.SELF_REPORTED,
                               effective_date=date(2026, 10, 1))
    evidence = evidence_review(actor=lead, evidence=evidence, outcome=Evidence.Outcome.ACCEPTED)
    checkpoint = checkpoint_write(reason="Before the backup")
    return evidence, checkpoint.name


def test_backup_restores_into_an_empty_database_and_bucket_that_audit_verify_accepts(lead, restored, tmp_path):
    database, copy = restored
    evidence, checkpoint_name = seed(lead)
    assert evidence.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    source = connection.settings_dict["NAME"]

    # Back up: the database as a custom-format dump, then the storage.
    dump = tmp_path / "baton.dump"
    dumped = run([pg_bin("pg_dump"), "-Fc", "--no-owner", "--file", str(dump), source], env=pg_env())
    assert dumped.returncode == 0, dumped.stderr
    assert dump.read_bytes()[:5] == b"PGDMP" and dump.stat().st_size > 10_000
    assert copy.copy() >= 2  # at least the evidence file and the checkpoint

    # Restore into an empty database.
    created = run([pg_bin("createdb"), "--template", "template0", "--encoding", "UTF8", database], env=pg_env())
    assert created.returncode == 0, created.stderr
    restored_db = run([pg_bin("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
                       "--single-transaction", "--dbname", database, str(dump)], env=pg_env())
    assert restored_db.returncode == 0, restored_db.stderr

    # The schema came with the dump: migrate has nothing to do.
    migrated = manage("migrate", "--noinput", database=database, copy=copy)
    assert migrated.returncode == 0, migrated.stderr
    assert "No migrations to apply." in migrated.stdout

    # Every chain is intact, and checked against the checkpoint the restored storage holds.
    verified = manage("audit_verify", database=database, copy=copy)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "every chain intact" in verified.stdout
    assert checkpoint_name in verified.stdout

    # The evidence file came back byte for byte and reads through the application's verified reader.
    assert hashlib.sha256(copy.read(evidence.file.name)).hexdigest() == evidence.sha256
    read_back = manage("shell", "-c", (
        "from vendors.models import Evidence; from procurement.uploads import read_verified; "
        f"e = Evidence.objects.get(pk={evidence.pk}); "
        "data = read_verified(e.file, sha256=e.sha256); print('verified', e.sha256, len(data))"),
        database=database, copy=copy)
    assert read_back.returncode == 0, read_back.stderr
    assert f"verified {evidence.sha256} {len(PDF_BYTES)}" in read_back.stdout

    # A forged history row in the restored copy is found.
    history_table = Evidence.history.model._meta.db_table
    with psycopg.connect(database_url(database), autocommit=False) as forged:
        forged.execute("SELECT set_config(%s, 'on', true)", [PG_SETTING])
        cursor = forged.execute(f'UPDATE "{history_table}" SET history_change_reason = %s '
                                f'WHERE id = %s AND history_type = %s', ["Backdated", evidence.pk, "+"])
        assert cursor.rowcount == 1
        forged.commit()
    broken = manage("audit_verify", database=database, copy=copy)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert f"BROKEN vendors.evidence:{evidence.pk}" in broken.stderr
    assert broken.stderr.count("BROKEN") == 1

    # The live database was never touched by any of this.
    live = manage("audit_verify", database=source, copy=copy)
    assert live.returncode == 0, live.stdout + live.stderr
