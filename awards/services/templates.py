"""Templates and cloning (issue 21): save a scorecard or a whole procedure set-up as a versioned template, retire a
template, and start a new procedure from a template or from an earlier procedure.

Decisions:
- Who (the template policy, in awards.policies): procurement leads save, version and retire templates; the people
  who take part in award procedures (leads, business owners, evaluators, committee approvers) and auditors read
  them. Anyone else gets 404.
- Versions: saving onto an existing template raises its ``version`` by one and replaces its definition; the
  history row of every version keeps that version's definition, its author and the reason (a reason is required
  for every version after the first). A retired template is kept (never deleted), can no longer be versioned or
  started from, and says so.
- Starting a procedure is one transaction: the procedure (through ``procedure_create``), its requirements, its
  timeline (the source's offsets applied to the new RFP issue date), its scorecard (groups, criteria, knockouts,
  the price formula and the criteria's requirement links) and ``AwardProcedure.set_up_from``. Any refusal leaves
  nothing behind. A copy takes only the set-up: never bids, invitations, evaluators, scores, decisions, Q&A,
  waivers, memos, the lock or the stage, and the requirements start unagreed.
- A source the person cannot see is a 404, in the view and again here.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from awards import templates_defs as defs
from awards.models import AwardProcedure, ProcedureTemplate
from awards.models.scorecard import Criterion, Scorecard, ScorecardTemplate
from awards.policies import (  # noqa: F401 - the template policy, re-exported for the views
    procedure_policy,
    procedure_template_policy,
    reads_templates,
    scorecard_template_policy,
)
from awards.services._common import clean_reason, locked
from procurement.audit.history import attribute
from procurement.authz import require
from procurement.exceptions import DomainError
from procurement.services import model_save

# --- helpers ----------------------------------------------------------------------------------------------------


def _unique_slug(model, name: str) -> str:
    base = slugify(name)[:50] or "template"
    taken = set(model.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Give the template a name."})
    if len(name) > 200:
        raise ValidationError({"name": "Keep the name to 200 characters."})
    return name


def _save_version(model, policy, *, actor, template, name: str, description: str, definition: dict, reason: str,
                  first_reason: str, extra: dict | None = None):
    """Create the template (version 1) or save the next version of `template`; returns the saved row."""
    require(actor, policy, "save")
    name = _name(name)
    if template is None:
        row = model(slug=_unique_slug(model, name), name=name, description=description or "",
                    definition=definition, created_by=actor, **(extra or {}))
        return model_save(row, actor=actor, reason=(reason or "").strip() or first_reason)
    row = locked(model, template.pk)
    require(actor, policy, "view", row)
    if not row.active:
        raise DomainError(f"“{row.name}” is retired: save the scorecard as a new template instead.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say what changes in this version: the reason is kept with the version."})
    row.version += 1
    row.name, row.description, row.definition = name, description or "", definition
    for field, value in (extra or {}).items():
        setattr(row, field, value)
    return model_save(row, actor=actor, reason=f"Version {row.version}: {reason}")


def _retire(model, policy, *, actor, template, reason: str):
    row = locked(model, template.pk)
    require(actor, policy, "retire", row)
    reason = clean_reason(reason, what="the reason for retiring this template")
    row.active = False
    return model_save(row, actor=actor, reason=f"Retired: {reason}")


# --- scorecard templates ----------------------------------------------------------------------------------------


@transaction.atomic
def scorecard_template_save(*, actor, scorecard: Scorecard, name: str, description: str = "",
                            template: ScorecardTemplate | None = None, reason: str) -> ScorecardTemplate:
    """Save a procedure's scorecard as a new template, or as the next version of `template` (reason required)."""
    require(actor, scorecard_template_policy, "save")
    scorecard = Scorecard.objects.select_related("procedure").get(pk=scorecard.pk)  # as stored, not as passed
    require(actor, procedure_policy, "view", scorecard.procedure)
    definition = defs.definition_of_scorecard(scorecard)
    defs.require_valid(defs.scorecard_problems(definition))
    return _save_version(ScorecardTemplate, scorecard_template_policy, actor=actor, template=template, name=name,
                         description=description, definition=definition, reason=reason,
                         first_reason=f"Saved from the scorecard of {scorecard.procedure.reference}")


@transaction.atomic
def scorecard_template_retire(*, actor, template: ScorecardTemplate, reason: str) -> ScorecardTemplate:
    """Retire a scorecard template: it stays on record (and in the scorecards built from it) but is not offered."""
    return _retire(ScorecardTemplate, scorecard_template_policy, actor=actor, template=template, reason=reason)


# --- procedure set-up templates --------------------------------------------------------------------------------


@transaction.atomic
def procedure_template_save(*, actor, procedure: AwardProcedure, name: str, description: str = "",
                            template: ProcedureTemplate | None = None, reason: str = "") -> ProcedureTemplate:
    """Save a procedure's set-up (details, timeline offsets, requirements, scorecard) as a new template, or as the
    next version of `template` (reason required)."""
    require(actor, procedure_template_policy, "save")
    procedure = AwardProcedure.objects.get(pk=procedure.pk)  # as stored, not as passed
    require(actor, procedure_policy, "view", procedure)
    definition = defs.definition_of_procedure(procedure)
    defs.require_valid(defs.procedure_problems(definition))
    return _save_version(ProcedureTemplate, procedure_template_policy, actor=actor, template=template, name=name,
                         description=description, definition=definition, reason=reason,
                         first_reason=f"Saved from the set-up of {procedure.reference}",
                         extra={"source_reference": procedure.reference})


@transaction.atomic
def procedure_template_retire(*, actor, template: ProcedureTemplate, reason: str) -> ProcedureTemplate:
    return _retire(ProcedureTemplate, procedure_template_policy, actor=actor, template=template, reason=reason)


# --- starting a procedure ---------------------------------------------------------------------------------------


def source_label(source) -> str:
    """What AwardProcedure.set_up_from says about `source`."""
    if isinstance(source, AwardProcedure):
        return f"Copied from {source.reference}"
    if isinstance(source, ScorecardTemplate):
        return f"Scorecard template “{source.name}” v{source.version}"[:200]
    return f"Template “{source.name}” v{source.version}"[:200]


def _source_definition(actor, source) -> tuple[object, dict, bool]:
    """(`source` as stored now, its set-up definition, whether that must be complete) once the actor may use it."""
    if isinstance(source, AwardProcedure):
        require(actor, procedure_policy, "view", source)
        source = AwardProcedure.objects.get(pk=source.pk)
        return source, defs.definition_of_procedure(source), False
    policy = scorecard_template_policy if isinstance(source, ScorecardTemplate) else procedure_template_policy
    if not isinstance(source, ScorecardTemplate | ProcedureTemplate):
        raise TypeError("Start from a procedure, a procedure template or a scorecard template.")
    source = policy.model.objects.get(pk=source.pk)  # the current version, not the one the caller read
    require(actor, policy, "start", source)
    if isinstance(source, ScorecardTemplate):
        return source, {"procedure": {}, "timeline": {}, "requirements": [], "scorecard": source.definition}, True
    return source, source.definition, True


def _details(definition: dict, overrides: dict) -> dict:
    details = {**(definition.get("procedure") or {})}
    details.update({k: v for k, v in overrides.items() if v not in (None, "")})
    missing = {
        "category": "Choose the category: the source does not say.",
        "term_months": "Give the term in months: the source does not say.",
        "need_statement": "Describe the need: the source does not say.",
        "currency": "Give the currency: the source does not say.",
    }
    errors = {field: text for field, text in missing.items() if details.get(field) in (None, "")}
    if errors:
        raise ValidationError(errors)
    if isinstance(details.get("currency"), str):
        details["currency"] = details["currency"].upper()
    details.setdefault("submission", "portal")
    return details


@transaction.atomic
def procedure_start(*, actor, title: str, business_owner, estimated_value: Decimal, rfp_issue_date: date | None = None,
                    source, currency: str | None = None, category: str | None = None, term_months: int | None = None,
                    need_statement: str | None = None) -> AwardProcedure:
    """Start a procedure from `source` (a ProcedureTemplate, a ScorecardTemplate or an AwardProcedure the actor
    can see): all of it or nothing. `currency`, `category`, `term_months` and `need_statement` override the
    source's (a scorecard template has none, so they are then required)."""
    from awards.services.procedure import procedure_create, procedure_set_timeline, requirement_add

    source, definition, complete = _source_definition(actor, source)  # first: an unseen source is a 404 for anyone
    require(actor, procedure_policy, "create")
    label = source_label(source)
    details = _details(definition, {"currency": currency, "category": category, "term_months": term_months,
                                    "need_statement": need_statement})
    setup = {**definition, "procedure": details}
    problems = defs.procedure_problems(setup) if complete else _copy_problems(setup)
    if problems:
        raise ValidationError({"source": [f"{label} cannot be used as it stands: " + " ".join(problems)]})
    procedure = procedure_create(
        actor=actor, title=title, need_statement=details["need_statement"], business_owner=business_owner,
        category=details["category"], estimated_value=estimated_value, currency=details["currency"],
        term_months=details["term_months"], submission=details["submission"])
    requirements = [requirement_add(actor=actor, procedure=procedure, title=r["title"], priority=r["priority"],
                                    description=r.get("description", ""))
                    for r in setup.get("requirements") or []]
    if rfp_issue_date is not None:
        dates = {"rfp_issue_date": rfp_issue_date}
        try:
            dates.update({field: rfp_issue_date + timedelta(days=days)
                          for field, days in (setup.get("timeline") or {}).items()})
        except OverflowError:
            raise ValidationError({"rfp_issue_date": "The timeline would run past the last date Baton can "
                                                     "hold: choose an earlier issue date."}) from None
        procedure_set_timeline(actor=actor, procedure=procedure, reason=f"Timeline from {label}"[:100], **dates)
    if setup.get("scorecard"):
        _build_scorecard(actor=actor, procedure=procedure, source=source, definition=setup["scorecard"],
                         requirements=requirements, label=label)
    procedure = locked(AwardProcedure, procedure.pk)
    procedure.set_up_from = label
    attribute(procedure, actor=actor, reason=f"Set up from {label}")
    procedure.save(update_fields=["set_up_from", "updated_at"])
    return procedure


def _copy_problems(setup: dict) -> list[str]:
    """A copy of a procedure may carry a scorecard still being built (weights not yet at 100): everything else
    must hold."""
    problems = defs.procedure_problems({**setup, "scorecard": None})
    scorecard = setup.get("scorecard")
    if scorecard and scorecard.get("groups"):
        codes = {f"R{n}" for n in range(1, len(setup.get("requirements") or []) + 1)}
        problems += defs.scorecard_problems(scorecard, requirement_codes=codes, complete=False)
    return problems


def _build_scorecard(*, actor, procedure: AwardProcedure, source, definition: dict, requirements: list,
                     label: str) -> Scorecard:
    from awards.services.scorecard import criterion_update, scorecard_create, scorecard_set_price

    if isinstance(source, ScorecardTemplate):
        template, version = source, source.version
    elif isinstance(source, ProcedureTemplate):  # an unsaved stand-in: scorecard_create reads name and definition
        template, version = ScorecardTemplate(name=source.name, definition=definition), source.version
    else:
        template, version = ScorecardTemplate(name=label, definition=definition), None
    scorecard = scorecard_create(actor=actor, procedure=procedure, template=template)
    if scorecard.template_version != version:
        scorecard.template_version = version
        attribute(scorecard, actor=actor, reason=f"Built from {label}")
        scorecard.save(update_fields=["template_version", "updated_at"])
    by_key = {c.key: c for c in Criterion.objects.filter(scorecard=scorecard)}
    for group in definition.get("groups", []):
        for entry in group.get("criteria", []):
            covers = entry.get("covers") or []
            if covers and entry["key"] in by_key:
                criterion = by_key[entry["key"]]
                linked = [requirements[int(code[1:]) - 1] for code in covers]
                criterion_update(actor=actor, criterion=criterion, name=criterion.name,
                                 description=criterion.description, guidance=criterion.guidance,
                                 share=criterion.share, requirements=linked,
                                 reason=f"Requirements linked as in {label}"[:100])
    formula = definition.get("price_formula") or ""
    if formula:
        priced = next(c["key"] for g in definition["groups"] for c in g.get("criteria", []) if c.get("price_scored"))
        scorecard_set_price(actor=actor, scorecard=scorecard, formula=formula, criterion=by_key[priced],
                            ceiling=definition.get("price_ceiling"), reason=f"Price formula as in {label}"[:100])
    return scorecard
