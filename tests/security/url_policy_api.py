"""The URL policy of the REST API and the API-token pages (issue 19), merged into url_policy.POLICY.

The matrix asks every "api:" URL with a bearer token of each identity (a read token for GET, a write token for
POST; test_url_matrix.Matrix), never a session. "login" means 401 here: no usable token (anonymous, or the
right person deactivated). A POST carries the body named in API_BODIES, valid for the right person, so a refusal
is the permission's and not the payload's. Operations sharing one route are asked only with their own method.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from tests.security.url_policy import AUD, AW, GET, POST, ROLE_IDENTITIES, Rule, act, read, signed_in

EVERYONE = frozenset(ROLE_IDENTITIES)


def _vendor(s):
    return {"vendor_id": s.vendor.pk}


def _procedure(s):
    return {"reference": s.procedure.reference}


def _memo(s):
    return {"reference": s.approved_procedure.reference}


def _live(s):
    return {"reference": s.live.reference}


def _kpi(s):
    return {"reference": s.live.reference, "kpi_id": s.kpi.pk}


def _token(s):
    """A token of the right person (the lead), made once per scenario."""
    if not hasattr(s, "_api_token"):
        from procurement.api.services import api_token_create

        s._api_token, _ = api_token_create(actor=s.lead, name="Matrix", scope="read",
                                           expires_on=timezone.localdate() + timedelta(days=5))
    return {"pk": s._api_token.pk}


def _today() -> str:
    return timezone.localdate().isoformat()


API: dict = {
    # the OpenAPI document is public; the API root only names the prefix (404 to everyone, docs are off)
    "api:openapi-json": Rule(public=True, right=None, methods=GET),
    "api:api-root": Rule(public=True, right=None, methods=GET, answers={"*": 404}),
    # lists: every signed-in identity, each seeing only their own share
    "api:vendor_list": signed_in(methods=GET),
    "api:procedure_list": signed_in(methods=GET),
    "api:memo_list": signed_in(methods=GET),
    "api:contract_list": signed_in(methods=GET),
    # vendors: leads see every vendor, auditors read all, everyone else 404
    "api:vendor_detail": read(_vendor, "lead", sees=AW),
    "api:vendor_attestations": read(_vendor, "lead", sees=AW),
    "api:vendor_register": act(None, "lead", sees=EVERYONE - {"lead"}, acts={"lead"}, methods=POST, others=403),
    "api:vendor_evidence": act(_vendor, "lead", sees=AUD, acts={"lead"}, methods=POST),
    # procedures: every lead and auditors see them; the results only the procedure's lead, owner and auditors
    "api:procedure_detail": read(_procedure, "lead", sees=AW),
    "api:procedure_bids": read(_procedure, "lead", sees=AW),
    "api:procedure_results": read(_procedure, "lead", sees=AW, answers={"lead": 403}),
    # the assigned evaluator gets through (409: already submitted, like the scoring grid); leads, auditors 403
    "api:procedure_scoresheet": act(_procedure, "evaluator", sees=AW, methods=POST),
    "api:memo_detail": read(_memo, "lead", sees=AW),
    # contracts: the team (the post-award manager here), every lead, auditors
    "api:contract_detail": read(_live, "manager", sees=AW),
    "api:contract_handoff": read(_live, "manager", sees=AW),
    "api:kpi_measurements": read(_kpi, "manager", sees=AW),
    "api:kpi_measurement_record": act(_kpi, "manager", sees=AUD, acts={"lead"}, methods=POST),
    "api:invoice_record": act(_live, "manager", sees=AUD, acts={"lead"}, methods=POST),
    # the audit trail: auditors only, like the global log page
    "api:audit_log": read(right="auditor", sees=AUD, others=403),
    # the token pages (sessions, CSRF-checked like every page)
    "api_tokens:create": signed_in(),
    "api_tokens:revoke": act(_token, "lead", sees=AUD),
}

# The body each POST is sent with (valid for the right person).
API_BODIES: dict = {
    "api:vendor_register": lambda s: {"legal_name": "Matrix Registered Ltd", "country": "DE",
                                      "offering_type": "ai_saas", "ai_act_role": "provider"},
    "api:vendor_evidence": lambda s: {"kind": "dpa", "title": "DPA", "source": "self_reported",
                                      "effective_date": _today(), "original_name": "dpa.pdf",
                                      "content_base64": "JVBERi0xLjQKJSBtYXRyaXgKJSVFT0YK"},
    "api:procedure_scoresheet": lambda s: {"scores": [], "submit": True},
    "api:kpi_measurement_record": lambda s: {"measured_on": _today(), "value": "500"},
    "api:invoice_record": lambda s: {"number": "MATRIX-1", "amount": "10.00", "received_on": _today()},
}
