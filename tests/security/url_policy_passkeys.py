"""The URL policy of the passkeys endpoints (issue 19), merged into url_policy.POLICY; same Rule helpers.

Registering is every signed-in person's own business (the options endpoint answers POST only, with JSON).
Removing a passkey is its owner's: the approver of the scenario removes their own; auditors see it (403), every
other person gets 404 (existence not revealed). Signing with a passkey goes through awards:memo_sign, already in
the table.
"""

from tests.security.url_policy import AUD, GET_POST, POST, Rule, act, read, signed_in  # noqa: F401


def _approver_passkey(s) -> dict:
    """One passkey row of the scenario's approver (made once per scenario; not usable to sign: a dummy key)."""
    passkey = getattr(s, "_passkey_for_matrix", None)
    if passkey is None:
        from procurement.passkeys.models import Passkey
        from procurement.services import model_save

        passkey = model_save(Passkey(user=s.approver, name="Matrix key", credential_id="bWF0cml4LWtleQ",
                                     public_key=b"\x00"), actor=s.approver, reason="URL matrix")
        s._passkey_for_matrix = passkey
    return {"pk": passkey.pk}


PASSKEYS: dict = {
    "passkeys:register_options": signed_in(methods=POST),
    "passkeys:register": signed_in(methods=GET_POST),
    "passkeys:revoke": act(_approver_passkey, "approver", sees=AUD),
}
