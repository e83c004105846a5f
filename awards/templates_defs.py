"""Template definitions (issue 21): what a scorecard or a whole procedure set-up looks like as JSON, read from the
records and checked before anything is built from it. No views and no writes here.

A scorecard definition is the format documented on ``awards.models.ScorecardTemplate``:
{"scale", "groups": [{"key", "name", "weight", "criteria": [{"key", "name", "description", "guidance",
"share"}]}], "knockouts": [{"key", "name", "description", "kind", "standards", "horizon_months"}]}. Three optional
keys carry what a scorecard also holds, so that nothing is lost in a round trip: a criterion's ``"price_scored":
true``, the scorecard's ``"price_formula"`` and ``"price_ceiling"`` (a string), and, only inside a procedure
set-up, a criterion's ``"covers"`` (the codes R1, R2 … of the set-up's requirements it assesses).

A procedure set-up definition is the format documented on ``awards.models.ProcedureTemplate``; its timeline holds
whole days after the RFP issue date.

Numbers are stored as JSON numbers (an integer when whole): weights and shares have at most two decimals, which a
float keeps exactly. Checks reuse the scoring engine (``awards.scoring``): group weights must add up to exactly 100
and every group that carries weight must be able to split it among its criteria.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from awards import scoring
from awards.models.procedure import TIMELINE_FIELDS, AwardProcedure, Requirement, Submission
from awards.models.scorecard import MAX_SCALE, Knockout, PriceFormula, Scorecard
from vendors.models import Attestation, OfferingType

SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
OFFSET_FIELDS = tuple(field for field, _, _ in TIMELINE_FIELDS if field != "rfp_issue_date")
OFFSET_LABELS = {field: label for field, label, _ in TIMELINE_FIELDS}
PROCEDURE_FIELDS = ("category", "currency", "term_months", "submission", "need_statement")
MAX_OFFSET_DAYS = 3650


# --- reading the records --------------------------------------------------------------------------------------


def _number(value: Decimal | int | float | None):
    """A JSON number for a weight or a share: an int when whole, else a float (two decimals at most)."""
    value = Decimal(str(value if value is not None else 0))
    return int(value) if value == value.to_integral_value() else float(value)


def definition_of_scorecard(scorecard: Scorecard, *, requirement_codes: dict[int, str] | None = None) -> dict:
    """The scorecard as a template definition (three queries: groups, criteria, knockouts; plus the coverage links
    when `requirement_codes` ({requirement id: code in the set-up}) is given)."""
    groups = list(scorecard.groups.order_by("position", "pk"))
    criteria = list(scorecard.criteria.order_by("position", "pk"))
    covers: dict[int, list[str]] = {}
    if requirement_codes is not None:
        from awards.models.scorecard import CriterionCoverage

        for link in CriterionCoverage.objects.filter(criterion__scorecard=scorecard).order_by("requirement_id"):
            if link.requirement_id in requirement_codes:
                covers.setdefault(link.criterion_id, []).append(requirement_codes[link.requirement_id])
    by_group: dict[int, list[dict]] = {g.pk: [] for g in groups}
    for criterion in criteria:
        entry = {"key": criterion.key, "name": criterion.name, "description": criterion.description,
                 "guidance": criterion.guidance, "share": _number(criterion.share)}
        if criterion.price_scored:
            entry["price_scored"] = True
        if covers.get(criterion.pk):
            entry["covers"] = covers[criterion.pk]
        by_group.setdefault(criterion.group_id, []).append(entry)
    definition = {
        "scale": scorecard.scale,
        "groups": [{"key": g.key, "name": g.name, "weight": _number(g.weight), "criteria": by_group[g.pk]}
                   for g in groups],
        "knockouts": [{"key": k.key, "name": k.name, "description": k.description, "kind": k.kind,
                       "standards": list(k.standards or []), "horizon_months": k.horizon_months}
                      for k in scorecard.knockouts.order_by("position", "pk")],
    }
    if scorecard.price_formula:
        definition["price_formula"] = scorecard.price_formula
        if scorecard.price_ceiling is not None:
            definition["price_ceiling"] = str(scorecard.price_ceiling)
    return definition


def timeline_offsets(procedure: AwardProcedure) -> dict[str, int]:
    """The procedure's dates as whole days after its RFP issue date (empty when it has no issue date)."""
    start = procedure.rfp_issue_date
    if start is None:
        return {}
    return {field: (getattr(procedure, field) - start).days for field in OFFSET_FIELDS
            if getattr(procedure, field) is not None}


def definition_of_procedure(procedure: AwardProcedure) -> dict:
    """The procedure's set-up as a ProcedureTemplate definition: its details, its timeline as offsets, its
    requirements (never their agreement) and its scorecard (never its lock, scores or decisions)."""
    requirements = list(Requirement.objects.filter(procedure=procedure).order_by("pk"))
    codes = {r.pk: f"R{n}" for n, r in enumerate(requirements, start=1)}
    scorecard = Scorecard.objects.filter(procedure=procedure).first()
    return {
        "procedure": {field: getattr(procedure, field) for field in PROCEDURE_FIELDS},
        "timeline": timeline_offsets(procedure),
        "requirements": [{"title": r.title, "description": r.description, "priority": r.priority}
                         for r in requirements],
        "scorecard": definition_of_scorecard(scorecard, requirement_codes=codes) if scorecard else None,
    }


# --- checking a definition ------------------------------------------------------------------------------------


def _decimal(value) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _text(entry: dict, key: str, *, required: bool = False, limit: int | None = None) -> tuple[str, str | None]:
    value = entry.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        return "", f"{key} must be text"
    if required and not value.strip():
        return value, f"{key} is empty"
    if limit is not None and len(value) > limit:
        return value, f"{key} is longer than {limit} characters"
    return value, None


def scorecard_problems(definition, *, requirement_codes: set[str] | None = None, complete: bool = True) -> list[str]:
    """Every problem with a scorecard definition, as sentences; empty when it can build a usable scorecard.

    `requirement_codes`: inside a procedure set-up, the codes a criterion's "covers" may name (None: a stand-alone
    scorecard template, where "covers" is not allowed). `complete=False` (a copy of a scorecard still being built)
    leaves out the checks that the weights add up to 100 and that there are criteria."""
    if not isinstance(definition, dict):
        return ["The scorecard definition must be an object."]
    problems: list[str] = []
    scale = definition.get("scale", 5)
    if isinstance(scale, bool) or not isinstance(scale, int) or not 1 <= scale <= MAX_SCALE:
        problems.append(f"The scale must be a whole number from 1 to {MAX_SCALE}.")
    groups = definition.get("groups")
    if not isinstance(groups, list) or (complete and not groups):
        return [*problems, "The scorecard has no groups."]
    group_keys: set[str] = set()
    criterion_keys: set[str] = set()
    weights: list[scoring.GroupWeight] = []
    price_scored = 0
    for g_index, group in enumerate(groups, start=1):
        if not isinstance(group, dict):
            problems.append(f"Group {g_index} must be an object.")
            continue
        label = f"Group {group.get('name') or g_index}"
        key = group.get("key")
        if not isinstance(key, str) or not SLUG.match(key) or len(key) > 40:
            problems.append(f"{label}: its key must be a short code of letters, digits and hyphens.")
        elif key in group_keys:
            problems.append(f"{label}: the key {key} is used twice.")
        group_keys.add(str(key))
        _, problem = _text(group, "name", required=True, limit=120)
        if problem:
            problems.append(f"{label}: {problem}.")
        weight = _decimal(group.get("weight"))
        if weight is None or weight < 0 or weight > 100:
            problems.append(f"{label}: the weight must be a number from 0 to 100.")
            weight = Decimal(0)
        criteria = group.get("criteria", [])
        if not isinstance(criteria, list):
            problems.append(f"{label}: its criteria must be a list.")
            criteria = []
        shares: dict[str, Decimal] = {}
        for c_index, criterion in enumerate(criteria, start=1):
            if not isinstance(criterion, dict):
                problems.append(f"{label}, criterion {c_index} must be an object.")
                continue
            c_label = f"Criterion {criterion.get('name') or c_index}"
            c_key = criterion.get("key")
            if not isinstance(c_key, str) or not SLUG.match(c_key) or len(c_key) > 40:
                problems.append(f"{c_label}: its key must be a short code of letters, digits and hyphens.")
            elif c_key in criterion_keys:
                problems.append(f"{c_label}: the key {c_key} is used twice.")
            else:
                criterion_keys.add(c_key)
            for field, required, limit in (("name", True, 200), ("description", False, None),
                                           ("guidance", False, None)):
                _, problem = _text(criterion, field, required=required, limit=limit)
                if problem:
                    problems.append(f"{c_label}: {problem}.")
            share = _decimal(criterion.get("share", 1))
            if share is None or share < 0 or share >= 10000:
                problems.append(f"{c_label}: the share must be a number of 0 or more.")
                share = Decimal(0)
            shares[str(c_key)] = share
            if criterion.get("price_scored"):
                price_scored += 1
            covers = criterion.get("covers")
            if covers is not None:
                if requirement_codes is None:
                    problems.append(f"{c_label}: a scorecard template does not link requirements.")
                elif not isinstance(covers, list) or any(code not in requirement_codes for code in covers):
                    problems.append(f"{c_label}: it links a requirement the set-up does not have.")
        weights.append(scoring.GroupWeight(key=str(key), weight=weight, shares=shares))
    if price_scored > 1:
        problems.append("At most one criterion is scored by price.")
    formula = definition.get("price_formula", "")
    if formula not in PriceFormula.values:
        problems.append("The price formula is not one Baton knows.")
    elif formula and price_scored != 1:
        problems.append("A price formula needs the one criterion it scores.")
    elif not formula and price_scored:
        problems.append("A criterion is scored by price but no price formula is chosen.")
    if formula == PriceFormula.LINEAR:
        ceiling = _decimal(definition.get("price_ceiling"))
        if ceiling is None or ceiling <= 0:
            problems.append("The linear price formula needs a ceiling above zero.")
    if complete and not criterion_keys and not problems:
        problems.append("The scorecard has no criteria.")
    if complete and not problems:
        try:
            effective = scoring.split_group_weights(weights)
        except scoring.ScoringError as exc:
            problems.append(str(exc)[:1].upper() + str(exc)[1:] + ".")
        else:
            problems += [p[:1].upper() + p[1:] + "." for p in scoring.validate_weights(effective)]
    problems += _knockout_problems(definition.get("knockouts", []))
    return problems


KNOWN_STANDARDS = set(Attestation.Standard.values)


def _knockout_problems(knockouts) -> list[str]:
    if not isinstance(knockouts, list):
        return ["The knockouts must be a list."]
    problems: list[str] = []
    keys: set[str] = set()
    for index, knockout in enumerate(knockouts, start=1):
        if not isinstance(knockout, dict):
            problems.append(f"Knockout {index} must be an object.")
            continue
        label = f"Knockout {knockout.get('name') or index}"
        key = knockout.get("key")
        if not isinstance(key, str) or not SLUG.match(key) or len(key) > 40:
            problems.append(f"{label}: its key must be a short code of letters, digits and hyphens.")
        elif key in keys:
            problems.append(f"{label}: the key {key} is used twice.")
        keys.add(str(key))
        _, problem = _text(knockout, "name", required=True, limit=200)
        if problem:
            problems.append(f"{label}: {problem}.")
        kind = knockout.get("kind", Knockout.Kind.MANUAL)
        standards = knockout.get("standards", [])
        if kind not in Knockout.Kind.values:
            problems.append(f"{label}: the kind must be one of {', '.join(Knockout.Kind.values)}.")
        if not isinstance(standards, list) or any(s not in KNOWN_STANDARDS for s in standards):
            problems.append(f"{label}: it names a standard Baton does not know.")
        elif kind == Knockout.Kind.ATTESTATION and not standards:
            problems.append(f"{label}: an attestation knockout needs at least one standard.")
        horizon = knockout.get("horizon_months", 12)
        if isinstance(horizon, bool) or not isinstance(horizon, int) or not 0 <= horizon <= 120:
            problems.append(f"{label}: the validity horizon must be 0 to 120 months.")
    return problems


def procedure_problems(definition) -> list[str]:
    """Every problem with a procedure set-up definition, as sentences; empty when a procedure can start from it."""
    if not isinstance(definition, dict):
        return ["The set-up definition must be an object."]
    problems: list[str] = []
    details = definition.get("procedure")
    if not isinstance(details, dict):
        problems.append("The set-up has no procedure details.")
        details = {}
    if details.get("category") not in OfferingType.values:
        problems.append("The category is not one Baton knows.")
    currency = details.get("currency")
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha()):
        problems.append("The currency must be a three-letter code such as EUR.")
    term = details.get("term_months")
    if isinstance(term, bool) or not isinstance(term, int) or not 1 <= term <= 360:
        problems.append("The term must be 1 to 360 months.")
    if details.get("submission", Submission.PORTAL) not in Submission.values:
        problems.append("How proposals are received is not one Baton knows.")
    _, problem = _text(details, "need_statement", required=True)
    if problem:
        problems.append("The need statement is empty." if "empty" in problem else f"The {problem}.")
    timeline = definition.get("timeline", {})
    if not isinstance(timeline, dict):
        problems.append("The timeline must be an object of days after the RFP issue date.")
        timeline = {}
    for field, days in timeline.items():
        if field not in OFFSET_FIELDS:
            problems.append(f"The timeline has a date Baton does not know ({field}).")
        elif isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_OFFSET_DAYS:
            problems.append(f"{OFFSET_LABELS[field]}: give whole days (0 to {MAX_OFFSET_DAYS}) after the RFP "
                            "issue date.")
    requirements = definition.get("requirements", [])
    if not isinstance(requirements, list):
        problems.append("The requirements must be a list.")
        requirements = []
    for index, requirement in enumerate(requirements, start=1):
        if not isinstance(requirement, dict):
            problems.append(f"Requirement {index} must be an object.")
            continue
        for field, required, limit in (("title", True, 200), ("description", False, None)):
            _, problem = _text(requirement, field, required=required, limit=limit)
            if problem:
                problems.append(f"Requirement {index}: {problem}.")
        if requirement.get("priority") not in Requirement.Priority.values:
            problems.append(f"Requirement {index}: the priority must be must, should or could.")
    scorecard = definition.get("scorecard")
    if scorecard is not None:
        codes = {f"R{n}" for n in range(1, len(requirements) + 1)}
        problems += scorecard_problems(scorecard, requirement_codes=codes)
    return problems


def require_valid(problems: list[str], field: str = "definition") -> None:
    """Raise the problems as one ValidationError on `field` (nothing is written)."""
    if problems:
        raise ValidationError({field: problems})


def without_links(definition: dict) -> dict:
    """A scorecard definition without the requirement links (a stand-alone scorecard template has none)."""
    copy = {**definition, "groups": []}
    for group in definition.get("groups", []):
        criteria = [{k: v for k, v in c.items() if k != "covers"} for c in group.get("criteria", [])]
        copy["groups"].append({**group, "criteria": criteria})
    return copy


def effective_weights(definition: dict) -> dict[str, Decimal]:
    """{criterion key: effective weight} of a valid scorecard definition (the scoring engine's split)."""
    return scoring.split_group_weights([
        scoring.GroupWeight(key=g["key"], weight=Decimal(str(g["weight"])),
                            shares={c["key"]: Decimal(str(c.get("share", 1))) for c in g.get("criteria", [])})
        for g in definition.get("groups", [])])
