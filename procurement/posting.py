"""One way to answer a form post: bind the form, validate it, call one service, answer.

    return handle_form(
        request, forms.ReasonForm,
        lambda form: services.procedure_cancel(actor=request.user, procedure=procedure, **form.cleaned_data),
        template="awards/action_form.html", context={"procedure": procedure, "title": "Cancel"},
        success=procedure, done="Cancelled.")

The answers, the same in every app:
  GET (any method but POST)           the page with the empty (or initial/instance) form, 200
  POST, the form is invalid           the page again, errors next to the fields and summarised at the top, 400
  the service raises ValidationError  its messages go onto the form at their field (or the top), the page, 400
  the service raises DomainError      the 409 page with the refusal's sentence (InvalidTransition and the rest)
  unseen object / forbidden           Http404 / PermissionDenied raised by procurement.authz pass through
  success                             `done` as a flash message, then a redirect to `success` (a URL, a model
                                      with get_absolute_url, or a callable given the service's result that
                                      returns either of those or a ready response, e.g. an htmx partial)

The service runs inside one transaction: a refusal leaves nothing written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render

from procurement.exceptions import DomainError

REFUSAL_TEMPLATE = "errors/409.html"


def put_on_form(form: forms.BaseForm, exc: ValidationError) -> None:
    """A service's ValidationError next to the fields it names (or at the top of the form)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.error_list)


def refusal(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """The 409 page (or its message partial for htmx) with the refusal's sentence."""
    template = f"{REFUSAL_TEMPLATE}#message" if getattr(request, "htmx", False) else REFUSAL_TEMPLATE
    return render(request, template, {"message": str(exc)}, status=409)


def handle_form(
    request: HttpRequest,
    form_class: type[forms.BaseForm],
    call: Callable[[Any], Any],
    *,
    template: str,
    success: Any,
    context: dict | None = None,
    form_kwargs: dict | None = None,
    done: str | Callable[[Any], str] = "",
    keep_refusal: Callable[[Any, DomainError], bool] | None = None,
    post_only: bool = False,
) -> HttpResponse:
    """Answer GET or POST for one form page; see the module docstring for every outcome.

    `call(form)` gets the bound, valid form and calls one service. `keep_refusal(form, exc)`, when given, may put
    a refusal on the form itself (return True) so the page comes back at 409 with the person's input kept, as
    for an edit conflict; `refused` is then True in the page's context. `post_only`: a button with no page of
    its own answers any other method with 405 (after the view has fetched and authorized, so an unseen object
    is still a 404).
    """
    posted = request.method == "POST"
    if post_only and not posted:
        return HttpResponseNotAllowed(["POST"])
    form = form_class(request.POST if posted else None, request.FILES if posted else None, **(form_kwargs or {}))
    status, refused = 200, False
    if posted:
        status = 400
        if form.is_valid():
            try:
                with transaction.atomic():
                    result = call(form)
            except ValidationError as exc:
                put_on_form(form, exc)
            except DomainError as exc:
                if keep_refusal is None or not keep_refusal(form, exc):
                    return refusal(request, exc)
                status, refused = 409, True
            else:
                return _succeeded(request, result, success, done)
    return render(request, template, {**(context or {}), "form": form, "refused": refused}, status=status)


def _succeeded(request: HttpRequest, result: Any, success: Any, done) -> HttpResponseBase:
    message = done(result) if callable(done) else done
    if message:
        messages.success(request, message)
    answer = success(result) if callable(success) else success
    return answer if isinstance(answer, HttpResponseBase) else redirect(answer)
