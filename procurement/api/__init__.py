"""Baton's REST API under /api/v1/ (issue 19), built with django-ninja.

Why django-ninja rather than Django REST framework with drf-spectacular:
- the request and response types are pydantic models, and those same models produce the OpenAPI 3 document,
  so the committed schema cannot drift from what the endpoints actually accept and return;
- an API is assembled from one Router per app, which maps one-to-one onto our Contributions registry (each app
  names its routers on its AppConfig, the kernel mounts them without importing the apps);
- every operation is an ordinary Django view function: our authz helpers, services, transactions and
  middleware work unchanged, with no serializer or viewset layer to re-implement them in;
- it is one small dependency instead of two large ones with their own settings, permissions and throttles.

Layout: `models` (ApiToken), `policies`, `services` (token writes), `auth` (bearer tokens and scopes),
`problems` (RFC 9457 errors), `responses` (pagination and ETags), `routers` (the audit trail), `build`
(the NinjaAPI assembled from `collect().api`), `urls`, and the token pages (`views`, `token_urls`).
"""
