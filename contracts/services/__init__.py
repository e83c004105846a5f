"""Every write of the contracts app."""

from contracts.services.changes import change_order_decide, change_order_raise  # noqa: F401, E402
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
from contracts.services.delivery import (  # noqa: F401, E402
    EvidenceTampered,
    milestone_decide,
    milestone_deliver,
    milestone_evidence_file,
    milestone_plan,
)
from contracts.services.exit import (  # noqa: F401, E402
    exit_blockers,
    exit_close,
    exit_runbook_write,
    exit_start,
    exit_step_update,
    exit_step_waive,
    runbook_gaps,
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
from contracts.services.payments import (  # noqa: F401, E402
    invoice_approve,
    invoice_pay,
    invoice_record,
    payment_terms_update,
    payments_check,
    usage_spend,
)
from contracts.services.performance import (  # noqa: F401, E402
    kpi_add,
    kpi_update,
    kpis_seed_from_pack,
    measurement_record,
    measurements_import,
)
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
from contracts.services.reminders import renewal_reminders_send  # noqa: F401, E402
from contracts.services.reviews import checkin_record, incident_notified, incident_record  # noqa: F401, E402
