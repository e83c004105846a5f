"""Issue 17, finding 19: the exit runbook (steps with owners, data return, deletion evidence, model and data
portability) is written before activation, activation is refused until it is complete, and the exit carries out
the runbook already written."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from contracts import services
from contracts.models import Contract, ExitRunbook, ExitStep
from contracts.services.exit import EXIT_STEPS
from procurement.exceptions import InvalidTransition
from tests.factories.contracts import held_kickoff, make_active

pytestmark = pytest.mark.django_db

PARTS = {
    "data_return_method": "Full export as JSON lines over SFTP within 30 days; our data team reconciles counts.",
    "deletion_evidence": "Deletion certificate signed by the vendor's security officer, backups included.",
    "model_portability": "Prompts, evaluation sets and adapter weights in open formats.",
    "data_portability": "Embeddings as Parquet with the embedding model named.",
}


def owners(user):
    return {key: user for key, *_ in EXIT_STEPS}


def ready_to_activate(contract, *, lead, manager):
    """Kickoff held, signed, every transition checklist item done: only the runbook is left."""
    held_kickoff(contract, lead=lead, manager=manager)
    services.contract_transition(actor=lead, contract=contract, status="signed", reason="Signed")
    for item in contract.checklist.all():
        services.checklist_item_update(actor=manager, item=item, done_on=timezone.localdate())
    return Contract.objects.get(pk=contract.pk)


def test_finding_19_activation_is_refused_until_the_runbook_is_written(contract, lead, manager):
    """Before, ticking "Exit runbook drafted" on the checklist was enough to go live with no runbook at all."""
    contract = ready_to_activate(contract, lead=lead, manager=manager)
    history = contract.history.count()

    with pytest.raises(InvalidTransition, match="exit runbook is complete") as refused:
        services.contract_transition(actor=lead, contract=contract, status="active", reason="Go live")

    assert "The exit runbook has not been written." in str(refused.value)
    contract.refresh_from_db()
    assert contract.status == "signed" and contract.history.count() == history
    assert not ExitRunbook.objects.exists() and not ExitStep.objects.exists()

    services.exit_runbook_write(actor=manager, contract=contract, step_owners=owners(manager), **PARTS)
    contract = services.contract_transition(actor=lead, contract=contract, status="active", reason="Go live")
    assert contract.status == "active"


def test_finding_19_an_incomplete_runbook_is_refused_field_by_field_and_nothing_is_written(contract, manager):
    """A runbook without its deletion evidence or with an ownerless step is refused, with the field named."""
    missing_owner = owners(manager) | {"certified-deletion": None}

    with pytest.raises(ValidationError) as refused:
        services.exit_runbook_write(actor=manager, contract=contract, step_owners=missing_owner,
                                    **(PARTS | {"deletion_evidence": "   "}))

    errors = refused.value.message_dict
    assert set(errors) == {"deletion_evidence", "owner_certified-deletion"}
    assert not ExitRunbook.objects.exists() and not ExitStep.objects.exists()


def test_finding_19_a_runbook_whose_step_owner_left_blocks_activation(contract, lead, manager, make_user):
    """Completeness is judged at activation: a step owner deactivated since the runbook was written is a gap."""
    from procurement.accounts.roles import Role

    leaver = make_user(Role.POST_AWARD_MANAGER)
    contract = ready_to_activate(contract, lead=lead, manager=manager)
    services.exit_runbook_write(actor=manager, contract=contract,
                                step_owners=owners(manager) | {"data-return": leaver}, **PARTS)
    leaver.is_active = False
    leaver._change_reason = "test: left the company"
    leaver.save()

    with pytest.raises(InvalidTransition, match="is no longer active"):
        services.contract_transition(actor=lead, contract=contract, status="active", reason="Go live")
    contract.refresh_from_db()
    assert contract.status == "signed"


def test_finding_19_the_exit_carries_out_the_runbook_written_before_activation(contract, lead, manager):
    """Before, starting the exit wrote a fresh default runbook; now it dates the steps already planned."""
    services.exit_runbook_write(actor=manager, contract=contract, step_owners=owners(lead),
                                step_days={"data-return": 14}, **PARTS)
    planned = {s.key: s.pk for s in contract.exit_steps.all()}
    make_active(contract)

    contract = services.exit_start(actor=manager, contract=contract, reason="Moving in-house")

    steps = {s.key: s for s in contract.exit_steps.all()}
    assert {key: s.pk for key, s in steps.items()} == planned  # the same rows, not a new runbook
    today = timezone.localdate()
    assert steps["data-return"].due_date == today + datetime.timedelta(days=14)
    assert steps["certified-deletion"].due_date == today + datetime.timedelta(days=60)  # the default timing
    assert {s.owner for s in steps.values()} == {lead}
    assert ExitRunbook.objects.get(contract=contract).deletion_evidence == PARTS["deletion_evidence"]


def test_finding_19_an_exit_without_a_runbook_is_refused_and_writes_nothing(contract, manager):
    """A live contract without a runbook (activated before this rule) cannot start a blank exit."""
    contract.status, contract._change_reason = Contract.Status.ACTIVE, "test: live before the rule"
    contract.save()

    with pytest.raises(InvalidTransition, match="exit runbook"):
        services.exit_start(actor=manager, contract=contract, reason="Leaving")

    contract.refresh_from_db()
    assert contract.status == "active" and not ExitStep.objects.exists()


def test_finding_19_the_runbook_cannot_be_rewritten_once_the_exit_runs(contract, manager):
    """During the exit its steps change one by one; the runbook itself is no longer rewritten."""
    make_active(contract)
    contract = services.exit_start(actor=manager, contract=contract, reason="Leaving")
    history = ExitRunbook.objects.get(contract=contract).history.count()

    with pytest.raises(InvalidTransition, match="during the exit"):
        services.exit_runbook_write(actor=manager, contract=contract, step_owners=owners(manager), **PARTS)
    assert ExitRunbook.objects.get(contract=contract).history.count() == history


def test_finding_19_the_runbook_page_shows_errors_next_to_fields_and_saves(client, contract, manager):
    """The runbook has a page of its own: a bad post answers 400 with the error at its field; a good one saves."""
    client.force_login(manager)
    url = reverse("contracts:exit_runbook", args=[contract.reference])
    assert client.get(url).status_code == 200
    post = {**PARTS, **{f"owner_{key}": manager.pk for key, *_ in EXIT_STEPS}}

    bad = client.post(url, post | {"model_portability": "", "days_data-return": "-3"})
    assert bad.status_code == 400
    form = bad.context["form"]
    assert set(form.errors) == {"model_portability", "days_data-return"}
    assert not ExitRunbook.objects.exists()

    good = client.post(url, post | {"days_data-return": "21"})
    assert good.status_code == 302
    runbook = ExitRunbook.objects.get(contract=contract)
    assert runbook.model_portability == PARTS["model_portability"] and runbook.written_by == manager
    assert contract.exit_steps.get(key="data-return").days_after_start == 21
    page = client.get(reverse("contracts:section", args=[contract.reference, "exit"])).content.decode()
    assert escape(PARTS["deletion_evidence"]) in page and "21 days after the exit starts" in page
