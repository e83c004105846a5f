"""The OCDS standard module and the code mapping, without a database: every code Baton maps to is a code of the
standard's CSVs; the standard is found (or its absence said plainly); the checker really refuses bad packages."""

import copy
from pathlib import Path

import pytest

from contracts.ocds import codes, standard


@pytest.fixture(scope="module")
def std():
    try:
        return standard.load()
    except standard.StandardNotFound as exc:  # never a silent skip: the standard must be where CI can read it
        pytest.fail(str(exc))


def test_every_mapped_code_is_a_code_of_its_codelist(std):
    for codelist, used in codes.every_code().items():
        assert codelist in std.codelists, codelist
        assert used <= std.codelists[codelist], (codelist, used - std.codelists[codelist])


def test_the_mappings_cover_every_baton_state():
    from awards.models.procedure import Stage
    from contracts.models.contract import ContractStatus
    from contracts.models.planning import MilestoneStatus
    from vendors.models import OfferingType

    assert set(codes.TENDER_STATUS) == set(Stage.values)
    assert set(codes.CONTRACT_STATUS) | {"closed"} == set(ContractStatus.values)
    assert set(codes.MILESTONE_STATUS) == set(MilestoneStatus.values)
    assert set(codes.ADDITIONAL_CATEGORIES) == set(OfferingType.values)
    assert codes.contract_status("closed", signed=True) == "terminated"
    assert codes.contract_status("closed", signed=False) == "cancelled"


def test_the_override_wins_and_a_wrong_override_is_named(monkeypatch, tmp_path, settings):
    found = standard.standard_dir()
    monkeypatch.setenv(standard.ENV, str(found))
    assert standard.standard_dir() == found.resolve()
    monkeypatch.setenv(standard.ENV, str(tmp_path))
    with pytest.raises(standard.StandardNotFound, match=str(tmp_path)):
        standard.standard_dir()


def test_a_checkout_missing_the_standard_fails_with_a_clear_message(monkeypatch, tmp_path):
    monkeypatch.delenv(standard.ENV, raising=False)
    monkeypatch.setattr(standard, "PACKAGED", tmp_path / "ocds-1.1.5")
    with pytest.raises(standard.StandardNotFound, match="set BATON_OCDS_SCHEMA_DIR"):
        standard.standard_dir()


def test_the_shipped_standard_is_the_published_one_unmodified():
    """Byte for byte the files of the project's shared standards folder, wherever that folder is beside the
    checkout (a clean clone elsewhere has none: then the shipped copy is all there is to check against)."""
    shipped = standard.PACKAGED
    shared = next((d / "shared" / "standards" / standard.STANDARD for d in shipped.parents
                   if (d / "shared" / "standards" / standard.STANDARD).is_dir()), None)
    files = sorted(p.relative_to(shipped) for p in shipped.rglob("*") if p.is_file())
    assert len(files) > 20 and Path("release-package-schema.json") in files
    if shared is not None:
        published = sorted(p.relative_to(shared) for p in shared.rglob("*") if p.is_file() and p.name != "README.md")
        assert files == published
        assert all((shipped / f).read_bytes() == (shared / f).read_bytes() for f in files)


def _package() -> dict:
    release = {"ocid": "ocds-baton0-AP-1", "id": "ocds-baton0-AP-1-tender-1", "date": "2026-01-05T00:00:00+00:00",
               "tag": ["tender"], "initiationType": "tender",
               "tender": {"id": "AP-1", "status": "active", "value": {"amount": 10, "currency": "EUR"},
                          "procurementMethod": "limited"},
               "parties": [{"id": "buyer", "name": "Us", "roles": ["buyer"]}]}
    return {"uri": "https://example.org/p", "version": "1.1", "publishedDate": "2026-01-05T00:00:00+00:00",
            "publisher": {"name": "Us"}, "releases": [release]}


def test_a_valid_package_has_no_problems(std):
    assert std.schema_errors(_package()) == [] and std.codelist_violations(_package()) == []
    assert std.checked_codes(_package()) == 6  # tag, initiationType, status, currency, method, roles


@pytest.mark.parametrize(("breaks", "expected"), [
    (lambda p: p.pop("uri"), "'uri' is a required property"),
    (lambda p: p["releases"].clear(), "should be non-empty"),
    (lambda p: p["releases"][0].update(date="2026-01-05"), "is not a 'date-time'"),
    (lambda p: p["releases"][0].update(date="5 January 2026"), "is not a 'date-time'"),
    (lambda p: p.update(uri="not a uri"), "is not a 'uri'"),
    (lambda p: p["releases"][0]["tender"]["value"].update(amount="10"), "is not of type 'number'"),
    (lambda p: p.update(version="1.1.5"), "does not match"),
])
def test_the_schema_refuses_a_broken_package(std, breaks, expected):
    package = copy.deepcopy(_package())
    breaks(package)
    errors = std.schema_errors(package)
    assert errors and any(expected in error for error in errors), errors


@pytest.mark.parametrize(("path", "value", "codelist"), [
    (("tag",), ["tenderAward"], "releaseTag.csv"),
    (("tender", "status"), "open", "tenderStatus.csv"),
    (("tender", "value", "currency"), "EURO", "currency.csv"),
    (("tender", "procurementMethod"), "invited", "method.csv"),
    (("parties", 0, "roles"), ["buyer", "vendor"], "partyRole.csv"),
])
def test_every_codelist_typed_value_is_checked(std, path, value, codelist):
    package = copy.deepcopy(_package())
    target = package["releases"][0]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    violations = std.codelist_violations(package)
    assert len(violations) == 1 and codelist in violations[0], violations


def test_the_release_schema_is_applied_from_the_local_copy(std):
    """The package schema only $refs the release schema by its URL; a release missing its ocid is refused, so the
    registry served the local release schema (a registry without it cannot resolve the URL and fetches nothing)."""
    package = copy.deepcopy(_package())
    del package["releases"][0]["ocid"]
    assert any("'ocid' is a required property" in error for error in std.schema_errors(package))
