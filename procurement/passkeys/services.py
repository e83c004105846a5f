"""Registering, using and removing passkeys (py_webauthn does the WebAuthn verification).

Ceremonies, both answered by the browser through @simplewebauthn/browser (static/js/passkeys.js):

- registration: `registration_options(actor=)` issues a challenge and the creation options; the browser creates
  the credential; `passkey_register(actor=, name=, credential=)` verifies it (user verification required, the
  relying party ID and origin from settings) and stores the public key;
- assertion (the step-up of a sign-off): `assertion_options(actor=, purpose=, binding=)` issues a challenge bound
  to `binding`; the browser signs it; `assertion_verify(...)` checks, in the caller's transaction, that the
  answer is for a challenge this person was given for this purpose and this binding, unused and unexpired, made
  with one of their own passkeys still in use, with a valid signature, user verification, and a sign count that
  went up (an authenticator that reports counts and goes backwards is a clone). It then marks the challenge used
  and records the new count.

The challenge is sha256(nonce || canonical JSON of the binding): the signature covers what is being signed for
(for a memo: its content hash, the decision and the committee), and the binding is checked again field by field
against the caller's, so an answer made for one memo version or one decision is refused for any other.

Every refusal is a ValidationError with a sentence a person reads; the caller decides which field it goes to and
counts it in the step-up throttle (procurement.throttle).
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from redis.exceptions import RedisError
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    base64url_to_bytes,
    bytes_to_base64url,
    parse_authentication_credential_json,
    parse_client_data_json,
    parse_registration_credential_json,
)
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from procurement.audit.history import attribute
from procurement.authz import is_active_user, require
from procurement.passkeys.models import Passkey, PasskeyChallenge
from procurement.passkeys.policies import passkey_policy
from procurement.passkeys.selectors import passkeys_of
from procurement.services import model_save

logger = logging.getLogger(__name__)
Purpose = PasskeyChallenge.Purpose
SPENT_PREFIX = "baton:passkey-challenge-spent:"

UNREADABLE = "Baton could not read your passkey's answer. Nothing was recorded: try again."
NOT_YOURS = "That passkey is not one of your registered passkeys. Nothing was recorded."
REVOKED = "That passkey was removed from your account and can no longer sign. Nothing was recorded."
NO_PASSKEY = "You have no passkey registered. Register one on your preferences page first."
BAD_SIGNATURE = "Your passkey's signature could not be verified. Nothing was recorded."
CLONED = ("Your passkey reported a use count lower than one it reported before, which is what a copied "
          "authenticator does. It was refused; nothing was recorded.")
REPLAYED = "This passkey answer was already used once and cannot be used again. Nothing was recorded: sign again."
EXPIRED = "The passkey request expired before it was answered. Nothing was recorded: sign again."
UNKNOWN_CHALLENGE = "This passkey answer is not for a request Baton gave you. Nothing was recorded."
NOT_VERIFIED = ("Your passkey did not verify you (no PIN, fingerprint or face check). Nothing was recorded: "
                "try again and confirm it is you.")


# --- the relying party -----------------------------------------------------------------------------------------


def relying_party() -> tuple[str, str]:
    """(RP ID, expected origin): BATON_PASSKEY_RP_ID / BATON_PASSKEY_ORIGIN, else from BATON_SITE_URL."""
    site = urlsplit(settings.BATON_SITE_URL)
    rp_id = settings.BATON_PASSKEY_RP_ID or (site.hostname or "")
    origin = settings.BATON_PASSKEY_ORIGIN or f"{site.scheme}://{site.netloc}"
    if not rp_id:
        raise ImproperlyConfigured("Passkeys need BATON_SITE_URL (or BATON_PASSKEY_RP_ID) to name a host.")
    return rp_id, origin


def _user_handle(user) -> bytes:
    """A stable, opaque handle for the user (never their username or id in clear)."""
    return salted_hmac("baton.passkeys.user-handle", str(user.pk), algorithm="sha256").digest()[:32]


# --- challenges ------------------------------------------------------------------------------------------------


def _canonical(binding: dict) -> bytes:
    return json.dumps(binding, sort_keys=True, separators=(",", ":"), default=str).encode()


def _challenge_bytes(nonce_hex: str, binding: dict) -> bytes:
    return hashlib.sha256(bytes.fromhex(nonce_hex) + _canonical(binding)).digest()


def _issue(actor, purpose: str, binding: dict) -> bytes:
    nonce = secrets.token_hex(32)
    challenge = _challenge_bytes(nonce, binding)
    now = timezone.now()
    row = PasskeyChallenge(user=actor, purpose=purpose, challenge=bytes_to_base64url(challenge), nonce=nonce,
                           binding=json.loads(_canonical(binding)), created_at=now,
                           expires_at=now + timedelta(seconds=settings.BATON_PASSKEY_CHALLENGE_SECONDS))
    model_save(row, actor=actor, reason=f"Passkey challenge issued: {row.get_purpose_display().lower()}")
    return challenge


def _timeout_ms() -> int:
    return int(settings.BATON_PASSKEY_CHALLENGE_SECONDS) * 1000


def _claim(actor, purpose: str, client_data_json: bytes) -> PasskeyChallenge:
    """The challenge row the browser answered, locked; refused when foreign, used or expired."""
    try:
        client_data = parse_client_data_json(client_data_json)
    except Exception as exc:  # malformed JSON or fields: the library raises several kinds
        raise ValidationError(UNREADABLE) from exc
    row = (PasskeyChallenge.objects.select_for_update()
           .filter(challenge=bytes_to_base64url(client_data.challenge), user=actor, purpose=purpose).first())
    if row is None:
        raise ValidationError(UNKNOWN_CHALLENGE)
    if row.used_at is not None or not _first_answer(row):
        raise ValidationError(REPLAYED)
    if row.expires_at <= timezone.now():
        raise ValidationError(EXPIRED)
    return row


def _first_answer(row: PasskeyChallenge) -> bool:
    """True the first time any answer to this challenge is checked. `used_at` is written in the caller's
    transaction, which rolls back when the sign-off fails later (a missing comment): the mark in the cache
    survives that, so a challenge is answered once, whatever happened to the first answer. With the cache
    unreachable, `used_at` alone guards (every answer that led to a recorded sign-off)."""
    try:
        return bool(cache.add(f"{SPENT_PREFIX}{row.challenge}", 1,
                              timeout=int(settings.BATON_PASSKEY_CHALLENGE_SECONDS) + 60))
    except (RedisError, OSError) as exc:
        logger.error("Shared cache unreachable (%s): passkey challenges are checked against the database only", exc)
        return True


def _consume(row: PasskeyChallenge, actor, reason: str) -> None:
    row.used_at = timezone.now()
    _save_fields(row, actor=actor, reason=reason, fields=["used_at"])


def _save_fields(instance, *, actor, reason: str, fields: list[str]) -> None:
    """Save `fields` of a row already validated when it was created: they are validated (full_clean on those
    fields only), without re-checking the foreign keys and unique columns that did not change."""
    others = [f.name for f in instance._meta.concrete_fields if f.name not in fields]
    instance.full_clean(exclude=others, validate_unique=False, validate_constraints=False)
    attribute(instance, actor=actor, reason=reason)
    instance.save(update_fields=fields)


def _descriptors(user) -> list[PublicKeyCredentialDescriptor]:
    rows = []
    for passkey in passkeys_of(user):
        transports = []
        for value in passkey.transports or []:
            try:
                transports.append(AuthenticatorTransport(value))
            except ValueError:
                continue
        rows.append(PublicKeyCredentialDescriptor(id=_b64(passkey.credential_id), transports=transports or None))
    return rows


def _b64(text: str) -> bytes:
    return base64url_to_bytes(text)


def _as_dict(credential) -> dict:
    if isinstance(credential, dict):
        return credential
    try:
        value = json.loads(credential)
    except (TypeError, ValueError) as exc:
        raise ValidationError(UNREADABLE) from exc
    if not isinstance(value, dict):
        raise ValidationError(UNREADABLE)
    return value


# --- registration ----------------------------------------------------------------------------------------------


@transaction.atomic
def registration_options(*, actor) -> dict:
    """The creation options (as the JSON the browser library takes) for a new passkey of `actor`."""
    if not is_active_user(actor):
        raise PermissionDenied("Your account is not active.")
    rp_id, _ = relying_party()
    challenge = _issue(actor, Purpose.REGISTER, {"user": actor.pk})
    options = generate_registration_options(
        rp_id=rp_id, rp_name=settings.BATON_PASSKEY_RP_NAME, user_name=actor.get_username(),
        user_id=_user_handle(actor), user_display_name=actor.get_full_name() or actor.get_username(),
        challenge=challenge, timeout=_timeout_ms(),
        authenticator_selection=AuthenticatorSelectionCriteria(resident_key=ResidentKeyRequirement.PREFERRED,
                                                               user_verification=UserVerificationRequirement.REQUIRED),
        exclude_credentials=_descriptors(actor))
    return json.loads(options_to_json(options))


@transaction.atomic
def passkey_register(*, actor, name: str, credential) -> Passkey:
    """Verify the browser's answer to `registration_options` and keep the passkey under `name`."""
    if not is_active_user(actor):
        raise PermissionDenied("Your account is not active.")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the passkey a name you will recognise, e.g. “Work laptop”."})
    if passkeys_of(actor).filter(name__iexact=name).exists():
        raise ValidationError({"name": "You already have a passkey with this name: choose another."})
    try:
        data = _as_dict(credential)
        parsed = parse_registration_credential_json(data)
    except Exception as exc:  # not JSON, or not the shape of a registration answer
        raise ValidationError({"credential": UNREADABLE}) from exc
    try:
        row = _claim(actor, Purpose.REGISTER, parsed.response.client_data_json)
    except ValidationError as exc:
        raise ValidationError({"credential": exc.messages}) from exc
    if row.binding != {"user": actor.pk}:
        raise ValidationError({"credential": UNKNOWN_CHALLENGE})
    rp_id, origin = relying_party()
    try:
        verified = verify_registration_response(credential=parsed, expected_challenge=_b64(row.challenge),
                                                expected_rp_id=rp_id, expected_origin=origin,
                                                require_user_verification=True)
    except WebAuthnException as exc:
        message = NOT_VERIFIED if "verif" in str(exc).lower() and "user" in str(exc).lower() else (
            "Your browser's passkey could not be verified; nothing was saved. Try again.")
        raise ValidationError({"credential": message}) from exc
    credential_id = bytes_to_base64url(verified.credential_id)
    if Passkey.objects.filter(credential_id=credential_id).exists():
        raise ValidationError({"credential": "This passkey is registered already."})
    _consume(row, actor, "Passkey challenge answered: registration")
    transports = [str(t) for t in (data.get("response", {}).get("transports") or []) if isinstance(t, str)][:8]
    passkey = Passkey(user=actor, name=name[:80], credential_id=credential_id,
                      public_key=verified.credential_public_key, sign_count=verified.sign_count,
                      transports=transports, aaguid=str(verified.aaguid or "")[:36],
                      backed_up=bool(verified.credential_backed_up))
    return model_save(passkey, actor=actor, reason=f"Passkey registered: {name}")


# --- assertion (step-up) ---------------------------------------------------------------------------------------


@transaction.atomic
def assertion_options(*, actor, purpose: str, binding: dict) -> dict:
    """The request options (JSON for the browser library) asking `actor` to sign a challenge bound to `binding`.
    Refused when they have no passkey in use."""
    if not is_active_user(actor):
        raise PermissionDenied("Your account is not active.")
    descriptors = _descriptors(actor)
    if not descriptors:
        raise ValidationError(NO_PASSKEY)
    rp_id, _ = relying_party()
    challenge = _issue(actor, purpose, binding)
    options = generate_authentication_options(rp_id=rp_id, challenge=challenge, timeout=_timeout_ms(),
                                              allow_credentials=descriptors,
                                              user_verification=UserVerificationRequirement.REQUIRED)
    return json.loads(options_to_json(options))


@transaction.atomic
def assertion_verify(*, actor, credential, purpose: str, binding: dict, mismatch: dict[str, str] | None = None,
                     used_for: str = "") -> Passkey:
    """Check the browser's answer (inside the caller's transaction) and return the passkey that signed.

    `mismatch` maps a binding key to the sentence read when the answer was made for another value of it (a memo
    changed since, another decision). Raises ValidationError (one message) on any refusal; nothing is written
    then, and the caller's transaction rolls back whatever it did."""
    try:
        parsed = parse_authentication_credential_json(_as_dict(credential))
    except Exception as exc:  # not JSON, or not the shape of an assertion
        raise ValidationError(UNREADABLE) from exc
    row = _claim(actor, purpose, parsed.response.client_data_json)
    expected = json.loads(_canonical(binding))
    for key in sorted(set(row.binding) | set(expected)):
        if row.binding.get(key) != expected.get(key):
            raise ValidationError((mismatch or {}).get(key, UNKNOWN_CHALLENGE))
    challenge = _challenge_bytes(row.nonce, expected)
    if bytes_to_base64url(challenge) != row.challenge:  # the stored binding was tampered with
        raise ValidationError(UNKNOWN_CHALLENGE)
    passkey = (Passkey.objects.select_for_update()
               .filter(credential_id=bytes_to_base64url(parsed.raw_id), user=actor).first())
    if passkey is None:
        raise ValidationError(NOT_YOURS if passkeys_of(actor).exists() else NO_PASSKEY)
    if passkey.revoked_at is not None:
        raise ValidationError(REVOKED)
    rp_id, origin = relying_party()
    try:
        # The count is judged below, once the signature over it is known to be good (py_webauthn compares it
        # first, which would call a forgery with a low count a clone).
        verified = verify_authentication_response(
            credential=parsed, expected_challenge=challenge, expected_rp_id=rp_id, expected_origin=origin,
            credential_public_key=bytes(passkey.public_key), credential_current_sign_count=0,
            require_user_verification=True)
    except InvalidAuthenticationResponse as exc:
        if "User verification" in str(exc):
            raise ValidationError(NOT_VERIFIED) from exc
        raise ValidationError(BAD_SIGNATURE) from exc
    except WebAuthnException as exc:
        raise ValidationError(BAD_SIGNATURE) from exc
    if (verified.new_sign_count or passkey.sign_count) and verified.new_sign_count <= passkey.sign_count:
        raise ValidationError(CLONED)  # an authenticator that counts never goes back: a copy of the key
    _consume(row, actor, f"Passkey challenge answered: {row.get_purpose_display().lower()}")
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = timezone.now()
    _save_fields(passkey, actor=actor, reason=f"Passkey used: {used_for or row.get_purpose_display().lower()}",
                 fields=["sign_count", "last_used_at"])
    return passkey


# --- removal ---------------------------------------------------------------------------------------------------


@transaction.atomic
def passkey_revoke(*, actor, passkey: Passkey, reason: str) -> Passkey:
    """Remove (soft-revoke) one of the actor's passkeys; it can never sign again. The row and its history stay."""
    passkey = Passkey.objects.select_for_update().get(pk=passkey.pk)
    require(actor, passkey_policy, "revoke", passkey)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why you remove it (a lost device, a replaced key…)."})
    passkey.revoked_at, passkey.revoked_by, passkey.revoke_reason = timezone.now(), actor, reason
    return model_save(passkey, actor=actor, reason=f"Passkey removed: {reason}",
                      update_fields=["revoked_at", "revoked_by", "revoke_reason"])
