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
    assert body.splitlines()[0] == "when,who,action,kind,record id,reason"
    assert "'=HYPERLINK" in body and ",=HYPERLINK" not in body
    assert "Tiered from the questionnaire" in body


def test_vendor_page_links_to_its_history(client, lead, vendor):
    client.force_login(lead)

    assert f'href="{_url(vendor)}"' in client.get(vendor.get_absolute_url()).content.decode()
