"""The provider's claims and its test-only ways of issuing a bad ID token.

Claims (in the ID token and at the userinfo endpoint): the standard profile and e-mail claims, `groups` (the
names of the user's groups) and `account_status` ("disabled" when the user is in the provider's `disabled`
group, else "active"): how this provider says an account was switched off for the applications it serves.

`MODE` (set through the control endpoint) changes the next ID tokens: "forged" signs them with a key that is not
the provider's (same key id), "expired" dates them in the past, "nonce" swaps the nonce. "normal" is honest.
"""

import time

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings

MODE = {"id_token": "normal"}
DISABLED_GROUP = "disabled"


class Validator(OAuth2Validator):
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "groups": "openid", "account_status": "openid"}

    def get_additional_claims(self, request):
        user = request.user
        groups = sorted(user.groups.values_list("name", flat=True))
        return {
            "preferred_username": user.username,
            "email": user.email,
            "email_verified": True,
            "given_name": user.first_name,
            "family_name": user.last_name,
            "name": f"{user.first_name} {user.last_name}".strip(),
            "groups": [name for name in groups if name != DISABLED_GROUP],
            "account_status": "disabled" if DISABLED_GROUP in groups else "active",
        }

    def finalize_id_token(self, id_token, token, token_handler, request):
        signed = super().finalize_id_token(id_token, token, token_handler, request)
        mode = MODE["id_token"]
        if mode == "normal":
            return signed
        header = jwt.get_unverified_header(signed)
        claims = jwt.decode(signed, options={"verify_signature": False})
        key = oauth2_settings.OIDC_RSA_PRIVATE_KEY
        if mode == "forged":
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        elif mode == "expired":
            claims.update(iat=int(time.time()) - 3600, exp=int(time.time()) - 1800)
        elif mode == "nonce":
            claims["nonce"] = "a-nonce-from-another-sign-in"
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": header["kid"]})
