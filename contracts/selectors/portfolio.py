"""The portfolio view's panels (issue 21), one selector each, for procurement leads and auditors.

Every panel starts from the visible queryset of the app policy the rows belong to (procedures, contracts,
vendors) and aggregates in the database: each runs a fixed, small number of queries whatever the number of
procedures, contracts, bids or measurements. The answers are plain data (dicts, lists, numbers, dates), so the
same dict feeds the page, its tables and charts, and the PDF report (and its content hash).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Case, Count, DecimalField, Exists, F, OuterRef, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from procurement.accounts.roles import Role, has_role

EXPIRY_HORIZON_DAYS = 90
TOP = 12  # vendors and evaluators shown by name; the rest are summed into one "others" line
PANELS = (
    ("cycle", "Cycle time per stage"),
    ("spend", "Spend and contracts by vendor tier and by vendor"),
    ("offers", "First offer against the final contract value"),
    ("evaluators", "Evaluator load"),
    ("attestations", "Attestation coverage and expiries ahead"),
    ("breaches", "KPI breaches by vendor"),
)


def may_see_portfolio(user) -> bool:
    """Procurement leads and auditors (and superusers) read the portfolio."""
    return bool(user.is_active and (user.is_superuser or has_role(user, Role.PROCUREMENT_LEAD, Role.AUDITOR)))


def _person(first: str, last: str, username: str) -> str:
    return f"{first} {last}".strip() or username


# --- cycle time per stage ------------------------------------------------------------------------------------
def _days_between(later: str, earlier: str) -> str:
    if connection.vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM ({later} - {earlier})) / 86400.0"
    return f"(julianday({later}) - julianday({earlier}))"


def cycle_times(user) -> dict:
    """How long procedures stayed in each stage, from their history of `stage`: one query that picks the
    history rows where the stage changed (a window over each procedure's history), dates each stage's exit by
    the next change, and averages per stage, all in the database."""
    from awards.models import AwardProcedure
    from awards.models.procedure import Stage
    from awards.policies import procedure_policy

    table = connection.ops.quote_name(AwardProcedure.history.model._meta.db_table)
    scope, params = "", []
    if not procedure_policy.sees_everything(user):
        visible_sql, params = procedure_policy.visible(user).values("pk").query.sql_with_params()
        scope = f"WHERE id IN ({visible_sql})"
    days = _days_between("left_at", "history_date")
    # Only a quoted table name, an ORM-compiled subquery and fixed SQL are interpolated; values are parameters
    # (nosec B608 below: bandit cannot see that the interpolated parts are not input).
    sql = f"""
        WITH marked AS (
            SELECT id, stage, history_date, history_id,
                   LAG(stage) OVER (PARTITION BY id ORDER BY history_date, history_id) AS prev_stage
            FROM {table} {scope}
        ), entries AS (
            SELECT id, stage, history_date,
                   LEAD(history_date) OVER (PARTITION BY id ORDER BY history_date, history_id) AS left_at
            FROM marked WHERE prev_stage IS NULL OR prev_stage <> stage
        )
        SELECT stage, COUNT(left_at), SUM(CASE WHEN left_at IS NULL THEN 1 ELSE 0 END),
               AVG(CASE WHEN left_at IS NULL THEN NULL ELSE {days} END),
               MAX(CASE WHEN left_at IS NULL THEN NULL ELSE {days} END)
        FROM entries GROUP BY stage"""  # noqa: S608  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = {stage: (done, now_in, mean, longest) for stage, done, now_in, mean, longest in cursor.fetchall()}
    rows = []
    for stage in Stage:
        if stage in (Stage.AWARDED, Stage.CANCELLED):
            continue
        done, now_in, mean, longest = found.get(stage.value, (0, 0, None, None))
        rows.append({"stage": stage.value, "label": stage.label, "completed": done or 0, "now_in": now_in or 0,
                     "mean_days": round(float(mean), 1) if mean is not None else None,
                     "longest_days": round(float(longest), 1) if longest is not None else None})
    return {"rows": rows, "procedures": sum(v[1] or 0 for v in found.values()),
            "awarded": (found.get(Stage.AWARDED.value) or (0, 0))[1] or 0,
            "cancelled": (found.get(Stage.CANCELLED.value) or (0, 0))[1] or 0}


# --- spend and contracts by tier and by vendor ---------------------------------------------------------------
def spend(user) -> dict:
    """Contracts and their total value by vendor tier and by vendor, per currency (two grouped queries)."""
    from contracts.policies import contract_policy
    from vendors.models import Tier

    contracts = contract_policy.visible(user)
    labels = dict(Tier.choices)
    by_tier = [{"tier": row["vendor__tier"], "label": labels.get(row["vendor__tier"], "Not tiered"),
                "currency": row["currency"], "contracts": row["n"], "total": row["total"] or Decimal(0)}
               for row in (contracts.order_by().values("vendor__tier", "currency")
                           .annotate(n=Count("pk"), total=Sum("value")).order_by("vendor__tier", "currency"))]
    tier_rank = {tier.value: index for index, tier in enumerate(Tier)}
    by_tier.sort(key=lambda row: (tier_rank.get(row["tier"], 99), row["currency"]))
    vendors = list(contracts.order_by().values("vendor_id", "vendor__legal_name", "vendor__trading_name", "currency")
                   .annotate(n=Count("pk"), total=Sum("value")).order_by("-total", "vendor__legal_name")[:TOP * 2])
    by_vendor = [{"vendor": row["vendor__trading_name"] or row["vendor__legal_name"], "currency": row["currency"],
                  "contracts": row["n"], "total": row["total"] or Decimal(0)} for row in vendors]
    currencies = sorted({row["currency"] for row in by_tier})
    return {"by_tier": by_tier, "by_vendor": by_vendor[:TOP * 2], "currencies": currencies,
            "contracts": sum(row["contracts"] for row in by_tier)}


# --- first offer against final value -------------------------------------------------------------------------
def _line_total():
    """One price line's cost over its procedure's term, as a database expression (awards.pricing.line_total)."""
    from awards.models import PriceLine

    money = DecimalField(max_digits=24, decimal_places=4)
    term = F("bid__procedure__term_months")
    return Sum(Case(
        When(kind=PriceLine.Kind.ONE_OFF, then=F("amount")),
        When(kind=PriceLine.Kind.RECURRING, period=PriceLine.Period.MONTH, then=F("amount") * term),
        When(kind=PriceLine.Kind.RECURRING, period=PriceLine.Period.YEAR, then=F("amount") * term / Value(12)),
        When(kind=PriceLine.Kind.USAGE, then=F("amount") * Coalesce(F("assumption__monthly_volume"), Value(0),
                                                                     output_field=money) * term),
        default=Value(0), output_field=money))


def offers(user) -> dict:
    """For each visible contract opened from a bid: the bid's priced total over the term (the first offer) and
    the contract value (the final), in the same currency. Contracts whose bid has no price schedule, or one in
    another currency, are counted and skipped (two queries)."""
    from awards.models import PriceLine
    from contracts.policies import contract_policy

    contracts = list(contract_policy.visible(user).filter(bid__isnull=False).order_by("reference").values(
        "reference", "value", "currency", "bid_id", "bid__price_currency", "vendor__legal_name",
        "vendor__trading_name"))
    totals = dict(PriceLine.objects.filter(bid_id__in=[c["bid_id"] for c in contracts]).order_by()
                  .values("bid_id").annotate(total=_line_total()).values_list("bid_id", "total"))
    rows, unpriced, other_currency = [], 0, 0
    for c in contracts:
        first = totals.get(c["bid_id"])
        if first is None:
            unpriced += 1
            continue
        if (c["bid__price_currency"] or c["currency"]).upper() != c["currency"].upper():
            other_currency += 1
            continue
        first = Decimal(first).quantize(Decimal("0.01"))
        final = Decimal(c["value"])
        change = final - first
        rows.append({"reference": c["reference"], "vendor": c["vendor__trading_name"] or c["vendor__legal_name"],
                     "currency": c["currency"], "first": first, "final": final, "change": change,
                     "percent": round(float(change / first * 100), 1) if first else None})
    percents = [row["percent"] for row in rows if row["percent"] is not None]
    return {"rows": rows, "unpriced": unpriced, "other_currency": other_currency,
            "mean_percent": round(sum(percents) / len(percents), 1) if percents else None}


# --- evaluator load ------------------------------------------------------------------------------------------
def evaluator_load(user) -> dict:
    """Current assignments and score sheets (submitted and open) per evaluator, across visible procedures
    (two grouped queries)."""
    from awards.models import EvaluatorAssignment, ScoreSheet
    from awards.policies import procedure_policy

    procedures = procedure_policy.visible(user).values("pk")
    people: dict[int, dict] = {}
    for row in (EvaluatorAssignment.objects.filter(procedure__in=procedures).order_by()
                .values("evaluator_id", "evaluator__first_name", "evaluator__last_name", "evaluator__username")
                .annotate(n=Count("pk", distinct=True))):
        people[row["evaluator_id"]] = {
            "name": _person(row["evaluator__first_name"], row["evaluator__last_name"], row["evaluator__username"]),
            "assignments": row["n"], "sheets": 0, "submitted": 0}
    for row in (ScoreSheet.objects.filter(scorecard__procedure__in=procedures).order_by()
                .values("evaluator_id", "evaluator__first_name", "evaluator__last_name", "evaluator__username")
                .annotate(n=Count("pk"), done=Count("pk", filter=Q(submitted_at__isnull=False)))):
        person = people.setdefault(row["evaluator_id"], {
            "name": _person(row["evaluator__first_name"], row["evaluator__last_name"], row["evaluator__username"]),
            "assignments": 0, "sheets": 0, "submitted": 0})
        person["sheets"], person["submitted"] = row["n"], row["done"]
    rows = sorted(people.values(), key=lambda p: (-p["assignments"], -p["sheets"], p["name"]))
    return {"rows": rows[:TOP], "others": len(rows[TOP:]), "evaluators": len(rows)}


# --- attestation coverage and expiries ahead -----------------------------------------------------------------
def attestations(user, *, today: date | None = None) -> dict:
    """How many visible vendors hold a valid attestation today (and how many of those expire soon), how many
    hold only expired ones and how many none; and the attestations that expire in the next 90 days (two
    queries)."""
    from vendors.models import Attestation
    from vendors.policies import vendor_policy

    today = today or timezone.localdate()
    horizon = today + timedelta(days=EXPIRY_HORIZON_DAYS)
    vendors = vendor_policy.visible(user)
    of_vendor = Attestation.objects.filter(vendor=OuterRef("pk"))
    valid = of_vendor.filter(issued_on__lte=today, expires_on__gte=today)
    counts = (vendors.order_by().annotate(
        has_any=Exists(of_vendor), has_valid=Exists(valid), lasting=Exists(valid.filter(expires_on__gt=horizon)))
        .aggregate(total=Count("pk"), valid=Count("pk", filter=Q(has_valid=True, lasting=True)),
                   expiring=Count("pk", filter=Q(has_valid=True, lasting=False)),
                   expired=Count("pk", filter=Q(has_any=True, has_valid=False)),
                   none=Count("pk", filter=Q(has_any=False))))
    ahead = list(Attestation.objects.filter(vendor__in=vendors.values("pk"), expires_on__gte=today,
                                            expires_on__lte=horizon)
                 .order_by("expires_on", "pk").values("vendor__legal_name", "vendor__trading_name", "standard",
                                                      "other_standard", "issuer", "expires_on")[:TOP * 2])
    standards = dict(Attestation.Standard.choices)
    upcoming = [{"vendor": a["vendor__trading_name"] or a["vendor__legal_name"],
                 "standard": a["other_standard"] or standards.get(a["standard"], a["standard"]),
                 "issuer": a["issuer"], "expires_on": a["expires_on"], "days": (a["expires_on"] - today).days}
                for a in ahead]
    total = counts["total"] or 0
    covered = (counts["valid"] or 0) + (counts["expiring"] or 0)
    return {"total": total, "valid": counts["valid"] or 0, "expiring": counts["expiring"] or 0,
            "expired": counts["expired"] or 0, "none": counts["none"] or 0,
            "coverage_percent": round(covered * 100 / total, 1) if total else None,
            "upcoming": upcoming, "horizon_days": EXPIRY_HORIZON_DAYS}


# --- KPI breaches by vendor ----------------------------------------------------------------------------------
def breaches(user) -> dict:
    """Breached KPI measurements per vendor on visible contracts (one grouped query)."""
    from contracts.models import KpiMeasurement
    from contracts.policies import contract_policy

    rows = list(KpiMeasurement.objects.filter(breach=True, kpi__contract__in=contract_policy.visible(user).values("pk"))
                .order_by().values("kpi__contract__vendor_id", "kpi__contract__vendor__legal_name",
                                   "kpi__contract__vendor__trading_name")
                .annotate(n=Count("pk"), kpis=Count("kpi", distinct=True),
                          contracts=Count("kpi__contract", distinct=True))
                .order_by("-n", "kpi__contract__vendor__legal_name"))
    shown = [{"vendor": r["kpi__contract__vendor__trading_name"] or r["kpi__contract__vendor__legal_name"],
              "breaches": r["n"], "kpis": r["kpis"], "contracts": r["contracts"]} for r in rows]
    return {"rows": shown[:TOP], "others": sum(r["breaches"] for r in shown[TOP:]),
            "total": sum(r["breaches"] for r in shown)}


def portfolio(user, *, today: date | None = None) -> dict:
    """Every panel, as plain data (about a dozen queries in all)."""
    today = today or timezone.localdate()
    return {"today": today, "cycle": cycle_times(user), "spend": spend(user), "offers": offers(user),
            "evaluators": evaluator_load(user), "attestations": attestations(user, today=today),
            "breaches": breaches(user), "panels": PANELS}
