"""The bid opening, inside (issue 20): start it with named witnesses, each witness confirms, the opening record.

Anyone who can see the procedure sees the opening page and, once the bids are opened, the record. Only the lead
starts the opening; only a named witness confirms, under their own sign-in. The services decide; these views
fetch, authorize and call one of them. `urls` is appended to awards.urls."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET

from awards import services
from awards.models import BidOpening, OpeningEntry, SealedSubmission
from awards.policies import procedure_policy
from awards.selectors.timeline import proposals_closed, proposals_deadline
from awards.views.procedure import procedure_for_request
from procurement.accounts.models import User
from procurement.accounts.roles import Role
from procurement.posting import handle_form

P = "<str:reference>/"


def witness_candidates(procedure) -> list:
    """Active staff people who can see the procedure (the lead among them): leads, auditors, its business owner
    and its assigned evaluators, each checked with the procedure policy."""
    pool = (User.objects.filter(is_active=True, kind=User.Kind.STAFF)
            .filter(Q(groups__name__in=[Role.PROCUREMENT_LEAD, Role.AUDITOR]) | Q(pk=procedure.business_owner_id)
                    | Q(pk=procedure.lead_id) | Q(evaluator_assignments__procedure=procedure))
            .distinct().prefetch_related("groups").order_by("last_name", "first_name", "username"))
    return [person for person in pool if procedure_policy.can(person, "view", procedure)]


def _label(person) -> str:
    roles = ", ".join(sorted(group.name for group in person.groups.all())) or "no role"
    return f"{person.get_full_name() or person.username} — {roles} ({person.username})"


class WitnessChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return _label(obj)


class StartForm(forms.Form):
    witnesses = WitnessChoice(queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple,
                              label="Witnesses")

    def __init__(self, *args, procedure, **kwargs):
        super().__init__(*args, **kwargs)
        candidates = witness_candidates(procedure)
        field = self.fields["witnesses"]
        field.queryset = User.objects.filter(pk__in=[p.pk for p in candidates]).prefetch_related("groups")
        required = settings.BATON_BID_OPENING_WITNESSES
        field.help_text = (f"Tick exactly {required} people who will be present. You may be one of them. Each "
                           "confirms on the opening page under their own sign-in; the bids open with the last "
                           "confirmation.")


def _context(procedure, user) -> dict:
    opening = BidOpening.objects.filter(procedure=procedure).first()
    witnesses = list(opening.witnesses.select_related("person").order_by("pk")) if opening else []
    return {"procedure": procedure, "opening": opening, "witnesses": witnesses,
            "deadline": proposals_deadline(procedure), "closed": proposals_closed(procedure),
            "can_start": procedure_policy.can(user, "edit", procedure),
            "my_witness": next((w for w in witnesses if w.person_id == user.pk), None),
            "sealed_count": SealedSubmission.objects.filter(bid__procedure=procedure,
                                                            status=SealedSubmission.Status.SUBMITTED).count(),
            "required": settings.BATON_BID_OPENING_WITNESSES}


@login_required
@require_GET
def opening_page(request, reference):
    procedure = procedure_for_request(request, reference)
    context = _context(procedure, request.user)
    if context["opening"] is not None and context["opening"].status == BidOpening.Status.OPENED:
        return redirect("awards:opening_record", reference)
    return render(request, "awards/opening/page.html", context)


@login_required
def opening_start(request, reference):
    procedure = procedure_for_request(request, reference, "edit")
    context = _context(procedure, request.user)
    return handle_form(
        request, StartForm,
        lambda form: services.bid_opening_start(actor=request.user, procedure=procedure,
                                                witnesses=list(form.cleaned_data["witnesses"])),
        template="awards/opening/start.html", context=context, form_kwargs={"procedure": procedure},
        success=reverse("awards:opening", args=[reference]),
        done="Opening started: the witnesses have been told. The bids open when every one has confirmed.")


class ConfirmForm(forms.Form):
    present = forms.BooleanField(label="I am present at this opening and confirm it under my own sign-in.")


@login_required
def opening_confirm(request, reference):
    procedure = procedure_for_request(request, reference)
    context = _context(procedure, request.user)
    if context["opening"] is None:
        return redirect("awards:opening", reference)
    if context["my_witness"] is None:
        raise PermissionDenied("Only a witness named for this opening can confirm it.")

    def done(opening) -> str:
        opening.refresh_from_db()
        return ("Confirmed. Every witness has confirmed: the bids are open." if opening.status == "opened"
                else "Confirmed. The bids open when the other witnesses have confirmed.")

    return handle_form(
        request, ConfirmForm,
        lambda form: services.opening_witness_confirm(actor=request.user, opening=context["opening"]),
        template="awards/opening/confirm.html", context=context,
        success=reverse("awards:opening", args=[reference]), done=done)


@login_required
@require_GET
def opening_record(request, reference):
    procedure = procedure_for_request(request, reference)
    opening = BidOpening.objects.filter(procedure=procedure, status=BidOpening.Status.OPENED).first()
    if opening is None:
        return redirect("awards:opening", reference)
    entries = list(OpeningEntry.objects.filter(opening=opening).select_related("bid__vendor").order_by("pk"))
    return render(request, "awards/opening/record.html", {
        "procedure": procedure, "opening": opening, "entries": entries,
        "witnesses": list(opening.witnesses.select_related("person").order_by("pk")),
    })


urls: list = [
    path(P + "opening/", opening_page, name="opening"),
    path(P + "opening/start/", opening_start, name="opening_start"),
    path(P + "opening/confirm/", opening_confirm, name="opening_confirm"),
    path(P + "opening/record/", opening_record, name="opening_record"),
]
