"""Schemathesis against the live REST API, once per demo identity, on PostgreSQL with the demo data.

The demo is seeded with the same steps `manage.py seed_demo` runs (each app's Contributions.demo), Baton is
served by pytest-django's live_server (127.0.0.1, a free port, stopped with the session), and for every demo
identity, with a token of that identity (write scope, read for the auditor):

1. schemathesis generates requests for every operation of the committed OpenAPI document (docs/openapi.json,
   which tests/api/test_schema.py keeps equal to the served one) and checks `not_a_server_error` and
   `response_schema_conformance` on each answer;
2. a walk of our own asks every list and every real object's detail, bids, results, memo, handoff data and KPI
   measurements, and checks every object in every answer against the policies the pages use
   (`visible(user)`, `sees_results`, auditors only for the audit trail): an object the pages would refuse is a
   leak. Refusals must be 404 (unseen) or 403 (seen, not allowed), never a 200.

Budget (2 cores, the whole module under 100 s): hypothesis runs MAX_EXAMPLES examples per operation (explicit
and generate phases only: no shrinking, no example database), with no deadline.
"""

from __future__ import annotations

import io
import json
import sys
import time
from datetime import timedelta

import pytest
import requests
import schemathesis
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.security.figures import record

MAX_EXAMPLES = 2
GROUP = "API requests tried by schemathesis"
CHECKS = {"server errors": not_a_server_error, "schema violations": response_schema_conformance}


def _seed_demo() -> dict:
    from procurement.contributions import collect, resolve

    users: dict = {}
    for step in collect().demo:
        resolve(step.step)(users=users, stdout=io.StringIO())
    return users


def _token(user) -> str:
    from procurement.accounts.roles import Role, has_role
    from procurement.api.services import api_token_create

    scope = "read" if has_role(user, Role.AUDITOR) and not user.is_superuser else "write"
    _, secret = api_token_create(actor=user, name="schemathesis", scope=scope,
                                 expires_on=timezone.localdate() + timedelta(days=1))
    return secret


class Visible:
    """What the pages show one person, from the apps' policies."""

    def __init__(self, user):
        from awards.policies import bid_policy, memo_policy, procedure_policy
        from awards.results import sees_results
        from contracts.policies import contract_policy
        from procurement.accounts.roles import Role, has_role
        from vendors.policies import vendor_policy

        self.vendors = set(vendor_policy.visible(user).values_list("pk", flat=True))
        procedures = list(procedure_policy.visible(user))
        self.procedures = {p.reference for p in procedures}
        self.results = {p.reference for p in procedures if sees_results(user, p)}
        self.bids = set(bid_policy.visible(user).values_list("pk", flat=True))
        self.memos = set(memo_policy.visible(user).values_list("procedure__reference", flat=True))
        self.contracts = set(contract_policy.visible(user).values_list("reference", flat=True))
        self.audit = user.is_superuser or has_role(user, Role.AUDITOR)

    def refused(self, path: str, body: dict) -> int:
        """How many objects in the answer to GET `path` the pages would not show (0 for an allowed answer)."""
        parts = path.strip("/").split("/")[2:]  # after api/v1
        kind, key, rest = parts[0], (parts[1] if len(parts) > 1 else None), parts[2:]
        items = body.get("items")
        if kind == "vendors":
            if key is None:
                return sum(v["id"] not in self.vendors for v in items)
            return int(int(key) not in self.vendors)
        if kind == "procedures":
            if key is None:
                return sum(p["reference"] not in self.procedures for p in items)
            if key not in self.procedures:
                return 1
            if rest == ["results"]:
                return int(key not in self.results)
            bids = items if rest == ["bids"] else body.get("bids", [])
            return sum(b["id"] not in self.bids for b in bids)
        if kind == "memos":
            if key is None:
                return sum(m["reference"] not in self.memos for m in items)
            return int(key not in self.memos)
        if kind == "contracts":
            if key is None:
                return sum(c["reference"] not in self.contracts for c in items)
            return int(key not in self.contracts)
        if kind == "audit":
            return 0 if self.audit else max(1, len(items or []))
        return 0  # the OCDS publication is public data by design


def _objects():
    from awards.models import AwardProcedure, DecisionMemo
    from contracts.models import Contract, Kpi
    from vendors.models import Vendor

    paths = ["vendors/", "procedures/", "memos/", "contracts/", "audit/"]
    paths += [f"vendors/{pk}" for pk in Vendor.objects.values_list("pk", flat=True)]
    for reference in AwardProcedure.objects.values_list("reference", flat=True):
        paths += [f"procedures/{reference}", f"procedures/{reference}/bids", f"procedures/{reference}/results"]
    paths += [f"memos/{r}" for r in DecisionMemo.objects.values_list("procedure__reference", flat=True)]
    for reference in Contract.objects.values_list("reference", flat=True):
        paths += [f"contracts/{reference}", f"contracts/{reference}/handoff"]
    paths += [f"contracts/{ref}/kpis/{pk}/measurements"
              for pk, ref in Kpi.objects.values_list("pk", "contract__reference")[:3]]
    return paths


@pytest.fixture
def demo(live_server, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
    started = time.monotonic()
    users = _seed_demo()
    sys.stderr.write(f"\n[api-schemathesis] demo seeded in {time.monotonic() - started:.1f}s\n")
    return live_server.url, {name: (user, _token(user)) for name, user in users.items()}


def _exercise(operation, base, session, headers, name, tried, problems):
    """A hypothesis test of one operation as one identity."""

    @given(case=operation.as_strategy())
    @hypothesis_settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
                         phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def exercise(case):
        response = case.call(base_url=base, session=session, headers=headers, timeout=30)
        tried["n"] += 1
        for label, check in CHECKS.items():
            try:
                case.validate_response(response, checks=[check])
            except Exception as exc:  # schemathesis raises a Failure or a group of them
                problems[label].append(f"{name} {operation.method.upper()} {operation.path}: "
                                       f"{response.status_code} {str(exc)[:300]}")

    return exercise


def _walk(base, session, headers, name, visible, paths, tried, problems, leaks):
    """Every list and every real object, as one identity: 200 only with what the pages show them."""
    for path in paths:
        response = session.get(f"{base}/api/v1/{path}", headers=headers, timeout=30)
        tried["n"] += 1
        if response.status_code >= 500:
            problems["server errors"].append(f"{name} GET {path}: {response.status_code}")
        elif response.status_code == 200:
            refused = visible.refused(f"/api/v1/{path}", response.json())
            if refused:
                leaks.append(f"{name} GET {path}: {refused} object(s) the pages refuse")
        elif response.status_code not in (403, 404):
            problems["server errors"].append(f"{name} GET {path}: unexpected {response.status_code}")


def test_schemathesis_and_the_leak_walk_as_every_demo_identity(demo):
    base, identities = demo
    started = time.monotonic()
    document = json.loads(requests.get(f"{base}/api/v1/openapi.json", timeout=10).text)
    schema = schemathesis.openapi.from_dict(document)
    operations = [result.ok() for result in schema.get_all_operations()]
    session = requests.Session()  # keep-alive; closed at the end so the server thread drops its DB connection
    tried = {"n": 0}
    problems: dict[str, list[str]] = {name: [] for name in CHECKS}
    leaks: list[str] = []
    paths = _objects()

    fuzzing = 0.0
    try:
        for name, (user, secret) in identities.items():
            headers = {"Authorization": f"Bearer {secret}"}
            begun = time.monotonic()
            for operation in operations:
                _exercise(operation, base, session, headers, name, tried, problems)()
            fuzzing += time.monotonic() - begun
            _walk(base, session, headers, name, Visible(user), paths, tried, problems, leaks)
    finally:
        session.close()
    sys.stderr.write(f"\n[api-schemathesis] {len(identities)} identities, {len(operations)} operations, "
                     f"{len(paths)} walked paths; fuzzing {fuzzing:.1f}s\n")

    sys.stderr.write(f"\n[api-schemathesis] {tried['n']} requests in {time.monotonic() - started:.1f}s\n")
    record(GROUP, tried["n"])
    record(f"{GROUP}/server errors", len(problems["server errors"]))
    record(f"{GROUP}/schema violations", len(problems["schema violations"]))
    record(f"{GROUP}/objects seen that the pages would refuse", len(leaks))
    assert tried["n"] > len(identities) * len(operations)
    assert not problems["server errors"], "\n".join(problems["server errors"][:20])
    assert not problems["schema violations"], "\n".join(problems["schema violations"][:20])
    assert not leaks, "\n".join(leaks[:20])
