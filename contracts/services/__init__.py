"""Every write of the contracts app."""

from contracts.services.clauses import (  # noqa: F401
    clause_position_update,
    clause_set_status,
    feedback_add,
    feedback_respond,
    unresolved_feedback,
)
from contracts.services.contracts import (  # noqa: F401
    activation_blockers,
    contract_open,
    contract_transition,
    contract_update,
    effective_tier,
    playbook_seed,
    signing_blockers,
)
from contracts.services.kickoff import (  # noqa: F401
    hold_blockers,
    kickoff_action_add,
    kickoff_action_done,
    kickoff_attendee_add,
    kickoff_attendee_remove,
    kickoff_hold,
    kickoff_update,
)
from contracts.services.pack import pack_acknowledge, pack_request  # noqa: F401
from contracts.services.planning import (  # noqa: F401
    checklist_item_update,
    checklist_item_waive,
    issue_create,
    issue_resolve,
    milestone_add,
    raci_activity_add,
    raci_activity_remove,
    raci_save,
    scenario_create,
    scenario_update,
)
