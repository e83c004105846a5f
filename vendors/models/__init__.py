"""The vendors app's models, split by concern: the registry (vendors, tiering, due diligence, evidence,
attestations, risks) and monitoring (follow-up tasks, reassessment triggers)."""

from vendors.models.monitoring import *  # noqa: F403
from vendors.models.registry import *  # noqa: F403
from vendors.models.registry import evidence_upload_to  # noqa: F401 - named by migration 0002
from vendors.models.self_report import TieringSelfReport  # noqa: F401 (issue 20: the bidders' portal)
