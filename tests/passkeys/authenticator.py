"""A software WebAuthn authenticator for the fast tests: real EC P-256 keys, real signatures, real CBOR.

It answers the JSON options Baton's services hand to the browser with the JSON @simplewebauthn/browser would
post back: a "none" attestation for registration (authenticator data with the attested credential and its COSE
key), and assertions signed over authenticatorData || sha256(clientDataJSON). Nothing in it is a mock of the
verifier: py_webauthn checks everything it produces as it would check a browser's answer.
"""

from __future__ import annotations

import hashlib
import json
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import bytes_to_base64url, encode_cbor

UP, UV, AT = 0x01, 0x04, 0x40  # authenticator data flags: user present, user verified, attested credential data


def b64(data: bytes) -> str:
    return bytes_to_base64url(data)


class SoftAuthenticator:
    def __init__(self, *, rp_id: str = "localhost", origin: str = "http://localhost:8000", counts: bool = True,
                 verifies_user: bool = True, credential_id: bytes | None = None):
        self.rp_id, self.origin = rp_id, origin
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = credential_id or os.urandom(16)
        self.counts = counts  # an authenticator that keeps a signature counter (else it always reports 0)
        self.verifies_user = verifies_user
        self.sign_count = 0

    # --- encoding ----------------------------------------------------------------------------------------------
    def cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return encode_cbor({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"),
                            -3: numbers.y.to_bytes(32, "big")})

    def _authenticator_data(self, *, attested: bool, count: int) -> bytes:
        flags = UP | (UV if self.verifies_user else 0) | (AT if attested else 0)
        data = hashlib.sha256(self.rp_id.encode()).digest() + bytes([flags]) + count.to_bytes(4, "big")
        if attested:
            data += bytes(16) + len(self.credential_id).to_bytes(2, "big") + self.credential_id + self.cose_key()
        return data

    def _client_data(self, kind: str, challenge: str, origin: str | None = None) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": origin or self.origin,
                           "crossOrigin": False}).encode()

    # --- ceremonies --------------------------------------------------------------------------------------------
    def create(self, options: dict) -> dict:
        """The answer to navigator.credentials.create(options), as JSON."""
        attestation = encode_cbor({"fmt": "none", "attStmt": {},
                                   "authData": self._authenticator_data(attested=True, count=0)})
        client_data = self._client_data("webauthn.create", options["challenge"])
        return {"id": b64(self.credential_id), "rawId": b64(self.credential_id), "type": "public-key",
                "response": {"clientDataJSON": b64(client_data), "attestationObject": b64(attestation),
                             "transports": ["internal"]},
                "clientExtensionResults": {}, "authenticatorAttachment": "platform"}

    def get(self, options: dict, *, count: int | None = None, origin: str | None = None) -> dict:
        """The answer to navigator.credentials.get(options), signed with this authenticator's key."""
        if count is None:
            if self.counts:
                self.sign_count += 1
            count = self.sign_count if self.counts else 0
        authenticator_data = self._authenticator_data(attested=False, count=count)
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        signature = self.key.sign(authenticator_data + hashlib.sha256(client_data).digest(),
                                  ec.ECDSA(hashes.SHA256()))
        return {"id": b64(self.credential_id), "rawId": b64(self.credential_id), "type": "public-key",
                "response": {"clientDataJSON": b64(client_data), "authenticatorData": b64(authenticator_data),
                             "signature": b64(signature), "userHandle": None},
                "clientExtensionResults": {}, "authenticatorAttachment": "platform"}
