"""Writes on the Q&A log: questions received, answers, anonymised publication."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from awards.models import AwardProcedure, Bid, Question
from awards.models.procedure import Stage, Submission
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
    """Publish the answer to every bidder; what is published never names the bidder who asked. Every invited
    bidder is told through the portal (a notice of kind "answers", once per publication)."""
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
    _tell_bidders_answers(actor=actor, procedure=question.procedure, questions=[question])  # issue 20
    return question


# --- the bidders' portal (issue 20) --------------------------------------------------------------------------

QUESTION_MAX_CHARS = 4000


@transaction.atomic
def question_ask(*, actor, bid: Bid, text: str) -> Question:
    """A bidder asks a question through the portal, for their own bid (the caller fetched `bid` through
    awards.portal.access). Taken while the RFP is out, until the end of the question deadline's day; after that
    the portal refuses it with a sentence (a late question can still reach the lead by other means, and the lead
    may log it with `question_record`, where it is flagged late). The lead is told."""
    from awards.portal.access import bidder_bids
    from procurement.notifications.services import notify

    procedure = lock_procedure(bid.procedure_id)
    if not bidder_bids(actor).filter(pk=bid.pk).exists():
        raise PermissionDenied("You may ask questions only for your own bid.")
    bid = locked(Bid, bid.pk)
    if bid.status == Bid.Status.DECLINED:
        raise DomainError("Your organisation declined to bid in this procedure, so questions are no longer taken.")
    if procedure.stage != Stage.RFP_ISSUED:
        raise DomainError(f"Questions are taken only while the RFP is out; {procedure.reference} is "
                          f"{procedure.get_stage_display().lower()}.")
    today = timezone.localdate()
    if procedure.question_deadline is not None and today > procedure.question_deadline:
        raise DomainError(f"The deadline for questions was {procedure.question_deadline:%d %b %Y}; the portal no "
                          "longer takes them. If it is urgent, write to the procurement lead.")
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Write your question."})
    if len(text) > QUESTION_MAX_CHARS:
        raise ValidationError({"text": f"Keep the question to {QUESTION_MAX_CHARS} characters (this one has "
                                       f"{len(text)}); ask several questions if needed."})
    number = Question.objects.filter(procedure=procedure).count() + 1
    question = Question(procedure=procedure, number=number, bid=bid, text=text, received_at=timezone.now(),
                        late=False, recorded_by=actor)
    model_save(question, actor=actor, reason="Question asked through the bidders' portal")
    notify(recipient=procedure.lead, kind="bidder_question", key=f"bidder_question:{question.pk}",
           subject=f"{procedure.reference}: question Q{number} from {bid.vendor}",
           body=f"{text}\n\nAnswer it, then publish the answer to every bidder, on the procedure's page.",
           target=procedure)
    return question


def _tell_bidders_answers(*, actor, procedure: AwardProcedure, questions: list[Question]) -> None:
    """One notice per bid for a publication (one or several answers published together), keyed by the
    questions it carries, so publishing again tells nobody twice."""
    from awards.services.bidder_notices import bidder_notice_publish

    if not questions or procedure.submission != Submission.PORTAL:
        return  # bidders of a procedure run outside the portal have no portal to read it in
    numbers = ", ".join(f"Q{q.number}" for q in questions)
    parts = [f"Q{q.number}. {q.published_question}\n\nAnswer: {q.answer}" for q in questions]
    body = (f"New answers to bidders' questions in {procedure.reference} “{procedure.title}”. Which bidder asked "
            "is never shown.\n\n" + "\n\n---\n\n".join(parts))
    key = "answers:" + "-".join(str(q.pk) for q in questions)
    subject = f"Answer published: {numbers}" if len(questions) == 1 else f"Answers published: {numbers}"
    bidder_notice_publish(actor=actor, procedure=procedure, kind="answers", subject=subject, body=body, key=key)


@transaction.atomic
def questions_publish(*, actor, procedure: AwardProcedure, questions) -> list[Question]:
    """Publish several answered questions together; every invited bidder gets one notice carrying them all.
    Questions already published are left as they are (and not announced again)."""
    procedure = lock_procedure(procedure.pk)
    require(actor, procedure_policy, "edit", procedure)
    published = []
    for question in sorted(questions, key=lambda q: q.number):
        if question.procedure_id != procedure.pk:
            raise ValidationError({"questions": f"Q{question.number} is not a question of {procedure.reference}."})
        question = locked(Question, question.pk)
        if question.is_published:
            continue
        if not question.answer.strip():
            raise DomainError(f"Answer Q{question.number} before publishing it.")
        question.published_at, question.published_by = timezone.now(), actor
        attribute(question, actor=actor, reason="Published to all bidders")
        question.save(update_fields=["published_at", "published_by", "updated_at"])
        published.append(question)
    _tell_bidders_answers(actor=actor, procedure=procedure, questions=published)
    return published
