"""Writes on the Q&A log: questions received, answers, anonymised publication."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from awards.models import AwardProcedure, Bid, Question
from awards.models.procedure import Stage
from awards.policies import procedure_policy
from awards.services._common import lock_procedure, locked, require_stage
from procurement.audit.history import attribute
from procurement.authz import require
from procurement.exceptions import DomainError
from procurement.services import model_save


@transaction.atomic
def question_record(*, actor, procedure: AwardProcedure, bid: Bid, text: str) -> Question:
    """Log a bidder's question as received now; after the question deadline it is flagged late."""
    procedure = lock_procedure(procedure.pk)
    require(actor, procedure_policy, "edit", procedure)
    require_stage(procedure, (Stage.RFP_ISSUED,), "log bidders' questions")
    if bid.procedure_id != procedure.pk:
        raise ValidationError({"bid": "That bidder is not part of this procedure."})
    if bid.status == Bid.Status.DECLINED:
        raise ValidationError({"bid": f"{bid.vendor} has declined; its questions are not taken."})
    now = timezone.now()
    late = procedure.question_deadline is not None and timezone.localdate(now) > procedure.question_deadline
    number = Question.objects.filter(procedure=procedure).count() + 1
    question = Question(procedure=procedure, number=number, bid=bid, text=text, received_at=now, late=late,
                        recorded_by=actor)
    model_save(question, actor=actor, reason="Question received after the deadline" if late else "Question received")
    return question


@transaction.atomic
def question_answer(*, actor, question: Question, answer: str, public_text: str = "") -> Question:
    lock_procedure(question.procedure_id)
    question = locked(Question, question.pk)
    require(actor, procedure_policy, "edit", question.procedure)
    if question.is_published:
        raise DomainError(f"Q{question.number} is already published to all bidders; its answer cannot change.")
    if not (answer or "").strip():
        raise ValidationError({"answer": "Write the answer."})
    question.answer, question.public_text = answer.strip(), (public_text or "").strip()
    question.answered_by, question.answered_at = actor, timezone.now()
    model_save(question, actor=actor, reason="Answered")
    return question


@transaction.atomic
def question_publish(*, actor, question: Question) -> Question:
    """Publish the answer to every bidder; what is published never names the bidder who asked."""
    lock_procedure(question.procedure_id)
    question = locked(Question, question.pk)
    require(actor, procedure_policy, "edit", question.procedure)
    if question.is_published:
        return question
    if not question.answer.strip():
        raise DomainError(f"Answer Q{question.number} before publishing it.")
    question.published_at, question.published_by = timezone.now(), actor
    attribute(question, actor=actor, reason="Published to all bidders")
    question.save(update_fields=["published_at", "published_by", "updated_at"])
    return question
