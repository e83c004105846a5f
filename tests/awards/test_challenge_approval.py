"""Issue 17, findings 8 and 9 (approval): an award that survives challenge.

Finding 8: one person's signature counted for two committees of a route without their knowing; the route needed
"Procurement manager 1, Risk committee 2" and two people approved it. Now the sign-off form names the committee(s)
a signature counts for, and by default (BATON_SIGNOFF_ONE_COMMITTEE_PER_PERSON) a person chooses one.

Finding 9 (approval part): incomplete due diligence and unaccepted residual risks were warnings only, and the
decision date could be back-dated so that an expired certificate counted. Now they block unless waived, the waiver
is shown in the memo, its PDF and on the sign-off page, the final sign-off judges due diligence on the real
approval day, and the decision date is never in the past."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from awards import services
from awards.memo_documents import memo_page_data
from awards.models import ApprovalRoute, DecisionMemo, MemoVersion, SignOff, Waiver
from awards.policies import memo_policy, routes_to_sign
from awards.services.approval import quorum_state
from awards.services.memo import memo_preview
from procurement.accounts.roles import Role
from procurement.exceptions import InvalidTransition
from tests.factories.accounts import TEST_PASSWORD
from tests.factories.memos import EC, PM, RC, committee, shortlisted_procedure, written_memo
from tests.factories.vendors import EvidenceFactory, RiskFactory
from vendors.models import EvidenceKind

pytestmark = pytest.mark.django_db

DD_REASON = "The insurance renewal is signed and the certificate only waits for the broker stamp."
RISK_REASON = "The outage risk is covered by the service credits we negotiated and the fallback runbook."


def sign(person, memo, decision="approve", comment="", committee=None):
    return services.signoff_record(actor=person, memo=memo, decision=decision, comment=comment,
                                   password=TEST_PASSWORD, committee=committee)


def url(name, memo):
    return reverse(f"awards:{name}", args=[memo.procedure.reference])


@pytest.fixture
def panel(make_user):
    """Procurement manager (quorum 1) and risk committee (quorum 2); `both` sits on the two."""
    people = {name: make_user(Role.COMMITTEE_APPROVER, first_name=name.title()) for name in
              ("both", "pm2", "rc2", "rc3")}
    committee(PM, people["both"], people["pm2"], quorum=1)
    committee(RC, people["both"], people["rc2"], people["rc3"], quorum=2)
    committee(EC, quorum=2)
    return people


@pytest.fixture
def two_committee_memo(lead, business_owner, panel):
    """A memo in approval on the route "Procurement manager 1, Risk committee 2" (300k, low tier)."""
    shortlist = shortlisted_procedure(lead=lead, business_owner=business_owner, value=Decimal("300000"))
    memo = services.memo_submit(actor=lead, memo=written_memo(shortlist))
    route = ApprovalRoute.objects.get(memo=memo, status="open")
    assert [(s.committee.key, s.quorum) for s in route.steps.order_by("position")] == [(PM, 1), (RC, 2)]
    return memo


# --- finding 8: a signature counts for the committee the form names --------------------------------------------

def test_finding_8_one_signature_counts_for_one_committee_and_each_quorum_needs_distinct_people(
        two_committee_memo, panel):
    """Before: the member of both committees signed once and counted for both; a second person completed it."""
    memo = two_committee_memo

    sign(panel["both"], memo, committee=RC)

    assert list(SignOff.objects.values_list("signer__first_name", "step__committee__key")) == [("Both", RC)]
    # signed once on this route: not asked again, and refused for the other committee
    assert memo.pk not in set(routes_to_sign(panel["both"]).values_list("memo_id", flat=True))
    assert memo_policy.refusal(panel["both"], "sign", memo) == "You have already signed this version."
    with pytest.raises(PermissionDenied, match="already signed"):
        sign(panel["both"], memo, committee=PM)
    assert SignOff.objects.count() == 1

    sign(panel["rc2"], memo)  # the risk committee reaches 2 of 2; the procurement manager has nobody yet

    memo.refresh_from_db()
    assert memo.status == DecisionMemo.Status.IN_APPROVAL
    route = ApprovalRoute.objects.get(memo=memo)
    assert [(r["step"].committee.key, r["approvals"], r["reached"]) for r in quorum_state(route)] == [
        (PM, 0, False), (RC, 2, True)]
    assert memo.pk in set(routes_to_sign(panel["pm2"]).values_list("memo_id", flat=True))

    sign(panel["pm2"], memo)

    memo.refresh_from_db()
    assert memo.status == DecisionMemo.Status.APPROVED
    assert SignOff.objects.filter(route=route).values("signer").distinct().count() == 3


def test_finding_8_a_member_of_two_committees_must_choose_one_on_the_form(client, two_committee_memo, panel):
    """Before: the form asked nothing, and the signer was never told the signature counted twice."""
    memo = two_committee_memo
    route = ApprovalRoute.objects.get(memo=memo)
    rc_step = route.steps.get(committee__key=RC)
    client.force_login(panel["both"])

    page = client.get(url("memo_sign", memo)).content.decode()
    assert "The committee your signature counts for" in page
    assert 'name="committee"' in page and "Procurement manager" in page and "Risk committee" in page

    base = {"decision": "approve", "password": TEST_PASSWORD, "confirm": "on"}
    refused = client.post(url("memo_sign", memo), base)
    assert refused.status_code == 400 and "Choose the committee your signature counts for" in refused.content.decode()
    with pytest.raises(ValidationError) as caught:
        sign(panel["both"], memo)
    assert "committee" in caught.value.error_dict
    with pytest.raises(ValidationError) as caught:
        sign(panel["both"], memo, committee=EC)  # not a committee of theirs on this route
    assert "committee" in caught.value.error_dict
    assert not SignOff.objects.exists()

    assert client.post(url("memo_sign", memo), {**base, "committee": rc_step.pk}).status_code == 302
    assert list(SignOff.objects.values_list("signer", "step")) == [(panel["both"].pk, rc_step.pk)]

    client.force_login(panel["rc2"])  # one committee on the route: the form names it
    page = client.get(url("memo_sign", memo)).content.decode()
    assert "Your signature counts for the Risk committee only" in page and 'name="committee"' not in page


def test_finding_8_with_the_setting_off_the_form_says_the_signature_counts_for_each_committee(
        client, two_committee_memo, panel, settings):
    """Before: a signature silently counted for every committee the signer sat on; now the form says so."""
    settings.BATON_SIGNOFF_ONE_COMMITTEE_PER_PERSON = False
    memo = two_committee_memo
    client.force_login(panel["both"])

    page = client.get(url("memo_sign", memo)).content.decode()
    assert ("Your signature counts for each of these committees: Procurement manager, Risk committee." in page
            and 'name="committee"' not in page)
    assert client.post(url("memo_sign", memo), {"decision": "approve", "password": TEST_PASSWORD,
                                                "confirm": "on"}).status_code == 302

    assert sorted(SignOff.objects.values_list("step__committee__key", flat=True)) == sorted([PM, RC])
    assert memo_policy.refusal(panel["both"], "sign", memo) == "You have already signed this version."


def test_finding_8_rows_left_by_a_double_signature_count_once_under_the_default(two_committee_memo, panel,
                                                                                  settings):
    """Before: a signature already recorded for two committees kept counting for both."""
    memo = two_committee_memo
    settings.BATON_SIGNOFF_ONE_COMMITTEE_PER_PERSON = False
    sign(panel["both"], memo)  # recorded for both committees, as the old code did
    settings.BATON_SIGNOFF_ONE_COMMITTEE_PER_PERSON = True
    route = ApprovalRoute.objects.get(memo=memo)

    assert [(r["step"].committee.key, r["approvals"]) for r in quorum_state(route)] == [(PM, 1), (RC, 0)]
    assert memo_policy.can(panel["rc2"], "sign", memo) and not memo_policy.can(panel["pm2"], "sign", memo)
    sign(panel["rc2"], memo)
    memo.refresh_from_db()
    assert memo.status == DecisionMemo.Status.IN_APPROVAL  # the risk committee has 1 of 2 distinct people


# --- finding 9: waivers, not warnings ------------------------------------------------------------------------------

def test_finding_9_incomplete_due_diligence_blocks_submission_until_a_waiver_is_recorded(
        client, lead, business_owner, make_user):
    """Before: incomplete due diligence was a warning and the memo went to approval without anyone waiving it."""
    approver = make_user(Role.COMMITTEE_APPROVER, first_name="Wanda", last_name="Waver")
    committee(PM, approver, quorum=1)
    shortlist = shortlisted_procedure(lead=lead, business_owner=business_owner, value=Decimal("50000"),
                                      due_diligence=False)
    memo = written_memo(shortlist)

    with pytest.raises(InvalidTransition, match="Due diligence of the recommended vendor is incomplete"):
        services.memo_submit(actor=lead, memo=memo)
    assert not MemoVersion.objects.exists() and not ApprovalRoute.objects.exists()
    memo.refresh_from_db()
    assert memo.status == DecisionMemo.Status.DRAFT

    waiver = services.waiver_record(actor=approver, procedure=shortlist.procedure, kind=Waiver.Kind.DUE_DILIGENCE,
                                    reason=DD_REASON)
    _, _, findings = memo_preview(memo)
    dd = [f for f in findings if f.code == "dd_incomplete"]
    assert len(dd) == 1 and not dd[0].blocking and dd[0].waiver == waiver.sentence()
    client.force_login(lead)
    draft_page = client.get(url("memo_detail", memo)).content.decode()
    assert "Waived:" in draft_page and DD_REASON in draft_page

    memo = services.memo_submit(actor=lead, memo=memo)

    frozen = MemoVersion.objects.get(memo=memo).content["waivers"]
    assert [(w["kind"], w["subject"], w["reason"], w["recorded_by"]) for w in frozen] == [
        ("due_diligence", "", DD_REASON, "Wanda Waver")]
    assert frozen[0]["recorded_at"] == waiver.recorded_at.isoformat()
    assert DD_REASON in client.get(url("memo_detail", memo)).content.decode()
    pdf_html = render_to_string("awards/memo/memo_pdf.html", {**memo_page_data(memo),
                                                               "document": {"kind": "Award decision memo"}})
    assert waiver.sentence() in pdf_html and "1 recorded" in pdf_html
    client.force_login(approver)
    assert waiver.sentence() in client.get(url("memo_sign", memo)).content.decode()


def test_finding_9_an_unaccepted_residual_risk_blocks_until_a_waiver_names_it(lead, business_owner, make_user):
    """Before: a residual risk nobody had accepted was only a warning on the memo."""
    approver = make_user(Role.COMMITTEE_APPROVER)
    committee(PM, make_user(Role.COMMITTEE_APPROVER), quorum=1)
    shortlist = shortlisted_procedure(lead=lead, business_owner=business_owner, value=Decimal("50000"))
    risk = RiskFactory(vendor=shortlist.bids[0].vendor, title="Hosting outage")
    memo = services.memo_update(actor=lead, memo=written_memo(shortlist), residual_risks=[risk])

    with pytest.raises(InvalidTransition, match="Residual risk “Hosting outage” is not accepted"):
        services.memo_submit(actor=lead, memo=memo)
    services.waiver_record(actor=approver, procedure=shortlist.procedure, kind=Waiver.Kind.RESIDUAL_RISK,
                           subject="Some other risk", reason=RISK_REASON)
    with pytest.raises(InvalidTransition, match="Hosting outage"):  # a waiver of another risk does not cover it
        services.memo_submit(actor=lead, memo=memo)
    assert not MemoVersion.objects.exists()

    waiver = services.waiver_record(actor=approver, procedure=shortlist.procedure, kind=Waiver.Kind.RESIDUAL_RISK,
                                    subject="Hosting outage", reason=RISK_REASON)
    memo = services.memo_submit(actor=lead, memo=memo)

    assert memo.status == DecisionMemo.Status.IN_APPROVAL
    content = MemoVersion.objects.get(memo=memo).content
    assert ("residual_risk", "Hosting outage") in [(w["kind"], w["subject"]) for w in content["waivers"]]
    assert waiver.sentence() in [w["sentence"] for w in content["waivers"]]


def test_finding_9_the_final_sign_off_judges_due_diligence_on_the_real_approval_day(
        lead, business_owner, make_user, time_machine):
    """Before: approval trusted the due diligence frozen at submission, so a certificate that expired while the
    memo waited for signatures counted as valid."""
    pm, approver = make_user(Role.COMMITTEE_APPROVER), make_user(Role.COMMITTEE_APPROVER)
    committee(PM, pm, quorum=1)
    shortlist = shortlisted_procedure(lead=lead, business_owner=business_owner, value=Decimal("50000"),
                                      due_diligence=False)
    vendor = shortlist.bids[0].vendor
    today = timezone.localdate()
    EvidenceFactory(vendor=vendor, kind=EvidenceKind.SECURITY_QUESTIONNAIRE)
    EvidenceFactory(vendor=vendor, kind=EvidenceKind.DPA, valid_until=today + timedelta(days=3))
    memo = services.memo_submit(actor=lead, memo=written_memo(shortlist))  # complete on the decision date
    assert MemoVersion.objects.get(memo=memo).scoring_snapshot["due_diligence"]["complete"] is True

    time_machine.move_to(timezone.now() + timedelta(days=10))
    with pytest.raises(InvalidTransition) as refused:
        sign(pm, memo)
    assert "Data processing agreement: none valid on " + timezone.localdate().isoformat() in str(refused.value)
    assert "without a waiver" in str(refused.value)

    memo.refresh_from_db()
    assert memo.status == DecisionMemo.Status.IN_APPROVAL and memo.approved_at is None
    assert not SignOff.objects.exists()
    assert ApprovalRoute.objects.get(memo=memo).status == "open"

    services.waiver_record(actor=approver, procedure=shortlist.procedure, kind=Waiver.Kind.DUE_DILIGENCE,
                           reason=DD_REASON)
    # A waiver recorded while the route is open was not part of what the approvers signed: still refused.
    with pytest.raises(InvalidTransition, match="recorded after this version was submitted does not count"):
        sign(pm, memo)
    assert not SignOff.objects.exists()

    # Resubmitted with the waiver in its frozen content (the decision date brought to today), it is approved.
    memo = services.memo_update(actor=lead, memo=memo, decision_date=timezone.localdate(),
                                reason="Resubmitted with the due-diligence waiver")
    memo = services.memo_submit(actor=lead, memo=memo)
    assert [w["kind"] for w in MemoVersion.objects.get(memo=memo, number=2).content["waivers"]] == ["due_diligence"]
    sign(pm, memo)
    memo.refresh_from_db()
    assert memo.status == DecisionMemo.Status.APPROVED


def test_finding_9_the_decision_date_cannot_be_back_dated(lead, business_owner, time_machine):
    """Before: a decision date in the past was accepted, and due diligence was judged on it."""
    shortlist = shortlisted_procedure(lead=lead, business_owner=business_owner, value=Decimal("50000"))
    yesterday = timezone.localdate() - timedelta(days=1)

    with pytest.raises(ValidationError) as caught:
        services.memo_create(actor=lead, procedure=shortlist.procedure, decision_date=yesterday)
    assert "decision_date" in caught.value.error_dict
    assert not DecisionMemo.objects.exists()

    memo = written_memo(shortlist)
    revision = memo.revision
    with pytest.raises(ValidationError) as caught:
        services.memo_update(actor=lead, memo=memo, decision_date=yesterday, key_asks="Back-dated")
    assert "decision_date" in caught.value.error_dict
    memo.refresh_from_db()
    assert memo.revision == revision and memo.decision_date == timezone.localdate() and memo.key_asks != "Back-dated"

    time_machine.move_to(timezone.now() + timedelta(days=2))  # the decision date has passed meanwhile
    with pytest.raises(InvalidTransition, match="decision date .* has passed"):
        services.memo_submit(actor=lead, memo=memo)
    assert not MemoVersion.objects.exists()

    memo = services.memo_update(actor=lead, memo=memo, decision_date=timezone.localdate())
    assert services.memo_submit(actor=lead, memo=memo).status == DecisionMemo.Status.IN_APPROVAL


def test_finding_9_the_final_sign_off_refuses_a_residual_risk_whose_acceptance_was_withdrawn(
        lead, business_owner, make_user):
    """Before: a risk accepted at submission and re-opened while the memo waited was approved over unnoticed."""
    from vendors.services.risks import risk_accept, risk_update

    pm, approver = make_user(Role.COMMITTEE_APPROVER), make_user(Role.COMMITTEE_APPROVER)
    committee(PM, pm, quorum=1)
    shortlist = shortlisted_procedure(lead=lead, business_owner=business_owner, value=Decimal("50000"))
    risk = RiskFactory(vendor=shortlist.bids[0].vendor, title="Hosting outage")
    risk_accept(actor=lead, risk=risk, reason="Service credits and a tested fallback cover it.")
    memo = services.memo_update(actor=lead, memo=written_memo(shortlist), residual_risks=[risk])
    memo = services.memo_submit(actor=lead, memo=memo)  # accepted: nothing to waive at submission
    assert MemoVersion.objects.get(memo=memo).content["residual_risks"][0]["status"] == "accepted"

    risk_update(actor=lead, risk=risk, residual_likelihood=2, reason="Outages more frequent than assumed")
    with pytest.raises(InvalidTransition, match="Residual risk “Hosting outage” is not accepted"):
        sign(pm, memo)
    memo.refresh_from_db()
    assert memo.status == DecisionMemo.Status.IN_APPROVAL and not SignOff.objects.exists()

    services.waiver_record(actor=approver, procedure=shortlist.procedure, kind=Waiver.Kind.RESIDUAL_RISK,
                           subject="Hosting outage", reason=RISK_REASON)
    with pytest.raises(InvalidTransition, match="recorded after this version was submitted does not count"):
        sign(pm, memo)
    assert not SignOff.objects.exists()

    memo = services.memo_submit(actor=lead, memo=services.memo_update(actor=lead, memo=memo,
                                                                      reason="Resubmitted with the risk waiver"))
    sign(pm, memo)
    memo.refresh_from_db()
    assert memo.status == DecisionMemo.Status.APPROVED
