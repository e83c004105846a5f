"""All writes of the awards app (see each module). Import from here: `from awards import services`."""

from awards.services.bids import (
    bid_decide,
    bid_decide_late,
    bid_decline,
    bid_invite,
    bid_record_submission,
    proposal_document_add,
)
from awards.services.debrief import debrief_update  # noqa: F401 (issue 7: debriefs)
from awards.services.evaluators import conflict_declare, conflict_review, evaluator_assign
from awards.services.memo import (  # noqa: F401 (issue 7: the memo's lifecycle)
    memo_award,
    memo_create,
    memo_submit,
    memo_update,
    signoff_record,
)
from awards.services.opening import (  # noqa: F401 (issue 20: the bid opening)
    bid_opening_start,
    late_submission_open,
    opening_witness_confirm,
)
from awards.services.pov import (
    criteria_hash,
    pov_criterion_add,
    pov_criterion_remove,
    pov_criterion_update,
    pov_lock,
    pov_result_record,
)
from awards.services.procedure import (
    procedure_advance,
    procedure_award,
    procedure_cancel,
    procedure_create,
    procedure_set_timeline,
    procedure_update,
    requirement_add,
    requirement_agree,
    requirement_update,
)
from awards.services.qa import question_answer, question_publish, question_record
from awards.services.references import reference_check_add
from awards.services.scorecard import (  # noqa: F401 (issue 5: the scorecard)
    criterion_add,
    criterion_remove,
    criterion_update,
    group_add,
    group_update,
    knockout_add,
    knockout_remove,
    knockout_update,
    scorecard_create,
    scorecard_lock,
    scorecard_set_scale,
)
from awards.services.scoring_scores import (  # noqa: F401 (issue 5: scoring)
    consensus_record,
    knockout_decide,
    score_clear,
    score_save,
    scoresheet_reopen,
    scoresheet_submit,
)
from awards.services.sealed import (  # noqa: F401 (issue 20: sealed bids, the bidder's side)
    sealed_document_add,
    sealed_document_replace,
    sealed_item_remove,
    sealed_price_schedule_save,
    sealed_submit,
    sealed_withdraw,
)
from awards.services.waivers import waiver_record  # noqa: F401 (issue 17: waivers)

__all__ = [
    "bid_decide", "bid_decide_late", "bid_decline", "bid_invite", "bid_record_submission", "conflict_declare",
    "conflict_review", "criteria_hash", "evaluator_assign", "pov_criterion_add", "pov_criterion_remove",
    "pov_criterion_update", "pov_lock", "pov_result_record", "procedure_advance", "procedure_award",
    "procedure_cancel", "procedure_create", "procedure_set_timeline", "procedure_update", "proposal_document_add",
    "question_answer", "question_publish", "question_record", "reference_check_add", "requirement_add",
    "requirement_agree", "requirement_update", "memo_award", "memo_create", "memo_submit", "memo_update",
    "signoff_record", "debrief_update",
]
