"""Reads behind the awards pages. A view authorizes the procedure (or bid, memo) through procurement.authz and
then looks its children up only among that parent's rows, with the joins its page needs."""

from __future__ import annotations

from django.db.models import QuerySet

from awards.models import (
    ApprovalRoute,
    AwardProcedure,
    Bid,
    ConflictDeclaration,
    Debrief,
    DecisionMemo,
    MemoAlternative,
    PovCriterion,
    ProposalDocument,
    Question,
    Requirement,
)
from awards.models.scorecard import ConsensusNote, Criterion, CriterionGroup, Knockout, Scorecard, ScoreSheet

# --- procedures, requirements, bids ---------------------------------------------------------------------------


def procedures() -> QuerySet[AwardProcedure]:
    return AwardProcedure.objects.select_related("lead", "business_owner")


def procedure_requirements(procedure: AwardProcedure) -> QuerySet[Requirement]:
    return Requirement.objects.filter(procedure=procedure)


def pending_requirements(procedure: AwardProcedure) -> list[Requirement]:
    return list(Requirement.objects.filter(procedure=procedure, agreed_at__isnull=True).order_by("pk"))


def bids_of(reference: str) -> QuerySet[Bid]:
    """Bids of the procedure `reference` (procedure and vendor joined), for fetch-and-authorize."""
    return Bid.objects.select_related("procedure", "vendor").filter(procedure__reference=reference)


def procedure_bid(procedure: AwardProcedure) -> QuerySet[Bid]:
    """Bids of an authorized procedure, looked up by pk (vendor and procedure joined)."""
    return Bid.objects.filter(procedure=procedure).select_related("vendor", "procedure")


def bid_page(bid: Bid) -> Bid:
    """The bid with everything its page shows."""
    return (Bid.objects.select_related("procedure", "vendor", "pov", "late_decided_by", "invited_by")
            .prefetch_related("documents__uploaded_by", "reference_checks__recorded_by", "pov__criteria")
            .get(pk=bid.pk))


def invitable_vendors(user, procedure: AwardProcedure):
    """Vendors the user sees that are not already bidding here and have not exited."""
    from vendors.models import Vendor
    from vendors.policies import vendor_policy

    return (vendor_policy.visible(user).exclude(bids__procedure=procedure)
            .exclude(status=Vendor.Status.EXITED).order_by("legal_name"))


def bids_that_may_ask(procedure: AwardProcedure) -> QuerySet[Bid]:
    from awards.selectors import procedure_bids

    return procedure_bids(procedure).exclude(status=Bid.Status.DECLINED)


def bid_documents(bid: Bid) -> QuerySet[ProposalDocument]:
    return ProposalDocument.objects.filter(bid=bid)


def bid_pov_criteria(bid: Bid) -> QuerySet[PovCriterion]:
    return PovCriterion.objects.filter(protocol__bid=bid).select_related("protocol__bid")


def procedure_questions(procedure: AwardProcedure) -> QuerySet[Question]:
    return Question.objects.filter(procedure=procedure)


def procedure_declarations(procedure: AwardProcedure) -> QuerySet[ConflictDeclaration]:
    return (ConflictDeclaration.objects.filter(assignment__procedure=procedure)
            .select_related("assignment__evaluator", "bid__vendor"))


def assigned_evaluator_ids(procedure: AwardProcedure) -> list[int]:
    from awards.selectors import assigned_evaluators

    return list(assigned_evaluators(procedure).values_list("evaluator_id", flat=True))


# --- the scorecard ----------------------------------------------------------------------------------------------


def scorecard_of(procedure: AwardProcedure) -> Scorecard | None:
    return Scorecard.objects.filter(procedure=procedure).select_related("locked_by").first()


def scorecard_groups(scorecard: Scorecard) -> QuerySet[CriterionGroup]:
    return CriterionGroup.objects.filter(scorecard=scorecard)


def scorecard_criteria(scorecard: Scorecard) -> QuerySet[Criterion]:
    return Criterion.objects.filter(scorecard=scorecard)


def scorecard_knockouts(scorecard: Scorecard) -> QuerySet[Knockout]:
    return Knockout.objects.filter(scorecard=scorecard)


def procedure_criteria(procedure: AwardProcedure) -> QuerySet[Criterion]:
    return Criterion.objects.filter(scorecard__procedure=procedure).select_related("scorecard")


def procedure_knockouts(procedure: AwardProcedure) -> QuerySet[Knockout]:
    return Knockout.objects.filter(scorecard__procedure=procedure)


def procedure_score_sheets(procedure: AwardProcedure) -> QuerySet[ScoreSheet]:
    return ScoreSheet.objects.filter(scorecard__procedure=procedure).select_related("evaluator")


def criterion_requirement_ids(criterion: Criterion) -> list[int]:
    return list(criterion.requirements.values_list("pk", flat=True))


def consensus_note(bid: Bid, criterion: Criterion) -> ConsensusNote | None:
    return ConsensusNote.objects.filter(bid=bid, criterion=criterion).first()


def scorecard_page(procedure: AwardProcedure, user, *, card: Scorecard, can_edit: bool) -> dict:
    """The scorecard page's rows: groups with their criteria and effective weights, knockouts, requirements
    and their coverage, the score sheets (for the lead) and whether the user is an evaluator here."""
    from awards import results
    from awards.scorecard_checks import uncovered_musts

    groups = list(CriterionGroup.objects.filter(scorecard=card).order_by("position", "pk"))
    criteria = list(Criterion.objects.filter(scorecard=card).prefetch_related("requirements")
                    .order_by("group__position", "group_id", "position", "pk"))
    weights, problems = results.effective_weights(groups, criteria)
    rows = [{"group": g, "criteria": [(c, weights.get(c.key)) for c in criteria if c.group_id == g.pk]}
            for g in groups]
    return {
        "rows": rows, "problems": problems, "uncovered": uncovered_musts(procedure),
        "knockouts": list(Knockout.objects.filter(scorecard=card).order_by("position", "pk")),
        "requirements": list(procedure.requirements.prefetch_related("criteria").order_by("pk")),
        "sheets": list(ScoreSheet.objects.filter(scorecard=card).select_related("evaluator")) if can_edit else [],
        "is_evaluator": procedure.assignments.filter(evaluator=user).exists(),
    }


# --- the memo ---------------------------------------------------------------------------------------------------


def memos() -> QuerySet[DecisionMemo]:
    return DecisionMemo.objects.select_related("procedure", "author", "recommended_bid__vendor")


def memo_of(procedure: AwardProcedure) -> DecisionMemo | None:
    return DecisionMemo.objects.filter(procedure=procedure).first()


def memo_alternatives(memo: DecisionMemo) -> list[MemoAlternative]:
    return list(MemoAlternative.objects.filter(memo=memo).select_related("bid__vendor"))


def memo_debriefs(user, memo: DecisionMemo) -> list[Debrief]:
    """The memo's debriefs when the user may see them (never for approvers), else []."""
    from awards.policies import debrief_policy

    if not debrief_policy.visible(user).filter(memo=memo).exists():
        return []
    return list(Debrief.objects.filter(memo=memo).select_related("bid__vendor"))


def debriefs_of(reference: str) -> QuerySet[Debrief]:
    return Debrief.objects.select_related("memo__procedure", "bid__vendor").filter(memo__procedure__reference=reference)


def signoff_inbox(user) -> QuerySet[ApprovalRoute]:
    """The open routes of the memos the user may sign now: memo_policy "sign" (awards.policies.routes_to_sign),
    which also leaves out an approver with a conflict on the recommended bid and a committee already at quorum."""
    from awards.policies import routes_to_sign

    return routes_to_sign(user).select_related("memo__procedure", "version")
