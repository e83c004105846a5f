"""Risk ratings and the acceptance matrix. Pure: no ORM.

A rating comes from likelihood × impact on a 1–5 scale (score 1–25):

    score  1–4   low
    score  5–9   medium
    score 10–16  high
    score 20–25  critical   (17–19 cannot occur on a 5×5 grid)

Who may accept a residual risk, by its residual rating (ACCEPTANCE_MATRIX):

    low       a Procurement lead
    medium    a Committee approver (the risk committee)
    high      a Committee approver; a Procurement lead cannot accept it
    critical  nobody: a critical residual risk must be mitigated further (or the vendor not used) first

On top of the matrix, nobody accepts a risk they own (segregation of duties), and the acceptance records who
accepted, when and why.
"""

from dataclasses import dataclass

from procurement.accounts.roles import Role

LOW, MEDIUM, HIGH, CRITICAL = "low", "medium", "high", "critical"
RATING_LABELS = {LOW: "Low", MEDIUM: "Medium", HIGH: "High", CRITICAL: "Critical"}

# (lowest score of the band, rating), highest band first.
RATING_BANDS: tuple[tuple[int, str], ...] = ((20, CRITICAL), (10, HIGH), (5, MEDIUM), (1, LOW))


def rating_for(score: int) -> str:
    for floor, rating in RATING_BANDS:
        if score >= floor:
            return rating
    return LOW


@dataclass(frozen=True)
class AcceptanceLevel:
    roles: frozenset[str]  # empty: nobody may accept
    label: str


ACCEPTANCE_MATRIX: dict[str, AcceptanceLevel] = {
    LOW: AcceptanceLevel(frozenset({Role.PROCUREMENT_LEAD}), "a Procurement lead"),
    MEDIUM: AcceptanceLevel(frozenset({Role.COMMITTEE_APPROVER}), "a Committee approver (risk committee)"),
    HIGH: AcceptanceLevel(frozenset({Role.COMMITTEE_APPROVER}), "a Committee approver (risk committee)"),
    CRITICAL: AcceptanceLevel(frozenset(), "nobody — mitigate it further first"),
}


RATINGS = (LOW, MEDIUM, HIGH, CRITICAL)


def matrix_to_config(matrix: dict[str, AcceptanceLevel]) -> dict[str, dict]:
    """The plain-data form of an acceptance matrix (the policy table "risk_acceptance" keeps it in its versions)."""
    return {rating: {"roles": sorted(str(role) for role in matrix[rating].roles), "label": matrix[rating].label}
            for rating in RATINGS}


def matrix_from_config(config) -> dict[str, AcceptanceLevel]:
    """An acceptance matrix from plain data; ValueError naming the problem when it is not a valid matrix: every
    rating present, known role names only, a label for each rating."""
    known = {str(role) for role in Role}
    if not isinstance(config, dict):
        raise ValueError("The acceptance matrix must map each rating to who may accept it.")
    unknown = set(config) - set(RATINGS)
    if unknown:
        raise ValueError(f"Unknown rating(s): {', '.join(sorted(unknown))}.")
    matrix = {}
    for rating in RATINGS:
        entry = config.get(rating)
        if not isinstance(entry, dict):
            raise ValueError(f"Say who may accept a {RATING_LABELS[rating].lower()} residual risk.")
        roles = entry.get("roles") or []
        bad = [r for r in roles if r not in known]
        if bad:
            raise ValueError(f"{RATING_LABELS[rating]}: unknown role(s) {', '.join(bad)}.")
        label = str(entry.get("label") or "").strip()
        if not label:
            label = (" or ".join(f"a {r}" for r in sorted(roles)) if roles
                     else "nobody — mitigate it further first")
        matrix[rating] = AcceptanceLevel(frozenset(roles), label)
    return matrix


def acceptance_level(rating: str, matrix: dict[str, AcceptanceLevel] | None = None) -> AcceptanceLevel:
    return (matrix or ACCEPTANCE_MATRIX)[rating]


def acceptance_refusal(*, rating: str, user_roles: frozenset[str], is_owner: bool,
                       matrix: dict[str, AcceptanceLevel] | None = None) -> str | None:
    """Why this person may not accept a residual risk of `rating`, or None when they may."""
    level = acceptance_level(rating, matrix)
    if not level.roles:
        return f"A {RATING_LABELS[rating].lower()} residual risk cannot be accepted: mitigate it further first."
    if is_owner:
        return "You own this risk, so someone else must accept it."
    if not (user_roles & level.roles):
        return f"A {RATING_LABELS[rating].lower()} residual risk must be accepted by {level.label}."
    return None
