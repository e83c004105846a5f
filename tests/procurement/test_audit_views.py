"""The audit-trail viewer: readable history per object, guarded by the object's policy; the auditor's log."""

import pytest

from procurement.audit.history import attribute
from tests.factories.vendors import VendorFactory

pytestmark = pytest.mark.django_db


def _retier(vendor, actor, tier, reason):
    attribute(vendor, actor=actor, reason=reason)
    vendor.tier = tier
    vendor.save()


@pytest.fixture
def vendor(lead):
    vendor = VendorFactory(owner=lead, legal_name="Lumen Labs Ltd", trading_name="Lumen")
    _retier(vendor, lead, "high", "Tiered from the questionnaire")
    return vendor


def _url(vendor):
    return f"/audit/vendors.vendor/{vendor.pk}/"


def test_history_shows_who_when_what_and_why_in_readable_words(client, lead, vendor):
    client.force_login(lead)

    html = client.get(_url(vendor)).content.decode()

    assert "Tiered from the questionnaire" in html
    assert "<th scope=\"row\">Tier</th><td>—</td><td>High</td>" in html  # choice label, not the code
    assert f"<th scope=\"row\">Owner</th><td>{lead}</td>" in html  # the person, not an id
    assert "AI SaaS tool" in html  # offering type label on creation
    assert html.index("Tiered from the questionnaire") < html.index("created this vendor")  # newest first


def test_auditor_reads_any_history(client, auditor, vendor):
    client.force_login(auditor)

    assert client.get(_url(vendor)).status_code == 200


def test_history_is_404_for_someone_who_cannot_see_the_object(client, stranger, vendor):
    client.force_login(stranger)

    assert client.get(_url(vendor)).status_code == 404


def test_history_needs_sign_in(client, vendor):
    response = client.get(_url(vendor))

    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


@pytest.mark.parametrize("path", ["/audit/accounts.user/1/", "/audit/nonsense/1/", "/audit/vendors.vendor/999999/"])
def test_unknown_kinds_and_objects_are_404(client, auditor, path):
    client.force_login(auditor)

    assert client.get(path).status_code == 404


def test_history_query_count_does_not_grow_with_changes(client, lead, vendor):
    client.force_login(lead)
    client.get(_url(vendor))  # warm caches (content types, roles)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(_url(vendor))
    for n in range(12):
        _retier(vendor, lead, ["low", "medium", "critical"][n % 3], f"Change {n}")
    with CaptureQueriesContext(connection) as many:
        client.get(_url(vendor))

    assert len(many) == len(few)


def test_passwords_never_appear_in_history(client, auditor, lead):
    from procurement.audit.timeline import object_timeline

    lead.set_password("another-secret-value")
    attribute(lead, actor=lead, reason="Password changed")
    lead.save()

    rendered = " ".join(f"{c.field}={c.old}->{c.new}" for e in object_timeline(lead) for c in e.changes)
    assert "Password=(hidden)->(hidden)" in rendered
    assert "pbkdf2" not in rendered and "md5" not in rendered


def test_global_log_is_for_auditors_only(client, lead):
    client.force_login(lead)

    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403


def test_global_log_filters_by_person_and_kind(client, auditor, lead, vendor, make_user):
    other = make_user()
    _retier(vendor, other, "low", "Second opinion")
    client.force_login(auditor)

    by_lead = client.get("/audit/", {"user": lead.pk, "object_type": "vendors.vendor"}).content.decode()
    by_other = client.get("/audit/", {"user": other.pk}).content.decode()

    assert "Tiered from the questionnaire" in by_lead and "Second opinion" not in by_lead
    assert "Second opinion" in by_other and "Tiered from the questionnaire" not in by_other


def test_global_log_explains_an_inverted_date_range(client, auditor, vendor):
    client.force_login(auditor)

    html = client.get("/audit/", {"date_from": "2026-05-02", "date_to": "2026-05-01"}).content.decode()

    assert "The end date is before the start date." in html
    assert "No change matches these filters." in html


def test_csv_export_neutralises_formulas(client, auditor, lead, vendor):
    _retier(vendor, lead, "medium", "=HYPERLINK(\"http://x\")")
    client.force_login(auditor)

    response = client.get("/audit/export.csv", {"object_type": "vendors.vendor"})
    body = b"".join(response.streaming_content).decode()

    assert response["Content-Disposition"] == 'attachment; filename="baton-audit-log.csv"'
    assert body.splitlines()[0] == "when,who,action,kind,record id,record,reason"
    assert "'=HYPERLINK" in body and ",=HYPERLINK" not in body
    assert "Tiered from the questionnaire" in body


def test_vendor_page_links_to_its_history(client, lead, vendor):
    client.force_login(lead)

    assert f'href="{_url(vendor)}"' in client.get(vendor.get_absolute_url()).content.decode()


def test_global_log_filters_by_date(client, auditor, vendor):
    import time_machine
    from django.utils import timezone

    with time_machine.travel(timezone.now() - timezone.timedelta(days=40), tick=False):
        _retier(vendor, auditor, "critical", "An old change")
    client.force_login(auditor)
    today = timezone.localdate()

    recent = client.get("/audit/", {"date_from": (today - timezone.timedelta(days=1)).isoformat(),
                                    "object_type": "vendors.vendor"}).content.decode()
    older = client.get("/audit/", {"date_to": (today - timezone.timedelta(days=30)).isoformat(),
                                   "object_type": "vendors.vendor"}).content.decode()

    assert "Tiered from the questionnaire" in recent and "An old change" not in recent
    assert "An old change" in older and "Tiered from the questionnaire" not in older
    body = b"".join(client.get("/audit/export.csv", {"date_to": (today - timezone.timedelta(days=30)).isoformat()})
                    .streaming_content).decode()
    assert "An old change" in body and "Tiered from the questionnaire" not in body


def test_global_log_is_paginated_and_its_query_count_does_not_grow(client, auditor, lead, vendor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(auditor)
    client.get("/audit/")  # warm caches
    with CaptureQueriesContext(connection) as few:
        client.get("/audit/")
    for n in range(60):
        _retier(vendor, lead, ["low", "medium", "high"][n % 3], f"Review {n}")
    with CaptureQueriesContext(connection) as many:
        response = client.get("/audit/")
    first = response.content.decode()
    second = client.get("/audit/", {"older": str(response.context["older"])}).content.decode()

    assert len(many) == len(few)
    assert first.count("<tr>") - 1 == 50 and 'rel="next"' in first  # 50 rows a page (plus the header row)
    assert "Review 59" in first and "Review 59" not in second and 'rel="prev"' in second


def test_global_log_names_each_record_and_links_the_history_page_that_shows_it(client, auditor, lead, manager):
    from contracts.services import milestone_add, playbook_seed
    from tests.factories.contracts import open_contract

    playbook_seed()
    contract = open_contract(lead=lead, manager=manager)
    milestone_add(actor=lead, contract=contract, title="Pilot on 500 files",
                  due_date=contract.start_date, payment_amount=None)
    client.force_login(auditor)

    html = client.get("/audit/", {"object_type": "contracts.milestone"}).content.decode()
    body = b"".join(client.get("/audit/export.csv", {"object_type": "contracts.milestone"})
                    .streaming_content).decode()

    # A milestone has no page of its own: its row opens the contract's merged history.
    assert f'<a href="/audit/contracts.contract/{contract.pk}/">Milestone “Pilot on 500 files”</a>' in html
    assert ",Pilot on 500 files," in body
