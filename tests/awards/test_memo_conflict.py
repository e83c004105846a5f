"""Two people editing the same decision memo: the second save is refused as a conflict, nothing is lost.

The edit form carries the memo's revision in a hidden field; the service compares it under the row lock. The
concurrent version of this (two threads on PostgreSQL) is in tests/integration/test_concurrency.py.
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from awards import services
from awards.models import DecisionMemo
from awards.models.memo import MemoEditConflict
from tests.factories.memos import shortlisted_procedure, written_memo

pytestmark = pytest.mark.django_db


@pytest.fixture
def memo(lead, business_owner):
    return written_memo(shortlisted_procedure(lead=lead, business_owner=business_owner, value=Decimal("50000")))


def edit_data(memo, **changes):
    data = {"title": memo.title, "decision_date": memo.decision_date.isoformat(),
            "contract_value": str(memo.contract_value), "recommended_bid": memo.recommended_bid_id,
            "recommendation": memo.recommendation, "walk_away": memo.walk_away, "revision": memo.revision}
    data.update(changes)
    return data


def test_the_edit_form_carries_the_revision_it_was_read_at(client, memo):
    client.force_login(memo.procedure.lead)

    page = client.get(reverse("awards:memo_edit", args=[memo.reference])).content.decode()

    assert memo.revision >= 1  # written_memo saved it once through the service
    assert f'name="revision" value="{memo.revision}"' in page


def test_the_second_editor_gets_a_conflict_and_keeps_their_text(client, memo, make_user):
    # given: the lead and an administrator both opened the edit form at the same revision
    admin = make_user(is_superuser=True, is_staff=True)
    url = reverse("awards:memo_edit", args=[memo.reference])
    first, second = client, type(client)()
    first.force_login(memo.procedure.lead)
    second.force_login(admin)
    read_at = memo.revision
    history_before = memo.history.count()

    # when: the lead saves first, then the administrator saves from the stale revision
    assert first.post(url, edit_data(memo, recommendation="Lead's wording.")).status_code == 302
    response = second.post(url, edit_data(memo, recommendation="Admin's wording, typed meanwhile."))

    # then: the second save is refused with a message, its text is still in the form, the lead's text stands
    page = response.content.decode()
    stored = DecisionMemo.objects.get(pk=memo.pk)
    assert response.status_code == 409
    assert "saved this memo" in page and "while you were editing it" in page
    assert "Admin&#x27;s wording, typed meanwhile." in page
    assert stored.recommendation == "Lead's wording."
    assert stored.revision == read_at + 1
    assert memo.history.count() == history_before + 1  # one save only
    # and the form now carries the current revision: saving again is a deliberate overwrite that succeeds
    assert f'name="revision" value="{stored.revision}"' in page
    again = second.post(url, edit_data(stored, recommendation="Admin's wording, typed meanwhile."))
    assert again.status_code == 302
    stored.refresh_from_db()
    assert stored.recommendation == "Admin's wording, typed meanwhile." and stored.revision == read_at + 2


def test_the_service_refuses_a_stale_revision_and_writes_nothing(memo):
    lead = memo.procedure.lead
    services.memo_update(actor=lead, memo=memo, expected_revision=memo.revision, key_asks="EU hosting.")
    rows_before = memo.history.count()

    with pytest.raises(MemoEditConflict) as refused:
        services.memo_update(actor=lead, memo=memo, expected_revision=memo.revision, key_asks="Overwrite.")

    stored = DecisionMemo.objects.get(pk=memo.pk)
    assert refused.value.current_revision == stored.revision == memo.revision + 1
    assert stored.key_asks == "EU hosting."
    assert memo.history.count() == rows_before


def test_a_save_without_a_revision_still_works_for_callers_that_do_not_track_it(memo):
    before = memo.revision

    updated = services.memo_update(actor=memo.procedure.lead, memo=memo, key_asks="Price cap.")

    assert updated.revision == before + 1 and updated.key_asks == "Price cap."
