"""An enterprise-scale dataset for the benchmarks, reproducible from a seed (``python -m tests.bench.seed_scale``).

Three parts:

1. **People**: named benchmark users, one per role (``bench-lead``, ``bench-owner``, ``bench-evaluator-01`` …
   ``-12``, ``bench-approver``, ``bench-manager``, ``bench-auditor``) plus ``--users`` more spread over the roles.
2. **Population**: ``--vendors`` tiered vendors (each with its questionnaire assessment) and ``--procedures``
   award procedures in every stage, with requirements, invited and submitted bids, evaluators and their
   object permissions. The named users take a fixed share of that work, so their pages grow with the data.
3. **The large procedure**: 40 bids x 120 criteria (12 groups) x 12 evaluators, carried through the services
   (procedure, timeline, requirements, invitations, proposals, scorecard, evaluators, conflict declarations,
   knockouts, consensus, submission of every score sheet). Only the 57,600 scores themselves are written in
   bulk, with ``bulk_create_with_history`` so each one still has its history row.

Rows of the population are written directly (``Model.save`` or ``bulk_create_with_history``), never with
``QuerySet.update``/``bulk_create`` alone: every row keeps its audit trail. Writing every one through the
services would take most of an hour at this size; the large procedure shows the services at work.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from procurement.accounts.models import User
from procurement.accounts.roles import Role
from procurement.audit.history import attribute
from procurement.references import next_reference
from tests.factories.timeline import age_timeline

REASON = "Benchmark data (seed_scale)"
LARGE_TITLE = "Enterprise AI assistant platform (benchmark)"
LARGE_BIDS, LARGE_CRITERIA, LARGE_EVALUATORS, LARGE_GROUPS = 40, 120, 12, 12
NAMED = {
    "bench-lead": ("Lena", "Benchmark", Role.PROCUREMENT_LEAD),
    "bench-owner": ("Owen", "Benchmark", Role.BUSINESS_OWNER),
    "bench-approver": ("Amara", "Benchmark", Role.COMMITTEE_APPROVER),
    "bench-manager": ("Priya", "Benchmark", Role.POST_AWARD_MANAGER),
    "bench-auditor": ("Grace", "Benchmark", Role.AUDITOR),
}
# Share of the population's users in each role (the rest of the weight goes to evaluators).
ROLE_MIX = ((Role.PROCUREMENT_LEAD, 10), (Role.EVALUATOR, 45), (Role.COMMITTEE_APPROVER, 10),
            (Role.POST_AWARD_MANAGER, 10), (Role.BUSINESS_OWNER, 20), (Role.AUDITOR, 5))
NAME_PARTS = ("Aster", "Basalt", "Cedar", "Delta", "Ember", "Fjord", "Garnet", "Harbour", "Indigo", "Juniper",
              "Kestrel", "Lumen", "Meridian", "Nimbus", "Onyx", "Pioneer", "Quartz", "Rowan", "Sable", "Tundra",
              "Umber", "Vantage", "Willow", "Xenon", "Yarrow", "Zephyr")
NAME_KINDS = ("Labs", "AI", "Analytics", "Systems", "Intelligence", "Cloud", "Data", "Robotics", "Language",
              "Vision", "Compute", "Advisory")
COUNTRIES = ("GB", "DE", "FR", "NL", "IE", "SE", "FI", "US", "CA", "ES", "IT", "DK", "BE", "CH", "PL")
FIRST = ("Alex", "Blair", "Casey", "Dana", "Eli", "Frankie", "Gale", "Harper", "Indra", "Jordan", "Kai", "Lee",
         "Morgan", "Noa", "Oakley", "Parker", "Quinn", "Reese", "Sam", "Taylor")
LAST = ("Adler", "Brandt", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Hansen", "Ivanova", "Jansen",
        "Kowalski", "Larsen", "Moreau", "Nowak", "Olsen", "Petrov", "Rossi", "Schmidt", "Torres", "Weber")
NEEDS = ("Contract review assistant", "Speech analytics for the contact centre", "Code assistant for developers",
         "Document extraction for invoices", "Fraud scoring model", "Translation API", "Forecasting platform",
         "Knowledge search over policies", "GPU capacity for model training", "Responsible-AI advisory")


@dataclass
class Sizes:
    vendors: int = 5000
    procedures: int = 500
    users: int = 300
    large: bool = True
    large_bids: int = LARGE_BIDS
    large_criteria: int = LARGE_CRITERIA  # a multiple of the 12 groups
    large_evaluators: int = LARGE_EVALUATORS


def _seal(model, objs) -> None:
    """Seal the history rows that ``bulk_create_with_history`` wrote for ``objs`` (new objects, so each row
    opens its object's chain), the way the tamper-evident audit chain (procurement.audit.chain) seals every
    row that simple-history writes one at a time. Nothing to do where that chain does not exist."""
    try:
        from procurement.audit import chain
        from procurement.audit.models import AuditSeal
    except ImportError:
        return
    history = model.history.model
    spec = chain.layout(history)
    pks = [o.pk for o in objs]
    sealed = AuditSeal.objects.filter(history_model=spec.label).values("history_id")
    seals = []
    for start in range(0, len(pks), 2000):
        rows = list(history._base_manager.filter(**{f"{spec.pk_attname}__in": pks[start:start + 2000]})
                    .exclude(history_id__in=sealed).order_by("history_id").values(*spec.columns))
        keys = [spec.object_key(row) for row in rows]
        if AuditSeal.objects.filter(object_key__in=keys).exists() or spec.m2m:
            for row in rows:  # not the first row of its chain: the chain's own one-row path
                chain.seal_history_row(spec, row["history_id"])
            continue
        for key, row in zip(keys, rows, strict=True):
            digest = chain.row_hash(spec=spec, object_key=key, sequence=1, previous_hash=chain.GENESIS, row=row,
                                    m2m_rows={})
            seals.append(AuditSeal(history_model=spec.label, history_id=row["history_id"], object_key=key,
                                   sequence=1, previous_hash=chain.GENESIS, row_hash=digest,
                                   columns=",".join(spec.columns)))
    AuditSeal.objects.bulk_create(seals, batch_size=2000)  # the seal table has no history of its own


def _bulk(objs: list, model, **kwargs) -> list:
    """``bulk_create_with_history`` (a history row per object) plus the seals of those rows."""
    if not objs:
        return objs
    created = bulk_create_with_history(objs, model, **kwargs)
    if any(o.pk is None for o in created):
        raise RuntimeError(f"{model.__name__}: the database did not return the new primary keys.")
    _seal(model, created)
    return created


def _rng_choice_weighted(rng: random.Random, pairs) -> str:
    total = sum(w for _, w in pairs)
    pick = rng.uniform(0, total)
    for value, weight in pairs:
        pick -= weight
        if pick <= 0:
            return value
    return pairs[-1][0]


# --- people ---------------------------------------------------------------------------------------------------


def _user(username: str, first: str, last: str, role: str | None, admin: User | None) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, first_name=first, last_name=last, email=f"{username}@bench.example",
                    job_title=str(role or ""))
        user.set_unusable_password()
        attribute(user, actor=admin, reason=REASON)
        user.save()
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def seed_people(rng: random.Random, count: int) -> dict[str, list[User]]:
    """The named benchmark users and ``count`` more; returns users by role (named ones first)."""
    by_role: dict[str, list[User]] = {role: [] for role in Role.values}
    for username, (first, last, role) in NAMED.items():
        by_role[role].append(_user(username, first, last, role, None))
    for index in range(1, LARGE_EVALUATORS + 1):
        by_role[Role.EVALUATOR].append(_user(f"bench-evaluator-{index:02d}", FIRST[index % len(FIRST)],
                                             "Benchmark", Role.EVALUATOR, None))
    for index in range(1, count + 1):
        role = _rng_choice_weighted(rng, ROLE_MIX)
        by_role[role].append(_user(f"user-{index:05d}", rng.choice(FIRST), rng.choice(LAST), role, None))
    return by_role


# --- vendors --------------------------------------------------------------------------------------------------


def seed_vendors(rng: random.Random, count: int, leads: list[User]) -> list:
    from vendors.models import AiActRole, DataCategory, OfferingType, Tier, TierAssessment, Vendor

    existing = Vendor.objects.filter(legal_name__startswith="Bench ").count()
    vendors = []
    tiers = ((Tier.CRITICAL, 10), (Tier.HIGH, 25), (Tier.MEDIUM, 40), (Tier.LOW, 25))
    for index in range(existing, count):
        name = f"{rng.choice(NAME_PARTS)} {rng.choice(NAME_KINDS)}"
        owner = leads[0] if index % 10 == 0 else rng.choice(leads)
        vendors.append(Vendor(
            legal_name=f"Bench {name} {index:05d} Ltd", trading_name=f"{name} {index:05d}",
            website=f"https://vendor{index:05d}.example", country=rng.choice(COUNTRIES),
            offering_type=rng.choice(OfferingType.values), ai_act_role=rng.choice(AiActRole.values),
            data_categories=rng.sample([c for c in DataCategory.values if c != "none"], k=rng.randint(1, 3)),
            description=f"{name} offers {rng.choice(NEEDS).lower()} to large organisations.",
            status=_rng_choice_weighted(rng, ((Vendor.Status.PROSPECT, 50), (Vendor.Status.ACTIVE, 45),
                                              (Vendor.Status.EXITING, 5))),
            tier=_rng_choice_weighted(rng, tiers), owner=owner,
        ))
    names = [v.legal_name for v in vendors]
    _bulk(vendors, Vendor, batch_size=500, default_change_reason=REASON)
    vendors = list(Vendor.objects.filter(legal_name__startswith="Bench ").select_related("owner").order_by("pk"))
    new = set(names)
    assessments = [
        TierAssessment(vendor=v, kind=TierAssessment.Kind.QUESTIONNAIRE, tier=v.tier, computed_tier=v.tier,
                       answers={"spend": "medium", "data_sensitivity": "personal"},
                       reasons=[f"Rule table outcome for the questionnaire: {v.get_tier_display().lower()}"],
                       assessed_by=v.owner)
        for v in vendors if v.legal_name in new
    ]
    _bulk(assessments, TierAssessment, batch_size=500, default_change_reason=REASON)
    return vendors


# --- the population of procedures -------------------------------------------------------------------------


def _grant_rows(procedure, user, permissions):
    from awards.models import AwardProcedureUserObjectPermission

    return [AwardProcedureUserObjectPermission(content_object=procedure, user=user, permission=p)
            for p in permissions]


def seed_procedures(rng: random.Random, count: int, people: dict[str, list[User]], vendors: list) -> None:
    from awards.models import AwardProcedure, AwardProcedureUserObjectPermission, Bid, EvaluatorAssignment
    from awards.models.procedure import Requirement, Stage
    from vendors.models import OfferingType, Vendor

    leads, owners, evaluators = people[Role.PROCUREMENT_LEAD], people[Role.BUSINESS_OWNER], people[Role.EVALUATOR]
    permissions = list(Permission.objects.filter(content_type__app_label="awards",
                                                 codename__in=("view_awardprocedure", "evaluate_awardprocedure")))
    stages = ((Stage.DRAFT, 10), (Stage.REQUIREMENTS, 15), (Stage.RFP_ISSUED, 20), (Stage.EVALUATION, 20),
              (Stage.SHORTLIST, 10), (Stage.AWARDED, 20), (Stage.CANCELLED, 5))
    open_vendors = [v for v in vendors if v.status != Vendor.Status.EXITED]
    today = timezone.localdate()
    existing = AwardProcedure.objects.filter(title__startswith="Bench: ").count()
    for index in range(existing, count):
        stage = _rng_choice_weighted(rng, stages)
        lead = leads[0] if index % 10 == 0 else rng.choice(leads)
        owner = owners[0] if index % 10 == 1 else rng.choice(owners)
        start = today - timedelta(days=rng.randint(0, 400))
        procedure = AwardProcedure(
            reference=next_reference("AP", actor=lead), title=f"Bench: {rng.choice(NEEDS)} #{index:04d}",
            need_statement="The business needs this capability within the year; see the requirements.",
            business_owner=owner, lead=lead, category=rng.choice(OfferingType.values),
            estimated_value=Decimal(rng.randrange(20_000, 2_000_000, 1000)), currency="EUR",
            term_months=rng.choice((12, 24, 36)), stage=stage,
            cancel_reason="Budget withdrawn" if stage == Stage.CANCELLED else "",
            rfp_issue_date=start, question_deadline=start + timedelta(days=10),
            proposals_due=start + timedelta(days=21), demo_start=start + timedelta(days=25),
            demo_end=start + timedelta(days=32), target_award_date=start + timedelta(days=60),
        )
        attribute(procedure, actor=lead, reason=REASON)
        procedure.save()
        requirements = [Requirement(procedure=procedure, code=f"R{n}", title=f"Requirement {n} of the need",
                                    priority=rng.choice(("must", "should", "could")),
                                    agreed_at=timezone.now(), agreed_by=owner) for n in range(1, 4)]
        _bulk(requirements, Requirement, default_user=lead, default_change_reason=REASON)
        if stage in (Stage.DRAFT, Stage.REQUIREMENTS):
            continue
        invited = rng.sample(open_vendors, k=min(len(open_vendors), rng.randint(3, 8)))
        received = stage not in (Stage.RFP_ISSUED,)
        bids = []
        for position, vendor in enumerate(invited):
            status = Bid.Status.SUBMITTED if received else Bid.Status.INVITED
            if stage == Stage.AWARDED:
                status = Bid.Status.AWARDED if position == 0 else Bid.Status.UNSUCCESSFUL
            elif stage == Stage.SHORTLIST:
                status = Bid.Status.SHORTLISTED if position < 2 else Bid.Status.SUBMITTED
            bids.append(Bid(procedure=procedure, vendor=vendor, status=status, invited_by=lead,
                            invited_at=timezone.now(), submitted_at=timezone.now() if received else None,
                            vendor_tier=vendor.tier))
        _bulk(bids, Bid, default_user=lead, default_change_reason=REASON)
        panel = [evaluators[0]] if index % 10 == 2 else []
        pool = evaluators[LARGE_EVALUATORS:] or evaluators
        panel += rng.sample(pool, k=min(3, len(pool)))
        panel = list(dict.fromkeys(panel))
        assignments = [EvaluatorAssignment(procedure=procedure, evaluator=e, assigned_by=lead) for e in panel]
        _bulk(assignments, EvaluatorAssignment, default_user=lead, default_change_reason=REASON)
        grants = [row for e in panel for row in _grant_rows(procedure, e, permissions)]
        _bulk(grants, AwardProcedureUserObjectPermission, default_user=lead,
                                 default_change_reason=REASON)


# --- the large procedure, through the services ---------------------------------------------------------------


def _proposal(vendor) -> SimpleUploadedFile:
    body = (f"%PDF-1.4\n% Benchmark proposal from {vendor}\n1 0 obj << /Type /Catalog >> endobj\n"
            "trailer << /Root 1 0 R >>\n%%EOF\n").encode()
    return SimpleUploadedFile(f"proposal-{vendor.pk}.pdf", body, content_type="application/pdf")


def _must(readiness) -> None:
    if not readiness.ready:
        raise RuntimeError("The large procedure is blocked: " + " ".join(readiness.missing))


def seed_large_procedure(rng: random.Random, people: dict[str, list[User]], vendors: list, stdout=None, *,
                         n_bids: int = LARGE_BIDS, n_criteria: int = LARGE_CRITERIA,
                         n_evaluators: int = LARGE_EVALUATORS):
    from awards import results, services
    from awards.models import AwardProcedure, Bid
    from awards.models.procedure import Stage
    from awards.models.scorecard import Criterion, Knockout, Score, ScoreSheet
    from awards.prerequisites import missing_for
    from vendors.models import Vendor

    found = AwardProcedure.objects.filter(title=LARGE_TITLE).first()
    if found is not None:
        return found
    lead, owner = people[Role.PROCUREMENT_LEAD][0], people[Role.BUSINESS_OWNER][0]
    panel = people[Role.EVALUATOR][:n_evaluators]
    today = timezone.localdate()
    procedure = services.procedure_create(
        actor=lead, submission="recorded", title=LARGE_TITLE, business_owner=owner, category="ai_saas",
        estimated_value=Decimal("4800000"), currency="EUR", term_months=36,
        need_statement="A group-wide AI assistant platform for 40,000 staff: retrieval over our policies, "
                       "drafting, summarisation and agent workflows, run under our data terms.")
    procedure = services.procedure_set_timeline(
        actor=lead, procedure=procedure, rfp_issue_date=today, question_deadline=today + timedelta(days=14),
        proposals_due=today + timedelta(days=28), demo_start=today + timedelta(days=35),
        demo_end=today + timedelta(days=49), target_award_date=today + timedelta(days=90))
    procedure = services.procedure_advance(actor=lead, procedure=procedure, target=Stage.REQUIREMENTS,
                                           reason="Need agreed with the group CIO")
    requirements = []
    for n in range(1, 13):
        requirement = services.requirement_add(actor=lead, procedure=procedure,
                                               title=f"Capability {n}: measured on our own test set",
                                               priority=("must", "should", "could")[n % 3])
        services.requirement_agree(actor=owner, requirement=requirement)
        requirements.append(requirement)
    candidates = [v for v in vendors if v.status != Vendor.Status.EXITED]
    bids = [services.bid_invite(actor=lead, procedure=procedure, vendor=v)
            for v in rng.sample(candidates, k=n_bids)]
    scorecard = services.scorecard_create(actor=lead, procedure=procedure)
    per_group = max(1, n_criteria // LARGE_GROUPS)
    weights = [Decimal(w) for w in (12, 10, 10, 9, 9, 8, 8, 8, 7, 7, 6, 6)]
    criteria = []
    for g in range(LARGE_GROUPS):
        group = services.group_add(actor=lead, scorecard=scorecard, name=f"Area {g + 1:02d}", weight=weights[g])
        for c in range(per_group):
            number = g * per_group + c + 1
            links = [requirements[g]] if c == 0 else []
            criteria.append(services.criterion_add(
                actor=lead, group=group, name=f"Criterion {number:03d}", share=rng.randint(1, 4),
                description="How well the proposal and the demo meet this point.",
                guidance="0 none; 1 weak; 2 partial; 3 meets; 4 exceeds; 5 outstanding", requirements=links))
    knockouts = [services.knockout_add(actor=lead, scorecard=scorecard, name=name)
                 for name in ("Data stays in the EU", "No training on our data", "Insurance in force")]
    _must(missing_for(procedure, Stage.RFP_ISSUED))
    procedure = services.procedure_advance(actor=lead, procedure=procedure, target=Stage.RFP_ISSUED,
                                           reason="RFP pack sent to the invited vendors")
    for index, bid in enumerate(bids):
        services.proposal_document_add(actor=lead, bid=bid, title="Proposal", upload=_proposal(bid.vendor))
        bids[index] = services.bid_record_submission(actor=lead, bid=bid)
    procedure = age_timeline(
        actor=lead, procedure=procedure,
        rfp_issue_date=today - timedelta(days=70), question_deadline=today - timedelta(days=56),
        proposals_due=today - timedelta(days=42), demo_start=today - timedelta(days=35),
        demo_end=today - timedelta(days=28), target_award_date=today + timedelta(days=30))
    for evaluator in panel:
        services.evaluator_assign(actor=lead, procedure=procedure, evaluator=evaluator)
    _must(missing_for(procedure, Stage.EVALUATION))
    procedure = services.procedure_advance(actor=lead, procedure=procedure, target=Stage.EVALUATION,
                                           reason="All proposals received on time")
    for evaluator in panel:
        for bid in bids:
            services.conflict_declare(actor=evaluator, bid=bid, has_conflict=False)
    # Scores: integers around each bid's level; evaluators differ by at most one point, except on a few cells
    # where one evaluator disagrees sharply (flagged, then settled by a consensus note through the service).
    services.scorecard_lock(actor=lead, scorecard=scorecard, reason="Scoring starts")
    level = {bid.pk: rng.uniform(1.6, 3.6) for bid in bids}
    strength = {(bid.pk, c.pk): rng.choice((-1, 0, 0, 1)) for bid in bids for c in criteria}
    sharp = max(1, len(bids) * len(criteria) // 200)  # 24 cells in the 40 x 120 procedure
    disagreements = {(rng.choice(bids).pk, rng.choice(criteria).pk) for _ in range(sharp)}
    for e_index, evaluator in enumerate(panel):
        sheet = ScoreSheet(scorecard=scorecard, evaluator=evaluator)
        attribute(sheet, actor=evaluator, reason="Scoring started")
        sheet.save()
        rows = []
        for bid in bids:
            for criterion in criteria:
                value = min(5, max(0, round(level[bid.pk]) + strength[(bid.pk, criterion.pk)]
                                   + (1 if rng.random() < 0.3 else 0)))
                if (bid.pk, criterion.pk) in disagreements and e_index == 0:
                    value = 0 if value >= 3 else 5
                rows.append(Score(sheet=sheet, bid=bid, criterion=criterion, value=Decimal(value),
                                  rationale="Seen in the proposal and in the demo on our own data."))
        _bulk(rows, Score, batch_size=2000, default_user=evaluator,
                                 default_change_reason="Draft score")
        services.scoresheet_submit(actor=evaluator, procedure=procedure)
    failing = bids[min(7, len(bids) - 1)]
    for knockout in Knockout.objects.filter(scorecard=scorecard).order_by("position"):
        for bid in bids:
            passed = not (bid == failing and knockout == knockouts[0])
            services.knockout_decide(actor=lead, knockout=knockout, bid=bid, passed=passed,
                                     reason="Confirmed from the proposal and the contract redline." if passed
                                     else "Processing in a non-EU region named in the proposal.")
    data = results.procedure_results(procedure, samples=1)
    for spread in (data.result.unresolved_flags if data.result else ()):
        services.consensus_record(actor=lead, bid=Bid.objects.get(pk=spread.bid),
                                  criterion=Criterion.objects.get(scorecard=scorecard, key=spread.criterion),
                                  note="The panel reviewed the evidence together and agreed the mean stands.")
    if stdout is not None:
        stdout.write(f"Large procedure {procedure.reference}: {len(bids)} bids x {len(criteria)} criteria x "
                     f"{len(panel)} evaluators, {Score.objects.filter(bid__procedure=procedure).count()} scores.")
    return procedure


# --- entry point ----------------------------------------------------------------------------------------------


def seed_scale(*, sizes: Sizes, seed: int = 2026, stdout=None) -> dict:
    """Build (or top up) the dataset; returns what the benchmark needs to find its pages."""
    rng = random.Random(seed)
    with transaction.atomic():
        people = seed_people(rng, sizes.users)
        vendors = seed_vendors(rng, sizes.vendors, people[Role.PROCUREMENT_LEAD])
    if stdout is not None:
        stdout.write(f"{sum(map(len, people.values()))} benchmark users, {len(vendors)} benchmark vendors.")
    large = None
    if sizes.large:
        with transaction.atomic():
            large = seed_large_procedure(rng, people, vendors, stdout, n_bids=sizes.large_bids,
                                         n_criteria=sizes.large_criteria, n_evaluators=sizes.large_evaluators)
    with transaction.atomic():
        seed_procedures(rng, sizes.procedures, people, vendors)
    if stdout is not None:
        stdout.write(f"{sizes.procedures} benchmark procedures in place.")
    return {"large_procedure": large.reference if large else None}
