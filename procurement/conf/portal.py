"""The bidders' portal settings (issue 20), read from the environment only.

- BATON_BID_OPENING_WITNESSES: how many named people must each confirm, under their own sign-in, before a
  procedure's sealed bids are opened (default 2; at least 1).
- BATON_LATE_BIDS: "record" (a submission after proposals-due is kept sealed, marked late, and needs a late-bid
  waiver to be admitted) or "refuse" (the portal refuses it). Default "record".
- BATON_BIDDER_INVITATION_DAYS: how long an invitation link works (default 14).
- BATON_BIDDER_PATHS: URL prefixes a bidder contact may reach; every other page answers 404 to them.
- BATON_SEALED_MAX_BYTES: the largest proposal file the portal accepts (default 25 MiB).
"""

from django.core.exceptions import ImproperlyConfigured

LATE_BID_POLICIES = ("record", "refuse")


def settings_for(env) -> dict:
    witnesses = env.int("BATON_BID_OPENING_WITNESSES", default=2)
    if witnesses < 1:
        raise ImproperlyConfigured("BATON_BID_OPENING_WITNESSES must be at least 1.")
    late = env.str("BATON_LATE_BIDS", default="record").strip().lower()
    if late not in LATE_BID_POLICIES:
        raise ImproperlyConfigured(f"BATON_LATE_BIDS must be one of {', '.join(LATE_BID_POLICIES)}.")
    return {
        "BATON_BID_OPENING_WITNESSES": witnesses,
        "BATON_LATE_BIDS": late,
        "BATON_BIDDER_INVITATION_DAYS": env.int("BATON_BIDDER_INVITATION_DAYS", default=14),
        "BATON_BIDDER_PATHS": ("/portal/", "/accounts/logout/", "/accounts/password/", "/static/"),
        "BATON_SEALED_MAX_BYTES": env.int("BATON_SEALED_MAX_BYTES", default=25 * 1024 * 1024),
    }
