"""Portal pages: questions and answers (issue 20). The bidder sees their own questions with where each stands,
and every published answer of the procedure in its published wording: never who asked, never another bidder's
unpublished question."""

from __future__ import annotations

from django import forms
from django.urls import path, reverse

from awards.portal.access import bidder_required, portal_bid_or_404, portal_own_questions, portal_published_answers
from awards.portal.home import qa_open
from awards.services.qa import QUESTION_MAX_CHARS, question_ask
from procurement.posting import handle_form


class QuestionForm(forms.Form):
    text = forms.CharField(label="Your question", max_length=QUESTION_MAX_CHARS,
                           widget=forms.Textarea(attrs={"rows": 6}),
                           help_text="The procurement lead answers every bidder at once; the published wording "
                                     "never says who asked.")


def own_status(question) -> str:
    if question.is_published:
        return "Answered and published to every bidder"
    if question.answered_at:
        return "Answered; waiting to be published"
    return "Received; not answered yet"


@bidder_required
def qa(request, reference):
    bid = portal_bid_or_404(request.user, reference)
    own = [(question, own_status(question)) for question in portal_own_questions(bid)]
    context = {"bid": bid, "portal_procedure": bid.procedure, "own": own,
               "answers": list(portal_published_answers(bid)), "qa_open": qa_open(bid.procedure)}
    return handle_form(
        request, QuestionForm, lambda form: question_ask(actor=request.user, bid=bid, text=form.cleaned_data["text"]),
        template="portal/qa/qa.html", context=context, success=reverse("portal:qa", args=[reference]),
        done=lambda question: f"Your question was received as Q{question.number}.")


urlpatterns: list = [
    path("procedures/<str:reference>/questions/", qa, name="qa"),
]
