"""The role table: which value the identity provider sends gives which Baton role (pure, no database).

BATON_SSO_ROLE_MAP holds entries `provider value=Baton role`, separated by ";" or new lines, e.g.

    baton-leads=Procurement lead; baton-evaluators=Evaluator; risk-and-audit=Auditor; baton-leads=Evaluator

- the left side is compared exactly (case and spaces inside kept) with each value of the groups claim
  (BATON_SSO_GROUPS_CLAIM, "groups" by default), which may be a list or one string;
- the right side is a Baton role as procurement.accounts.roles.Role names it (its value or its label, any case);
  the system check sso.E001 refuses a role Baton does not have, so a typo fails at start-up, not at sign-in;
- a value may appear more than once (it then gives several roles) and several values may give the same role.

The roles this table can give are "managed by the identity provider": at each sign-in Baton grants the ones the
claims give and takes back the ones it granted earlier that the claims no longer give. A role granted by hand in
Baton is never taken back by a sign-in (procurement.sso.services records which roles single sign-on granted).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

DISABLED_STATUSES = frozenset({"false", "0", "no", "disabled", "inactive", "suspended", "deprovisioned", "locked"})


class RoleMapError(ValueError):
    """The role table cannot be read; the message says which entry and why."""


def parse_role_map(text: str) -> tuple[tuple[str, str], ...]:
    """(provider value, role name) pairs, in the order written; "" gives an empty table."""
    pairs: list[tuple[str, str]] = []
    for raw in text.replace("\n", ";").split(";"):
        entry = raw.strip()
        if not entry:
            continue
        value, sep, role = entry.rpartition("=")
        value, role = value.strip(), role.strip()
        if not sep or not value or not role:
            raise RoleMapError(f"the entry {entry!r} is not written as 'provider value=Baton role'.")
        if (value, role) not in pairs:
            pairs.append((value, role))
    return tuple(pairs)


def canonical_roles(table: Iterable[tuple[str, str]], known: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The table with each role written as Baton's role value. `known` maps lower-cased values and labels to the
    value. Raises RoleMapError naming the first role Baton does not have."""
    result = []
    for value, role in table:
        found = known.get(role.casefold())
        if found is None:
            raise RoleMapError(f"{role!r} (for {value!r}) is not a Baton role; the roles are: "
                               + ", ".join(sorted(set(known.values()))) + ".")
        result.append((value, found))
    return tuple(result)


def claim_values(claims: Mapping, name: str) -> frozenset[str]:
    """The values of one claim as a set of strings: a list, or one string (a single value), or nothing."""
    raw = claims.get(name)
    if raw is None:
        return frozenset()
    if isinstance(raw, str):
        return frozenset({raw.strip()}) if raw.strip() else frozenset()
    if isinstance(raw, (list, tuple, set, frozenset)):
        return frozenset(str(item).strip() for item in raw if isinstance(item, (str, int)) and str(item).strip())
    return frozenset()


def roles_from_claims(claims: Mapping, table: Iterable[tuple[str, str]], groups_claim: str) -> frozenset[str]:
    """The Baton roles the claims give through the table."""
    held = claim_values(claims, groups_claim)
    return frozenset(role for value, role in table if value in held)


def managed_roles(table: Iterable[tuple[str, str]]) -> frozenset[str]:
    """Every role the table can give."""
    return frozenset(role for _, role in table)


def provider_refusal(claims: Mapping, *, groups_claim: str, access_group: str, status_claim: str) -> str:
    """Why the provider's own word says this person may not use Baton ("" when nothing says so).

    - the status claim (when configured) is false or a disabled-like word: the account is disabled;
    - the access group (when configured) is missing from the groups claim: access to Baton was withdrawn.
    """
    if status_claim and status_claim in claims:
        status = claims[status_claim]
        disabled = status is False or (isinstance(status, str) and status.strip().casefold() in DISABLED_STATUSES)
        if disabled:
            return "the identity provider reports the account as disabled"
    if access_group and access_group not in claim_values(claims, groups_claim):
        return f"the identity provider no longer gives this account the {access_group!r} group"
    return ""


def describe_change(added: Iterable[str], removed: Iterable[str]) -> str:
    """"+Evaluator -Auditor" (sorted, so the same change always reads the same)."""
    return " ".join([*(f"+{role}" for role in sorted(added)), *(f"-{role}" for role in sorted(removed))])
