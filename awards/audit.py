"""What an award procedure's and a decision memo's merged history timelines fold in (declared through
AwardsConfig.contributions), and the gate that keeps scores out of them until scoring has closed."""

from procurement.audit.registry import Part

_MEMO = "awards.policies.memo_policy"
_BID = "awards.policies.bid_policy"
_SCORES = "awards.audit.scores_visible"

# What an award procedure's merged timeline folds in. Scores, score sheets, consensus notes and knockout
# decisions appear only once scoring has closed, and only to those who may read the results.
PROCEDURE_PARTS: tuple[Part, ...] = (
    Part("awards.requirement", "procedure_id", subject=("code", "title")),
    Part("awards.bid", "procedure_id", policy=_BID, policy_lookup="id", subject=("vendor",)),
    Part("awards.proposaldocument", "bid__procedure_id", policy=_BID, policy_lookup="bid_id",
         subject=("title", "bid")),
    Part("awards.evaluatorassignment", "procedure_id", subject=("evaluator",)),
    Part("awards.scorecard", "procedure_id"),
    Part("awards.criteriongroup", "scorecard__procedure_id", subject=("name",)),
    Part("awards.criterion", "scorecard__procedure_id", subject=("name",)),
    Part("awards.knockout", "scorecard__procedure_id", subject=("name",)),
    Part("awards.scoresheet", "scorecard__procedure_id", gate=_SCORES, subject=("evaluator",)),
    Part("awards.score", "sheet__scorecard__procedure_id", gate=_SCORES, subject=("bid", "criterion")),
    Part("awards.consensusnote", "bid__procedure_id", gate=_SCORES, subject=("bid", "criterion")),
    Part("awards.knockoutdecision", "bid__procedure_id", gate=_SCORES, subject=("bid", "knockout")),
    Part("awards.decisionmemo", "procedure_id", policy=_MEMO, policy_lookup="id", subject=("title",)),
    Part("awards.memoalternative", "memo__procedure_id", policy=_MEMO, policy_lookup="memo_id", subject=("bid",)),
    Part("awards.memoversion", "memo__procedure_id", policy=_MEMO, policy_lookup="memo_id",
         subject=("number",), labels={"content_hash": "Hash of this version"}),
    Part("awards.approvalroute", "memo__procedure_id", policy=_MEMO, policy_lookup="memo_id",
         subject=("rule_name",)),
    Part("awards.signoff", "route__memo__procedure_id", policy=_MEMO, policy_lookup="route__memo_id",
         subject=("signer", "step"), labels={"content_hash": "Hash signed", "signer": "Approver"}),
    Part("awards.debrief", "memo__procedure_id", policy="awards.policies.debrief_policy", policy_lookup="id",
         subject=("bid",)),
    Part("documents.rendereddocument", "object_id", policy=_MEMO, policy_lookup="object_id",
         content_type_of="awards.decisionmemo", subject=("kind", "version")),
)

MEMO_PARTS: tuple[Part, ...] = (
    Part("awards.memoalternative", "memo_id", subject=("bid",)),
    Part("awards.memoversion", "memo_id", subject=("number",), labels={"content_hash": "Hash of this version"}),
    Part("awards.approvalroute", "memo_id", subject=("rule_name",)),
    Part("awards.signoff", "route__memo_id", subject=("signer", "step"),
         labels={"content_hash": "Hash signed", "signer": "Approver"}),
    Part("awards.debrief", "memo_id", policy="awards.policies.debrief_policy", policy_lookup="id",
         subject=("bid",)),
    Part("documents.rendereddocument", "object_id", content_type_of="awards.decisionmemo",
         subject=("kind", "version")),
)

# Stages after which no score can change any more (codes of awards.models.procedure.Stage).
SCORING_CLOSED_STAGES = frozenset({"shortlist", "awarded", "cancelled"})


def scores_visible(user, procedure) -> bool:
    """Scores join the procedure's timeline once scoring has closed, for those who may read the results."""
    if procedure.stage not in SCORING_CLOSED_STAGES:
        return False
    from awards.results import sees_results

    return bool(sees_results(user, procedure))


def procedure_notice(user, procedure) -> str:
    """The sentence shown above a procedure's history while its scores are left out of it."""
    if scores_visible(user, procedure):
        return ""
    return ("Individual scores are not listed here: they join this history once scoring has closed, and only "
            "for those who may read the results.")
