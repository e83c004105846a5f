"""Signing secrets: generated here, stored encrypted at rest, decrypted only to sign a delivery.

The key is derived from SECRET_KEY with HKDF-SHA256 (its own context string, so it is not the key of anything
else Django derives), and SECRET_KEY_FALLBACKS still decrypt, so rotating SECRET_KEY the Django way keeps the
secrets readable until the fallbacks are dropped; re-saving (rotating) a subscription's secret re-encrypts it
under the current key. Fernet authenticates what it decrypts: a tampered column fails loudly, never signs.
"""

from __future__ import annotations

import base64
import secrets

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PREFIX = "whsec_"
_CONTEXT = b"baton.webhooks.subscription-secret.v1"


def _fernet_for(key: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_CONTEXT).derive(key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def _box() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet_for(key) for key in keys])


def new_secret() -> str:
    """A fresh signing secret: 32 random bytes, URL-safe, with a recognisable prefix."""
    return PREFIX + secrets.token_urlsafe(32)


def encrypt(secret: str) -> str:
    return _box().encrypt(secret.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _box().decrypt(token.encode("ascii")).decode()
    except InvalidToken:
        raise ValueError("The subscription's secret cannot be decrypted with SECRET_KEY or its fallbacks; "
                         "rotate the secret.") from None
