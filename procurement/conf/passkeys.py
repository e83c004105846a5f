"""Passkeys settings (issue 19): read from the environment only; see procurement.conf.

A passkey is bound to a relying party: its ID (a registrable domain such as ``baton.example.org``; never an IP
address, which browsers refuse) and the origin the browser reports (``https://baton.example.org``). Both are
derived from BATON_SITE_URL (the address people open) unless set explicitly:

- BATON_PASSKEY_RP_ID      the relying party ID (default: BATON_SITE_URL's host name);
- BATON_PASSKEY_ORIGIN     the expected origin, scheme://host[:port] (default: BATON_SITE_URL's);
- BATON_PASSKEY_RP_NAME    the name the browser shows in its prompt (default "Baton");
- BATON_PASSKEY_CHALLENGE_SECONDS  how long a challenge may be answered (default 180).

Changing the RP ID later makes every registered passkey useless (each is bound to the ID it was created for).
The derivation happens when a ceremony starts (procurement.passkeys.relying_party), so a test may change
BATON_SITE_URL alone.
"""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured


def settings_for(env) -> dict:
    origin = env.str("BATON_PASSKEY_ORIGIN", default="").strip().rstrip("/")
    if origin:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query:
            raise ImproperlyConfigured("BATON_PASSKEY_ORIGIN must be scheme://host[:port], e.g. "
                                       "https://baton.example.org, with no path.")
    seconds = env.int("BATON_PASSKEY_CHALLENGE_SECONDS", default=180)
    if not 30 <= seconds <= 900:
        raise ImproperlyConfigured("BATON_PASSKEY_CHALLENGE_SECONDS must be between 30 and 900.")
    return {
        "BATON_PASSKEY_RP_ID": env.str("BATON_PASSKEY_RP_ID", default="").strip().lower(),
        "BATON_PASSKEY_ORIGIN": origin,
        "BATON_PASSKEY_RP_NAME": env.str("BATON_PASSKEY_RP_NAME", default="Baton"),
        "BATON_PASSKEY_CHALLENGE_SECONDS": seconds,
    }
