"""What a contract's merged history timeline folds in (declared through ContractsConfig.contributions)."""

from procurement.audit.registry import Part

CONTRACT_PARTS: tuple[Part, ...] = (
    Part("contracts.kickoff", "contract_id"),
    Part("contracts.kickoffattendee", "kickoff__contract_id", subject=("user",)),
    Part("contracts.kickoffaction", "kickoff__contract_id", subject=("description",)),
    Part("contracts.clauseposition", "contract_id"),
    Part("contracts.clausefeedback", "position__contract_id", subject=("position", "topic")),
    Part("contracts.scenario", "contract_id", subject=("kind",)),
    Part("contracts.raciactivity", "contract_id"),
    Part("contracts.negotiationissue", "contract_id"),
    Part("contracts.milestone", "contract_id"),
    Part("contracts.checklistitem", "contract_id"),
    Part("contracts.packacknowledgement", "contract_id"),
    Part("contracts.invoice", "contract_id"),
    Part("contracts.changeorder", "contract_id"),
    Part("contracts.kpi", "contract_id"),
    Part("contracts.checkin", "contract_id"),
    Part("contracts.incident", "contract_id"),
    Part("contracts.exitstep", "contract_id"),
    Part("contracts.exitrunbook", "contract_id"),
    Part("documents.rendereddocument", "object_id", content_type_of="contracts.contract",
         subject=("kind", "version")),
)
