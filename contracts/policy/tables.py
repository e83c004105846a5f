"""The snapshots of this app's policy tables (declared on its AppConfig, `Contributions.policy_tables`): each
returns the table as it stands now, as plain JSON (procurement.policy_tables).

- the clause playbook is kept in rows (PlaybookClause); its snapshot reads them;
- KPI templates, check-in templates and reminder lead times are kept only in their versions; their snapshot is
  the shipped default, which becomes version 1 (the baseline) the first time the table is asked for.

The readers below answer "which version applies to this contract" from the contract's pins
(`Contract.policy_versions`); a contract opened before versioning began has no pins and is under version 1.
"""

from __future__ import annotations

from decimal import Decimal

from procurement import policy_tables

PLAYBOOK = "clause_playbook"
KPI_TEMPLATES = "kpi_templates"
CHECKIN_TEMPLATES = "checkin_templates"
REMINDER_LEAD_TIMES = "reminder_lead_times"
CONTRACT_TABLES = (PLAYBOOK, KPI_TEMPLATES, CHECKIN_TEMPLATES, REMINDER_LEAD_TIMES)

PLAYBOOK_FIELDS = ("key", "title", "purpose", "required_tiers", "target", "fallback", "walk_away", "order", "active")
KPI_FIELDS = ("name", "unit", "direction", "threshold", "frequency")


# --- snapshots ----------------------------------------------------------------------------------------------


def clause_playbook_snapshot():
    """Every clause of the playbook (retired ones too, with active false), in playbook order."""
    from contracts.models import PlaybookClause

    return [{name: getattr(clause, name) for name in PLAYBOOK_FIELDS}
            for clause in PlaybookClause.objects.order_by("order", "key")]


def kpi_templates_snapshot():
    """{playbook clause key: [KPI defaults]}: the shipped KPI seeds, thresholds as text."""
    from contracts.services.performance import KPI_SEEDS

    return {key: [{**seed, "threshold": f"{Decimal(seed['threshold']).normalize():f}"} for seed in seeds]
            for key, seeds in KPI_SEEDS.items()}


def checkin_templates_snapshot():
    """{team: {"topics": {topic key: label}, "questions": [{"key", "topic", "text"}]}}: the shipped templates."""
    from contracts import checkins

    return {team: {"topics": {topic: checkins.TOPICS[topic] for topic in
                              dict.fromkeys(topic for _key, topic, _text in rows)},
                   "questions": [{"key": key, "topic": topic, "text": text} for key, topic, text in rows]}
            for team, rows in checkins.TEMPLATES.items()}


def reminder_lead_times_snapshot():
    """{"notice": days, "renewal": days}: the settings' defaults."""
    from django.conf import settings

    return {"notice": int(getattr(settings, "BATON_NOTICE_LEAD_DAYS", 30)),
            "renewal": int(getattr(settings, "BATON_RENEWAL_LEAD_DAYS", 60))}


# --- what applies to a contract -----------------------------------------------------------------------------


def contract_policy_notes(contract):
    """What the contract page says about the policy versions that apply to it (one query for the four tables)."""
    return policy_tables.version_notes(pins_of(contract), CONTRACT_TABLES)


def pins_of(contract) -> dict:
    return getattr(contract, "policy_versions", None) or {}


def applicable_snapshot(contract, key: str):
    """The snapshot of table `key` that applies to `contract` (its pinned version; version 1 without a pin)."""
    return policy_tables.applicable(pins_of(contract), key).snapshot


def snapshots_by_number(key: str) -> dict[int, object]:
    """Every version of a table, {number: snapshot}, in one query (for readers over many contracts). Before the
    first version is recorded, version 1 is the table as it stands (what the baseline will record)."""
    from procurement.models import PolicyVersion

    found = dict(PolicyVersion.objects.filter(table=key).values_list("number", "snapshot"))
    return found or {1: policy_tables.live_snapshot(key)}


def playbook_for(contract) -> dict[str, dict]:
    """{clause key: the clause as it stood in the version pinned by `contract`}: the live rows while the pin is
    the current version (a table kept in rows), the pinned snapshot once a later version exists."""
    pins = pins_of(contract)
    if policy_tables.is_current(pins, PLAYBOOK):
        rows = clause_playbook_snapshot()
    else:
        rows = policy_tables.applicable(pins, PLAYBOOK).snapshot
    return {row["key"]: row for row in rows}


def kpi_templates_for(contract) -> dict[str, list[dict]]:
    """{clause key: [KPI defaults with a Decimal threshold]} of the version pinned by `contract`."""
    return {key: [{**seed, "threshold": Decimal(str(seed["threshold"]))} for seed in seeds]
            for key, seeds in applicable_snapshot(contract, KPI_TEMPLATES).items()}


def checkin_template_for(contract) -> dict:
    """The check-in templates the contract was opened under; read once per contract object (a page listing its
    check-ins asks for every one)."""
    cached = getattr(contract, "_checkin_template", None)
    if cached is None:
        cached = contract._checkin_template = applicable_snapshot(contract, CHECKIN_TEMPLATES)
    return cached


def lead_days_for(contract) -> dict[str, int]:
    """The reminder lead times of the version pinned by `contract`. Version 1 is the deployment's settings
    (BATON_NOTICE_LEAD_DAYS, BATON_RENEWAL_LEAD_DAYS), read as they stand: a contract that no policy administrator's
    change governs follows them, as it did before the table was kept in versions."""
    number = policy_tables.pinned_number(pins_of(contract), REMINDER_LEAD_TIMES)
    if number == 1:
        return _lead_days(reminder_lead_times_snapshot())
    return _lead_days(policy_tables.version(REMINDER_LEAD_TIMES, number).snapshot)


def _lead_days(snapshot) -> dict[str, int]:
    return {"notice": int(snapshot["notice"]), "renewal": int(snapshot["renewal"])}


def lead_days_reader():
    """A function contract -> lead days from its pinned version (lead_days_for), reading the later versions
    once (one query, none while every contract is under version 1) whatever the number of contracts."""
    later: dict[int, object] | None = None

    def lead_days(contract) -> dict[str, int]:
        nonlocal later
        number = policy_tables.pinned_number(pins_of(contract), REMINDER_LEAD_TIMES)
        if number == 1:
            return _lead_days(reminder_lead_times_snapshot())
        if later is None:
            later = snapshots_by_number(REMINDER_LEAD_TIMES)
        return _lead_days(later[number])

    return lead_days
