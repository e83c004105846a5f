"""Who sees what: 404 for everyone not involved, on every URL of the procedure; bounded queries on its page."""

from decimal import Decimal

import pytest
from django.urls import reverse

from awards import services
from procurement.accounts.roles import Role
from tests.factories.award_fixtures import pdf

pytestmark = pytest.mark.django_db

POST_ONLY = {"requirement_agree", "requirements_agree_all", "bid_submission", "question_publish"}


@pytest.fixture
def world(evaluation, lead):
    """The evaluation fixture plus a requirement, a question, a document, a POV criterion, a reference check and
    one evaluator recused from the first bid."""
    procedure = evaluation
    bid = procedure.bids.order_by("pk").first()
    requirement = procedure.requirements.first()
    from awards.models import Question

    question = Question.objects.create(procedure=procedure, number=1, bid=bid, text="EU hosting?",
                                       received_at=bid.submitted_at, recorded_by=lead)
    criterion = services.pov_criterion_add(actor=lead, bid=bid, metric="Accuracy", comparator="gte",
                                           threshold=Decimal("85"), unit="%", test_set="200 tickets")
    services.reference_check_add(actor=lead, bid=bid, source="independent", organisation="Acme",
                                 checked_on=bid.submitted_at.date(), findings="Good", rating=4)
    recused, cleared = procedure.evaluators
    declaration = services.conflict_declare(actor=recused, bid=bid, has_conflict=True, description="Ex-employee")
    services.conflict_review(actor=lead, declaration=declaration, recuse=True, reason="Too close")
    services.conflict_declare(actor=cleared, bid=bid, has_conflict=False)
    return {"procedure": procedure, "bid": bid, "requirement": requirement, "question": question,
            "criterion": criterion, "document": bid.documents.first(), "declaration": declaration,
            "recused": recused, "cleared": cleared}


def _urls(w) -> dict[str, str]:
    ref, bid = w["procedure"].reference, w["bid"].pk
    return {
        "procedure_detail": reverse("awards:procedure_detail", args=[ref]),
        "waiver_list": reverse("awards:waiver_list", args=[ref]),
        "waiver_new": reverse("awards:waiver_new", args=[ref]),
        "procedure_edit": reverse("awards:procedure_edit", args=[ref]),
        "procedure_timeline": reverse("awards:procedure_timeline", args=[ref]),
        "procedure_advance": reverse("awards:procedure_advance", args=[ref]),
        "procedure_cancel": reverse("awards:procedure_cancel", args=[ref]),
        "requirement_add": reverse("awards:requirement_add", args=[ref]),
        "requirement_edit": reverse("awards:requirement_edit", args=[ref, w["requirement"].pk]),
        "requirement_agree": reverse("awards:requirement_agree", args=[ref, w["requirement"].pk]),
        "requirements_agree_all": reverse("awards:requirements_agree_all", args=[ref]),
        "bid_invite": reverse("awards:bid_invite", args=[ref]),
        "bid_detail": reverse("awards:bid_detail", args=[ref, bid]),
        "bid_decline": reverse("awards:bid_decline", args=[ref, bid]),
        "document_add": reverse("awards:document_add", args=[ref, bid]),
        "document_download": reverse("awards:document_download", args=[ref, bid, w["document"].pk]),
        "bid_submission": reverse("awards:bid_submission", args=[ref, bid]),
        "bid_late_decision": reverse("awards:bid_late_decision", args=[ref, bid]),
        "bid_decide": reverse("awards:bid_decide", args=[ref, bid]),
        "coi_declare": reverse("awards:coi_declare", args=[ref, bid]),
        "pov_criterion_add": reverse("awards:pov_criterion_add", args=[ref, bid]),
        "pov_criterion_edit": reverse("awards:pov_criterion_edit", args=[ref, bid, w["criterion"].pk]),
        "pov_result": reverse("awards:pov_result", args=[ref, bid, w["criterion"].pk]),
        "pov_lock": reverse("awards:pov_lock", args=[ref, bid]),
        "reference_add": reverse("awards:reference_add", args=[ref, bid]),
        "question_add": reverse("awards:question_add", args=[ref]),
        "qa_export": reverse("awards:qa_export", args=[ref]),
        "question_answer": reverse("awards:question_answer", args=[ref, w["question"].pk]),
        "question_publish": reverse("awards:question_publish", args=[ref, w["question"].pk]),
        "evaluator_assign": reverse("awards:evaluator_assign", args=[ref]),
        "coi_review": reverse("awards:coi_review", args=[ref, w["declaration"].pk]),
        "decision_record_json": reverse("awards:decision_record_json", args=[ref]),
        "decision_record_xlsx": reverse("awards:decision_record_xlsx", args=[ref]),
    }


ALL_URLS = sorted(["procedure_detail", "procedure_edit", "procedure_timeline", "procedure_advance",
                   "procedure_cancel", "requirement_add", "requirement_edit", "requirement_agree",
                   "requirements_agree_all", "bid_invite", "bid_detail", "bid_decline", "document_add",
                   "document_download", "bid_submission", "bid_late_decision", "bid_decide", "coi_declare",
                   "pov_criterion_add", "pov_criterion_edit", "pov_result", "pov_lock", "reference_add",
                   "question_add", "qa_export", "question_answer", "question_publish", "evaluator_assign",
                   "coi_review", "decision_record_json", "decision_record_xlsx", "waiver_list", "waiver_new"])
# URLs of the first bid that its recused evaluator must not reach (the declaration page only names the vendor).
BID_URLS = sorted(name for name in ALL_URLS
                  if name.startswith(("bid_", "document_", "pov_", "reference_")) and name != "bid_invite")


def _hit(client, url_name, url):
    return client.post(url) if url_name in POST_ONLY else client.get(url)


def test_the_url_list_covers_every_route():
    from awards.urls import urlpatterns

    # the scorecard's routes have their own 404 test (tests/awards/test_scoring_grid.py), the memo's too
    # (tests/awards/test_memo_views.py); the bidders' portal's staff pages (issue 20: opening, invitations, price)
    # are asked of every identity by the permission matrix (tests/security/url_policy_portal.py); so are the pages of
    # issue 21 (set-up, builder, templates, decisions: tests/security/url_policy_<area>.py)
    own_tests = ("awards.views.scorecard", "awards.views.memo", "awards.views.opening", "awards.views.invitations",
                 "awards.views.price", "awards.views.setup", "awards.views.builder", "awards.views.templates",
                 "awards.views.decisions")
    routed = ({p.name for p in urlpatterns if p.callback.__module__ not in own_tests}
              - {"procedure_list", "procedure_create"})
    assert routed == set(ALL_URLS)


@pytest.fixture
def evaluator_of_another_procedure(make_user, lead, procedure_factory_for):
    other = procedure_factory_for(lead)
    user = make_user(Role.EVALUATOR)
    services.evaluator_assign(actor=lead, procedure=other, evaluator=user)
    return user


@pytest.fixture
def procedure_factory_for(business_owner):
    def make(lead):
        return services.procedure_create(actor=lead, title="Other", need_statement="x", business_owner=business_owner,
                                         category="ai_saas", estimated_value=Decimal("1"), currency="EUR",
                                         term_months=1, submission="recorded")
    return make


@pytest.mark.parametrize("url_name", ALL_URLS)
@pytest.mark.parametrize("who", ["stranger", "evaluator_of_another_procedure", "other_business_owner"])
def test_outsiders_get_404_everywhere(client, world, request, url_name, who, make_user):
    user = make_user(Role.BUSINESS_OWNER) if who == "other_business_owner" else request.getfixturevalue(who)
    client.force_login(user)

    response = _hit(client, url_name, _urls(world)[url_name])

    assert response.status_code == 404


@pytest.mark.parametrize("url_name", BID_URLS)
def test_a_recused_evaluator_gets_404_on_that_bid(client, world, url_name):
    client.force_login(world["recused"])

    assert _hit(client, url_name, _urls(world)[url_name]).status_code == 404


def test_a_recused_evaluator_still_sees_the_procedure_but_not_the_bid_in_it(client, world):
    client.force_login(world["recused"])

    page = client.get(world["procedure"].get_absolute_url())

    assert page.status_code == 200
    assert world["bid"].get_absolute_url() not in page.content.decode()


def test_a_cleared_evaluator_opens_the_bid_but_cannot_change_it(client, world):
    client.force_login(world["cleared"])
    urls = _urls(world)

    assert client.get(urls["bid_detail"]).status_code == 200
    assert client.get(urls["document_download"]).status_code == 200
    assert client.get(urls["pov_lock"]).status_code == 403


def test_the_business_owner_sees_their_procedure_and_its_bids(client, world):
    client.force_login(world["procedure"].business_owner)
    urls = _urls(world)

    assert client.get(urls["procedure_detail"]).status_code == 200
    assert client.get(urls["bid_detail"]).status_code == 200
    assert client.get(urls["procedure_edit"]).status_code == 403


def test_other_leads_and_auditors_read_but_do_not_change(client, world, make_user, auditor):
    for user in (make_user(Role.PROCUREMENT_LEAD), auditor):
        client.force_login(user)
        assert client.get(_urls(world)["procedure_detail"]).status_code == 200
        assert client.get(_urls(world)["bid_detail"]).status_code == 200
        assert client.get(_urls(world)["procedure_cancel"]).status_code == 403


def test_the_list_is_user_scoped_filtered_and_sorted(client, world, stranger, lead):
    client.force_login(stranger)
    assert world["procedure"].reference not in client.get(reverse("awards:procedure_list")).content.decode()

    client.force_login(world["cleared"])
    html = client.get(reverse("awards:procedure_list")).content.decode()
    assert world["procedure"].reference in html

    client.force_login(lead)
    assert world["procedure"].reference in client.get(
        reverse("awards:procedure_list"), {"stage": "evaluation", "q": "customer", "sort": "-value"}).content.decode()
    assert world["procedure"].reference not in client.get(
        reverse("awards:procedure_list"), {"stage": "draft"}).content.decode()
    assert client.get(reverse("awards:procedure_list"), {"sort": "nonsense", "page": "x"}).status_code == 200


# --- query counts ---------------------------------------------------------------------------------------------


def _grow(procedure, lead, make_user, make_vendor, n: int):
    """Add n more bidders (submitted, with a document, a reference, a POV criterion), n questions, n evaluators
    who declared for every bid."""
    from awards.models import Bid, Question

    for i in range(n):
        bid = Bid.objects.create(procedure=procedure, vendor=make_vendor(), invited_by=lead,
                                 invited_at=procedure.created_at, vendor_tier="medium", references_required=1)
        from awards.models import ProposalDocument

        doc = ProposalDocument(bid=bid, title="P", original_name="p.pdf", sha256=f"{bid.pk:064d}", size=1,
                               content_type="application/pdf", uploaded_by=lead)
        doc.file.save(f"p{i}", pdf(), save=False)
        doc.save()
        bid.submitted_at = procedure.created_at
        bid.status = Bid.Status.SUBMITTED
        bid.save()
        services.reference_check_add(actor=lead, bid=bid, source="vendor_supplied", organisation="Org",
                                     checked_on=procedure.created_at.date(), findings="ok", rating=3)
        services.pov_criterion_add(actor=lead, bid=bid, metric="Accuracy", comparator="gte", threshold=1, unit="%",
                                   test_set="t")
        Question.objects.create(procedure=procedure, number=Question.objects.count() + 1, bid=bid, text="Q",
                                received_at=bid.invited_at, recorded_by=lead, answer="A")
        evaluator = make_user(Role.EVALUATOR)
        services.evaluator_assign(actor=lead, procedure=procedure, evaluator=evaluator)
        for each in procedure.bids.all():
            services.conflict_declare(actor=evaluator, bid=each, has_conflict=False)


@pytest.mark.parametrize("viewer", ["lead", "cleared"])
def test_procedure_page_queries_do_not_grow(client, world, lead, make_user, make_vendor, viewer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = lead if viewer == "lead" else world["cleared"]
    client.force_login(user)
    url = world["procedure"].get_absolute_url()
    client.get(url)  # warms the per-process content-type cache, so both counts measure the page alone
    counts = []
    for extra in (1, 4):
        _grow(world["procedure"], lead, make_user, make_vendor, extra)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))

    assert counts[0] == counts[1], counts
    # 40 before issue 17; +1 the waivers section, +1 the history rows behind "timeline changed after issue" (one
    # query each, whatever the number of bids). Issue 20: for the people who see every bid (the lead here) the price
    # panel reads the scorecard and the volume assumptions, and — where the lead records prices of bids received
    # outside Baton, as here — the bids' price lines and the price criterion (a fixed number, whatever the bids).
    # Issue 21: +3 the policy versions that apply (one read of the current version per pinned table: committees,
    # approval matrix, due-diligence plans), +1 the evaluators' criterion groups (one prefetch), and for the lead +1
    # the unassigned evaluators with their reasons; +1 whether the due-diligence plans the procedure is pinned to are
    # the current version (the bids' obligations are read under them).
    assert counts[0] <= (47 if viewer == "cleared" else 52)


def test_evaluators_do_not_read_each_others_conflicts(client, world):
    client.force_login(world["cleared"])

    html = client.get(world["procedure"].get_absolute_url()).content.decode()

    assert "Ex-employee" not in html and "Your conflict-of-interest declarations" in html

    client.force_login(world["procedure"].lead)
    assert "Ex-employee" in client.get(world["procedure"].get_absolute_url()).content.decode()


def test_the_price_panel_lists_bids_only_to_people_who_see_every_bid(client, world):
    # given an evaluator who sees only the bids they declared for, and the lead who sees all
    client.force_login(world["cleared"])
    evaluator_html = client.get(world["procedure"].get_absolute_url()).content.decode()
    client.force_login(world["procedure"].lead)
    lead_html = client.get(world["procedure"].get_absolute_url()).content.decode()
    # then the price panel (every bid's prices) is the lead's only
    assert 'id="price"' in lead_html
    assert 'id="price"' not in evaluator_html
