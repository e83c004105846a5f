"""Every write of the vendors app, by concern. Keyword-only, `actor` first; each service checks the policy,
validates, owns its transaction and leaves a history row with the actor and a reason.

    registry     vendors, status and exit, access grants, contacts, subprocessors
    tiering      questionnaire, override, reassessment triggers
    evidence     evidence files (checked, fingerprinted, re-verified when served) and attestations
    risks        the risk register and residual-risk acceptance
    importing    vendors from a previewed spreadsheet
    monitoring   the daily attestation and reassessment jobs and the follow-up tasks

Import from here: `from vendors import services; services.vendor_create(...)`.
"""

from vendors.services import monitoring
from vendors.services.evidence import (
    EvidenceTampered,
    attestation_record,
    evidence_review,
    evidence_upload,
    evidence_verified_file,
)
from vendors.services.importing import vendors_import
from vendors.services.registry import (
    VENDOR_EDITABLE,
    VendorHasOpenContracts,
    contact_add,
    contact_remove,
    subprocessor_add,
    subprocessor_remove,
    vendor_create,
    vendor_grant_view,
    vendor_mark_exited,
    vendor_revoke_view,
    vendor_set_status,
    vendor_update,
)
from vendors.services.risks import RISK_EDITABLE, risk_accept, risk_create, risk_set_status, risk_update
from vendors.services.tiering import tier_assess, tier_override, trigger_record

__all__ = [
    "RISK_EDITABLE", "VENDOR_EDITABLE", "EvidenceTampered", "VendorHasOpenContracts", "attestation_record",
    "contact_add", "contact_remove", "evidence_review", "evidence_upload", "evidence_verified_file",
    "monitoring", "risk_accept", "risk_create", "risk_set_status", "risk_update", "subprocessor_add",
    "subprocessor_remove", "tier_assess", "tier_override", "trigger_record", "vendor_create", "vendor_grant_view",
    "vendor_mark_exited", "vendor_revoke_view", "vendor_set_status", "vendor_update", "vendors_import",
]
