"""Import vendors from CSV/XLSX: preview, per-row errors, nothing saved unless a clean file is confirmed."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories.vendors import VendorFactory
from vendors.models import Vendor

pytestmark = pytest.mark.django_db

HEADER = "legal_name,trading_name,website,country,offering_type,ai_act_role,data_categories,description,owner\n"
GOOD = (HEADER
        + "Northwind Vision Ltd,Northwind,https://northwind.example,gb,AI SaaS tool,provider,personal;source_code,,\n"
        + "Kestrel Compute BV,Kestrel,,NL,ai_infrastructure,Provider,,GPU hosting,\n")


def post_file(client, name, data):
    return client.post(reverse("vendors:import"), {"file": SimpleUploadedFile(name, data)})


def test_clean_csv_previews_then_imports_on_confirm(client, lead):
    client.force_login(lead)

    preview = post_file(client, "vendors.csv", GOOD.encode())

    assert preview.status_code == 200
    assert preview.context["preview"].clean
    assert b"2 vendors ready to import" in preview.content
    assert not Vendor.objects.exists()  # a preview saves nothing

    done = client.post(reverse("vendors:import"), {"confirm": "1"})

    assert done.status_code == 302
    imported = Vendor.objects.order_by("legal_name")
    assert [v.legal_name for v in imported] == ["Kestrel Compute BV", "Northwind Vision Ltd"]
    northwind = imported[1]
    assert (northwind.country, northwind.offering_type, northwind.data_categories) == (
        "GB", "ai_saas", ["personal", "source_code"])
    assert northwind.owner == lead and northwind.history.get().history_change_reason == "Imported from file"


def test_row_errors_are_listed_and_nothing_can_be_saved(client, lead):
    VendorFactory(legal_name="Existing AI plc")
    client.force_login(lead)
    bad = (HEADER
           + "Fine Co,,,,ai_saas,provider,,,\n"                       # row 2: no country
           + "Existing AI plc,,,GB,ai_saas,provider,,,\n"            # row 3: duplicate in the registry
           + "Odd Co,,not-a-url,GB,robots,provider,dreams,,ghost\n"  # row 4: four problems
           + "Good Co,,,GB,ai_saas,deployer,,,\n")                     # row 5: fine

    response = post_file(client, "vendors.csv", bad.encode())

    assert response.status_code == 400
    rows = {row.line: row.errors for row in response.context["preview"].rows}
    assert any(e.startswith("country") for e in rows[2])
    assert any("already exists" in e for e in rows[3])
    assert len(rows[4]) == 4 and any("robots" in e for e in rows[4]) and any("ghost" in e for e in rows[4])
    assert rows[5] == []
    assert b"nothing will be saved" in response.content
    assert b'name="confirm"' not in response.content

    confirm = client.post(reverse("vendors:import"), {"confirm": "1"})
    assert confirm.status_code == 302
    assert Vendor.objects.count() == 1


def test_xlsx_is_read(client, lead):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["legal_name", "country", "offering_type", "ai_act_role"])
    sheet.append(["Heron Speech Oy", "FI", "ai_saas", "provider"])
    buffer = io.BytesIO()
    book.save(buffer)
    client.force_login(lead)

    preview = post_file(client, "vendors.xlsx", buffer.getvalue())
    assert preview.context["preview"].clean
    client.post(reverse("vendors:import"), {"confirm": "1"})

    assert Vendor.objects.get().legal_name == "Heron Speech Oy"


@pytest.mark.parametrize(("name", "data", "message"), [
    ("vendors.csv", b"name,size\nx,1\n", "Missing column(s): legal_name, country, offering_type, ai_act_role"),
    ("vendors.csv", HEADER.encode(), "header but no vendors"),
    ("vendors.pdf", b"%PDF-1.4 nope", "Upload a .csv or .xlsx file"),
    ("vendors.csv", b"\x89PNG\r\n\x1a\n\x00\x00", "content is a PNG image"),
    ("vendors.csv", b"legal_name,country\n\xff\xfe\x00bad\n", "not accepted"),
])
def test_bad_files_are_explained(client, lead, name, data, message):
    client.force_login(lead)

    response = post_file(client, name, data)

    assert response.status_code == 400
    assert message in " ".join(response.context["preview"].file_errors)
    assert not Vendor.objects.exists()


def test_confirm_without_a_preview_saves_nothing(client, lead):
    client.force_login(lead)

    response = client.post(reverse("vendors:import"), {"confirm": "1"}, follow=True)

    assert b"preview has expired" in response.content
    assert not Vendor.objects.exists()


def test_a_clash_appearing_between_preview_and_confirm_saves_nothing(client, lead):
    client.force_login(lead)
    post_file(client, "vendors.csv", GOOD.encode())
    VendorFactory(legal_name="Kestrel Compute BV")  # someone registered it meanwhile

    response = client.post(reverse("vendors:import"), {"confirm": "1"}, follow=True)

    assert b"Nothing was imported" in response.content
    assert list(Vendor.objects.values_list("legal_name", flat=True)) == ["Kestrel Compute BV"]


def test_the_country_column_takes_a_code_in_any_case_or_an_english_name(client, lead):
    client.force_login(lead)
    data = (HEADER
            + "Aran Models Ltd,,,Ireland,ai_saas,provider,,,\n"         # the English name
            + "Bodhi AI Pvt,,,india,ai_saas,provider,,,\n"              # the name in any case
            + "Cedar Labs GmbH,,,de,ai_saas,provider,,,\n")             # the code in lower case

    preview = post_file(client, "vendors.csv", data.encode())

    assert preview.status_code == 200 and preview.context["preview"].clean
    assert [row.values["country"] for row in preview.context["preview"].rows] == ["IE", "IN", "DE"]
    assert client.post(reverse("vendors:import"), {"confirm": "1"}).status_code == 302
    imported = {v.legal_name: v for v in Vendor.objects.all()}
    assert {name: v.country.code for name, v in imported.items()} == {
        "Aran Models Ltd": "IE", "Bodhi AI Pvt": "IN", "Cedar Labs GmbH": "DE"}
    row = imported["Aran Models Ltd"].history.get()
    assert (row.history_user, row.history_change_reason) == (lead, "Imported from file")


def test_any_other_country_is_refused_with_its_row_and_column_and_nothing_is_saved(client, lead):
    client.force_login(lead)
    data = (HEADER
            + "Good Co,,,GB,ai_saas,provider,,,\n"
            + "Three Letters Ltd,,,IRL,ai_saas,provider,,,\n"          # row 3: an alpha-3 code
            + "Typo Ltd,,,Irland,ai_saas,provider,,,\n"               # row 4: a misspelt name
            + "Nowhere Ltd,,,ZZ,ai_saas,provider,,,\n")               # row 5: no such code

    response = post_file(client, "vendors.csv", data.encode())

    assert response.status_code == 400
    rows = {row.line: row.errors for row in response.context["preview"].rows}
    assert rows[2] == []
    for line, value in ((3, "IRL"), (4, "Irland"), (5, "ZZ")):
        assert len(rows[line]) == 1 and rows[line][0].startswith(f"country: “{value}”")
    html = response.content.decode()
    assert "Irland" in html and "neither a two-letter country code" in html
    assert client.post(reverse("vendors:import"), {"confirm": "1"}).status_code == 302
    assert not Vendor.objects.exists()


def test_the_vendor_form_offers_countries_by_name_and_pages_show_the_name(client, lead):
    vendor = VendorFactory(country="IE", owner=lead)
    client.force_login(lead)

    form = client.get(reverse("vendors:create")).content.decode()
    detail = client.get(reverse("vendors:detail", args=[vendor.pk])).content.decode()

    assert '<select name="country"' in form and '<option value="IE">Ireland</option>' in form
    assert form.index(">Austria<") < form.index(">Germany<") < form.index(">Ireland<")
    assert "Ireland" in detail
