"""Which objects have a history page, which policy decides who may read it, and which related records fold
into one merged timeline.

Reading an object's history needs exactly the right to see the object: the history page answers 404 to
anyone its policy hides the object from. Policies and gates are named by dotted path so the kernel imports no
app at import time.

A merged timeline (an award procedure, a decision memo, a contract) lists the history rows of the root and of
each `Part`: rows are selected by a lookup from the part's history table to the root's primary key (one query
per part). A part may be narrowed to what the reader can see (`policy` + `policy_lookup`: the rows whose
related object is in the policy's visible queryset, as a subquery) or hidden entirely unless a `gate` allows
it (e.g. scores, which stay hidden until scoring has closed).
"""

from dataclasses import dataclass, field
from importlib import import_module

from django.apps import apps
from django.http import Http404

AUDITABLE: dict[str, str] = {
    "vendors.vendor": "vendors.policies.vendor_policy",
    "awards.awardprocedure": "awards.policies.procedure_policy",
    "awards.bid": "awards.policies.bid_policy",
    "awards.decisionmemo": "awards.policies.memo_policy",
    "contracts.contract": "contracts.policies.contract_policy",
}


@dataclass(frozen=True)
class Part:
    label: str  # the part's model, e.g. "awards.score"
    lookup: str  # from the part's history table to the root's primary key, e.g. "sheet__scorecard__procedure_id"
    policy: str = ""  # dotted path of an ObjectPolicy narrowing the rows to what the reader sees...
    policy_lookup: str = ""  # ...through this lookup to that policy's model's primary key
    gate: str = ""  # dotted path of a function (user, root) -> bool; False hides the whole part
    content_type_of: str = ""  # for rendered documents: the label of their source model (generic relation)
    subject: tuple[str, ...] = ()  # fields naming one record of the part in the timeline
    labels: dict[str, str] = field(default_factory=dict)  # field name -> label shown instead of its verbose name


_MEMO = "awards.policies.memo_policy"
_BID = "awards.policies.bid_policy"
_SCORES = "procurement.audit.registry.scores_visible"

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
    Part("documents.rendereddocument", "object_id", content_type_of="contracts.contract",
         subject=("kind", "version")),
)

MERGED: dict[str, tuple[Part, ...]] = {
    "awards.awardprocedure": PROCEDURE_PARTS,
    "awards.decisionmemo": MEMO_PARTS,
    "contracts.contract": CONTRACT_PARTS,
}

# Stages after which no score can change any more (codes of awards.models.procedure.Stage).
SCORING_CLOSED_STAGES = frozenset({"shortlist", "awarded", "cancelled"})


def resolve(dotted: str):
    module_name, _, name = dotted.rpartition(".")
    return getattr(import_module(module_name), name)


def scores_visible(user, procedure) -> bool:
    """Scores join the procedure's timeline once scoring has closed, for those who may read the results."""
    if procedure.stage not in SCORING_CLOSED_STAGES:
        return False
    return bool(resolve("awards.results.sees_results")(user, procedure))


def parts_for(label: str) -> tuple[Part, ...]:
    """The parts of `label`'s merged timeline that exist in this installation (apps may be absent)."""
    found = []
    for part in MERGED.get(label, ()):
        try:
            apps.get_model(part.label)
        except LookupError:
            continue
        found.append(part)
    return tuple(found)


def policy_for(label: str):
    """The ObjectPolicy guarding `label`'s history; 404 for anything not auditable here."""
    dotted = AUDITABLE.get(label)
    if dotted is None:
        raise Http404("No history page for this kind of record.")
    try:
        policy = resolve(dotted)
        apps.get_model(label)
    except (ImportError, AttributeError, LookupError):
        raise Http404("No history page for this kind of record.") from None
    return policy
