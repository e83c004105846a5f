"""Forms of the vendors policy pages: due-diligence plans, the tiering rule table, the risk acceptance matrix."""

from __future__ import annotations

from django import forms

from procurement.accounts.roles import Role
from vendors import tiering
from vendors.models import REQUIRABLE_KINDS, DueDiligencePlan, EvidenceKind
from vendors.risk import RATING_LABELS, RATINGS

TIER_CHOICES = [(t, tiering.TIER_LABELS[t]) for t in tiering.TIERS]
KIND_CHOICES = [(k, EvidenceKind(k).label) for k in REQUIRABLE_KINDS]


class PlanForm(forms.Form):
    tier = forms.ChoiceField(label="Tier", choices=TIER_CHOICES, widget=forms.HiddenInput)
    tier_label = forms.CharField(label="Tier", required=False, disabled=True,
                                 widget=forms.TextInput(attrs={"size": 8, "readonly": True}))
    references = forms.IntegerField(label="References", min_value=0, max_value=20)
    independent_references = forms.IntegerField(label="Independently sourced", min_value=0, max_value=20)
    pov_required = forms.BooleanField(label="POV mandatory", required=False)
    refresh_months = forms.IntegerField(label="Attestation refresh (months)", min_value=1, max_value=60)

    def clean(self):
        data = super().clean()
        refs, independent = data.get("references"), data.get("independent_references")
        if refs is not None and independent is not None and independent > refs:
            self.add_error("independent_references", "Cannot exceed the number of references required.")
        return data


class RequirementForm(forms.Form):
    tier = forms.ChoiceField(label="Tier", choices=TIER_CHOICES)
    kind = forms.ChoiceField(label="Evidence required", choices=KIND_CHOICES)
    guidance = forms.CharField(label="Guidance", max_length=300, required=False)
    independent = forms.BooleanField(label="Independent evidence only", required=False)


PlanFormSet = forms.formset_factory(PlanForm, extra=0, min_num=len(tiering.TIERS), max_num=len(tiering.TIERS),
                                    validate_min=True, validate_max=True)
RequirementFormSet = forms.formset_factory(RequirementForm, extra=2, can_delete=True)


def _kind_order(requirement) -> int:
    kind = requirement.evidence_kind
    return REQUIRABLE_KINDS.index(kind) if kind in REQUIRABLE_KINDS else len(REQUIRABLE_KINDS)


def plans_initial() -> tuple[list[dict], list[dict]]:
    plans = {p.tier: p for p in DueDiligencePlan.objects.prefetch_related("requirements")}
    rows, requirements = [], []
    for tier in tiering.TIERS:
        plan = plans.get(tier)
        rows.append({"tier": tier, "tier_label": tiering.TIER_LABELS[tier],
                     "references": plan.references_required if plan else 0,
                     "independent_references": plan.independent_references_required if plan else 0,
                     "pov_required": plan.pov_required if plan else False,
                     "refresh_months": plan.attestation_refresh_months if plan else 12})
        if plan:
            requirements += [{"tier": tier, "kind": r.evidence_kind, "guidance": r.guidance,
                              "independent": r.independent_evidence_required}
                             for r in sorted(plan.requirements.all(), key=_kind_order)]
    return rows, requirements


CONDITIONS_HELP = ("One condition per line: question, operator, answer — e.g. “data_sensitivity == personal” or "
                   "“spend_band in 250k_1m, over_1m”; add “| words to show” to label it. Operators: ==, >=, <=, in. "
                   "All conditions of a rule must hold.")


class TieringRuleForm(forms.Form):
    tier = forms.ChoiceField(label="Tier", choices=TIER_CHOICES)
    conditions = forms.CharField(label="Conditions", widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))
    reason = forms.CharField(label="Shown as", max_length=200, required=False,
                             help_text="Optional: the words shown instead of the conditions.")

    def clean_conditions(self):
        try:
            return parse_conditions(self.cleaned_data["conditions"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


def parse_conditions(text: str) -> list[list]:
    """Lines "question op answer[, answer] [| label]" as the rule table's conditions ([q, op, value(, label)])."""
    out = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        line, _, label = line.partition("|")
        parts = line.split(None, 2)
        if len(parts) != 3:
            raise ValueError(f"Line {number}: write “question operator answer”.")
        question, op, value = parts
        if question not in tiering.QUESTIONS_BY_CODE:
            raise ValueError(f"Line {number}: unknown question “{question}” (known: "
                             f"{', '.join(tiering.QUESTIONS_BY_CODE)}).")
        if op not in tiering.OPERATORS:
            raise ValueError(f"Line {number}: unknown operator “{op}” (use ==, >=, <= or in).")
        values = [v.strip() for v in value.split(",") if v.strip()]
        known = dict(tiering.QUESTIONS_BY_CODE[question].answers)
        bad = [v for v in values if v not in known]
        if bad or not values:
            raise ValueError(f"Line {number}: “{', '.join(bad) or value}” is not an answer to {question} (answers: "
                             f"{', '.join(known)}).")
        if op != "in" and len(values) > 1:
            raise ValueError(f"Line {number}: only “in” takes several answers.")
        condition = [question, op, values if op == "in" else values[0]]
        if label.strip():
            condition.append(label.strip())
        out.append(condition)
    if not out:
        raise ValueError("A rule needs at least one condition.")
    return out


def format_conditions(when) -> str:
    lines = []
    for condition in when:
        question, op, value = condition[0], condition[1], condition[2]
        shown = ", ".join(value) if isinstance(value, list | tuple) else value
        label = f" | {condition[3]}" if len(condition) > 3 and condition[3] else ""
        lines.append(f"{question} {op} {shown}{label}")
    return "\n".join(lines)


TieringRuleFormSet = forms.formset_factory(TieringRuleForm, extra=2, can_delete=True)


def tiering_initial(snapshot) -> list[dict]:
    return [{"tier": rule["tier"], "conditions": format_conditions(rule.get("when") or ()),
             "reason": rule.get("reason", "")} for rule in snapshot]


ROLE_CHOICES = [(str(value), label) for value, label in Role.choices if value != Role.POLICY_ADMINISTRATOR]


class AcceptanceForm(forms.Form):
    rating = forms.ChoiceField(label="Residual rating", choices=[(r, RATING_LABELS[r]) for r in RATINGS],
                               widget=forms.HiddenInput)
    rating_label = forms.CharField(label="Residual rating", required=False, disabled=True,
                                   widget=forms.TextInput(attrs={"size": 8, "readonly": True}))
    roles = forms.MultipleChoiceField(label="Who may accept", choices=ROLE_CHOICES, required=False,
                                      widget=forms.CheckboxSelectMultiple,
                                      help_text="None ticked: nobody may accept; the risk must be mitigated first.")
    label = forms.CharField(label="Shown as", max_length=120, required=False)


AcceptanceFormSet = forms.formset_factory(AcceptanceForm, extra=0, min_num=len(RATINGS), max_num=len(RATINGS),
                                          validate_min=True, validate_max=True)


def acceptance_initial(snapshot) -> list[dict]:
    return [{"rating": r, "rating_label": RATING_LABELS[r], "roles": (snapshot.get(r) or {}).get("roles", []),
             "label": (snapshot.get(r) or {}).get("label", "")} for r in RATINGS]
