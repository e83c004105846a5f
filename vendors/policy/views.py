"""Policy pages of the vendors app (issue 21): due-diligence plans, the tiering rule table, the risk acceptance
matrix. A policy administrator changes each as a whole with a reason (vendors.policy.services); readers see them
read-only (procurement.policy_views.policy_table_page)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError

from procurement import policy_tables
from procurement.policy_views import apply_row_errors, policy_table_page
from vendors.policy import forms, services


@login_required
def dd_plans(request):
    plans, requirements = forms.plans_initial()

    def build(data):
        return [("Plan of each tier", forms.PlanFormSet(data, prefix="plans", initial=plans),
                 "How many customer references, how many of them found by us, whether a proof of value is "
                 "mandatory, and how often attestations must be collected again."),
                ("Evidence each tier requires", forms.RequirementFormSet(
                    data, prefix="requirements", initial=None if data else requirements),
                 "One row per evidence item a tier's plan requires; tick “Delete” to drop one, fill a blank row to "
                 "add one.")]

    def save(actor, formsets, reason):
        plan_set, requirement_set = formsets
        rows = {}
        for form in plan_set.forms:
            data = form.cleaned_data
            rows[data["tier"]] = services.PlanRow(
                tier=data["tier"], references=data["references"],
                independent_references=data["independent_references"], pov_required=bool(data["pov_required"]),
                refresh_months=data["refresh_months"])
        for form in requirement_set.forms:
            data = form.cleaned_data
            if not data or data.get("DELETE") or data.get("tier") not in rows:
                continue
            rows[data["tier"]].requirements.append({"kind": data["kind"], "guidance": data.get("guidance", ""),
                                                    "independent": bool(data.get("independent"))})
        ordered = list(rows.values())
        try:
            return services.dd_plans_replace(actor=actor, plans=ordered, reason=reason)
        except ValidationError as exc:
            exc._page_messages = apply_row_errors(plan_set, list(range(len(ordered))), exc)
            raise

    return policy_table_page(request, key="dd_plans", build=build, save=save,
                             help_text="An award procedure keeps the plans of the version in force when it started; "
                                       "a vendor's own page judges by the current plans.")


@login_required
def tiering_rules(request):
    snapshot = policy_tables.current("tiering_rules").snapshot

    def build(data):
        return [("Rules", forms.TieringRuleFormSet(data, prefix="rules",
                                                   initial=None if data else forms.tiering_initial(snapshot)),
                 "Every rule is checked; a vendor gets the highest tier among the rules that match (low when none "
                 "does).")]

    def save(actor, formsets, reason):
        formset = formsets[0]
        config, indices = [], []
        for index, form in enumerate(formset.forms):
            data = form.cleaned_data
            if not data or data.get("DELETE") or not data.get("conditions"):
                continue
            entry = {"tier": data["tier"], "when": data["conditions"]}
            if data.get("reason"):
                entry["reason"] = data["reason"]
            config.append(entry)
            indices.append(index)
        return services.tiering_rules_record(actor=actor, config=config, reason=reason)

    return policy_table_page(request, key="tiering_rules", build=build, save=save,
                             extra={"questions": forms.tiering.QUESTIONS},
                             template="procurement/policy/tiering_rules.html",
                             help_text="A vendor assessed from now on is tiered by the new version; earlier "
                                       "assessments keep the version they were made under.")


@login_required
def risk_acceptance(request):
    snapshot = policy_tables.current("risk_acceptance").snapshot
    initial = forms.acceptance_initial(snapshot)

    def build(data):
        return [("Who may accept a residual risk", forms.AcceptanceFormSet(data, prefix="matrix", initial=initial),
                 "Nobody ever accepts a risk they own, whatever this table says.")]

    def save(actor, formsets, reason):
        config = {form.cleaned_data["rating"]: {"roles": list(form.cleaned_data.get("roles") or []),
                                                "label": form.cleaned_data.get("label") or ""}
                  for form in formsets[0].forms}
        return services.risk_acceptance_record(actor=actor, config=config, reason=reason)

    return policy_table_page(request, key="risk_acceptance", build=build, save=save,
                             help_text="A risk accepted from now on is judged by the new version, and records it.")
