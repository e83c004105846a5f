"""Baton's roles. Each is a Group (created by a data migration); object access comes on top via guardian."""

from django.db import models


class Role(models.TextChoices):
    PROCUREMENT_LEAD = "Procurement lead", "Procurement lead"
    EVALUATOR = "Evaluator", "Evaluator"
    COMMITTEE_APPROVER = "Committee approver", "Committee approver"
    POST_AWARD_MANAGER = "Post-award manager", "Post-award contract manager"
    BUSINESS_OWNER = "Business owner", "Business owner"
    AUDITOR = "Auditor", "Auditor"
    POLICY_ADMINISTRATOR = "Policy administrator", "Policy administrator"


ROLE_SUMMARIES: dict[str, str] = {
    Role.PROCUREMENT_LEAD: "Tiers vendors, runs award procedures, drafts the decision memo and runs the kickoff.",
    Role.EVALUATOR: "Declares conflicts of interest, then scores the bids on the criteria assigned to you.",
    Role.COMMITTEE_APPROVER: "Approves, rejects or sends back the decision memos routed to your committee.",
    Role.POST_AWARD_MANAGER: "Joins the kickoff, comments on clauses, accepts the handoff pack and runs the contract.",
    Role.BUSINESS_OWNER: "Owns the need and agrees the requirements of your procedures.",
    Role.AUDITOR: "Reads every record and its full history; changes nothing.",
    Role.POLICY_ADMINISTRATOR: "Keeps the policy tables (committees, approval matrix, due-diligence plans, tiering "
                               "rules, clause playbook and the rest) up to date, each change with a reason.",
}


def roles_of(user) -> frozenset[str]:
    """The role names a user holds, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_baton_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._baton_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    held = roles_of(user)
    return any(role in held for role in roles)
