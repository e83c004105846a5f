"""The kind registry: declarations, names, hashes."""

import pytest

from procurement.documents.registry import (
    DocumentKind,
    UnknownDocumentKind,
    content_hash,
    get_kind,
    register,
    safe_stem,
)
from tests.documents.kinds import NOTE, PACK, owner_policy


def test_content_hash_is_canonical_and_sensitive():
    assert content_hash({"b": 1, "a": [1, 2]}) == content_hash({"a": [1, 2], "b": 1})
    assert content_hash({"a": [1, 2]}) != content_hash({"a": [2, 1]})
    assert len(content_hash("x")) == 64


def test_registering_another_kind_under_a_taken_key_is_refused():
    clash = DocumentKind(key=NOTE.key, label="Other", source_model="vendors.Vendor", policy=owner_policy,
                         template="documents/example.html", build_context=dict, filename="x", title=str)
    with pytest.raises(ValueError, match="already registered"):
        register(clash)
    assert get_kind(NOTE.key) is NOTE


def test_unknown_kind_and_bad_key():
    with pytest.raises(UnknownDocumentKind):
        get_kind("no_such_kind")
    with pytest.raises(ValueError):
        DocumentKind(key="bad key!", label="x", source_model="vendors.Vendor", policy=owner_policy,
                     template="t", build_context=dict, filename="x", title=str)


@pytest.mark.django_db
def test_file_names_follow_the_kind_pattern(vendor):
    assert NOTE.file_name(vendor, 2) == "note-on-quill-analytics-ltd-note-v2.pdf"
    assert PACK.file_name(vendor, 1).endswith("-pack-v1.zip")
    assert PACK.content_type == "application/zip" and NOTE.content_type == "application/pdf"


def test_safe_stem_keeps_case_and_drops_everything_risky():
    assert safe_stem("AP-2026-0007-award-memo-v2") == "AP-2026-0007-award-memo-v2"
    assert safe_stem('../../etc/passwd"; x=.pdf') == "etc-passwd-x-pdf"
    assert safe_stem("Zürich AG — memo") == "Zurich-AG-memo"
