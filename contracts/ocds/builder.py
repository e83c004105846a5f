"""Award procedures as Open Contracting Data Standard 1.1.5 releases and release packages.

What is published (the rule; docs/ocds.md says the same)
----------------------------------------------------------
Only procedures a procurement lead decided to publish (contracts.models.Publication, state "published"), and of
them only these fields, read one by one below; nothing else Baton holds is ever read into a release:

- the procedure: reference (in the ocid), title, need statement (the tender's description), stage (tender
  status), estimated value and currency, category, its public timeline dates (RFP issue, question deadline,
  proposals due, target award date), how many vendors were invited (limited vs direct);
- tenderers: the legal name of each vendor whose proposal was received, and their number;
- the award: the approval date of the decision memo, its contract value, its standstill end (pending/active)
  and the legal name of the recommended (awarded) vendor;
- each contract opened from it: reference, title, status, start and end dates, value and currency, the day it
  was signed (from its history), its milestones' titles, due dates and status (and the day an accepted one was
  accepted), and its paid invoices as transactions (amount, currency, day paid: not the vendor's invoice number);
- the organisation as buyer/procuring entity/payer, and the publication settings (contracts.ocds.config).

Never published: any score, score sheet, rationale, consensus note, knockout decision, ranking, sensitivity or
scoring snapshot; who evaluated and their conflict declarations; the memo's narrative (recommendation,
alternatives, risk notes, negotiation strategy, walk-away points, BATNA) and its sign-offs; debriefs; bid
statuses and reasons, late-bid decisions, proposal documents, Q&A (addressed to invited bidders only); vendor
tiers, risks, evidence, attestations and contacts; clause positions, feedback, scenarios, issues, RACI, kickoff
and handoff pack; milestone acceptance criteria, test methods and evidence; KPIs, incidents, change orders,
exit plans; waivers (their reasons name people, risks and due-diligence gaps: internal by nature — an
organisation that wants them public would publish a notice, not Baton's record); the cancellation reason and
the single-source justification (internal free text); people's names; the publication decision's own reason.

`PUBLISHED_FIELDS` lists the free-text model fields above; tests/contracts/test_ocds_publication.py writes a
marker into every other text field of every model and proves it reaches no package.

Identifiers: `ocid` = BATON_OCDS_OCID_PREFIX + "-" + procedure reference; parties "buyer" (BATON_OCDS_BUYER_ID)
and "vendor-<pk>"; a release's `id` = ocid + stage + the first 12 hex digits of the sha256 of its content, so the
same data gives the same id at every build and any published change gives a new one. Release `date`s come from
the data (RFP issue day, memo approval, signature, the latest payment or milestone), never the build time, so
they are as stable as the ids. Dates are ISO 8601 with the offset of settings.TIME_ZONE; a date-only field is
the start of that day (the end of it, 23:59:59, for deadlines and end dates). Amounts are JSON numbers with an
ISO 4217 currency code.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, time
from decimal import Decimal

from django.utils import timezone

from contracts.ocds import codes, config

# The rule above as one paragraph, served by GET /api/v1/ocds/policy (the default publicationPolicy).
PUBLICATION_RULE = " ".join(__doc__.split("----\n", 1)[1].split("`PUBLISHED_FIELDS`")[0].split())
OCDS_VERSION = "1.1"
STAGES = ("tender", "award", "contract", "implementation")

PUBLISHED_FIELDS = frozenset({
    ("awards", "awardprocedure", "reference"), ("awards", "awardprocedure", "title"),
    ("awards", "awardprocedure", "need_statement"), ("awards", "awardprocedure", "currency"),
    ("vendors", "vendor", "legal_name"),
    ("contracts", "contract", "reference"), ("contracts", "contract", "title"), ("contracts", "contract", "currency"),
    ("contracts", "milestone", "title"),
})


# --- values ----------------------------------------------------------------------------------------------------
def stamp(value: datetime | date | None, *, end_of_day: bool = False) -> str | None:
    """ISO 8601 with the offset of the site's time zone; a date is the start (or the end) of that day there."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = timezone.make_aware(datetime.combine(value, time(23, 59, 59) if end_of_day else time.min))
    return timezone.localtime(value).isoformat(timespec="seconds")


def amount(value: Decimal | None, currency: str) -> dict | None:
    if value is None:
        return None
    value = Decimal(value)
    number = int(value) if value == value.to_integral_value() else float(value)
    return {"amount": number, "currency": (currency or "").upper()}


def _period(start, end, *, start_end_of_day: bool = False) -> dict | None:
    period = {k: v for k, v in (("startDate", stamp(start, end_of_day=start_end_of_day)),
                                ("endDate", stamp(end, end_of_day=True))) if v}
    return period or None


def _clean(data):
    """Drop None values and empty containers (OCDS: omit what is unknown rather than publish nulls)."""
    if isinstance(data, dict):
        cleaned = {k: _clean(v) for k, v in data.items()}
        return {k: v for k, v in cleaned.items() if v not in (None, [], {}, "")}
    if isinstance(data, list):
        return [_clean(v) for v in data]
    return data


# --- parties ---------------------------------------------------------------------------------------------------
def buyer_ref() -> dict:
    return {"id": config.buyer_id(), "name": config.publisher_name()}


def vendor_ref(vendor) -> dict:
    return {"id": f"vendor-{vendor.pk}", "name": vendor.legal_name}


def _parties(buyer_roles: list[str], vendors: list[tuple[object, list[str]]]) -> list[dict]:
    parties = [{**buyer_ref(), "roles": buyer_roles}]
    merged: dict[int, dict] = {}
    for vendor, roles in vendors:
        entry = merged.setdefault(vendor.pk, {**vendor_ref(vendor), "roles": []})
        entry["roles"] += [role for role in roles if role not in entry["roles"]]
    return parties + [merged[pk] for pk in sorted(merged)]


# --- the stages ------------------------------------------------------------------------------------------------
def _award(procedure):
    memo = getattr(procedure, "memo", None)  # None when the procedure has no memo (a reverse one-to-one)
    if memo is None or memo.status != "approved" or memo.recommended_bid_id is None:
        return None
    return memo


def _award_id(procedure) -> str:
    return f"{procedure.reference}-award"


def _document(procedure, kind: str, suffix: str, title: str, published, base: str) -> dict:
    return {"id": f"{procedure.reference}-{suffix}", "documentType": kind, "title": title,
            "url": f"{base}procedures/{procedure.reference}", "datePublished": stamp(published),
            "format": "application/json", "language": "en"}


def tender_release(procedure, base: str) -> dict:
    tenderers = list(procedure.ocds_tenderers)
    method = codes.METHOD_SINGLE_SOURCE if procedure.ocds_invited == 1 else codes.METHOD_INVITED
    documents = []
    if procedure.rfp_issue_date:
        documents.append(_document(procedure, codes.DOC_TENDER_NOTICE, "tender-notice",
                                   f"Request for proposals: {procedure.title}", procedure.rfp_issue_date, base))
    tender = {
        "id": procedure.reference,
        "title": procedure.title,
        "description": procedure.need_statement,
        "status": codes.TENDER_STATUS[procedure.stage],
        "procuringEntity": buyer_ref(),
        "value": amount(procedure.estimated_value, procedure.currency),
        "procurementMethod": method,
        "procurementMethodDetails": codes.METHOD_DETAILS[method],
        "mainProcurementCategory": codes.MAIN_CATEGORY,
        "additionalProcurementCategories": list(codes.ADDITIONAL_CATEGORIES.get(procedure.category, ())),
        "tenderPeriod": _period(procedure.rfp_issue_date, procedure.proposals_due),
        "enquiryPeriod": _period(procedure.rfp_issue_date, procedure.question_deadline),
        "awardPeriod": _period(procedure.proposals_due, procedure.target_award_date, start_end_of_day=True),
        "numberOfTenderers": len(tenderers),
        "tenderers": [vendor_ref(bid.vendor) for bid in tenderers],
        "documents": documents,
    }
    when = procedure.rfp_issue_date or procedure.created_at
    return _release(procedure, "tender", when, tender=tender, parties=_parties(
        [codes.ROLE_BUYER, codes.ROLE_PROCURING_ENTITY], [(bid.vendor, [codes.ROLE_TENDERER]) for bid in tenderers]))


def award_release(procedure, base: str) -> dict | None:
    memo = _award(procedure)
    if memo is None:
        return None
    vendor = memo.recommended_bid.vendor
    pending = memo.standstill_ends_on is not None and memo.standstill_ends_on > timezone.localdate()
    award = {
        "id": _award_id(procedure),
        "title": procedure.title,
        "status": codes.AWARD_STATUS_STANDSTILL if pending else codes.AWARD_STATUS_APPROVED,
        "date": stamp(memo.approved_at),
        "value": amount(memo.contract_value, procedure.currency),
        "suppliers": [vendor_ref(vendor)],
        "documents": [_document(procedure, codes.DOC_AWARD_NOTICE, "award-notice",
                                f"Award notice: {procedure.title}", memo.approved_at, base)],
    }
    tenderer = any(bid.vendor_id == vendor.pk for bid in procedure.ocds_tenderers)
    roles = [codes.ROLE_TENDERER, codes.ROLE_SUPPLIER] if tenderer else [codes.ROLE_SUPPLIER]
    return _release(procedure, "award", memo.approved_at, awards=[award],
                    parties=_parties([codes.ROLE_BUYER, codes.ROLE_PROCURING_ENTITY], [(vendor, roles)]))


def _milestones(contract) -> list[dict]:
    return [{
        "id": f"milestone-{milestone.pk}",
        "title": milestone.title,
        "type": codes.MILESTONE_TYPE,
        "dueDate": stamp(milestone.due_date, end_of_day=True),
        "dateMet": stamp(milestone.decided_on) if milestone.status == "accepted" else None,
        "status": codes.MILESTONE_STATUS[milestone.status],
    } for milestone in contract.ocds_milestones]


def _contracts(procedure) -> list:
    return [c for c in procedure.ocds_contracts if _award(procedure) is not None]


def contract_release(procedure, base: str) -> dict | None:
    contracts = _contracts(procedure)
    if not contracts:
        return None
    entries = []
    for contract in contracts:
        signed = contract.ocds_signed_at
        documents = []
        if signed:
            documents.append(_document(procedure, codes.DOC_CONTRACT_NOTICE, f"{contract.reference}-notice",
                                       f"Contract notice: {contract.title}", signed, base))
        entries.append({
            "id": contract.reference,
            "awardID": _award_id(procedure),
            "title": contract.title,
            "status": codes.contract_status(contract.status, signed=signed is not None),
            "period": _period(contract.start_date, contract.end_date),
            "value": amount(contract.value, contract.currency),
            "dateSigned": stamp(signed),
            "documents": documents,
            "milestones": _milestones(contract),
        })
    closed = all(contract.status == "closed" for contract in contracts)
    when = max(c.ocds_signed_at or c.created_at for c in contracts)
    vendors = [(c.vendor, [codes.ROLE_SUPPLIER]) for c in contracts]
    return _release(procedure, "contract", when, contract_closed=closed, contracts=entries,
                    parties=_parties([codes.ROLE_BUYER, codes.ROLE_PROCURING_ENTITY], vendors))


def _implementing(contract) -> bool:
    """Signed, or already paying or delivering (a contract may be performed while its paperwork is finished)."""
    return bool(contract.ocds_signed_at or contract.ocds_paid
                or any(m.delivered_on or m.decided_on for m in contract.ocds_milestones))


def implementation_release(procedure, base: str) -> dict | None:
    contracts = [c for c in _contracts(procedure) if _implementing(c)]
    if not contracts:
        return None
    entries, moments = [], []
    for contract in contracts:
        payer, payee = buyer_ref(), vendor_ref(contract.vendor)
        transactions = [{
            "id": f"payment-{invoice.pk}",
            "date": stamp(invoice.paid_on),
            "value": amount(invoice.amount, contract.currency),
            "payer": payer,
            "payee": payee,
        } for invoice in contract.ocds_paid]
        moments += [invoice.paid_on for invoice in contract.ocds_paid]
        moments += [m.decided_on or m.delivered_on for m in contract.ocds_milestones if m.decided_on or m.delivered_on]
        if contract.ocds_signed_at:
            moments.append(timezone.localtime(contract.ocds_signed_at).date())
        entries.append({"id": contract.reference, "awardID": _award_id(procedure),
                        "implementation": {"transactions": transactions, "milestones": _milestones(contract)}})
    vendors = [(c.vendor, [codes.ROLE_SUPPLIER, codes.ROLE_PAYEE]) for c in contracts]
    return _release(procedure, "implementation", max(moments), contracts=entries,
                    parties=_parties([codes.ROLE_BUYER, codes.ROLE_PAYER], vendors))


def _release(procedure, stage: str, when, *, contract_closed: bool = False, **sections) -> dict:
    ocid = config.ocid_for(procedure.reference)
    release = _clean({
        "ocid": ocid,
        "date": stamp(when),
        "tag": codes.tag_for(stage, procedure_stage=procedure.stage, contract_closed=contract_closed),
        "initiationType": codes.INITIATION_TYPE,
        "language": "en",
        "buyer": buyer_ref(),
        **sections,
    })
    digest = hashlib.sha256(json.dumps(release, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    return {"ocid": ocid, "id": f"{ocid}-{stage}-{digest[:12]}", **release}


def releases_of(procedure, base: str) -> list[dict]:
    """The releases of one procedure, stage by stage (a stage with nothing to show yet has no release)."""
    built = (tender_release(procedure, base), award_release(procedure, base),
             contract_release(procedure, base), implementation_release(procedure, base))
    return [release for release in built if release is not None]


# --- packages --------------------------------------------------------------------------------------------------
def published_date(procedures, releases: list[dict]) -> datetime:
    """The last change to what the package holds (OCDS, for packages built on demand): the latest release date
    or publication decision; the build time for a package of nothing published (a lead's preview)."""
    moments = [datetime.fromisoformat(release["date"]) for release in releases]
    moments += [p.ocds_publication.decided_at for p in procedures
                if getattr(p, "ocds_publication", None) is not None and p.ocds_publication.is_published]
    return max(moments) if moments and any(getattr(p, "ocds_publication", None) for p in procedures) else (
        timezone.now())


def package(releases: list[dict], *, uri: str, published: datetime, request=None) -> dict:
    return {
        "uri": uri,
        "version": OCDS_VERSION,
        "publishedDate": stamp(published),
        "publisher": config.publisher(),
        "license": config.license_uri(),
        "publicationPolicy": config.publication_policy_uri(request),
        "releases": releases,
    }


def procedure_package(procedure, *, request=None) -> dict:
    """The release package of one procedure (loaded by contracts.ocds.selectors.procedures_for_ocds)."""
    base = config.base_uri(request)
    releases = releases_of(procedure, base)
    return package(releases, uri=f"{base}procedures/{procedure.reference}", request=request,
                   published=published_date([procedure], releases))


def bulk_package(procedures, *, request=None) -> dict:
    """One package with the releases of every procedure given (the published ones, in reference order)."""
    base = config.base_uri(request)
    releases = [release for procedure in procedures for release in releases_of(procedure, base)]
    return package(releases, uri=f"{base}packages/bulk", request=request,
                   published=published_date(procedures, releases))
