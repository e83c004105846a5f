"""procurement.posting.handle_form: the one way a form post is answered, outcome by outcome."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import RequestFactory

from procurement.exceptions import DomainError, InvalidTransition
from procurement.posting import handle_form

pytestmark = pytest.mark.django_db
PAGE = "components/_form.html"  # the shared form fragment: the summary at the top, each field with its errors


class NameForm(forms.Form):
    name = forms.CharField(max_length=20)
    note = forms.CharField(required=False)


def _request(method: str = "post", data: dict | None = None):
    request = getattr(RequestFactory(), method)("/thing/", data or {})
    request.user = AnonymousUser()
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def _write_then(exc: Exception | None):
    """A service that writes a row, then (maybe) refuses."""

    def service(form):
        user = get_user_model().objects.create(username=f"written-{form.cleaned_data['name']}")
        if exc is not None:
            raise exc
        return user

    return service


def _answer(request, service):
    return handle_form(request, NameForm, service, template=PAGE, success="/done/", done="Saved.",
                       context={"extra": 1})


def _written() -> int:
    return get_user_model().objects.filter(username__startswith="written-").count()


def test_get_renders_the_unbound_form_with_initial_values():
    request = _request("get")

    response = handle_form(request, NameForm, _write_then(None), template=PAGE, success="/done/",
                           form_kwargs={"initial": {"name": "Ada"}})

    assert response.status_code == 200
    assert 'value="Ada"' in response.content.decode()
    assert "error-summary" not in response.content.decode()
    assert _written() == 0


def test_success_calls_the_service_flashes_and_redirects():
    request = _request(data={"name": "ok"})

    response = _answer(request, _write_then(None))

    assert (response.status_code, response["Location"]) == (302, "/done/")
    assert [str(m) for m in get_messages(request)] == ["Saved."]
    assert _written() == 1


def test_success_may_be_built_from_the_services_result():
    request = _request(data={"name": "ok"})

    response = handle_form(request, NameForm, lambda form: "/made/42/", template=PAGE,
                           success=lambda result: result, done=lambda result: f"Made {result}")

    assert response["Location"] == "/made/42/"
    assert [str(m) for m in get_messages(request)] == ["Made /made/42/"]


def test_an_invalid_form_answers_400_with_the_error_at_the_field_and_in_the_summary():
    request = _request(data={"name": "x" * 21})

    response = _answer(request, _write_then(None))

    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_name_error"' in page and "error-summary" in page
    assert _written() == 0


def test_an_empty_post_is_a_bound_invalid_form_not_a_page_view():
    response = _answer(_request(data={}), _write_then(None))

    assert response.status_code == 400
    assert 'id="id_name_error"' in response.content.decode()


def test_a_services_validation_error_goes_to_its_field_answers_400_and_writes_nothing():
    request = _request(data={"name": "dup"})

    response = _answer(request, _write_then(ValidationError({"name": "Taken already.", "other": "At the top."})))

    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_name_error">Taken already.' in page
    assert "At the top." in page  # a field the form does not have goes to the top of the form
    assert _written() == 0
    assert list(get_messages(request)) == []


def test_a_validation_error_without_a_field_goes_to_the_top():
    response = _answer(_request(data={"name": "plain"}), _write_then(ValidationError("Not now.")))

    page = response.content.decode()
    assert response.status_code == 400
    assert "error-summary" in page and "Not now." in page
    assert _written() == 0


@pytest.mark.parametrize("exc", [DomainError("The memo is approved."), InvalidTransition("Closed is final.")])
def test_a_refusal_answers_409_with_its_sentence_and_writes_nothing(exc):
    request = _request(data={"name": "refused"})

    response = _answer(request, _write_then(exc))

    assert response.status_code == 409
    assert str(exc) in response.content.decode()
    assert _written() == 0
    assert list(get_messages(request)) == []


def test_a_refusal_may_be_kept_on_the_form_with_the_input_at_409():
    def keep(form, exc):
        form.add_error(None, str(exc))
        return True

    response = handle_form(_request(data={"name": "mine"}), NameForm, _write_then(DomainError("Edited meanwhile.")),
                           template=PAGE, success="/done/", keep_refusal=keep)

    page = response.content.decode()
    assert response.status_code == 409
    assert "Edited meanwhile." in page and 'value="mine"' in page
    assert _written() == 0


@pytest.mark.parametrize("exc", [Http404("No such record."), PermissionDenied("Not yours.")])
def test_unseen_and_forbidden_pass_through_to_404_and_403_and_write_nothing(exc):
    with pytest.raises(type(exc)):
        _answer(_request(data={"name": "nope"}), _write_then(exc))

    assert _written() == 0


def test_a_post_only_button_answers_405_to_any_other_method_and_writes_nothing():
    response = handle_form(_request("get"), NameForm, _write_then(None), template=PAGE, success="/done/",
                           post_only=True)

    assert (response.status_code, response["Allow"]) == (405, "POST")
    assert _written() == 0
