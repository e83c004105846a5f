import pytest

from procurement.exceptions import InvalidTransition
from procurement.statemachine import ensure_transition, validate_machine

MACHINE = {"draft": {"submitted"}, "submitted": {"approved", "draft"}, "approved": set()}
LABELS = {"draft": "a draft", "submitted": "in approval", "approved": "approved"}


def test_allowed_transition_passes():
    ensure_transition(MACHINE, "draft", "submitted")


def test_refused_transition_explains_what_is_possible():
    with pytest.raises(InvalidTransition) as caught:
        ensure_transition(MACHINE, "draft", "approved", labels=LABELS, subject="The memo")

    assert str(caught.value) == (
        "The memo is a draft and cannot move to approved; from a draft it can move to: in approval."
    )


def test_final_state_says_it_is_final():
    with pytest.raises(InvalidTransition, match="which is final"):
        ensure_transition(MACHINE, "approved", "draft", labels=LABELS)


def test_machine_with_unknown_state_is_rejected():
    with pytest.raises(ValueError, match="unknown states"):
        validate_machine({"draft": {"sent"}}, ["draft", "approved"])


@pytest.mark.django_db
def test_invalid_transition_becomes_a_409_page(rf, lead):
    from procurement.middleware import DomainErrorMiddleware

    request = rf.post("/")
    request.user = lead
    request.htmx = False
    response = DomainErrorMiddleware(lambda r: None).process_exception(
        request, InvalidTransition("The memo is approved, which is final.")
    )

    assert response.status_code == 409
    assert b"The memo is approved, which is final." in response.content
    assert b"Nothing was changed" in response.content


@pytest.mark.django_db
def test_any_domain_refusal_escaping_a_view_is_a_409_not_a_500(rf, lead):
    from procurement.exceptions import DomainError
    from procurement.middleware import DomainErrorMiddleware

    request = rf.post("/")
    request.user = lead
    request.htmx = False
    response = DomainErrorMiddleware(lambda r: None).process_exception(request, DomainError("Weights sum to 98."))

    assert response.status_code == 409
    assert b"Weights sum to 98." in response.content
