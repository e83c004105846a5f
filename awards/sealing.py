"""Sealing a bid's items (issue 20): pure cryptography, no database.

Each portal procedure has one X25519 key pair. The public half seals; the private half is kept only wrapped
(Fernet, under a key derived from SECRET_KEY with HKDF-SHA256 and a context string of its own, so it is not the key
of anything else Django derives; SECRET_KEY_FALLBACKS still unwrap, so rotating SECRET_KEY the Django way keeps the
sealed bids openable).

Sealing one item (a proposal file or a price schedule):
1. a fresh ephemeral X25519 key pair is made for this item alone, and agreed with the procedure's public key;
2. HKDF-SHA256 turns the shared secret into a 256-bit AES key, with `info` = our context string + the caller's
   context (the procedure and the item's kind), and salt = the ephemeral and the procedure's public keys;
3. AES-256-GCM seals the plaintext (the ciphertext, stored as the item's blob) and, with its own nonce, the
   metadata (title, original name, content type: stored in the envelope). Both carry the context and the public
   keys as associated data, so an item moved to another procedure, or its blob swapped with another's, fails.

Unsealing needs the wrapped private key and SECRET_KEY. Any change to the ciphertext, the envelope, the context or
the wrapped key raises `SealBroken`: tampering fails loudly, it never yields altered bytes.
"""

from __future__ import annotations

import base64
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

VERSION = 1
_WRAP_CONTEXT = b"baton.awards.sealing.private-key-wrap.v1"
_ITEM_CONTEXT = b"baton.awards.sealing.item.v1|"
_RAW = serialization.Encoding.Raw


class SealBroken(ValueError):
    """A sealed item cannot be opened: it, its envelope or the key was altered, or the wrong key was used."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _wrapper() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    fernets = []
    for key in keys:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_WRAP_CONTEXT).derive(key.encode())
        fernets.append(Fernet(base64.urlsafe_b64encode(derived)))
    return MultiFernet(fernets)


def context_for(procedure_id: int, kind: str) -> bytes:
    """The context an item is sealed under: its procedure and its kind."""
    return f"procedure={int(procedure_id)}|kind={kind}".encode()


def new_keypair() -> tuple[str, str]:
    """A procedure's key pair: (public key, base64) and (private key, wrapped under SECRET_KEY)."""
    private = X25519PrivateKey.generate()
    public = private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    raw = private.private_bytes(_RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    return _b64(public), _wrapper().encrypt(raw).decode("ascii")


def _aes_key(shared: bytes, ephemeral: bytes, public: bytes, context: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral + public,
                info=_ITEM_CONTEXT + context).derive(shared)


def _aad(context: bytes, ephemeral: bytes, public: bytes, part: bytes) -> bytes:
    return b"|".join((_ITEM_CONTEXT, context, ephemeral, public, part))


def seal(public_b64: str, plaintext: bytes, meta: dict, *, context: bytes) -> tuple[bytes, str]:
    """Seal `plaintext` and `meta` (a JSON-able dict) for the holder of the private key of `public_b64`.
    Returns (ciphertext, envelope): the envelope is base64 JSON with the ephemeral key, the nonces and the sealed
    metadata; nothing in it is readable without the private key."""
    public = _unb64(public_b64)
    ephemeral_key = X25519PrivateKey.generate()
    ephemeral = ephemeral_key.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    shared = ephemeral_key.exchange(X25519PublicKey.from_public_bytes(public))
    aes = AESGCM(_aes_key(shared, ephemeral, public, context))
    body_nonce, meta_nonce = os.urandom(12), os.urandom(12)
    ciphertext = aes.encrypt(body_nonce, plaintext, _aad(context, ephemeral, public, b"body"))
    sealed_meta = aes.encrypt(meta_nonce, json.dumps(meta, sort_keys=True).encode(),
                              _aad(context, ephemeral, public, b"meta"))
    envelope = {"v": VERSION, "alg": "X25519-HKDF-SHA256-AES256GCM", "epk": _b64(ephemeral), "pk": public_b64,
                "n": _b64(body_nonce), "mn": _b64(meta_nonce), "meta": _b64(sealed_meta)}
    return ciphertext, _b64(json.dumps(envelope, sort_keys=True).encode())


def unwrap_private_key(wrapped_private: str) -> X25519PrivateKey:
    try:
        raw = _wrapper().decrypt(wrapped_private.encode("ascii"))
    except (InvalidToken, UnicodeEncodeError):
        raise SealBroken("The procedure's sealing key cannot be unwrapped with SECRET_KEY or its fallbacks.") from None
    return X25519PrivateKey.from_private_bytes(raw)


def unseal(wrapped_private: str, ciphertext: bytes, envelope: str, *, context: bytes) -> tuple[bytes, dict]:
    """Open one sealed item: (plaintext, meta). Raises SealBroken on any alteration or the wrong key/context."""
    private = unwrap_private_key(wrapped_private)
    try:
        data = json.loads(_unb64(envelope))
        if data.get("v") != VERSION:
            raise SealBroken("The sealed item was made by an unknown version of Baton.")
        ephemeral, public = _unb64(data["epk"]), _unb64(data["pk"])
        body_nonce, meta_nonce, sealed_meta = _unb64(data["n"]), _unb64(data["mn"]), _unb64(data["meta"])
    except SealBroken:
        raise
    except (ValueError, KeyError, TypeError):
        raise SealBroken("The sealed item's envelope is damaged.") from None
    own_public = private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    if public != own_public:
        raise SealBroken("The item was sealed for another key than this procedure's.")
    try:
        shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral))
        aes = AESGCM(_aes_key(shared, ephemeral, public, context))
        plaintext = aes.decrypt(body_nonce, ciphertext, _aad(context, ephemeral, public, b"body"))
        meta = json.loads(aes.decrypt(meta_nonce, sealed_meta, _aad(context, ephemeral, public, b"meta")))
    except (InvalidTag, ValueError):
        raise SealBroken("The sealed item does not open: it or its envelope was altered, or it belongs "
                         "elsewhere.") from None
    return plaintext, meta
