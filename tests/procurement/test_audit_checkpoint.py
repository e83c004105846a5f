"""Signed checkpoints of the audit chains' heads (issue 17, finding 15), fast leg on SQLite: a history row
deleted together with its seal at the end of a chain leaves a consistent but shorter chain, which only a
checkpoint kept outside the history tables can reveal."""
# ruff: noqa: S608 - the raw SQL forges rows on purpose; table names come from model metadata, values are bound.

import base64
import hashlib
import io
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from procurement.audit import checkpoint as cp
from procurement.audit.chain import layout, row_hash, verify_chains
from procurement.audit.checkpoint import (
    CheckpointKeyInvalid,
    CheckpointKeyMissing,
    checkpoint_verify,
    checkpoint_write,
)
from procurement.audit.history import attribute
from procurement.audit.models import AuditSeal
from procurement.audit.triggers import audit_bypass
from procurement.models import ReferenceSequence
from tests.factories.audit import number_record

pytestmark = pytest.mark.django_db
HISTORY = ReferenceSequence.history.model
TABLE = HISTORY._meta.db_table


def raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def b64(key: Ed25519PrivateKey) -> str:
    return base64.b64encode(key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                              serialization.NoEncryption())).decode()


def public_b64(key: Ed25519PrivateKey) -> str:
    return base64.b64encode(key.public_key().public_bytes(serialization.Encoding.Raw,
                                                          serialization.PublicFormat.Raw)).decode()


def verify() -> tuple[int, str, str]:
    """Run the command: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit_verify", stdout=out, stderr=err)
        code = 0
    except CommandError as exc:
        code, err = exc.returncode, io.StringIO(err.getvalue() + str(exc))
    return code, out.getvalue(), err.getvalue()


def seals_of(instance) -> list[AuditSeal]:
    return list(AuditSeal.objects.filter(object_key=key_of(instance)).order_by("sequence"))


def key_of(instance) -> str:
    return f"{instance._meta.label_lower}:{instance.pk}"


def cut(seal: AuditSeal) -> None:
    """Delete one history row together with its seal and its audit log index entry, as the chain tests forge
    rows (an entry left behind is caught by the index check: test_audit_index.py)."""
    with audit_bypass():
        raw(f'DELETE FROM "{TABLE}" WHERE history_id = %s', [seal.history_id])
        raw('DELETE FROM "audit_auditseal" WHERE id = %s', [seal.pk])
        raw('DELETE FROM "audit_auditentry" WHERE seal_id = %s', [seal.pk])


def stored(name: str) -> bytes:
    with storages["default"].open(name, "rb") as handle:
        return handle.read()


def overwrite(name: str, data: bytes) -> None:
    storage = storages["default"]
    storage.delete(name)
    assert storage.save(name, io.BytesIO(data)) == name


@pytest.fixture(autouse=True)
def _no_key_from_the_environment(monkeypatch, settings):
    for name in (cp.SIGNING_KEY_SETTING, cp.VERIFY_KEY_SETTING):
        monkeypatch.delenv(name, raising=False)
        setattr(settings, name, None)
    settings.DEBUG = False


@pytest.fixture
def key(settings) -> Ed25519PrivateKey:
    """A signing key generated for the test, configured through settings."""
    private = Ed25519PrivateKey.generate()
    settings.BATON_AUDIT_SIGNING_KEY = b64(private)
    return private


@pytest.fixture
def numbered():
    """A numbered created, changed twice: a chain of three rows."""
    number_record(prefix="ckpt-host", number=1)
    number_record(prefix="ckpt-host", number=2)
    return number_record(prefix="ckpt-host", number=3)


# --- writing ----------------------------------------------------------------------------------------------------


def test_a_checkpoint_signs_the_head_of_every_chain(key, numbered):
    other = number_record(prefix="bystander", number=9)

    written = checkpoint_write(reason="Nightly checkpoint")

    assert written.name.startswith("audit-checkpoints/checkpoint-") and written.name.endswith(".json")
    document = json.loads(stored(written.name))
    payload = document["payload"]
    head = seals_of(numbered)[-1]
    assert payload["chains"][key_of(numbered)] == [3, head.row_hash]
    assert payload["chains"][key_of(other)] == [1, seals_of(other)[0].row_hash]
    assert payload["chain_count"] == len(payload["chains"]) == AuditSeal.objects.values("object_key").distinct().count()
    assert payload["row_count"] == AuditSeal.objects.count()
    assert payload["reason"] == "Nightly checkpoint" and payload["key"]["source"] == "configured"
    # the file names the key that signed it, and the signature covers the canonical payload
    assert document["public_key"] == public_b64(key)
    raw_public = base64.b64decode(document["public_key"])
    assert payload["key"]["fingerprint"] == "sha256:" + hashlib.sha256(raw_public).hexdigest()
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    key.public_key().verify(base64.b64decode(document["signature"]), canonical)  # raises if it does not verify
    # nothing was written to the history tables
    assert written.chains[key_of(numbered)] == (3, head.row_hash)

    code, out, err = verify()
    assert (code, err) == (0, "")
    assert f"against checkpoint {written.name}" in out and "every chain intact" in out


def test_each_checkpoint_names_the_one_before_it(key, numbered):
    first = checkpoint_write(reason="First")
    second = checkpoint_write(reason="Second")

    assert first.previous is None
    assert second.previous == {"name": first.name, "sha256": hashlib.sha256(stored(first.name)).hexdigest()}
    assert cp.checkpoint_names() == [first.name, second.name]
    assert checkpoint_verify().name == second.name


def test_a_pem_key_is_accepted(settings, numbered):
    private = Ed25519PrivateKey.generate()
    settings.BATON_AUDIT_SIGNING_KEY = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()

    written = checkpoint_write(reason="PEM key")

    assert json.loads(stored(written.name))["public_key"] == public_b64(private)
    assert checkpoint_verify().intact


def test_an_unreadable_key_is_refused_without_echoing_it(settings, numbered):
    settings.BATON_AUDIT_SIGNING_KEY = "c2hvcnQ="  # base64 of 5 bytes

    with pytest.raises(CheckpointKeyInvalid, match="32-byte") as refused:
        checkpoint_write(reason="Bad key")

    assert "c2hvcnQ" not in str(refused.value)
    assert cp.checkpoint_names() == []


# --- the cut tail (finding 15) ----------------------------------------------------------------------------------


def test_finding_15_a_tail_deleted_with_its_seal_is_reported_against_the_checkpoint(key, numbered):
    written = checkpoint_write(reason="Before the cut")
    last = seals_of(numbered)[-1]

    cut(last)

    # the chain alone cannot tell: it is shorter but consistent
    assert verify_chains().intact
    code, _, err = verify()
    assert code == 1
    assert f"CHECKPOINT {key_of(numbered)}: chain is shorter than checkpoint {written.name}" in err
    assert "checkpointed at sequence 3, its head is now sequence 2; sequence 3 is missing" in err
    assert "0 broken chain(s), 1 checkpoint finding(s)" in err
    [finding] = checkpoint_verify().findings
    assert (finding.object_key, finding.missing) == (key_of(numbered), range(3, 4))


def test_several_rows_cut_from_the_end_are_all_named(key, numbered):
    checkpoint_write(reason="Before the cut")
    seals = seals_of(numbered)

    cut(seals[2])
    cut(seals[1])

    [finding] = checkpoint_verify().findings
    assert finding.missing == range(2, 4)
    assert "its head is now sequence 1; sequences 2–3 are missing" in finding.problem


def test_a_chain_deleted_entirely_is_reported(key, numbered):
    checkpoint_write(reason="Before the cut")

    for seal in reversed(seals_of(numbered)):
        cut(seal)

    assert verify_chains().intact
    [finding] = checkpoint_verify().findings
    assert finding.object_key == key_of(numbered) and finding.missing == range(1, 4)
    assert "no seal of it is left; sequences 1–3 are missing" in finding.problem


def test_a_tail_rewritten_with_a_consistent_seal_is_reported(key, numbered):
    """Someone who recomputes the SHA-256 of the row they forged keeps the chain consistent, not the checkpoint."""
    checkpoint_write(reason="Before the forgery")
    last = seals_of(numbered)[-1]
    spec = layout(HISTORY)
    with audit_bypass():
        raw(f'UPDATE "{TABLE}" SET last_number = 999 WHERE history_id = %s', [last.history_id])
        row = HISTORY.objects.filter(history_id=last.history_id).values(*spec.columns).get()
        forged = row_hash(spec=spec, object_key=last.object_key, sequence=3, previous_hash=last.previous_hash,
                          row=row, m2m_rows={})
        raw('UPDATE "audit_auditseal" SET row_hash = %s WHERE id = %s', [forged, last.pk])
        raw('UPDATE "audit_auditentry" SET row_hash = %s WHERE seal_id = %s', [forged, last.pk])

    assert verify_chains().intact
    [finding] = checkpoint_verify().findings
    assert finding.object_key == key_of(numbered)
    assert "seal 3 no longer has the hash checkpointed" in finding.problem


def test_chains_that_grow_after_a_checkpoint_are_fine(key, numbered):
    checkpoint_write(reason="Before more work")

    number_record(prefix="ckpt-host", number=4)
    number_record(prefix="ckpt-new", number=1)
    beat = ReferenceSequence.objects.get(pk=numbered.pk)
    attribute(beat, actor=None, reason="Prefix retired")
    beat.delete()

    result = checkpoint_verify()
    assert result.intact and result.chains == result.checkpoint.chain_count
    code, out, err = verify()
    assert (code, err) == (0, "") and "every chain intact" in out


# --- the checkpoint file itself ---------------------------------------------------------------------------------


def test_a_checkpoint_changed_by_one_byte_has_a_bad_signature(key, numbered):
    written = checkpoint_write(reason="To be tampered with")
    data = stored(written.name)
    head_hash = seals_of(numbered)[-1].row_hash.encode()
    at = data.index(head_hash)
    tampered = data[:at] + (b"0" if data[at:at + 1] != b"0" else b"1") + data[at + 1:]
    assert len(tampered) == len(data) and sum(a != b for a, b in zip(data, tampered, strict=True)) == 1
    overwrite(written.name, tampered)

    code, _, err = verify()

    assert code == 1
    assert f"CHECKPOINT checkpoint {written.name} has a bad signature" in err
    assert checkpoint_verify().checkpoint is None  # nothing in an unverified checkpoint is believed


def test_a_checkpoint_that_is_no_longer_json_is_reported(key, numbered):
    written = checkpoint_write(reason="To be truncated")
    overwrite(written.name, stored(written.name)[:-1])

    [finding] = checkpoint_verify().findings
    assert "is unreadable or altered" in finding.problem


def test_a_checkpoint_signed_by_another_key_is_refused(key, settings, numbered):
    written = checkpoint_write(reason="Signed by the old key")
    other = Ed25519PrivateKey.generate()
    settings.BATON_AUDIT_SIGNING_KEY = b64(other)

    code, _, err = verify()

    assert code == 1
    assert f"checkpoint {written.name} was not signed by the trusted key" in err and "refused" in err
    assert written.key_fingerprint in err and cp.fingerprint(other.public_key()) in err


def test_a_forger_with_their_own_key_is_refused_by_a_verifier_holding_the_public_key(key, settings, numbered):
    """The public key inside the file is a label, never trusted: the verifier's configured key decides."""
    settings.BATON_AUDIT_VERIFY_KEY = public_b64(key)
    checkpoint_write(reason="Honest")
    cut(seals_of(numbered)[-1])
    forger = Ed25519PrivateKey.generate()
    settings.BATON_AUDIT_SIGNING_KEY, settings.BATON_AUDIT_VERIFY_KEY = b64(forger), None
    forged = checkpoint_write(reason="Covering the cut")  # consistent with the cut chain
    settings.BATON_AUDIT_SIGNING_KEY, settings.BATON_AUDIT_VERIFY_KEY = None, public_b64(key)

    [finding] = checkpoint_verify().findings
    assert f"checkpoint {forged.name} was not signed by the trusted key" in finding.problem


def test_a_verifier_needs_only_the_public_key(key, settings, numbered):
    written = checkpoint_write(reason="Signed on the app host")
    settings.BATON_AUDIT_SIGNING_KEY = None
    settings.BATON_AUDIT_VERIFY_KEY = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()

    result = checkpoint_verify()
    assert result.intact and result.checkpoint.name == written.name
    cut(seals_of(numbered)[-1])
    assert [f.missing for f in checkpoint_verify().findings] == [range(3, 4)]


def test_a_verify_key_that_does_not_match_the_signing_key_refuses_to_write(key, settings, numbered):
    settings.BATON_AUDIT_VERIFY_KEY = public_b64(Ed25519PrivateKey.generate())

    with pytest.raises(CheckpointKeyInvalid, match="not the public half"):
        checkpoint_write(reason="Mismatched keys")
    assert cp.checkpoint_names() == []


def test_a_checkpoint_cannot_be_verified_without_a_key(key, settings, numbered):
    checkpoint_write(reason="Written")
    settings.BATON_AUDIT_SIGNING_KEY = None

    code, _, err = verify()
    assert code == 1 and "cannot be verified" in err and "BATON_AUDIT_VERIFY_KEY" in err


def test_without_any_checkpoint_verify_passes_and_says_so(numbered):
    code, out, err = verify()

    assert (code, err) == (0, "")
    assert "No audit checkpoint has been written yet" in out


# --- no key -----------------------------------------------------------------------------------------------------


def test_no_key_with_debug_off_refuses_loudly(numbered):
    from procurement.audit.tasks import checkpoint

    with pytest.raises(CheckpointKeyMissing, match="BATON_AUDIT_SIGNING_KEY is not set and DEBUG is off"):
        checkpoint_write(reason="Nightly")
    with pytest.raises(CheckpointKeyMissing):
        checkpoint.apply(kwargs={"reason": "Nightly"}).get()

    assert cp.checkpoint_names() == []
    assert not storages["default"].exists(cp.DEVELOPMENT_KEY_NAME)
    assert [m.id for m in cp.check_checkpoint_keys()] == ["audit.W001"]


def test_no_key_with_debug_on_uses_a_development_key_and_says_so(settings, numbered, caplog):
    settings.DEBUG = True

    first = checkpoint_write(reason="Local run")
    second = checkpoint_write(reason="Local run again")

    assert storages["default"].exists(cp.DEVELOPMENT_KEY_NAME)
    assert first.key_source == second.key_source == "development"
    assert first.key_fingerprint == second.key_fingerprint  # the key was generated once and kept
    assert "DEVELOPMENT key" in caplog.text
    assert cp.check_checkpoint_keys() == []
    code, out, err = verify()
    assert (code, err) == (0, "")
    assert "signed with the development key" in out
    # a development key is never trusted once DEBUG is off
    settings.DEBUG = False
    assert "cannot be verified" in str(checkpoint_verify().findings[0])


# --- the task ---------------------------------------------------------------------------------------------------


def test_the_task_writes_a_checkpoint(key, numbered):
    from procurement.audit.tasks import checkpoint

    name = checkpoint.apply(kwargs={"reason": "Memo AW-1 approved"}).get()

    assert checkpoint.name == "audit.checkpoint"
    assert cp.checkpoint_names() == [name]
    assert json.loads(stored(name))["payload"]["reason"] == "Memo AW-1 approved"
    assert checkpoint_verify().intact
