"""The permission matrix: every URL of Baton × every identity, against the policy table in url_policy.py.

The URL configuration is walked recursively (a view added anywhere is found), each URL is built from one world
of real objects (scenario.py) and asked, as each identity, with GET and with a CSRF-checked POST. A URL with no
policy entry fails; so does an answer that differs from the table. Every POST is also tried without a CSRF token
(refused with 403). Each identity's requests run inside a savepoint that is rolled back, so one person's POST
cannot change what the next person (or the next URL) sees. The sessions are signed in once, outside the
savepoints; the "inactive" identity is the right person's own open session after they were deactivated.

The bidders' portal (issue 20, tests/security/url_policy_portal.py): portal pages are also asked by every bidder
identity, the portal procedures' own lead and a superuser, and every page a bidder gets through is searched for
what belongs to the other bidders; every other URL is also asked as a bidder (404: they reach the portal only;
the API with a bidder's bearer token: 404).
"""

from __future__ import annotations

import ast
import json
import re
import secrets
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from procurement.accounts.models import User
from procurement.accounts.roles import Role
from procurement.bidders import bidder_may_reach
from tests.factories.accounts import UserFactory
from tests.security.figures import record
from tests.security.scenario import Scenario
from tests.security.url_policy import ANY, POLICY, ROLE_IDENTITIES, rule_for
from tests.security.url_policy_api import API_BODIES
from tests.security.url_policy_portal import ALL_BIDDERS

ROOT = Path(__file__).resolve().parents[2]
ROLE_OF = {"lead": Role.PROCUREMENT_LEAD, "evaluator": Role.EVALUATOR, "approver": Role.COMMITTEE_APPROVER,
           "manager": Role.POST_AWARD_MANAGER, "owner": Role.BUSINESS_OWNER, "auditor": Role.AUDITOR}
DENIALS = frozenset({"login", "admin_login", 403, 404, 405})
CSRF_TOKEN = "SecurityMatrixCsrfToken000000000"  # 32 characters: an unmasked secret Django accepts
GROUPS = ("kernel", "vendors", "awards", "contracts", "documents", "audit", "admin", "api", "portal", "other")
KNOWN_NAMESPACES = set(GROUPS) - {"kernel", "other"}
BACKEND = "django.contrib.auth.backends.ModelBackend"
INTERNAL_BIDDER = "bidder_aurora"  # the bidder who asks every internal URL: invited to both portal procedures


def walk(patterns=None, prefix: str = "", namespace: str | None = None):
    """Every URL pattern as (name with namespaces, route, pattern), recursing through include()."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = entry.namespace
            joined = f"{namespace}:{inner}" if namespace and inner else (inner or namespace)
            yield from walk(entry.url_patterns, route, joined)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield name, route, entry


def group_of(name: str | None, route: str = "") -> str:
    if not name and route.startswith("admin/"):
        return "admin"
    if not name or ":" not in name:
        return "kernel"
    space = name.split(":", 1)[0]
    return space if space in KNOWN_NAMESPACES else "other"


def _admin_reverse(name: str, pattern: URLPattern) -> str:
    regex = pattern.pattern.regex
    if regex.groups and not regex.groupindex:  # positional groups (simple-history's revision page)
        return reverse(name, args=["1"] * regex.groups)
    return reverse(name, kwargs=_admin_kwargs(pattern))


def _admin_kwargs(pattern: URLPattern) -> dict:
    kwargs = {}
    regex = pattern.pattern.regex.pattern
    for group in pattern.pattern.regex.groupindex:
        if group == "app_label":
            kwargs[group] = re.search(r"\(\?P<app_label>([^|)]+)", regex).group(1)
        elif group == "content_type_id":
            kwargs[group] = 1
        else:
            kwargs[group] = "1"
    return kwargs


def answer(response) -> str | int:
    """What a response means for the matrix: ok, login, admin_login, 403, 404, 405 or error. The REST API's 401
    (no usable bearer token) is its "sign in first", so it reads as login."""
    status = response.status_code
    if status >= 500:
        return "error"
    if status == 401:
        return "login"
    if status in (301, 302, 303):
        location = response["Location"]
        if location.startswith(reverse("admin:login")) or location == reverse("admin:index"):  # staff only
            return "admin_login"
        if location.startswith(reverse(settings.LOGIN_URL)):
            return "login"
        return "ok"
    if status in (403, 404, 405):
        return status
    return "ok"  # 200, 204, 400 (a refused form), 409 (a refused transition): the person got through


def expected(rule, identity: str, method: str) -> frozenset:
    """The answers the policy allows `identity` for `method` (a set: a method the view does not handle may be
    refused with 405 or answered like a GET, never let through where the GET would not be)."""
    answers = _access(rule, identity, method)
    return answers if method in rule.methods else answers | {405}


def _access(rule, identity: str, method: str) -> frozenset:
    for key in (identity, method, "*"):
        if key in rule.answers:
            fixed = rule.answers[key]
            return frozenset(fixed) if isinstance(fixed, (set, frozenset, tuple)) else frozenset({fixed})
    if rule.public:
        return frozenset({"ok"})
    if identity in ("anonymous", "inactive"):
        return frozenset({"login"})
    if identity == "right" or rule.right is None or identity in rule.acts or (
            identity in ALL_BIDDERS and identity == rule.right):
        return frozenset({"ok"})
    if identity in rule.sees:
        return frozenset({"ok" if rule.read else 403})
    return frozenset({rule.others})


def is_api(name: str) -> bool:
    return name.startswith("api:")


def is_portal(name: str) -> bool:
    return name.startswith("portal:")


def expected_for_bidder(name: str, url: str, rule, identity: str, method: str) -> frozenset:
    """A bidder identity: on a portal page, what the portal rule says; on the API (their bearer token), 404 unless
    the URL is public; on any other page 404, but for the few outside the portal they may reach (signing out,
    their password), where they are a signed-in user with no role."""
    if is_portal(name):
        return expected(rule, identity, method)
    if is_api(name):
        public = expected(rule, "anonymous", method)
        return public if "ok" in public else frozenset({404})
    if bidder_may_reach(url):
        return expected(rule, "norole", method)
    return frozenset({404})


def _api_token(user, scope: str) -> str:
    from procurement.api.models import MARK, ApiToken

    prefix = secrets.token_hex(6)
    secret = f"{MARK}_{prefix}_{secrets.token_urlsafe(32)}"
    ApiToken.objects.create(user=user, name=f"matrix {scope}", scope=scope, prefix=prefix,
                            digest=ApiToken.digest_of(secret), expires_at=timezone.now() + timedelta(days=1))
    return secret


class Matrix:
    def __init__(self, scenario: Scenario, group: str = ""):
        self.scenario = scenario
        self.client = Client(enforce_csrf_checks=True, raise_request_exception=False)
        self.people = {identity: UserFactory(username=f"unrelated-{identity}",
                                             roles=[ROLE_OF[identity]] if identity in ROLE_OF else [])
                       for identity in ROLE_IDENTITIES}
        # issue 20: portal pages are asked by every bidder and by more staff; other URLs by one bidder
        if group == "portal":
            self.extra = {identity: getattr(scenario, identity) for identity in sorted(ALL_BIDDERS)}
            self.extra.update(procedure_lead=scenario.lead, admin=scenario.superuser)
        else:
            self.extra = {INTERNAL_BIDDER: getattr(scenario, INTERNAL_BIDDER)}
        self.bidder_identity = {user.pk: identity for identity, user in self.extra.items()
                                if identity in ALL_BIDDERS}
        self.checked = self.leaks = self.errors = 0
        self.portal_checks = self.cross_bidder = self.internal_checks = self.internal_reached = 0
        self.problems: list[str] = []
        self.sessions: dict[int, str] = {}  # user pk -> a session signed in outside every savepoint
        self.session_key: str | None = None
        self.tokens: dict[tuple[int, str], str] = {}  # (user pk, scope) -> an API token made outside the savepoints
        self.person = None

    def _sign_in(self, user) -> None:
        """Sign `user` in once, before any savepoint, so the session outlives every rollback; and give them a read
        and a write API token (made as rows, so even an auditor holds a write token and the policy is what
        refuses them)."""
        if user.pk not in self.sessions:
            helper = Client()
            helper.force_login(user, backend=BACKEND)
            self.sessions[user.pk] = helper.session.session_key
            for scope in ("read", "write"):
                self.tokens[(user.pk, scope)] = _api_token(user, scope)

    def _as(self, user) -> None:
        self.session_key = None if user is None else self.sessions[user.pk]
        self.person = user

    def _ask_api(self, name: str, method: str, url: str):
        """An API call with the person's bearer token (none for anonymous) and never a cookie."""
        self.client.cookies.clear()
        token = self.tokens[(self.person.pk, "read" if method == "GET" else "write")] if self.person else None
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if method == "GET":
            return self.client.get(url, headers=headers)
        body = API_BODIES.get(name, lambda s: {})(self.scenario)
        return self.client.post(url, json.dumps(body), content_type="application/json", headers=headers)

    def _ask(self, method: str, url: str, *, token: bool = True):
        self.client.cookies.clear()  # a response may have dropped or rotated the session: start from ours
        if self.session_key:
            self.client.cookies[settings.SESSION_COOKIE_NAME] = self.session_key
        if method == "GET":
            return self.client.get(url)
        self.client.cookies[settings.CSRF_COOKIE_NAME] = CSRF_TOKEN
        return self.client.post(url, {"csrfmiddlewaretoken": CSRF_TOKEN} if token else {})

    def _want(self, name, url, rule, identity, method) -> frozenset:
        if identity in self.extra and identity in ALL_BIDDERS:
            return expected_for_bidder(name, url, rule, identity, method)
        return expected(rule, identity, method)

    def _check(self, name, url, rule, identity, method, *, token=True, want=None):
        response = (self._ask_api(name, method, url) if is_api(name) else self._ask(method, url, token=token))
        got = answer(response)
        want = self._want(name, url, rule, identity, method) if want is None else frozenset({want})
        bidder = self.bidder_identity.get(getattr(self.person, "pk", None))
        if got == "error":
            self.errors += 1
            exc = getattr(response, "exc_info", None)
            self.problems.append(f"{name} {method} as {identity}: server error {exc[1] if exc else ''!r}")
        elif got not in want and ANY not in want:
            if want <= DENIALS and got not in DENIALS:
                self.leaks += 1
                if bidder and is_portal(name):
                    self.cross_bidder += 1
                elif bidder:
                    self.internal_reached += 1
            self.problems.append(f"{name} {method}{'' if token else ' (no CSRF token)'} as {identity}: "
                                 f"expected {' or '.join(map(str, sorted(want, key=str)))}, got {got} "
                                 f"({response.status_code}) at {url}")
        if bidder and got == "ok" and is_portal(name):
            self._search_for_others(name, url, method, identity, bidder, response)

    def _search_for_others(self, name, url, method, identity, bidder, response) -> None:
        """What a bidder was shown holds nothing of another bidder's (names, sign-ins, e-mails, questions)."""
        streaming = getattr(response, "streaming", False)
        body = b"".join(response.streaming_content) if streaming else response.content
        text = body.decode("utf-8", "replace")
        found = [secret for secret in self.scenario.bidder_secrets(bidder) if secret and secret in text]
        if found:
            self.leaks += 1
            self.cross_bidder += 1
            self.problems.append(f"{name} {method} as {identity} ({bidder}) shows another bidder's {found!r} "
                                 f"at {url}")

    def run(self, name: str, pattern: URLPattern) -> None:
        rules = rule_for(name)
        if rules is None:
            self.problems.append(f"{name}: no entry in tests/security/url_policy.py")
            return
        for rule in rules if isinstance(rules, list) else [rules]:
            self._run(name, pattern, rule)

    def _run(self, name: str, pattern: URLPattern, rule) -> None:
        s = self.scenario
        try:
            if name.startswith("admin:<unnamed "):  # the admin's unnamed redirects and catch-all
                route = name.removeprefix("admin:<unnamed ").removesuffix(">")
                url = "/" + route.replace("<path:object_id>", "1").replace("(?P<url>.*)$", "no-such-page/")
            elif name.startswith("admin:") and rule.kwargs is None:
                url = _admin_reverse(name, pattern)
            else:
                url = reverse(name, kwargs=rule.kwargs(s) if rule.kwargs else None)
            right = getattr(s, rule.right) if rule.right else s.lead
        except Exception as exc:  # the table's builder is wrong: say so, naming the URL
            self.problems.append(f"{name}: cannot build its URL from the scenario: {exc!r}")
            return
        for person in (*self.people.values(), *self.extra.values(), right):
            self._sign_in(person)
        for identity, person in [("anonymous", None), *self.people.items(), *self.extra.items(), ("right", right),
                                 ("inactive", right)]:
            savepoint = transaction.savepoint()  # one identity's POST cannot change what the next one sees
            try:
                if identity == "inactive":  # the right person, deactivated: their open session must not work
                    person = User.objects.get(pk=right.pk)
                    person.is_active = False
                    person.save()
                self._as(person)
                self._identity(name, url, rule, identity)
            finally:
                transaction.savepoint_rollback(savepoint)
        self.checked += len(self.people) + len(self.extra) + 3  # + anonymous, the right person, them deactivated
        bidders = sum(1 for identity in self.extra if identity in ALL_BIDDERS)
        if is_portal(name):
            self.portal_checks += bidders + (1 if right.pk in self.bidder_identity else 0)
        else:
            self.internal_checks += bidders

    def _identity(self, name, url, rule, identity) -> None:
        if is_api(name):  # bearer tokens, no CSRF; operations sharing a route are asked with their own method
            for method in rule.methods:
                self._check(name, url, rule, identity, method)
            return
        for method in ("GET", "POST"):
            if method == "POST" and identity == "right" and not rule.right_posts:
                continue
            if method == "POST" and identity in ("anonymous", "right") and "POST" in rule.methods \
                    and not rule.public:
                self._check(name, url, rule, identity, "POST", token=False, want=403)  # CSRF enforced
            self._check(name, url, rule, identity, method)


def test_every_url_has_a_policy_entry_and_every_entry_a_url():
    walked = list(walk())
    names = [name for name, _, _ in walked]
    unnamed = [route for name, route, _ in walked if not name]  # the admin's own redirects and catch-all
    missing = sorted(name for name in names if name and rule_for(name) is None)
    stale = sorted(set(POLICY) - set(names))

    assert not [route for route in unnamed if not route.startswith("admin/")], (
        f"URL patterns without a name cannot be given a policy: {unnamed}")
    assert not missing, f"URLs with no entry in tests/security/url_policy.py: {missing}"
    assert not stale, f"Policy entries for URLs that no longer exist: {stale}"
    assert len(names) > 100  # the walk found the included apps, not only the root


@pytest.mark.django_db
@pytest.mark.parametrize("group", GROUPS)
def test_every_url_answers_every_identity_as_the_policy_says(group):
    patterns = [(name or f"admin:<unnamed {route}>", pattern) for name, route, pattern in walk()
                if group_of(name, route) == group]
    if not patterns:
        pytest.skip(f"no URLs in the {group} group")
    matrix = Matrix(Scenario(), group)

    for name, pattern in patterns:
        matrix.run(name, pattern)

    record("URLs × identities checked", matrix.checked)
    record("URLs × identities checked/leaks", matrix.leaks)
    record("URLs × identities checked/server errors", matrix.errors)
    record("portal URLs × bidders checked", matrix.portal_checks)
    record("portal URLs × bidders checked/cross-bidder views", matrix.cross_bidder)
    record("portal URLs × bidders checked/internal URLs asked as a bidder", matrix.internal_checks)
    record("portal URLs × bidders checked/internal pages reached by bidders", matrix.internal_reached)
    assert not matrix.problems, f"{len(matrix.problems)} answers differ from the policy:\n" + "\n".join(
        matrix.problems)
    assert matrix.checked >= len(patterns) * (len(ROLE_IDENTITIES) + 3)


# --- CSRF exemptions and model-level grants, read from the source -------------------------------------------
# Source files allowed to use csrf_exempt, each with its reason beside it. None: every POST is CSRF-checked.
CSRF_EXEMPT_ALLOWED: dict[str, str] = {
    # django-ninja marks its operations exempt; the REST API reads only bearer tokens, never a cookie, so a
    # forged cross-site request carries no credential (tests/api/test_tokens.py: a session gets 401)
    "ninja/operation.py": "bearer-token API, no cookie authentication",
}
SOURCE_DIRS = ("procurement", "vendors", "awards", "contracts")


def _python_sources():
    for top in SOURCE_DIRS:
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_no_view_skips_csrf_unless_listed():
    found = set()
    for path in _python_sources():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Name) and node.id == "csrf_exempt") or (
                    isinstance(node, ast.Attribute) and node.attr == "csrf_exempt"):
                found.add(str(path.relative_to(ROOT)))

    assert not found - set(CSRF_EXEMPT_ALLOWED), f"csrf_exempt used outside the allow-list: {sorted(found)}"


def test_no_view_callback_is_marked_csrf_exempt():
    """The walk sees the callbacks as routed, third-party views (the admin's) included."""
    exempt = [name for name, _, pattern in walk() if getattr(pattern.callback, "csrf_exempt", False)
              and pattern.callback.__module__.replace(".", "/") + ".py" not in CSRF_EXEMPT_ALLOWED]

    assert not exempt, f"views that skip the CSRF check: {exempt}"


def test_object_lists_never_accept_model_level_grants():
    """Every get_objects_for_user call passes accept_global_perms=False: a model-wide grant shows nothing."""
    offenders = []
    for path in _python_sources():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == \
                    "get_objects_for_user":
                flags = {kw.arg: kw.value for kw in node.keywords}
                value = flags.get("accept_global_perms")
                if not (isinstance(value, ast.Constant) and value.value is False):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")

    assert not offenders, f"get_objects_for_user without accept_global_perms=False: {offenders}"


@pytest.mark.django_db
def test_a_model_wide_grant_shows_nothing_in_lists_or_pages(client):
    """A user holding the model-level "view" permission of every object-scoped model sees no object through it."""
    from django.contrib.auth.models import Permission

    from awards.policies import memo_policy, procedure_policy
    from contracts.policies import contract_policy
    from vendors.policies import vendor_policy

    s = Scenario()
    contract, memo, vendor = s.contract, s.approved_memo, s.vendor
    holder = UserFactory(username="model-wide-grant")
    codenames = ["view_vendor", "view_awardprocedure", "view_decisionmemo", "view_contract", "view_bid"]
    holder.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    holder = User.objects.get(pk=holder.pk)
    assert holder.has_perm("vendors.view_vendor") and holder.has_perm("contracts.view_contract")

    for policy in (vendor_policy, procedure_policy, memo_policy, contract_policy):
        assert not policy.visible(holder).exists(), policy
    client.force_login(holder, backend=BACKEND)
    pages = {reverse("vendors:list"): vendor.legal_name, reverse("awards:procedure_list"): memo.procedure.reference,
             reverse("contracts:list"): contract.reference}
    for address, secret in pages.items():
        response = client.get(address)
        assert response.status_code == 200 and secret not in response.content.decode(), address
    for address in (reverse("vendors:detail", args=[vendor.pk]), reverse("contracts:detail", args=[contract.reference]),
                    reverse("awards:memo_detail", args=[memo.procedure.reference])):
        assert client.get(address).status_code == 404, address
