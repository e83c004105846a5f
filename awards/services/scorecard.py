"""Writes on the scorecard: build it (from a template), edit groups, criteria and knockouts, lock it.

Decisions (issue 5):
- The scorecard locks when the lead locks it or when the first score is saved (``scorecard_lock_for_scoring``),
  whichever comes first. Before the lock it is edited freely (audit-trailed as always).
- After the lock every change needs a reason. A change to what a criterion *means* (name, description,
  guidance, the requirements it assesses) resets that criterion's scores; a new criterion reopens the
  submitted sheets (there is something new to score); removing a criterion deletes its scores; a change of
  scale resets every score. Weight changes (group weights, shares) reset nothing: scores do not depend on
  weights. The evaluators whose scores were reset, or whose sheets were reopened, are told through the
  notification outbox (one message each, e-mailed on commit).
- Knockout changes after the lock drop the decisions already confirmed for that knockout.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from awards import notices
from awards.models import AwardProcedure, Requirement
from awards.models.procedure import Stage
from awards.models.scorecard import (
    Criterion,
    CriterionCoverage,
    CriterionGroup,
    Knockout,
    KnockoutDecision,
    Score,
    Scorecard,
    ScorecardTemplate,
    ScoreSheet,
)
from awards.policies import procedure_policy
from awards.services._common import lock_procedure, locked
from procurement.audit.history import attribute
from procurement.authz import require
from procurement.exceptions import DomainError
from procurement.services import model_delete, model_save
from vendors.models import Attestation

EDITABLE_STAGES = (Stage.DRAFT, Stage.REQUIREMENTS, Stage.RFP_ISSUED, Stage.EVALUATION)
KNOWN_STANDARDS = set(Attestation.Standard.values)


# --- helpers ----------------------------------------------------------------------------------------------


def _editable(*, actor, procedure_id) -> tuple[AwardProcedure, Scorecard]:
    procedure = lock_procedure(procedure_id)
    require(actor, procedure_policy, "edit", procedure)
    if procedure.stage not in EDITABLE_STAGES:
        raise DomainError(f"{procedure.reference} is {procedure.get_stage_display()}; its scorecard can no longer "
                          "change.")
    scorecard = Scorecard.objects.select_for_update().filter(procedure=procedure).first()
    if scorecard is None:
        raise DomainError("Create the scorecard first.")
    return procedure, scorecard


def _reason(scorecard: Scorecard, reason: str, default: str) -> str:
    """Before the lock a default reason is fine; after it the lead must say why."""
    reason = (reason or "").strip()
    if scorecard.is_locked and not reason:
        raise ValidationError({"reason": "The scorecard is locked: give the reason for this change (evaluators "
                                         "whose scores it resets are told)."})
    return reason or default


def _notify(evaluators: dict, *, procedure: AwardProcedure, what: str, reason: str) -> None:
    """Each affected evaluator hears through the notification outbox (queued with this transaction, e-mailed on
    commit, retried by the sweeper when sending fails)."""
    notices.scorecard_changed(evaluators=list(evaluators.values()), procedure=procedure, what=what, reason=reason)


def _reset_scores(scores, *, actor, reason: str) -> dict:
    """Delete the scores (history keeps them) and reopen their sheets. Returns the evaluators affected."""
    affected: dict = {}
    sheets: dict = {}
    for score in scores.select_related("sheet__evaluator"):
        affected[score.sheet.evaluator_id] = score.sheet.evaluator
        sheets[score.sheet_id] = score.sheet
        model_delete(score, actor=actor, reason=f"Reset: {reason}")
    for sheet in sheets.values():
        _reopen(sheet, actor=actor, reason=reason)
    return affected


def _reopen(sheet: ScoreSheet, *, actor, reason: str) -> None:
    if sheet.submitted_at is None:
        return
    sheet.submitted_at = None
    sheet.reopen_reason = reason
    attribute(sheet, actor=actor, reason=f"Reopened: {reason}")
    sheet.save(update_fields=["submitted_at", "reopen_reason", "updated_at"])


def _decimal(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: "Enter a number."}) from None
    if not number.is_finite():
        raise ValidationError({field: "Enter a number."})
    return number


def _unique_key(existing: set[str], wanted: str, fallback: str) -> str:
    base = slugify(wanted)[:36] or fallback
    key, n = base, 2
    while key in existing:
        key, n = f"{base}-{n}", n + 1
    return key


def _clean_standards(kind: str, standards) -> list[str]:
    standards = [s for s in (standards or []) if s]
    unknown = [s for s in standards if s not in KNOWN_STANDARDS]
    if unknown:
        raise ValidationError({"standards": f"Unknown standard(s): {', '.join(unknown)}."})
    if kind == Knockout.Kind.ATTESTATION and not standards:
        raise ValidationError({"standards": "Choose at least one standard that satisfies this knockout."})
    return standards if kind == Knockout.Kind.ATTESTATION else []


# --- build ------------------------------------------------------------------------------------------------


@transaction.atomic
def scorecard_create(*, actor, procedure: AwardProcedure, template: ScorecardTemplate | None = None,
                     scale: int = 5) -> Scorecard:
    """Create the procedure's scorecard, empty or as a copy of `template` (groups, criteria, knockouts)."""
    procedure = lock_procedure(procedure.pk)
    require(actor, procedure_policy, "edit", procedure)
    if procedure.stage not in EDITABLE_STAGES:
        raise DomainError(f"{procedure.reference} is {procedure.get_stage_display()}; it is too late for a "
                          "scorecard.")
    if Scorecard.objects.filter(procedure=procedure).exists():
        raise DomainError(f"{procedure.reference} already has a scorecard.")
    definition = template.definition if template else {}
    scorecard = Scorecard(procedure=procedure, scale=definition.get("scale", scale),
                          template_name=template.name if template else "")
    scorecard.full_clean()
    why = f"Created from the template {template.name}" if template else "Created"
    attribute(scorecard, actor=actor, reason=why)
    scorecard.save()
    for g_pos, g in enumerate(definition.get("groups", ())):
        group = CriterionGroup(scorecard=scorecard, key=g["key"], name=g["name"], weight=Decimal(str(g["weight"])),
                               position=g_pos)
        model_save(group, actor=actor, reason=why)
        for c_pos, c in enumerate(g.get("criteria", ())):
            criterion = Criterion(scorecard=scorecard, group=group, key=c["key"], name=c["name"],
                                  description=c.get("description", ""), guidance=c.get("guidance", ""),
                                  share=Decimal(str(c.get("share", 1))), position=c_pos)
            model_save(criterion, actor=actor, reason=why)
    for k_pos, k in enumerate(definition.get("knockouts", ())):
        knockout = Knockout(scorecard=scorecard, key=k["key"], name=k["name"], description=k.get("description", ""),
                            kind=k.get("kind", Knockout.Kind.MANUAL), standards=list(k.get("standards", [])),
                            horizon_months=k.get("horizon_months", 12), position=k_pos)
        model_save(knockout, actor=actor, reason=why)
    return scorecard


@transaction.atomic
def scorecard_set_scale(*, actor, scorecard: Scorecard, scale: int, reason: str = "") -> Scorecard:
    procedure, scorecard = _editable(actor=actor, procedure_id=scorecard.procedure_id)
    if scale == scorecard.scale:
        return scorecard
    why = _reason(scorecard, reason, "Scale changed")
    scorecard.scale = scale
    scorecard.full_clean()
    affected = _reset_scores(Score.objects.filter(criterion__scorecard=scorecard), actor=actor, reason=why)
    attribute(scorecard, actor=actor, reason=f"Scale changed to 0–{scale}: {why}")
    scorecard.save(update_fields=["scale", "updated_at"])
    _notify(affected, procedure=procedure, what=f"the scale is now 0–{scale}", reason=why)
    return scorecard


@transaction.atomic
def scorecard_lock(*, actor, scorecard: Scorecard, reason: str = "Locked by the procurement lead") -> Scorecard:
    procedure, scorecard = _editable(actor=actor, procedure_id=scorecard.procedure_id)
    if scorecard.is_locked:
        return scorecard
    from awards.results import effective_weights

    _, problems = effective_weights(list(scorecard.groups.all()), list(scorecard.criteria.all()))
    if problems:  # a scorecard is locked to be scored: its weights must already add up to exactly 100
        raise ValidationError("The scorecard cannot be locked yet. " + " ".join(problems))
    _lock(scorecard, actor=actor, reason=reason)
    return scorecard


def _lock(scorecard: Scorecard, *, actor, reason: str) -> None:
    scorecard.locked_at, scorecard.locked_by, scorecard.lock_reason = timezone.now(), actor, reason[:200]
    attribute(scorecard, actor=actor, reason=f"Locked: {reason}")
    scorecard.save(update_fields=["locked_at", "locked_by", "lock_reason", "updated_at"])


def scorecard_lock_for_scoring(*, actor, scorecard: Scorecard) -> None:
    """Called inside the score-saving transaction: the first score locks the scorecard."""
    if not scorecard.is_locked:
        _lock(scorecard, actor=actor, reason="Scoring started")


# --- groups -------------------------------------------------------------------------------------------------


@transaction.atomic
def group_add(*, actor, scorecard: Scorecard, name: str, weight, reason: str = "") -> CriterionGroup:
    procedure, scorecard = _editable(actor=actor, procedure_id=scorecard.procedure_id)
    why = _reason(scorecard, reason, "Group added")
    existing = set(scorecard.groups.values_list("key", flat=True))
    group = CriterionGroup(scorecard=scorecard, key=_unique_key(existing, name, "group"), name=(name or "").strip(),
                           weight=_decimal(weight, "weight"), position=len(existing))
    model_save(group, actor=actor, reason=why)
    return group


@transaction.atomic
def group_update(*, actor, group: CriterionGroup, name: str, weight, reason: str = "") -> CriterionGroup:
    procedure, scorecard = _editable(actor=actor, procedure_id=group.scorecard.procedure_id)
    group = locked(CriterionGroup, group.pk)
    why = _reason(scorecard, reason, "Group edited")
    group.name, group.weight = (name or "").strip(), _decimal(weight, "weight")
    model_save(group, actor=actor, reason=why)
    return group


@transaction.atomic
def group_remove(*, actor, group: CriterionGroup, reason: str = "") -> None:
    """Remove an empty group (its criteria are moved or removed first, each by its own rule). After the lock the
    lead says why, as for every change."""
    procedure, scorecard = _editable(actor=actor, procedure_id=group.scorecard.procedure_id)
    group = locked(CriterionGroup, group.pk)
    why = _reason(scorecard, reason, "Group removed")
    if Criterion.objects.filter(group=group).exists():
        raise ValidationError({"group": f"The group {group.name} still has criteria: move or remove them first."})
    if group.assignments.exists():  # an evaluator left with no group would silently score every group
        raise ValidationError({"group": f"Evaluators are assigned to the group {group.name}: change their "
                                        "assignments first."})
    model_delete(group, actor=actor, reason=why)


# --- criteria -----------------------------------------------------------------------------------------------


def _set_requirements(criterion: Criterion, requirements, *, actor, reason: str) -> bool:
    wanted = {r.pk: r for r in requirements}
    if any(r.procedure_id != criterion.scorecard.procedure_id for r in wanted.values()):
        raise ValidationError({"requirements": "Link requirements of this procedure only."})
    current = {c.requirement_id: c for c in CriterionCoverage.objects.filter(criterion=criterion)}
    changed = False
    for pk, link in current.items():
        if pk not in wanted:
            model_delete(link, actor=actor, reason=reason)
            changed = True
    for pk, requirement in wanted.items():
        if pk not in current:
            link = CriterionCoverage(criterion=criterion, requirement=requirement)
            attribute(link, actor=actor, reason=reason)
            link.save()
            changed = True
    return changed


@transaction.atomic
def criterion_add(*, actor, group: CriterionGroup, name: str, description: str = "", guidance: str = "",
                  share=1, requirements=(), reason: str = "") -> Criterion:
    procedure, scorecard = _editable(actor=actor, procedure_id=group.scorecard.procedure_id)
    why = _reason(scorecard, reason, "Criterion added")
    existing = set(scorecard.criteria.values_list("key", flat=True))
    criterion = Criterion(scorecard=scorecard, group=group, key=_unique_key(existing, name, "criterion"),
                          name=(name or "").strip(), description=description, guidance=guidance,
                          share=_decimal(share, "share"), position=group.criteria.count())
    model_save(criterion, actor=actor, reason=why)
    _set_requirements(criterion, requirements, actor=actor, reason=why)
    if scorecard.is_locked:
        affected = {}
        for sheet in ScoreSheet.objects.filter(scorecard=scorecard, submitted_at__isnull=False).select_related(
                "evaluator"):
            affected[sheet.evaluator_id] = sheet.evaluator
            _reopen(sheet, actor=actor, reason=why)
        _notify(affected, procedure=procedure, what=f"new criterion {criterion.name}", reason=why)
    return criterion


MEANING_FIELDS = ("name", "description", "guidance")


@transaction.atomic
def criterion_update(*, actor, criterion: Criterion, name: str, description: str = "", guidance: str = "",
                     share=1, group: CriterionGroup | None = None, requirements=None,
                     reason: str = "") -> Criterion:
    procedure, scorecard = _editable(actor=actor, procedure_id=criterion.scorecard.procedure_id)
    criterion = locked(Criterion, criterion.pk)
    why = _reason(scorecard, reason, "Criterion edited")
    before = tuple(getattr(criterion, f) for f in MEANING_FIELDS)
    criterion.name, criterion.description, criterion.guidance = (name or "").strip(), description, guidance
    criterion.share = _decimal(share, "share")
    if group is not None:
        if group.scorecard_id != scorecard.pk:
            raise ValidationError({"group": "Choose a group of this scorecard."})
        criterion.group = group
    criterion.full_clean()
    meaning_changed = before != tuple(getattr(criterion, f) for f in MEANING_FIELDS)
    attribute(criterion, actor=actor, reason=why)
    criterion.save()
    if requirements is not None:
        meaning_changed |= _set_requirements(criterion, requirements, actor=actor, reason=why)
    if scorecard.is_locked and meaning_changed:
        affected = _reset_scores(Score.objects.filter(criterion=criterion), actor=actor, reason=why)
        _notify(affected, procedure=procedure, what=f"criterion {criterion.name} was redefined; its scores were "
                                                    "reset", reason=why)
    return criterion


def _removal_reason(reason: str, what: str) -> str:
    """Removing a criterion or a knockout is an undo (issue 21): before the lock as after it, the lead says why,
    and the reason is kept in the removed row's history."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": f"Give the reason for removing {what} (kept in the audit trail)."})
    return reason


@transaction.atomic
def criterion_remove(*, actor, criterion: Criterion, reason: str = "") -> None:
    procedure, scorecard = _editable(actor=actor, procedure_id=criterion.scorecard.procedure_id)
    criterion = locked(Criterion, criterion.pk)
    why = _removal_reason(reason, f"the criterion {criterion.name}")
    affected = _reset_scores(Score.objects.filter(criterion=criterion), actor=actor, reason=why)
    for link in CriterionCoverage.objects.filter(criterion=criterion):
        model_delete(link, actor=actor, reason=why)
    for note in criterion.consensus_notes.all():
        model_delete(note, actor=actor, reason=why)
    name = criterion.name
    model_delete(criterion, actor=actor, reason=why)
    if affected:
        _notify(affected, procedure=procedure, what=f"criterion {name} was removed", reason=why)


# --- knockouts ----------------------------------------------------------------------------------------------


@transaction.atomic
def knockout_add(*, actor, scorecard: Scorecard, name: str, description: str = "", kind: str = Knockout.Kind.MANUAL,
                 standards=(), horizon_months: int = 12, reason: str = "") -> Knockout:
    procedure, scorecard = _editable(actor=actor, procedure_id=scorecard.procedure_id)
    why = _reason(scorecard, reason, "Knockout added")
    existing = set(scorecard.knockouts.values_list("key", flat=True))
    knockout = Knockout(scorecard=scorecard, key=_unique_key(existing, name, "knockout"), name=(name or "").strip(),
                        description=description, kind=kind, standards=_clean_standards(kind, standards),
                        horizon_months=horizon_months, position=len(existing))
    model_save(knockout, actor=actor, reason=why)
    return knockout


@transaction.atomic
def knockout_update(*, actor, knockout: Knockout, name: str, description: str = "", kind: str = Knockout.Kind.MANUAL,
                    standards=(), horizon_months: int = 12, reason: str = "") -> Knockout:
    procedure, scorecard = _editable(actor=actor, procedure_id=knockout.scorecard.procedure_id)
    knockout = locked(Knockout, knockout.pk)
    why = _reason(scorecard, reason, "Knockout edited")
    knockout.name, knockout.description, knockout.kind = (name or "").strip(), description, kind
    knockout.standards, knockout.horizon_months = _clean_standards(kind, standards), horizon_months
    model_save(knockout, actor=actor, reason=why)
    for decision in KnockoutDecision.objects.filter(knockout=knockout):
        model_delete(decision, actor=actor, reason=f"Knockout redefined: {why}")
    return knockout


@transaction.atomic
def knockout_remove(*, actor, knockout: Knockout, reason: str = "") -> None:
    procedure, scorecard = _editable(actor=actor, procedure_id=knockout.scorecard.procedure_id)
    knockout = locked(Knockout, knockout.pk)
    why = _removal_reason(reason, f"the knockout {knockout.name}")
    for decision in KnockoutDecision.objects.filter(knockout=knockout):
        model_delete(decision, actor=actor, reason=why)
    model_delete(knockout, actor=actor, reason=why)


def requirements_of(procedure: AwardProcedure):
    return Requirement.objects.filter(procedure=procedure).order_by("pk")


# --- price (issue 20) -----------------------------------------------------------------------------------------


@transaction.atomic
def scorecard_set_price(*, actor, scorecard: Scorecard, formula: str, criterion: Criterion | None = None,
                        ceiling=None, reason: str = "") -> Scorecard:
    """Choose the price formula (and, for the linear one, its ceiling in the base currency) and the criterion it
    scores. After the lock this needs a reason like any other change; scores evaluators gave the criterion before
    it became price-scored are reset (they no longer count) and those evaluators are told."""
    from awards.models.scorecard import PriceFormula

    procedure, scorecard = _editable(actor=actor, procedure_id=scorecard.procedure_id)
    formula = formula or ""
    if formula not in PriceFormula.values:
        raise ValidationError({"formula": "Choose one of the price formulas."})
    if criterion is not None and criterion.scorecard_id != scorecard.pk:
        raise ValidationError({"criterion": "Choose a criterion of this scorecard."})
    if formula and criterion is None:
        raise ValidationError({"criterion": "Choose the criterion the price formula scores."})
    if not formula and criterion is not None:
        raise ValidationError({"formula": "Choose a formula for the price criterion, or no price criterion."})
    if ceiling in ("", None):
        ceiling = None
    else:
        ceiling = _decimal(ceiling, "ceiling")
        if ceiling <= 0:
            raise ValidationError({"ceiling": "The ceiling is a total cost above zero."})
    if formula == PriceFormula.LINEAR and ceiling is None:
        raise ValidationError({"ceiling": "The linear formula needs a ceiling: the total cost (base currency) at "
                                          "which the price scores 0."})
    if formula != PriceFormula.LINEAR:
        ceiling = None
    current = Criterion.objects.filter(scorecard=scorecard, price_scored=True).first()
    if (formula, ceiling, current) == (scorecard.price_formula, scorecard.price_ceiling, criterion):
        return scorecard
    label = dict(PriceFormula.choices)[formula]
    why = _reason(scorecard, reason, "Price formula set")
    if current is not None and current != criterion:
        current.price_scored = False
        model_save(current, actor=actor, reason=f"No longer scored by price: {why}")
    affected: dict = {}
    if criterion is not None and not criterion.price_scored:
        criterion = locked(Criterion, criterion.pk)
        criterion.price_scored = True
        affected = _reset_scores(Score.objects.filter(criterion=criterion), actor=actor,
                                 reason=f"{criterion.name} is now scored by the price formula: {why}")
        model_save(criterion, actor=actor, reason=f"Scored by the price formula: {why}")
    scorecard.price_formula, scorecard.price_ceiling = formula, ceiling
    scorecard.full_clean()
    attribute(scorecard, actor=actor, reason=f"Price formula: {label}: {why}")
    scorecard.save(update_fields=["price_formula", "price_ceiling", "updated_at"])
    if affected:
        _notify(affected, procedure=procedure, what=f"{criterion.name} is now scored by the price formula",
                reason=why)
    return scorecard
