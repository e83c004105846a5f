"""KPIs and SLAs: tracked metrics, measurements entered by hand or imported from CSV, and breaches."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from contracts import measurements
from contracts.models import ClausePosition, Contract, Kpi, KpiMeasurement
from contracts.notices import managers_of, tell
from contracts.services._common import ensure_open, locked, need, require, save, today
from procurement.services import model_update

KPI_FIELDS = ("name", "unit", "direction", "threshold", "frequency", "source", "source_exception_reason", "clause")

# Obligations of the handoff pack that become tracked metrics: {playbook clause key: [KPI defaults]}.
# Thresholds start at the playbook's fallback level; the post-award manager sets the agreed figure.
# These are the shipped defaults, version 1 of the "KPI templates" policy table (issue 21); a contract seeds the
# version it was opened under (contracts.policy.tables.kpi_templates_for).
KPI_SEEDS = {
    "service-levels": [
        {"name": "Monthly availability", "unit": "%", "direction": "at_least", "threshold": Decimal("99.5"),
         "frequency": "monthly"},
        {"name": "Severity-one response time", "unit": "hours", "direction": "at_most", "threshold": Decimal("1"),
         "frequency": "monthly"},
    ],
    "performance": [
        {"name": "Accuracy on our evaluation set", "unit": "%", "direction": "at_least",
         "threshold": Decimal("90"), "frequency": "quarterly"},
    ],
}
SETTLED = (ClausePosition.Status.AGREED, ClausePosition.Status.CONCEDED)


@transaction.atomic
def kpi_add(*, actor, contract: Contract, name: str, threshold, direction: str = "at_least", unit: str = "",
            frequency: str = "monthly", source: str = "own", source_exception_reason: str = "",
            clause=None) -> Kpi:
    contract = locked(contract)
    require(actor, "manage", contract)
    ensure_open(contract)
    name = need(name, "name", "Name the KPI.")
    if contract.kpis.filter(name__iexact=name).exists():
        raise ValidationError({"name": "This contract already tracks a KPI of that name."})
    kpi = Kpi(contract=contract, name=name, threshold=threshold, direction=direction, unit=unit.strip(),
              frequency=frequency, source=source, source_exception_reason=source_exception_reason.strip(),
              clause=clause)
    reason = "KPI added" if source == "own" else f"KPI added, vendor's report as exception: {source_exception_reason}"
    return save(kpi, actor=actor, reason=reason)


@transaction.atomic
def kpi_update(*, actor, kpi: Kpi, reason: str = "KPI edited", **changes) -> Kpi:
    unknown = set(changes) - set(KPI_FIELDS)
    if unknown:
        raise ValueError(f"kpi_update cannot change: {', '.join(sorted(unknown))}")
    kpi = Kpi.objects.select_for_update(of=("self",)).select_related("contract").get(pk=kpi.pk)
    require(actor, "manage", kpi.contract)
    ensure_open(kpi.contract)
    return model_update(instance=kpi, fields={name: value.strip() if isinstance(value, str) else value
                                              for name, value in changes.items()},
                        allowed=KPI_FIELDS, actor=actor, reason=need(reason), check=_check_kpi_name)


def _check_kpi_name(kpi: Kpi) -> None:
    if kpi.contract.kpis.filter(name__iexact=kpi.name).exclude(pk=kpi.pk).exists():
        raise ValidationError({"name": "This contract already tracks a KPI of that name."})


@transaction.atomic
def kpis_seed_from_pack(*, actor, contract: Contract) -> list[Kpi]:
    """Turn the pack's KPI obligations (settled service-level and performance clauses) into tracked KPIs
    measured by our own instrumentation. Idempotent: a KPI already there (by name) is left alone."""
    contract = locked(contract)
    require(actor, "manage", contract)
    ensure_open(contract)
    from contracts.policy.tables import kpi_templates_for

    templates = kpi_templates_for(contract)  # the KPI templates version the contract was opened under
    existing = {k.name.lower() for k in contract.kpis.all()}
    created = []
    for clause in contract.clauses.filter(status__in=SETTLED, playbook_clause__key__in=list(templates)) \
            .select_related("playbook_clause"):
        for seed in templates[clause.playbook_clause.key]:
            if seed["name"].lower() in existing:
                continue
            fields = {name: seed[name] for name in ("name", "unit", "direction", "threshold", "frequency")
                      if name in seed}
            kpi = save(Kpi(contract=contract, clause=clause, source="own", **fields), actor=actor,
                       reason=f"Seeded from the pack obligation “{clause.title}”"[:100])
            existing.add(kpi.name.lower())
            created.append(kpi)
    return created


def _measure(kpi: Kpi, *, actor, measured_on: date, value: Decimal, note: str, imported: bool) -> KpiMeasurement:
    if measured_on and measured_on > today():
        raise ValidationError({"measured_on": "A measurement cannot be dated in the future."})
    if kpi.measurements.filter(measured_on=measured_on).exists():
        raise ValidationError({"measured_on": f"“{kpi.name}” already has a measurement on that day."})
    value = Decimal(value)
    row = KpiMeasurement(kpi=kpi, measured_on=measured_on, value=value, note=(note or "").strip(),
                         threshold=kpi.threshold, breach=kpi.breached_by(value), imported=imported,
                         entered_by=actor)
    save(row, actor=actor, reason=("Imported" if imported else "Measured")
         + (f": breach of {kpi.name} ({kpi.target_text})" if row.breach else ""))
    if row.breach:
        contract = kpi.contract
        tell(managers_of(contract) + [contract.business_owner], kind="breach",
             key=f"contracts:measurement:{row.pk}:breach",
             subject=f"{contract.reference}: {kpi.name} breached ({value.normalize():f}{kpi.unit and ' ' + kpi.unit})",
             body=f"Measured on {measured_on:%d %b %Y}; the commitment is {kpi.target_text}.", target=contract)
        from procurement.webhooks.services import event_publish

        event_publish(event="kpi.breached", subject=contract, data={  # which KPI and when; not the figures
            "kpi": kpi.name, "kpi_id": kpi.pk, "measured_on": measured_on,
            "measurements_api_path": f"/api/v1/contracts/{contract.reference}/kpis/{kpi.pk}/measurements"})
    return row


@transaction.atomic
def measurement_record(*, actor, kpi: Kpi, measured_on: date, value, note: str = "") -> KpiMeasurement:
    kpi = Kpi.objects.select_for_update(of=("self",)).select_related("contract").get(pk=kpi.pk)
    require(actor, "manage", kpi.contract)
    ensure_open(kpi.contract)
    return _measure(kpi, actor=actor, measured_on=measured_on, value=value, note=note, imported=False)


@transaction.atomic
def measurements_import(*, actor, contract: Contract, data: bytes) -> list[KpiMeasurement]:
    """All rows or none: any problem (in the file or against what is stored) raises a ValidationError listing
    every problem with its row number, and nothing is saved."""
    contract = locked(contract)
    require(actor, "manage", contract)
    ensure_open(contract)
    kpis = {k.name: k for k in contract.kpis.all()}
    rows, problems = measurements.parse(data, kpi_names=set(kpis), today=today())
    if not problems:
        stored = {(m.kpi_id, m.measured_on) for m in KpiMeasurement.objects.filter(kpi__contract=contract)}
        problems = [f"Row {r.line}: “{r.kpi}” already has a measurement on {r.measured_on}." for r in rows
                    if (kpis[r.kpi].pk, r.measured_on) in stored]
    if problems:
        raise ValidationError({"file": problems})
    return [_measure(kpis[r.kpi], actor=actor, measured_on=r.measured_on, value=r.value, note=r.note, imported=True)
            for r in rows]
