"""Signed checkpoints of the audit chains' heads: a tail that cannot be cut silently.

Why
    Each object's history rows are sealed onto a hash chain (procurement.audit.chain). Removing a row in the
    middle of a chain breaks it, but removing the *last* row of an object together with its seal leaves a
    shorter chain that is still perfectly consistent: nothing inside the database remembers how long it was.
    A checkpoint remembers it, outside the history tables.

What a checkpoint is
    One JSON file in the private storage (the `default` storage, where rendered documents and evidence live),
    under `audit-checkpoints/`, named by its UTC time so the newest sorts last. It holds

        payload   = {format, chain format, created_at, reason, the signing key's fingerprint and source,
                     the previous checkpoint's name and sha256, chain and row counts,
                     chains: {object key: [head sequence, head row hash]}}
        signature = Ed25519 over the canonical JSON of the payload (sorted keys, no spaces, UTF-8)
        public_key = the raw public key (base64), so a reader can see which key signed it

    The public key in the file is only a label: a verifier never trusts it. It trusts, in this order,
    `BATON_AUDIT_VERIFY_KEY` (a public key: a verifier that must not hold the private key), the public half of
    `BATON_AUDIT_SIGNING_KEY`, or (DEBUG only) the development key described below.

Keys
    `BATON_AUDIT_SIGNING_KEY` and `BATON_AUDIT_VERIFY_KEY` are read from Django settings (if defined and not
    empty) or else from the environment. Each is either PEM (PKCS#8 private key / SubjectPublicKeyInfo public
    key, as `openssl genpkey -algorithm ed25519` and `openssl pkey -pubout` write them) or the base64 of the
    raw 32-byte key.

    With no signing key:
      * DEBUG on (the embedded default): a development key is generated once and kept in the private storage
        at `audit-keys/development-checkpoint-key.pem`, with a warning in the log at each use. The checkpoint
        records `"source": "development"` inside its signed payload and `audit_verify` says so: a key kept
        beside the data it protects catches an accidental or careless cut, not someone who can also write the
        private storage.
      * DEBUG off: `checkpoint_write` refuses with `CheckpointKeyMissing` (an ImproperlyConfigured): a
        production deployment must not believe it is checkpointing when it is not.

What verifying proves
    `checkpoint_verify` reads the newest checkpoint, checks its signature against the trusted key, then, for
    every chain in it, that the seal at the checkpointed sequence still exists with the checkpointed hash.
    A chain that has grown since is fine. A chain whose head is now shorter is reported with the missing
    sequence numbers; a seal whose hash differs means the chain was rewritten at or before that position.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import Max, OuterRef, Q, Subquery

from procurement.audit.chain import CHAIN_FORMAT

logger = logging.getLogger(__name__)

CHECKPOINT_FORMAT = "baton-audit-checkpoint/1"
DIRECTORY = "audit-checkpoints"
PREFIX = "checkpoint-"
DEVELOPMENT_KEY_NAME = "audit-keys/development-checkpoint-key.pem"
SIGNING_KEY_SETTING = "BATON_AUDIT_SIGNING_KEY"
VERIFY_KEY_SETTING = "BATON_AUDIT_VERIFY_KEY"
CONFIGURED, DEVELOPMENT = "configured", "development"


class CheckpointKeyMissing(ImproperlyConfigured):
    """No signing key is configured and DEBUG is off: a checkpoint cannot honestly be written."""


class CheckpointKeyInvalid(ImproperlyConfigured):
    """A configured key cannot be read as an Ed25519 key (the message never contains the key)."""


# --- keys -------------------------------------------------------------------------------------------------------


def _configured(name: str) -> str:
    value = getattr(settings, name, None)
    if value is None or (isinstance(value, (str, bytes)) and not value.strip()):
        value = os.environ.get(name, "")
    if isinstance(value, bytes):
        value = value.decode("ascii", errors="replace")
    return str(value).strip()


def _raw_bytes(text: str, name: str) -> bytes:
    compact = "".join(text.split())
    try:
        raw = base64.b64decode(compact.replace("-", "+").replace("_", "/") + "=" * (-len(compact) % 4),
                               validate=True)
    except (binascii.Error, ValueError):
        raise CheckpointKeyInvalid(f"{name} is neither PEM nor base64.") from None
    if len(raw) != 32:
        raise CheckpointKeyInvalid(f"{name} must be the base64 of a raw 32-byte Ed25519 key (or PEM); "
                                   f"it decodes to {len(raw)} bytes.")
    return raw


def load_private_key(text: str, name: str = SIGNING_KEY_SETTING) -> Ed25519PrivateKey:
    if "-----BEGIN" in text:
        try:
            key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
        except (ValueError, TypeError):
            raise CheckpointKeyInvalid(f"{name} is PEM but not an unencrypted private key.") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise CheckpointKeyInvalid(f"{name} is not an Ed25519 key.")
        return key
    return Ed25519PrivateKey.from_private_bytes(_raw_bytes(text, name))


def load_public_key(text: str, name: str = VERIFY_KEY_SETTING) -> Ed25519PublicKey:
    if "-----BEGIN" in text:
        try:
            key = serialization.load_pem_public_key(text.encode("ascii"))
        except (ValueError, TypeError):
            raise CheckpointKeyInvalid(f"{name} is PEM but not a public key.") from None
        if not isinstance(key, Ed25519PublicKey):
            raise CheckpointKeyInvalid(f"{name} is not an Ed25519 key.")
        return key
    return Ed25519PublicKey.from_public_bytes(_raw_bytes(text, name))


def public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(key: Ed25519PublicKey) -> str:
    return "sha256:" + hashlib.sha256(public_bytes(key)).hexdigest()


def _storage():
    """The private storage (`default`: procurement.documents and evidence files live there too)."""
    return storages["default"]


def _restrict(storage, name: str) -> None:
    """Owner-only file mode for the development key, on local disk. Object storage (S3) has no local path and
    no file mode: the bucket's own access rules apply there."""
    try:
        path = storage.path(name)
    except NotImplementedError:
        return
    with contextlib.suppress(OSError):
        os.chmod(path, 0o600)


def _development_key(*, create: bool) -> Ed25519PrivateKey | None:
    storage = _storage()
    if not storage.exists(DEVELOPMENT_KEY_NAME):
        if not create:
            return None
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        saved = storage.save(DEVELOPMENT_KEY_NAME, ContentFile(pem))
        if saved != DEVELOPMENT_KEY_NAME:  # another process created it first: use theirs
            storage.delete(saved)
        else:
            _restrict(storage, saved)
            logger.warning("Generated a development audit checkpoint key in the private storage (%s).", saved)
    with storage.open(DEVELOPMENT_KEY_NAME, "rb") as handle:
        return load_private_key(handle.read().decode("ascii"), name=DEVELOPMENT_KEY_NAME)


def signing_key() -> tuple[Ed25519PrivateKey, str]:
    """(private key, source): the configured key, else (DEBUG only) the development key; refuses otherwise."""
    text = _configured(SIGNING_KEY_SETTING)
    if text:
        return load_private_key(text), CONFIGURED
    if not settings.DEBUG:
        raise CheckpointKeyMissing(
            f"Cannot write an audit checkpoint: {SIGNING_KEY_SETTING} is not set and DEBUG is off. Set it to an "
            "Ed25519 private key (PEM from `openssl genpkey -algorithm ed25519`, or the base64 of the raw 32 "
            f"bytes) and give verifiers its public key in {VERIFY_KEY_SETTING}.")
    logger.warning("Audit checkpoint signed with the DEVELOPMENT key kept in the private storage (%s): it does not "
                   "protect against anyone who can write that storage. Set %s in production.",
                   DEVELOPMENT_KEY_NAME, SIGNING_KEY_SETTING)
    return _development_key(create=True), DEVELOPMENT


def verify_key() -> tuple[Ed25519PublicKey | None, str]:
    """(public key trusted to have signed checkpoints, where it came from); (None, reason) when there is none."""
    text = _configured(VERIFY_KEY_SETTING)
    if text:
        return load_public_key(text), VERIFY_KEY_SETTING
    text = _configured(SIGNING_KEY_SETTING)
    if text:
        return load_private_key(text).public_key(), SIGNING_KEY_SETTING
    if settings.DEBUG:
        key = _development_key(create=False)
        if key is not None:
            return key.public_key(), DEVELOPMENT
    return None, f"neither {VERIFY_KEY_SETTING} nor {SIGNING_KEY_SETTING} is set"


def check_checkpoint_keys(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A deploy check (register it with `checks.register(check_checkpoint_keys, checks.Tags.security,
    deploy=True)`): with DEBUG off, checkpoints need a signing key and verification needs a public key."""
    if settings.DEBUG:
        return []
    try:
        if _configured(SIGNING_KEY_SETTING):
            load_private_key(_configured(SIGNING_KEY_SETTING))
            return []
        verify_key()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="audit.E001")]
    return [checks.Warning(
        f"{SIGNING_KEY_SETTING} is not set: audit checkpoints cannot be written here, so a history row deleted "
        "with its seal at the end of a chain goes undetected (unless another host writes them).",
        id="audit.W001")]


# --- the checkpoint ---------------------------------------------------------------------------------------------


def _canonical(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True)
class Checkpoint:
    name: str
    created_at: str
    reason: str
    key_fingerprint: str
    key_source: str
    chains: dict[str, tuple[int, str]]
    previous: dict | None = None

    @property
    def chain_count(self) -> int:
        return len(self.chains)

    @property
    def row_count(self) -> int:
        return sum(sequence for sequence, _ in self.chains.values())

    @classmethod
    def from_payload(cls, name: str, payload: dict) -> Checkpoint:
        return cls(name=name, created_at=payload["created_at"], reason=payload["reason"],
                   key_fingerprint=payload["key"]["fingerprint"], key_source=payload["key"]["source"],
                   chains={key: (int(seq), str(digest)) for key, (seq, digest) in payload["chains"].items()},
                   previous=payload.get("previous"))


def chain_heads(*, using: str = "default", chunk: int = 2000) -> Iterator[tuple[str, int, str]]:
    """(object key, head sequence, head hash) of every chain, ordered by object key."""
    from procurement.audit.models import AuditSeal

    newest = (AuditSeal.objects.using(using).filter(object_key=OuterRef("object_key")).order_by("-sequence")
              .values("sequence")[:1])
    heads = (AuditSeal.objects.using(using).filter(sequence=Subquery(newest)).order_by("object_key")
             .values_list("object_key", "sequence", "row_hash"))
    yield from heads.iterator(chunk_size=chunk)


def checkpoint_names() -> list[str]:
    """Stored checkpoint names, oldest first (the names sort by their UTC time)."""
    try:
        _, files = _storage().listdir(DIRECTORY)
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted(f"{DIRECTORY}/{f}" for f in files if f.startswith(PREFIX) and f.endswith(".json"))


def latest_checkpoint_name() -> str | None:
    names = checkpoint_names()
    return names[-1] if names else None


def checkpoint_write(*, reason: str, using: str = "default") -> Checkpoint:
    """Sign and store the head of every audit chain. Refuses (CheckpointKeyMissing) with DEBUG off and no key."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("A checkpoint records why it was written: give a reason.")
    private_key, source = signing_key()
    public_key = private_key.public_key()
    trusted, _ = verify_key()
    if trusted is not None and public_bytes(trusted) != public_bytes(public_key):
        raise CheckpointKeyInvalid(
            f"{VERIFY_KEY_SETTING} is not the public half of {SIGNING_KEY_SETTING}: checkpoints signed now would "
            f"be refused by audit_verify ({fingerprint(trusted)} expected, {fingerprint(public_key)} configured).")

    storage = _storage()
    previous_name = latest_checkpoint_name()
    previous = None
    if previous_name:
        with storage.open(previous_name, "rb") as handle:
            previous = {"name": previous_name, "sha256": hashlib.sha256(handle.read()).hexdigest()}

    now = datetime.now(UTC)
    # One consistent read of every head (SQLite: under the write lock; PostgreSQL: one statement's snapshot).
    with transaction.atomic(using=using):
        chains = {key: [sequence, digest] for key, sequence, digest in chain_heads(using=using)}
    payload = {
        "format": CHECKPOINT_FORMAT, "chain_format": CHAIN_FORMAT, "created_at": now.isoformat(),
        "reason": reason, "key": {"fingerprint": fingerprint(public_key), "source": source},
        "previous": previous, "chain_count": len(chains), "row_count": sum(s for s, _ in chains.values()),
        "chains": chains,
    }
    document = {
        "algorithm": "Ed25519", "payload": payload,
        "signature": base64.b64encode(private_key.sign(_canonical(payload))).decode("ascii"),
        "public_key": base64.b64encode(public_bytes(public_key)).decode("ascii"),
    }
    name = storage.save(f"{DIRECTORY}/{PREFIX}{now:%Y%m%dT%H%M%S%fZ}.json", ContentFile(_canonical(document)))
    logger.info("Audit checkpoint %s written (%s): %d chains, %d rows, key %s (%s).", name, reason, len(chains),
                payload["row_count"], payload["key"]["fingerprint"], source)
    return Checkpoint.from_payload(name, payload)


# --- verification -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    problem: str
    object_key: str | None = None
    missing: range | None = None  # the sequence numbers a cut chain lost

    def __str__(self) -> str:
        return f"{self.object_key}: {self.problem}" if self.object_key else self.problem


@dataclass
class CheckpointVerification:
    name: str | None = None
    checkpoint: Checkpoint | None = None
    chains: int = 0
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.findings


def _sequences(missing: range) -> str:
    if len(missing) == 1:
        return f"sequence {missing.start} is"
    return f"sequences {missing.start}–{missing[-1]} are"


def _compare(checkpoint: Checkpoint, result: CheckpointVerification, using: str, chunk: int) -> None:
    from procurement.audit.models import AuditSeal

    items = sorted(checkpoint.chains.items())
    for start in range(0, len(items), chunk):
        page = dict(items[start:start + chunk])
        match = Q()
        for key, (sequence, _) in page.items():
            match |= Q(object_key=key, sequence=sequence)
        present = {(key, seq): digest for key, seq, digest in AuditSeal.objects.using(using).filter(match)
                   .values_list("object_key", "sequence", "row_hash")}
        lost = [key for key, (sequence, _) in page.items() if (key, sequence) not in present]
        heads = dict(AuditSeal.objects.using(using).filter(object_key__in=lost).values("object_key")
                     .annotate(head=Max("sequence")).values_list("object_key", "head")) if lost else {}
        for key, (sequence, digest) in page.items():
            result.chains += 1
            found = present.get((key, sequence))
            if found == digest:
                continue
            if found is not None:
                result.findings.append(Finding(
                    f"seal {sequence} no longer has the hash checkpointed in {checkpoint.name}: the chain was "
                    f"rewritten at or before sequence {sequence}", key))
                continue
            head = heads.get(key) or 0
            if head < sequence:
                missing = range(head + 1, sequence + 1)
                now = f"its head is now sequence {head}" if head else "no seal of it is left"
                result.findings.append(Finding(
                    f"chain is shorter than checkpoint {checkpoint.name}: checkpointed at sequence {sequence}, "
                    f"{now}; {_sequences(missing)} missing", key, missing))
            else:
                result.findings.append(Finding(
                    f"seal {sequence} checkpointed in {checkpoint.name} is missing (the chain goes on to "
                    f"{head}): sequence {sequence} is missing", key, range(sequence, sequence + 1)))


def checkpoint_verify(*, name: str | None = None, using: str = "default", chunk: int = 200) -> CheckpointVerification:
    """Verify the newest checkpoint (or `name`): its signature, then every chain it holds against the seals now."""
    result = CheckpointVerification(name=name or latest_checkpoint_name())
    if result.name is None:
        result.notes.append("No audit checkpoint has been written yet: a chain cut at its end cannot be detected "
                            "until one is.")
        return result
    try:
        with _storage().open(result.name, "rb") as handle:
            data = handle.read()
        document = json.loads(data.decode("utf-8"))
        payload, signature = document["payload"], base64.b64decode(document["signature"], validate=True)
        stated = payload["key"]["fingerprint"]
        checkpoint = Checkpoint.from_payload(result.name, payload)
        if payload.get("format") != CHECKPOINT_FORMAT:
            raise ValueError(f"unknown format {payload.get('format')!r}")
    except FileNotFoundError:
        result.findings.append(Finding(f"checkpoint {result.name} does not exist"))
        return result
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
        result.findings.append(Finding(f"checkpoint {result.name} is unreadable or altered ({exc.__class__.__name__}"
                                       f": {exc}): its signature cannot be checked"))
        return result

    try:
        trusted, origin = verify_key()
    except ImproperlyConfigured as exc:
        trusted, origin = None, str(exc)
    if trusted is None:
        result.findings.append(Finding(f"checkpoint {result.name} cannot be verified: {origin}. Set "
                                       f"{VERIFY_KEY_SETTING} to the public key that signs checkpoints."))
        return result
    try:
        trusted.verify(signature, _canonical(payload))
    except InvalidSignature:
        if stated != fingerprint(trusted):
            result.findings.append(Finding(
                f"checkpoint {result.name} was not signed by the trusted key: it names key {stated}, the trusted "
                f"key ({origin}) is {fingerprint(trusted)}; refused"))
        else:
            result.findings.append(Finding(
                f"checkpoint {result.name} has a bad signature: its content was changed after it was signed"))
        return result

    result.checkpoint = checkpoint
    if checkpoint.key_source == DEVELOPMENT:
        result.notes.append(f"Checkpoint {result.name} was signed with the development key kept in the private "
                            "storage: it does not protect against anyone who can write that storage.")
    _compare(checkpoint, result, using, max(1, chunk))
    return result
