"""Policy pages of the awards app (issue 21): committees and the approval matrix, each changed as a whole by a
policy administrator with a reason (awards.policy.services); readers see them read-only
(procurement.policy_views.policy_table_page)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError

from awards.models import ApprovalRule, Committee
from awards.policy import forms, services
from procurement.policy_views import apply_row_errors, policy_table_page


def _rows(formset):
    """(form index, form) of the rows to pass to the service: filled rows, and existing rows marked for removal."""
    out = []
    for index, form in enumerate(formset.forms):
        if form.cleaned_data.get("id") or (form.has_changed() and not form.cleaned_data.get("DELETE")):
            out.append((index, form))
    return out


def _fail(exc: ValidationError, formset, indices):
    exc._page_messages = apply_row_errors(formset, indices, exc)
    raise exc


@login_required
def committees(request):
    def build(data):
        return [("Committees", forms.CommitteeFormSet(data, prefix="committees",
                                                      initial=None if data else forms.committees_initial()),
                 "Remove a committee by ticking “Delete”; one an approval rule still names cannot be removed.")]

    def save(actor, formsets, reason):
        formset = formsets[0]
        chosen = _rows(formset)
        known = {c.pk: c for c in Committee.objects.filter(pk__in=[f.cleaned_data["id"] for _, f in chosen
                                                                   if f.cleaned_data.get("id")])}
        rows = []
        for _, form in chosen:
            data = form.cleaned_data
            rows.append(services.CommitteeRow(key=data.get("key") or "", name=data.get("name") or "",
                                              quorum=data.get("quorum") or 0, members=list(data.get("members") or []),
                                              committee=known.get(data.get("id")), delete=bool(data.get("DELETE"))))
        for row in rows:
            if row.committee is not None:
                row.description = row.committee.description
        try:
            return services.committees_replace(actor=actor, rows=rows, reason=reason)
        except ValidationError as exc:
            _fail(exc, formset, [index for index, _ in chosen])

    return policy_table_page(request, key="committees", build=build, save=save,
                             help_text="Members are active committee approvers. The quorum is how many of them "
                                       "must approve; it cannot exceed the number of members.")


@login_required
def approval_matrix(request):
    def build(data):
        return [("Rules, in the order they are tried", forms.RuleFormSet(
            data, prefix="rules", initial=None if data else forms.rules_initial()),
            "The first active rule whose band holds the contract value and whose tiers include the vendor's tier "
            "applies. Bands include their lower limit and exclude their upper one; two active bands of one currency "
            "must not overlap for a tier.")]

    def save(actor, formsets, reason):
        formset = formsets[0]
        chosen = _rows(formset)
        known = {r.pk: r for r in ApprovalRule.objects.filter(pk__in=[f.cleaned_data["id"] for _, f in chosen
                                                                      if f.cleaned_data.get("id")])}
        rows = []
        for _, form in chosen:
            data = form.cleaned_data
            rows.append(services.RuleRow(
                name=data.get("name") or "", position=data.get("position") or 0,
                min_value=data.get("min_value"), max_value=data.get("max_value"), tiers=list(data.get("tiers") or []),
                committees=list(data.get("committees") or []), currency=data.get("currency") or "",
                active=bool(data.get("active")), rule=known.get(data.get("id")), delete=bool(data.get("DELETE"))))
        try:
            return services.approval_matrix_replace(actor=actor, rows=rows, reason=reason)
        except ValidationError as exc:
            _fail(exc, formset, [index for index, _ in chosen])

    return policy_table_page(request, key="approval_matrix", build=build, save=save)
