"""Setting a procedure up without friction (issue 21): several vendors invited at once, evaluators by criterion
group, undoing an assignment or a declaration with a reason.

The many-vendor invitation and the many-evaluator assignment answer the existing `awards:bid_invite` and
`awards:evaluator_assign` (awards.views.procedure); this module adds the pages that change or undo them.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404
from django.urls import path

from awards import selectors
from awards.forms.setup import ReviseDeclarationForm, SetGroupsForm, UnassignForm
from awards.models import ConflictDeclaration
from awards.services import evaluators as evaluator_services
from awards.views.procedure import _anchored, action_page, procedure_for_request, procedure_groups


@login_required
def evaluator_groups(request, reference, pk):
    procedure = procedure_for_request(request, reference, "edit")
    assignment = get_object_or_404(selectors.assigned_evaluators(procedure), pk=pk)
    return action_page(
        request, SetGroupsForm,
        lambda form: evaluator_services.evaluator_set_groups(actor=request.user, assignment=assignment,
                                          groups=form.cleaned_data["groups"], reason=form.cleaned_data["reason"]),
        procedure=procedure, title=f"Criterion groups of {assignment.evaluator}", submit="Save the groups",
        intro="Scores already submitted stay: a group in which this evaluator has submitted scores cannot be taken "
              "away. Draft scores in a group taken away are removed (the history keeps them).",
        success=_anchored(procedure, "evaluators"), done=f"Criterion groups of {assignment.evaluator} saved.",
        form_kwargs={"groups": procedure_groups(procedure),
                     "initial": {"groups": [g.pk for g in assignment.groups.all()]}})


@login_required
def evaluator_unassign(request, reference, pk):
    procedure = procedure_for_request(request, reference, "edit")
    assignment = get_object_or_404(selectors.assigned_evaluators(procedure), pk=pk)
    return action_page(
        request, UnassignForm,
        lambda form: evaluator_services.evaluator_unassign(actor=request.user, assignment=assignment,
                                        reason=form.cleaned_data["reason"]),
        procedure=procedure, title=f"Unassign {assignment.evaluator}", submit="Unassign", danger=True,
        intro="Their unsubmitted scores are removed (the history keeps them, with your reason). A submitted score "
              "sheet stays in the record and the decision record, marked with the reason. They lose access to "
              "this procedure; assigning them again brings their row back.",
        success=_anchored(procedure, "evaluators"), done=f"{assignment.evaluator} unassigned.")


@login_required
def coi_revise(request, reference, pk):
    procedure = procedure_for_request(request, reference)
    declaration = get_object_or_404(
        ConflictDeclaration.objects.filter(assignment__procedure=procedure, assignment__evaluator=request.user)
        .select_related("assignment__evaluator", "bid__vendor"), pk=pk)
    return action_page(
        request, ReviseDeclarationForm,
        lambda form: evaluator_services.conflict_revise(actor=request.user, declaration=declaration,
                                     has_conflict=form.cleaned_data["conflict"] == "yes",
                                     description=form.cleaned_data["description"],
                                     reason=form.cleaned_data["reason"]),
        procedure=procedure, title=f"Revise your declaration: {declaration.bid.vendor}", submit="Revise",
        intro=f"In force: {declaration.get_review_display()}"
              f"{' — ' + declaration.description if declaration.description else ''}. The revision becomes a new "
              "version; this one is kept in the record. A conflict goes to the procurement lead's review, and "
              "you cannot score the bid until it is accepted.",
        success=_anchored(procedure, "my-declarations"), done=f"Declaration for {declaration.bid.vendor} revised.",
        form_kwargs={"initial": {"conflict": "yes" if declaration.has_conflict else "no",
                                 "description": declaration.description}})


P = "<str:reference>/"

urls = [
    path(P + "evaluators/<int:pk>/groups/", evaluator_groups, name="evaluator_groups"),
    path(P + "evaluators/<int:pk>/unassign/", evaluator_unassign, name="evaluator_unassign"),
    path(P + "declarations/<int:pk>/revise/", coi_revise, name="coi_revise"),
]
