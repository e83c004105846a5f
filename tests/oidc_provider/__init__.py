"""A real OpenID Connect provider for the single sign-on tests: a small Django project of its own, built on
django-oauth-toolkit with OIDC on, run as a separate process on loopback (`python -m tests.oidc_provider`).

- its own settings (settings.py), SQLite database in a scratch folder, session and CSRF cookie names (so it never
  reads Baton's cookies on the same host), and an RS256 key generated when it starts;
- a confidential client whose redirect URI is Baton's callback, with `skip_authorization` (no consent page);
- users and groups made by `manage oidc_provider_setup`; the groups, the profile and an `account_status`
  claim come from the validator's claim hooks (validator.py);
- a test-only control endpoint (views.py, guarded by a bearer token given at start-up) that changes a user's
  groups or status, or makes the next ID tokens forged, expired or carry another nonce.

Nothing in production imports it.
"""
