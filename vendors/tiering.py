"""Vendor tiering: questionnaire answers in, a tier and its reasons out. Pure: no ORM, no Django models.

How it works
------------
Each question has ordered answer levels (lowest first). The RULE TABLE is a list of rules; a rule names a tier
and a set of conditions that must ALL hold. Every rule is checked; the vendor gets the highest tier among the
rules that match, and the reasons are the matching rules of that tier ("critical because: special-category
personal data AND EU AI Act high-risk use"). When nothing matches the vendor is LOW.

A condition is (question, operator, answer) with operator "==" (exactly that answer), ">=" (that answer or a
higher level), "<=" (that answer or a lower level) or "in" (one of several answers).

Changing the table
------------------
`DEFAULT_RULES` below is the shipped table. A deployment may replace it without code changes through the
setting `VENDOR_TIERING_RULES`, a list of plain dicts:

    VENDOR_TIERING_RULES = [
        {"tier": "critical", "when": [["data_sensitivity", "==", "special_category"],
                                      ["high_risk_use", "==", "yes"]]},
        {"tier": "high", "when": [["spend_band", ">=", "over_1m"]], "reason": "spend above €1m a year"},
        ...
    ]

`rules_from_config` validates such a table (unknown questions, answers, operators or tiers fail loudly).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

CRITICAL, HIGH, MEDIUM, LOW = "critical", "high", "medium", "low"
TIERS = (LOW, MEDIUM, HIGH, CRITICAL)  # ascending severity
TIER_LABELS = {CRITICAL: "Critical", HIGH: "High", MEDIUM: "Medium", LOW: "Low"}


@dataclass(frozen=True)
class Question:
    code: str
    label: str
    help: str
    answers: tuple[tuple[str, str], ...]  # (code, label), lowest level first

    def level(self, answer: str) -> int:
        return [code for code, _ in self.answers].index(answer)

    def answer_label(self, answer: str) -> str:
        return dict(self.answers)[answer]


QUESTIONS: tuple[Question, ...] = (
    Question("data_sensitivity", "Data sensitivity",
             "The most sensitive kind of our data the vendor will receive, store or see.",
             (("none", "No personal or confidential data"), ("confidential", "Business-confidential data"),
              ("personal", "Personal data"), ("special_category", "Special-category personal data"))),
    Question("business_criticality", "Business criticality",
             "What happens to us if the service is unavailable for a day.",
             (("low", "Little effect"), ("moderate", "Some teams slowed down"),
              ("high", "A key process stops"), ("mission_critical", "Customers or revenue directly hit"))),
    Question("people_impact", "Impact on people",
             "Whether the outputs influence decisions about individuals (staff, customers, applicants).",
             (("none", "No decisions about people"), ("indirect", "Informs decisions a person makes"),
              ("significant", "Shapes decisions about people"))),
    Question("high_risk_use", "EU AI Act high-risk use",
             "Whether our use falls in a high-risk category of the EU AI Act (e.g. hiring, credit, essential "
             "services).",
             (("no", "No"), ("yes", "Yes"))),
    Question("autonomy", "Autonomy and integration depth",
             "How far the system acts on its own and how deeply it is wired into our systems.",
             (("standalone", "Stand-alone, a person reviews every output"),
              ("integrated", "Integrated with our systems, outputs reviewed"),
              ("autonomous", "Acts on its own or deeply embedded in core systems"))),
    Question("spend_band", "Annual spend",
             "Expected spend per year, all costs included.",
             (("under_50k", "Under €50k"), ("50k_250k", "€50k–€250k"), ("250k_1m", "€250k–€1m"),
              ("over_1m", "Over €1m"))),
    Question("substitutability", "Substitutability",
             "How hard it would be to move to another vendor.",
             (("easy", "Easy: alternatives ready, little lock-in"), ("moderate", "Some effort: months"),
              ("hard", "Hard: proprietary models, data or integration"))),
)
QUESTIONS_BY_CODE: dict[str, Question] = {q.code: q for q in QUESTIONS}
OPERATORS = ("==", ">=", "<=", "in")


@dataclass(frozen=True)
class Condition:
    question: str
    op: str
    value: str | tuple[str, ...]
    label: str = ""

    def holds(self, answers: Mapping[str, str]) -> bool:
        question = QUESTIONS_BY_CODE[self.question]
        given = answers[self.question]
        if self.op == "==":
            return given == self.value
        if self.op == "in":
            return given in self.value
        if self.op == ">=":
            return question.level(given) >= question.level(self.value)
        if self.op == "<=":
            return question.level(given) <= question.level(self.value)
        raise ValueError(f"Unknown operator {self.op!r}")

    def describe(self) -> str:
        if self.label:
            return self.label
        question = QUESTIONS_BY_CODE[self.question]
        if self.op == "in":
            shown = " or ".join(question.answer_label(v) for v in self.value)
            return f"{question.label.lower()}: {shown.lower()}"
        answer = question.answer_label(self.value).lower()
        suffix = {"==": "", ">=": " or more", "<=": " or less"}[self.op]
        return f"{question.label.lower()}: {answer}{suffix}"


@dataclass(frozen=True)
class Rule:
    tier: str
    when: tuple[Condition, ...]
    reason: str = ""  # shown instead of the conditions joined by AND

    def matches(self, answers: Mapping[str, str]) -> bool:
        return all(condition.holds(answers) for condition in self.when)

    def describe(self) -> str:
        return self.reason or " AND ".join(condition.describe() for condition in self.when)


def C(question: str, op: str, value, label: str = "") -> Condition:  # noqa: N802 - reads like a table
    return Condition(question, op, tuple(value) if isinstance(value, list | tuple) else value, label)


DEFAULT_RULES: tuple[Rule, ...] = (
    # Critical: a failure would hurt people or the business badly and be hard to undo.
    Rule(CRITICAL, (C("data_sensitivity", "==", "special_category", "special-category personal data"),
                    C("high_risk_use", "==", "yes", "EU AI Act high-risk use"))),
    Rule(CRITICAL, (C("high_risk_use", "==", "yes", "EU AI Act high-risk use"),
                    C("autonomy", "==", "autonomous", "acts autonomously or is deeply embedded"))),
    Rule(CRITICAL, (C("business_criticality", "==", "mission_critical", "mission-critical"),
                    C("substitutability", "==", "hard", "hard to replace"))),
    # High
    Rule(HIGH, (C("high_risk_use", "==", "yes", "EU AI Act high-risk use"),)),
    Rule(HIGH, (C("data_sensitivity", "==", "special_category", "special-category personal data"),)),
    Rule(HIGH, (C("people_impact", "==", "significant", "shapes decisions about people"),)),
    Rule(HIGH, (C("business_criticality", ">=", "high", "a key process depends on it"),)),
    Rule(HIGH, (C("data_sensitivity", "==", "personal", "personal data"),
                C("autonomy", ">=", "integrated", "integrated with our systems"))),
    Rule(HIGH, (C("spend_band", "==", "over_1m", "annual spend over €1m"),)),
    # Medium
    Rule(MEDIUM, (C("data_sensitivity", ">=", "personal", "personal data"),)),
    Rule(MEDIUM, (C("data_sensitivity", "==", "confidential", "business-confidential data"),
                  C("autonomy", ">=", "integrated", "integrated with our systems"))),
    Rule(MEDIUM, (C("business_criticality", "==", "moderate", "moderate business criticality"),)),
    Rule(MEDIUM, (C("people_impact", "==", "indirect", "informs decisions about people"),)),
    Rule(MEDIUM, (C("autonomy", "==", "autonomous", "acts autonomously or is deeply embedded"),)),
    Rule(MEDIUM, (C("spend_band", "==", "250k_1m", "annual spend €250k–€1m"),)),
    Rule(MEDIUM, (C("substitutability", "==", "hard", "hard to replace"),)),
)

DEFAULT_REASON = "no rule for a higher tier matched"


@dataclass(frozen=True)
class TierResult:
    tier: str
    reasons: tuple[str, ...]
    matched: tuple[Rule, ...] = field(default=(), repr=False)

    @property
    def explanation(self) -> str:
        return f"{self.tier} because: " + "; ".join(self.reasons)


class InvalidAnswers(ValueError):
    pass


def validate_answers(answers: Mapping[str, str]) -> dict[str, str]:
    """Every question answered with one of its answers; extra keys refused."""
    problems = []
    clean = {}
    for question in QUESTIONS:
        given = answers.get(question.code)
        if given is None or given == "":
            problems.append(f"{question.label}: not answered")
        elif given not in dict(question.answers):
            problems.append(f"{question.label}: {given!r} is not one of the answers")
        else:
            clean[question.code] = given
    extra = set(answers) - set(QUESTIONS_BY_CODE)
    if extra:
        problems.append(f"Unknown questions: {', '.join(sorted(extra))}")
    if problems:
        raise InvalidAnswers("; ".join(problems))
    return clean


def assess(answers: Mapping[str, str], rules: Sequence[Rule] | None = None) -> TierResult:
    """The tier for these answers under `rules` (the configured table when None)."""
    answers = validate_answers(answers)
    table = configured_rules() if rules is None else rules
    matched = [rule for rule in table if rule.matches(answers)]
    if not matched:
        return TierResult(LOW, (DEFAULT_REASON,), ())
    top = max(TIERS.index(rule.tier) for rule in matched)
    winners = tuple(rule for rule in matched if TIERS.index(rule.tier) == top)
    reasons = tuple(dict.fromkeys(rule.describe() for rule in winners))
    return TierResult(TIERS[top], reasons, winners)


def rules_from_config(config: Iterable[Mapping]) -> tuple[Rule, ...]:
    """Build a rule table from plain data (see the module docstring); invalid tables raise ValueError."""
    rules = []
    for index, entry in enumerate(config, start=1):
        tier = entry.get("tier")
        if tier not in TIERS:
            raise ValueError(f"Rule {index}: unknown tier {tier!r}")
        conditions = []
        for raw in entry.get("when") or ():
            question, op, value = raw[0], raw[1], raw[2]
            label = raw[3] if len(raw) > 3 else ""
            if question not in QUESTIONS_BY_CODE:
                raise ValueError(f"Rule {index}: unknown question {question!r}")
            if op not in OPERATORS:
                raise ValueError(f"Rule {index}: unknown operator {op!r}")
            values = value if isinstance(value, list | tuple) else [value]
            known = dict(QUESTIONS_BY_CODE[question].answers)
            for v in values:
                if v not in known:
                    raise ValueError(f"Rule {index}: {v!r} is not an answer to {question!r}")
            if op != "in" and isinstance(value, list | tuple):
                raise ValueError(f"Rule {index}: only 'in' takes a list")
            conditions.append(C(question, op, value, label))
        if not conditions:
            raise ValueError(f"Rule {index}: a rule needs at least one condition")
        rules.append(Rule(tier, tuple(conditions), entry.get("reason", "")))
    return tuple(rules)


def configured_rules() -> tuple[Rule, ...]:
    """The table in force: settings.VENDOR_TIERING_RULES when set, else DEFAULT_RULES."""
    try:
        from django.conf import settings

        config = getattr(settings, "VENDOR_TIERING_RULES", None)
    except Exception:  # noqa: BLE001 - usable without Django configured
        config = None
    return rules_from_config(config) if config else DEFAULT_RULES


def describe_table(rules: Sequence[Rule] | None = None) -> list[tuple[str, str]]:
    """(tier label, rule text) rows for showing the table in the UI."""
    table = configured_rules() if rules is None else rules
    return [(TIER_LABELS[rule.tier], rule.describe()) for rule in table]


def rules_to_config(rules: Sequence[Rule]) -> list[dict]:
    """The plain-data form of a rule table (what `rules_from_config` reads back): the policy table's versions keep
    it (vendors.policy, table "tiering_rules")."""
    out = []
    for rule in rules:
        when = []
        for condition in rule.when:
            value = list(condition.value) if isinstance(condition.value, tuple) else condition.value
            when.append([condition.question, condition.op, value] + ([condition.label] if condition.label else []))
        entry: dict = {"tier": rule.tier, "when": when}
        if rule.reason:
            entry["reason"] = rule.reason
        out.append(entry)
    return out
