"""How often a vendor's tier is reassessed. Pure: no ORM.

The one place the cadence is configured
---------------------------------------
`DEFAULT_CADENCE_MONTHS` below is the shipped cadence: the riskier the tier, the sooner it is looked at again.
A deployment replaces it with the setting `VENDOR_REASSESSMENT_MONTHS`, a dict with a whole number of months
(at least 1) for every tier, for example::

    VENDOR_REASSESSMENT_MONTHS = {"critical": 3, "high": 6, "medium": 12, "low": 24}

The daily job (`vendors.tasks.reassessment_daily` → `vendors.services.monitoring.reassessments_check`) opens one
"Reassess the tier" task for every tiered, not-exited vendor whose latest assessment is older than its tier's
cadence, and tells the vendor's owner once. Answering the questionnaire again, overriding the tier or
recording a trigger closes the task. A recorded trigger (model swap, new subprocessor, security incident,
change of data processed) does not wait for the cadence: it reassesses at once.

The attestation warning window (how many days before expiry an attestation counts as "expiring") is the
setting `VENDOR_ATTESTATION_WARNING_DAYS` (default 60, see vendors.models.registry).
"""

import calendar
from collections.abc import Mapping
from datetime import date

TIERS = ("critical", "high", "medium", "low")
DEFAULT_CADENCE_MONTHS: dict[str, int] = {"critical": 6, "high": 12, "medium": 24, "low": 36}


def validate_cadence(config: Mapping[str, int]) -> dict[str, int]:
    missing = [tier for tier in TIERS if tier not in config]
    unknown = [tier for tier in config if tier not in TIERS]
    if missing or unknown:
        raise ValueError(f"Reassessment cadence needs exactly the tiers {', '.join(TIERS)} "
                         f"(missing: {missing or 'none'}, unknown: {unknown or 'none'}).")
    clean = {}
    for tier in TIERS:
        months = config[tier]
        if not isinstance(months, int) or isinstance(months, bool) or months < 1:
            raise ValueError(f"Reassessment cadence for {tier!r} must be a whole number of months, at least 1.")
        clean[tier] = months
    return clean


def cadence_months() -> dict[str, int]:
    """The cadence in force: settings.VENDOR_REASSESSMENT_MONTHS when set, else the default."""
    try:
        from django.conf import settings

        config = getattr(settings, "VENDOR_REASSESSMENT_MONTHS", None)
    except Exception:  # noqa: BLE001 - usable without Django configured
        config = None
    return validate_cadence(config) if config else dict(DEFAULT_CADENCE_MONTHS)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the end of a shorter month (31 Jan + 1 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_on(last_assessed: date, tier: str, cadence: Mapping[str, int] | None = None) -> date | None:
    """When a vendor assessed on `last_assessed` at `tier` is due again (None for an untiered vendor)."""
    if not tier:
        return None
    table = cadence_months() if cadence is None else cadence
    return add_months(last_assessed, table[tier])
