"""The permission policy of every URL, as a table the matrix test walks (tests/security/test_url_matrix.py).

One entry per URL name. An entry says how to build the URL's kwargs from the Scenario, which methods the view
answers, who "the right person" is, and what everyone else gets:

- `anonymous` and `inactive` (the right person, deactivated) are sent to the sign-in page;
- `right` (a Scenario attribute) may do it: any answer but 403/404/405/500 and no sign-in redirect;
- identities in `acts` (role holders with no relation, e.g. any procurement lead on a vendor) may do it too;
- identities in `sees` can see the object but not act: a reading page answers them, an action answers 403;
- everyone else signed in gets `others` (404 by default: existence is not revealed);
- a method not in `methods` answers 405 to anyone signed in.

The unrelated identities are one fresh user per role — "lead", "evaluator", "approver", "manager", "owner",
"auditor" — and "norole" (signed in, no role). Adding a URL is one line: `"app:name": act(KW, "lead"),`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

ANY = "any"  # any answer but a server error (the admin's own pages, for a superuser)
GET, POST = ("GET",), ("POST",)
GET_POST = ("GET", "POST")
ROLE_IDENTITIES = ("lead", "evaluator", "approver", "manager", "owner", "norole", "auditor")

AW = frozenset({"lead", "auditor"})  # award procedures: every procurement lead reads them, auditors read all
AUD = frozenset({"auditor"})
LEADS = frozenset({"lead"})


@dataclass(frozen=True)
class Rule:
    kwargs: Callable | None = None  # Scenario -> dict
    right: str | None = "lead"  # the Scenario attribute of the person who may; None: any signed-in user
    methods: tuple[str, ...] = GET_POST
    read: bool = False
    sees: frozenset = frozenset()
    acts: frozenset = frozenset()
    others: int = 404
    public: bool = False  # answers everyone, signed in or not (the sign-in page)
    right_posts: bool = True  # False: the right person's POST is not exercised (admin deletes)
    answers: dict = field(default_factory=dict)  # identity -> fixed answer, overriding the above ("*": all)


def read(kwargs=None, right="lead", *, sees=AW, methods=GET, **extra) -> Rule:
    return Rule(kwargs=kwargs, right=right, methods=methods, read=True, sees=frozenset(sees), **extra)


def act(kwargs=None, right="lead", *, sees=AW, acts=(), methods=GET_POST, **extra) -> Rule:
    return Rule(kwargs=kwargs, right=right, methods=methods, sees=frozenset(sees), acts=frozenset(acts), **extra)


def signed_in(kwargs=None, *, methods=GET, **extra) -> Rule:
    """A page every signed-in, active user may open (it shows only what they may see)."""
    return Rule(kwargs=kwargs, right=None, methods=methods, **extra)


# --- kwargs from the scenario --------------------------------------------------------------------------------
def V(**more):  # noqa: N802 - reads like the URL
    return lambda s: {"pk": s.vendor.pk, **{k: (v(s) if callable(v) else v) for k, v in more.items()}}


def P(**more):  # noqa: N802
    return lambda s: {"reference": s.procedure.reference,
                      **{k: (v(s) if callable(v) else v) for k, v in more.items()}}


def PB(**more):  # noqa: N802 - procedure B, whose memo was approved
    return lambda s: {"reference": s.approved_procedure.reference,
                      **{k: (v(s) if callable(v) else v) for k, v in more.items()}}


def C(**more):  # noqa: N802
    return lambda s: {"reference": s.contract.reference,
                      **{k: (v(s) if callable(v) else v) for k, v in more.items()}}


def L(**more):  # noqa: N802 - the live (active) contract
    return lambda s: {"reference": s.live.reference, **{k: (v(s) if callable(v) else v) for k, v in more.items()}}


def X(**more):  # noqa: N802 - the contract being exited
    return lambda s: {"reference": s.exiting.reference,
                      **{k: (v(s) if callable(v) else v) for k, v in more.items()}}


def _pk(attr):
    return lambda s: getattr(s, attr).pk


VENDOR_LEAD = {"sees": AUD, "acts": LEADS}  # any procurement lead runs the vendor registry
CONTRACT_LEAD = {"sees": AUD, "acts": LEADS}  # any procurement lead decides on any contract
CONTRACT_TEAM = {"sees": AUD, "acts": LEADS}  # the contract team negotiates; leads too

POLICY: dict[str, Rule | list[Rule]] = {  # a list: the same URL asked with different kwargs
    # --- the kernel ------------------------------------------------------------------------------------------
    "home": signed_in(),
    "login": Rule(public=True),
    "logout": Rule(right=None, methods=POST, answers={"GET": 405, "POST": "login"}),  # signs out, to sign-in
    "floor": signed_in(),  # the benchmark page: the base template and nothing else
    # Probes answer anyone with one word and reveal nothing (tests/procurement/test_health.py).
    "health_live": Rule(right=None, methods=GET, public=True),
    "health_ready": Rule(right=None, methods=GET, public=True),
    "health_workers": Rule(right=None, methods=GET, public=True),
    # Metrics need the bearer token (tests/procurement/test_metrics.py); with none configured, nobody gets them.
    "metrics": Rule(right=None, methods=GET, answers={"*": 404}),
    "search": signed_in(),  # results are filtered by each policy (tests/procurement/test_search*.py)
    "exchange_rates": signed_in(),  # rates are no secret (tests/procurement/test_exchange_rates.py)
    "exchange_rate_record": act(right="superuser", sees=(), others=403),  # or a holder of add_exchangerate
    "calendar_feed": [  # the secret token is the credential; a deactivated owner's feed is gone
        Rule(kwargs=lambda s: {"token": s.feed_token}, right="manager", methods=GET, public=True,
             answers={"inactive": 404}),
        Rule(kwargs=lambda s: {"token": "not-a-token-anyone-was-given"}, right="manager", methods=GET,
             answers={"*": 404}),
    ],
    # --- notifications: each person's own ------------------------------------------------------------------
    "notifications:inbox": signed_in(),
    "notifications:open": read(lambda s: {"pk": s.notification.pk}, "manager", sees=()),
    "notifications:mark_read": act(lambda s: {"pk": s.notification.pk}, "manager", sees=(), methods=POST),
    "notifications:mark_all_read": signed_in(methods=POST),
    "notifications:preferences": signed_in(methods=GET_POST),
    "notifications:calendar_token": signed_in(methods=POST),
    "password_change": signed_in(methods=GET_POST),
    "password_change_done": signed_in(),
    # --- vendors ---------------------------------------------------------------------------------------------
    "vendors:list": signed_in(),
    "vendors:create": act(others=403, **VENDOR_LEAD),
    "vendors:import": act(others=403, **VENDOR_LEAD),
    "vendors:detail": read(V(), sees=AUD | LEADS),
    "vendors:edit": act(V(), **VENDOR_LEAD),
    "vendors:status": act(V(to="active"), methods=POST, **VENDOR_LEAD),
    "vendors:tiering": act(V(), **VENDOR_LEAD),
    "vendors:tier_override": act(V(), **VENDOR_LEAD),
    "vendors:evidence_upload": act(V(), **VENDOR_LEAD),
    "vendors:evidence_download": read(V(evidence_id=_pk("evidence")), sees=AUD | LEADS),
    "vendors:evidence_review": act(V(evidence_id=_pk("evidence")), **VENDOR_LEAD),
    "vendors:attestation_create": act(V(), **VENDOR_LEAD),
    "vendors:risk_create": act(V(), **VENDOR_LEAD),
    "vendors:risk_edit": act(V(risk_id=_pk("risk")), **VENDOR_LEAD),
    "vendors:risk_status": act(V(risk_id=_pk("risk"), to="mitigating"), methods=POST, **VENDOR_LEAD),
    "vendors:risk_accept": act(V(risk_id=_pk("risk")), methods=POST, **VENDOR_LEAD),
    "vendors:contact_add": act(V(), methods=POST, **VENDOR_LEAD),
    "vendors:contact_remove": act(V(contact_id=_pk("contact")), methods=POST, **VENDOR_LEAD),
    "vendors:subprocessor_add": act(V(), methods=POST, **VENDOR_LEAD),
    "vendors:subprocessor_remove": act(V(subprocessor_id=_pk("subprocessor")), methods=POST, **VENDOR_LEAD),
    "vendors:access_grant": act(V(), methods=POST, **VENDOR_LEAD),
    "vendors:access_revoke": act(V(grant_id=_pk("grant")), methods=POST, **VENDOR_LEAD),
    "vendors:trigger_record": act(V(), **VENDOR_LEAD),
    "vendors:task_close": act(V(task_id=_pk("vendor_task")), methods=POST, **VENDOR_LEAD),
    # --- award procedures (procedure A: shortlisted, memo waiting for sign-off) ------------------------------
    "awards:procedure_list": signed_in(),
    "awards:procedure_create": act(sees=(), acts=LEADS),
    "awards:procedure_detail": read(P()),
    "awards:procedure_edit": act(P()),
    "awards:procedure_timeline": act(P()),
    "awards:procedure_advance": act(P()),
    "awards:procedure_cancel": act(P()),
    "awards:requirement_add": act(P()),
    "awards:requirements_agree_all": act(P(), "owner", methods=POST),
    "awards:requirement_edit": act(P(pk=_pk("requirement"))),
    "awards:requirement_agree": act(P(pk=_pk("requirement")), "owner", methods=POST),
    "awards:bid_invite": act(P()),
    "awards:bid_detail": read(P(pk=_pk("bid"))),
    "awards:bid_decline": act(P(pk=_pk("bid"))),
    "awards:document_add": act(P(pk=_pk("bid"))),
    "awards:document_download": read(P(pk=_pk("bid"), document_id=_pk("document"))),
    "awards:bid_submission": act(P(pk=_pk("bid")), methods=POST),
    "awards:bid_late_decision": act(P(pk=_pk("bid"))),
    "awards:bid_decide": act(P(pk=_pk("bid"))),
    "awards:coi_declare": act(P(pk=_pk("bid")), "evaluator"),
    "awards:pov_criterion_add": act(P(pk=_pk("bid"))),
    "awards:pov_criterion_edit": act(P(pk=_pk("bid"), criterion_id=_pk("pov_criterion"))),
    "awards:pov_result": act(P(pk=_pk("bid"), criterion_id=_pk("pov_criterion"))),
    "awards:pov_lock": act(P(pk=_pk("bid"))),
    "awards:reference_add": act(P(pk=_pk("bid"))),
    "awards:question_add": act(P()),
    "awards:qa_export": read(P()),
    "awards:question_answer": act(P(pk=_pk("question"))),
    "awards:question_publish": act(P(pk=_pk("question")), methods=POST),
    "awards:evaluator_assign": act(P()),
    "awards:coi_review": act(P(pk=_pk("declaration"))),
    "awards:scorecard": read(P()),
    "awards:scorecard_create": act(P(), methods=POST),
    "awards:scorecard_lock": act(P()),
    "awards:scorecard_group_add": act(P()),
    "awards:scorecard_group_edit": act(P(pk=_pk("group"))),
    "awards:scorecard_criterion_add": act(P()),
    "awards:scorecard_criterion_edit": act(P(pk=_pk("criterion"))),
    "awards:scorecard_knockout_add": act(P()),
    "awards:scorecard_knockout_edit": act(P(pk=_pk("knockout"))),
    "awards:scorecard_sheet_reopen": act(P(pk=_pk("sheet"))),
    "awards:scoring": act(P(), "evaluator", methods=GET),
    "awards:scoring_cell": act(P(), "evaluator", methods=POST),
    "awards:scoring_submit": act(P(), "evaluator", methods=POST),
    "awards:scoring_sheet_export": act(P(), "evaluator", methods=GET),
    "awards:scoring_sheet_import": act(P(), "evaluator"),
    "awards:results": read(P(), answers={"lead": 403}),  # other leads see the procedure, not its results
    "awards:results_export": read(P(fmt="csv"), answers={"lead": 403}),
    "awards:results_rationales": read(P(bid_id=_pk("bid")), answers={"lead": 403}),  # as the results page
    # the raw decision record: the procedure's lead and auditors (an evaluator gets their own scores only)
    "awards:decision_record_json": read(P(), answers={"lead": 403}),
    "awards:decision_record_xlsx": read(P(), answers={"lead": 403}),
    "awards:results_knockout": act(P(knockout_id=_pk("knockout"), bid_id=_pk("bid"))),
    "awards:results_consensus": act(P(bid_id=_pk("bid"), criterion_id=_pk("criterion"))),
    "awards:results_shortlist": act(P(bid_id=_pk("bid"))),
    "awards:results_decide": act(P()),  # issue 21: every knockout and shortlist decision on one page
    "awards:coi_declare_all": act(P(), "evaluator"),  # issue 21: declarations for every bidder at once
    "awards:memo_inbox": signed_in(),
    "awards:memo_detail": read(lambda s: {"reference": s.memo.procedure.reference}, "approver"),
    "awards:memo_create": act(P(), methods=POST),
    "awards:memo_edit": act(lambda s: {"reference": s.memo.procedure.reference}),
    "awards:memo_submit": act(lambda s: {"reference": s.memo.procedure.reference}, methods=POST),
    "awards:memo_sign": act(lambda s: {"reference": s.memo.procedure.reference}, "approver"),
    "awards:debrief_edit": act(PB(pk=_pk("debrief"))),
    # the waiver pages open to those the waiver policy names to record one: another procurement lead, and a
    # committee approver (due diligence, residual risk, standstill) who cannot otherwise read the procedure
    "awards:waiver_list": read(P(), sees=AW | {"approver"}),
    # a waiver is recorded by another procurement lead or an approver, never by the procedure's lead it lets
    # proceed (the approver's POST here is an incomplete form: 400)
    "awards:waiver_new": act(P(), acts=("lead", "approver"), answers={"right": 403}),
    # --- contracts (opened from procedure B's approved memo) -----------------------------------------------
    "contracts:list": signed_in(),
    "contracts:open": act(others=403, **CONTRACT_LEAD),
    "contracts:detail": read(C(), "manager", sees=AUD | LEADS),
    "contracts:section": [read(C(name=name), "manager", sees=AUD | LEADS)
                          for name in ("negotiation", "handoff", "delivery", "money", "performance", "incidents",
                                       "exit")],
    "contracts:edit": act(C(), **CONTRACT_LEAD),
    "contracts:transition": act(C(target="signed"), **CONTRACT_LEAD),
    "contracts:kickoff_edit": act(C(), **CONTRACT_LEAD),
    "contracts:attendee_add": act(C(), **CONTRACT_LEAD),
    "contracts:kickoff_hold": act(C(), **CONTRACT_LEAD),
    "contracts:action_add": act(C(), "manager", **CONTRACT_TEAM),
    "contracts:action_done": act(C(pk=_pk("action")), "manager", methods=POST, **CONTRACT_TEAM),
    "contracts:clause_edit": act(C(pk=_pk("clause")), "manager", **CONTRACT_TEAM),
    # moving a clause is the negotiation side's (a procurement lead); the manager comments and gets 403
    "contracts:clause_status": act(C(pk=_pk("clause"), target="proposed"), **CONTRACT_LEAD),
    "contracts:feedback_add": act(C(pk=_pk("clause")), "manager", **CONTRACT_TEAM),
    "contracts:feedback_respond": act(C(pk=_pk("feedback")), "manager", **CONTRACT_TEAM),
    "contracts:scenario_add": act(C(), "manager", **CONTRACT_TEAM),
    "contracts:scenario_edit": act(C(pk=_pk("contract_scenario")), "manager", **CONTRACT_TEAM),
    "contracts:raci_edit": act(C(), **CONTRACT_LEAD),
    "contracts:raci_activity_add": act(C(), **CONTRACT_LEAD),
    "contracts:issue_add": act(C(), "manager", **CONTRACT_TEAM),
    "contracts:issue_resolve": act(C(pk=_pk("issue")), "manager", **CONTRACT_TEAM),
    "contracts:milestone_add": act(C(), **CONTRACT_LEAD),
    "contracts:checklist_item": act(C(pk=_pk("checklist_item")), "manager", **CONTRACT_TEAM),
    "contracts:checklist_waive": act(C(pk=_pk("checklist_item")), **CONTRACT_LEAD),
    "contracts:pack_request": act(C(), "manager", methods=POST, **CONTRACT_TEAM),
    "contracts:pack_download": read(lambda s: (s.pack, {"reference": s.contract.reference})[1], "manager",
                                    sees=AUD | LEADS),
    "contracts:pack_acknowledge": act(lambda s: (s.pack, {"reference": s.contract.reference})[1], "manager",
                                      sees=AUD | LEADS, methods=POST),
    # --- post-award (the live contract: active; the exiting one: exit started) --------------------------------
    "contracts:milestone_plan": act(L(pk=_pk("milestone")), "manager", **CONTRACT_TEAM),
    "contracts:milestone_deliver": act(L(pk=_pk("milestone")), "manager", **CONTRACT_TEAM),
    "contracts:milestone_decide": act(L(pk=_pk("milestone"), decision="accept"), "manager", **CONTRACT_TEAM),
    "contracts:milestone_evidence": read(L(pk=_pk("milestone")), "manager", sees=AUD | LEADS),
    "contracts:payment_terms": act(L(), "manager", **CONTRACT_TEAM),
    "contracts:invoice_add": act(L(), "manager", **CONTRACT_TEAM),
    # approving an invoice: the RACI's Accountable for "Approve payments" only (the business owner when seeded)
    "contracts:invoice_step": act(L(pk=_pk("invoice"), step="approve"), "owner", sees=AUD | LEADS),
    "contracts:change_order_add": act(L(), "manager", **CONTRACT_TEAM),
    "contracts:change_order_decide": act(L(pk=_pk("change_order")), "owner", sees=AUD | LEADS),  # RACI's A only
    "contracts:kpi_add": act(L(), "manager", **CONTRACT_TEAM),
    "contracts:kpis_seed": act(L(), "manager", methods=POST, **CONTRACT_TEAM),
    "contracts:measurements_import": act(L(), "manager", **CONTRACT_TEAM),
    "contracts:kpi_edit": act(L(pk=_pk("kpi")), "manager", **CONTRACT_TEAM),
    "contracts:measurement_add": act(L(pk=_pk("kpi")), "manager", **CONTRACT_TEAM),
    "contracts:performance": read(L(), "manager", sees=AUD | LEADS),
    "contracts:checkin_add": act(L(team="procurement"), "manager", **CONTRACT_TEAM),
    "contracts:incident_add": act(L(), "manager", **CONTRACT_TEAM),
    "contracts:incident_notified": act(L(pk=_pk("incident")), "manager", **CONTRACT_TEAM),
    "contracts:exit_runbook": act(L(), "manager", **CONTRACT_TEAM),
    "contracts:exit_start": act(L(), "manager", **CONTRACT_TEAM),
    "contracts:exit_step": act(X(pk=_pk("exit_step")), "manager", **CONTRACT_TEAM),
    "contracts:exit_step_waive": act(X(pk=_pk("exit_step")), "manager", **CONTRACT_TEAM),
    "contracts:exit_close": act(X(), "manager", **CONTRACT_TEAM),
    # --- rendered documents (the contract's handoff pack) ----------------------------------------------------
    "documents:status": read(lambda s: {"kind": "contract_handoff_pack", "source_id": s.contract.pk}, "manager",
                             sees=AUD | LEADS),
    "documents:request": act(lambda s: {"kind": "contract_handoff_pack", "source_id": s.contract.pk}, "manager",
                             methods=POST, **CONTRACT_TEAM),
    "documents:retry": act(lambda s: {"pk": s.pack.pk}, "manager", methods=POST, **CONTRACT_TEAM),
    "documents:download": read(lambda s: {"pk": s.pack.pk}, "manager", sees=AUD | LEADS),
    # --- the audit trail ---------------------------------------------------------------------------------------
    "audit:log": read(right="auditor", sees=AUD, others=403),
    "audit:log_csv": read(right="auditor", sees=AUD, others=403),
    "audit:object": read(lambda s: {"label": "awards.decisionmemo", "pk": s.memo.pk}, "approver"),
}

# Issue 19's endpoints, one table per feature (single sign-on, passkeys, the REST API, webhooks); issue 20's
# bidders' portal and its internal pages.
from tests.security.url_policy_api import API  # noqa: E402

# Issue 21's pages: one table per area (builder, set-up, templates, policy tables, lists, people).
from tests.security.url_policy_builder import BUILDER  # noqa: E402
from tests.security.url_policy_lists import LISTS  # noqa: E402
from tests.security.url_policy_ocds import OCDS  # noqa: E402
from tests.security.url_policy_passkeys import PASSKEYS  # noqa: E402
from tests.security.url_policy_people import PEOPLE  # noqa: E402
from tests.security.url_policy_policy_awards_vendors import POLICY_AWARDS_VENDORS  # noqa: E402
from tests.security.url_policy_policy_contracts import POLICY_CONTRACTS  # noqa: E402
from tests.security.url_policy_portal import PORTAL  # noqa: E402
from tests.security.url_policy_setup import SETUP  # noqa: E402
from tests.security.url_policy_sso import SSO  # noqa: E402
from tests.security.url_policy_templates import TEMPLATES  # noqa: E402
from tests.security.url_policy_webhooks import WEBHOOKS  # noqa: E402

for _table in (SSO, PASSKEYS, API, WEBHOOKS, OCDS, PORTAL, BUILDER, SETUP, TEMPLATES, POLICY_AWARDS_VENDORS,
               POLICY_CONTRACTS, LISTS, PEOPLE):
    assert not set(_table) & set(POLICY), set(_table) & set(POLICY)
    POLICY.update(_table)

# The admin site is for staff only: every identity here is sent to the admin sign-in; a superuser opens it.
ADMIN_RULE = Rule(right="superuser", methods=GET_POST, right_posts=False, answers={
    "right": ANY, **{identity: "admin_login" for identity in ("anonymous", "inactive", *ROLE_IDENTITIES)}})
ADMIN_PUBLIC = {"admin:login": Rule(public=True),
                "admin:logout": Rule(right="superuser", methods=POST, answers={
                    "right": (405, "login"), **{identity: "admin_login"
                                                for identity in ("anonymous", "inactive", *ROLE_IDENTITIES)}})}


def rule_for(name: str) -> Rule | list[Rule] | None:
    if name in POLICY:
        return POLICY[name]
    if name in ADMIN_PUBLIC:
        return ADMIN_PUBLIC[name]
    if name.startswith("admin:"):
        return ADMIN_RULE
    return None
