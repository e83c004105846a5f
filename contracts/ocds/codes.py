"""Baton's states and kinds as OCDS 1.1.5 codes (each value a code of the codelist named beside it).

Pure data and small functions: no ORM. tests/contracts/test_ocds_codes.py checks every value here against the
standard's CSVs, so a mapping that names a code the standard does not know fails before any package is built.
"""

from __future__ import annotations

# releaseTag.csv: the tag of each stage's release (the cancelled / closed variants are chosen in `tag_for`).
STAGE_TAGS = {"tender": "tender", "award": "award", "contract": "contract", "implementation": "implementation"}
TENDER_CANCELLED_TAG = "tenderCancellation"
CONTRACT_CLOSED_TAG = "contractTermination"

# initiationType.csv: every Baton procedure is a tender (a competition among invited vendors).
INITIATION_TYPE = "tender"

# tenderStatus.csv, from the procedure's stage (awards.models.procedure.Stage).
TENDER_STATUS = {
    "draft": "planning",
    "requirements": "planned",
    "rfp_issued": "active",
    "evaluation": "active",
    "shortlist": "active",
    "awarded": "complete",
    "cancelled": "cancelled",
}

# method.csv: the lead invites vendors of its choice from the registry ("limited"); a single-sourced purchase
# (one invited vendor, with the justification the procedure asks for) is "direct".
METHOD_INVITED = "limited"
METHOD_SINGLE_SOURCE = "direct"
METHOD_DETAILS = {METHOD_INVITED: "Vendors invited from the organisation's AI vendor registry",
                  METHOD_SINGLE_SOURCE: "Single-source purchase from one invited vendor"}

# procurementCategory.csv / extendedProcurementCategory.csv, from the offering type (vendors.OfferingType):
# every AI product Baton buys (an API, a SaaS tool, infrastructure as a service, consulting) is a service.
MAIN_CATEGORY = "services"
ADDITIONAL_CATEGORIES = {
    "foundation_model_api": ("services",),
    "ai_saas": ("services",),
    "ai_infrastructure": ("services",),
    "ai_consulting": ("services", "consultingServices"),
}

# awardStatus.csv: an award is published once its decision memo is approved; it is pending while the standstill
# (cooling-off) period runs and in force after it.
AWARD_STATUS_APPROVED, AWARD_STATUS_STANDSTILL = "active", "pending"

# contractStatus.csv, from the contract's status (contracts.models.contract.ContractStatus). A contract closed
# before it was ever signed was cancelled; one closed after signing was terminated (`contract_status`).
CONTRACT_STATUS = {"negotiating": "pending", "signed": "active", "active": "active", "exiting": "active"}
CONTRACT_CLOSED_SIGNED, CONTRACT_CLOSED_UNSIGNED = "terminated", "cancelled"

# milestoneStatus.csv, from the milestone's stored status (a delivered milestone waits for its acceptance test).
MILESTONE_STATUS = {"planned": "scheduled", "delivered": "scheduled", "accepted": "met", "rejected": "notMet"}
# milestoneType.csv: contract milestones are deliveries.
MILESTONE_TYPE = "delivery"

# partyRole.csv
ROLE_BUYER, ROLE_PROCURING_ENTITY, ROLE_TENDERER, ROLE_SUPPLIER, ROLE_PAYER, ROLE_PAYEE = (
    "buyer", "procuringEntity", "tenderer", "supplier", "payer", "payee")

# documentType.csv: the notices Baton's data stands for (Baton keeps no public files; bidders' proposals, the
# memo and the handoff pack are confidential).
DOC_TENDER_NOTICE, DOC_AWARD_NOTICE, DOC_CONTRACT_NOTICE = "tenderNotice", "awardNotice", "contractNotice"


def tag_for(stage: str, *, procedure_stage: str = "", contract_closed: bool = False) -> list[str]:
    if stage == "tender" and procedure_stage == "cancelled":
        return [TENDER_CANCELLED_TAG]
    if stage == "contract" and contract_closed:
        return [CONTRACT_CLOSED_TAG]
    return [STAGE_TAGS[stage]]


def contract_status(status: str, *, signed: bool) -> str:
    if status == "closed":
        return CONTRACT_CLOSED_SIGNED if signed else CONTRACT_CLOSED_UNSIGNED
    return CONTRACT_STATUS[status]


def every_code() -> dict[str, set[str]]:
    """{codelist file: the codes this module uses from it}: what the codes test checks against the standard."""
    return {
        "releaseTag.csv": {*STAGE_TAGS.values(), TENDER_CANCELLED_TAG, CONTRACT_CLOSED_TAG},
        "initiationType.csv": {INITIATION_TYPE},
        "tenderStatus.csv": set(TENDER_STATUS.values()),
        "method.csv": {METHOD_INVITED, METHOD_SINGLE_SOURCE},
        "procurementCategory.csv": {MAIN_CATEGORY},
        "extendedProcurementCategory.csv": {c for codes in ADDITIONAL_CATEGORIES.values() for c in codes},
        "awardStatus.csv": {AWARD_STATUS_APPROVED, AWARD_STATUS_STANDSTILL},
        "contractStatus.csv": {*CONTRACT_STATUS.values(), CONTRACT_CLOSED_SIGNED, CONTRACT_CLOSED_UNSIGNED},
        "milestoneStatus.csv": set(MILESTONE_STATUS.values()),
        "milestoneType.csv": {MILESTONE_TYPE},
        "partyRole.csv": {ROLE_BUYER, ROLE_PROCURING_ENTITY, ROLE_TENDERER, ROLE_SUPPLIER, ROLE_PAYER, ROLE_PAYEE},
        "documentType.csv": {DOC_TENDER_NOTICE, DOC_AWARD_NOTICE, DOC_CONTRACT_NOTICE},
    }
