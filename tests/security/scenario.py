"""One world in which every URL of Baton resolves to a real object, built lazily through the factories and the
services: a vendor with all its children, a procedure whose memo waits for sign-off, a procedure whose memo was
approved (debriefs, documents), and a contract opened from that memo with its negotiation records.

People are named by what they are to the objects ("the right person" for a URL is one of them); the identities
without any relation are made separately by the matrix (one fresh user per role).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from functools import cached_property

from django.utils import timezone

from procurement.accounts.roles import Role
from tests.factories.accounts import TEST_PASSWORD, UserFactory
from tests.security.scenario_parts.builder import BuilderScenario
from tests.security.scenario_parts.lists import ListsScenario
from tests.security.scenario_parts.people import PeopleScenario
from tests.security.scenario_parts.policy_awards_vendors import PolicyAwardsVendorsScenario
from tests.security.scenario_parts.policy_contracts import PolicyContractsScenario
from tests.security.scenario_parts.setup import SetupScenario
from tests.security.scenario_parts.templates import TemplatesScenario


class Scenario(BuilderScenario, SetupScenario, TemplatesScenario, PolicyAwardsVendorsScenario,
               PolicyContractsScenario, ListsScenario, PeopleScenario):
    """Attributes build on first use, so a URL only pays for the objects its kwargs need."""

    # --- the people with a relation ---------------------------------------------------------------------
    @cached_property
    def lead(self):
        return UserFactory(username="right-lead", roles=[Role.PROCUREMENT_LEAD])

    @cached_property
    def owner(self):
        return UserFactory(username="right-owner", roles=[Role.BUSINESS_OWNER])

    @cached_property
    def approvers(self):
        from tests.factories.memos import EC, PM, RC, committee

        first = UserFactory(username="right-approver", roles=[Role.COMMITTEE_APPROVER])
        second = UserFactory(username="right-approver-2", roles=[Role.COMMITTEE_APPROVER])
        committee(PM, first, second, quorum=2)
        committee(RC, quorum=1)
        committee(EC, quorum=1)
        return first, second

    @property
    def approver(self):
        return self.approvers[0]

    @cached_property
    def manager(self):
        return UserFactory(username="right-manager", roles=[Role.POST_AWARD_MANAGER])

    @property
    def evaluator(self):
        """An evaluator assigned to procedure A, cleared on every bid, with a submitted score sheet."""
        return self.shortlist.evaluators[0]

    @cached_property
    def auditor(self):
        return UserFactory(username="right-auditor", roles=[Role.AUDITOR])

    @cached_property
    def policy_admin(self):
        """The policy administrator (issue 21): the right person for every policy table's page."""
        return UserFactory(username="right-policy-admin", roles=[Role.POLICY_ADMINISTRATOR])

    @cached_property
    def superuser(self):
        return UserFactory(username="right-admin", is_staff=True, is_superuser=True)

    @cached_property
    def risk_owner(self):
        return UserFactory(username="right-risk-owner", roles=[Role.COMMITTEE_APPROVER])

    # --- vendors --------------------------------------------------------------------------------------------
    @cached_property
    def vendor(self):
        from tests.factories.vendors import VendorFactory

        return VendorFactory(owner=self.lead)

    @cached_property
    def evidence(self):
        from tests.factories.vendors import EvidenceFactory

        return EvidenceFactory(vendor=self.vendor)

    @cached_property
    def risk(self):
        from tests.factories.vendors import RiskFactory

        return RiskFactory(vendor=self.vendor, owner=self.risk_owner)

    @cached_property
    def contact(self):
        from vendors import services

        return services.contact_add(actor=self.lead, vendor=self.vendor, name="Dana Ops", role="Account manager",
                                    email="dana@vendor.example")

    @cached_property
    def subprocessor(self):
        from vendors import services

        return services.subprocessor_add(actor=self.lead, vendor=self.vendor, name="Cloud Host",
                                         purpose="Hosting", location="DE")

    @cached_property
    def grant(self):
        from vendors import services

        viewer = UserFactory(username="granted-viewer", roles=[Role.BUSINESS_OWNER])
        return services.vendor_grant_view(actor=self.lead, vendor=self.vendor, user=viewer)

    # --- procedure A: shortlisted, its memo waiting for sign-off --------------------------------------------
    @cached_property
    def shortlist(self):
        from tests.factories.memos import shortlisted_procedure

        self.approvers  # noqa: B018 - the committees exist before the memo is routed
        return shortlisted_procedure(lead=self.lead, business_owner=self.owner, value=Decimal("50000"),
                                     vendor_names=("Alpha Models", "Beta Speech", "Gamma Cloud"))

    @property
    def procedure(self):
        return self.shortlist.procedure

    @property
    def bid(self):
        return self.shortlist.bids[0]

    @cached_property
    def memo(self):
        from awards import services
        from tests.factories.memos import written_memo

        return services.memo_submit(actor=self.lead, memo=written_memo(self.shortlist))

    @cached_property
    def requirement(self):
        return self.procedure.requirements.first()

    @cached_property
    def document(self):
        return self.bid.documents.first()

    @cached_property
    def question(self):
        from awards.models import Question

        return Question.objects.create(procedure=self.procedure, number=1, bid=self.bid, text="EU hosting?",
                                       received_at=self.bid.submitted_at, recorded_by=self.lead)

    @cached_property
    def pov_criterion(self):
        from awards.models.pov import PovCriterion, PovProtocol

        protocol, _ = PovProtocol.objects.get_or_create(bid=self.bid)
        return PovCriterion.objects.create(protocol=protocol, metric="Accuracy", comparator="gte",
                                           threshold=Decimal("85"), unit="%", test_set="200 tickets")

    @cached_property
    def declaration(self):
        from awards.models import ConflictDeclaration

        return ConflictDeclaration.objects.filter(bid=self.bid).order_by("pk").first()

    @property
    def scorecard(self):
        return self.procedure.scorecard

    @cached_property
    def group(self):
        return self.scorecard.groups.order_by("pk").first()

    @cached_property
    def criterion(self):
        from awards.models.scorecard import Criterion

        return Criterion.objects.filter(scorecard=self.scorecard).order_by("pk").first()

    @cached_property
    def knockout(self):
        return self.scorecard.knockouts.order_by("pk").first()

    @cached_property
    def sheet(self):
        from awards.models.scorecard import ScoreSheet

        return ScoreSheet.objects.filter(scorecard=self.scorecard).order_by("pk").first()

    # --- procedure B: memo approved by its committee, debriefs open ----------------------------------------
    @cached_property
    def approved(self):
        """(shortlist, memo) of a second procedure whose memo the two approvers signed."""
        from awards import services
        from tests.factories.memos import shortlisted_procedure, written_memo

        approvers = self.approvers
        shortlist = shortlisted_procedure(lead=self.lead, business_owner=self.owner, value=Decimal("50000"),
                                          vendor_names=("Delta Vision", "Epsilon Text", "Zeta Voice"))
        memo = services.memo_submit(actor=self.lead, memo=written_memo(shortlist))
        for person in approvers:
            services.signoff_record(actor=person, memo=memo, decision="approve", password=TEST_PASSWORD)
        memo.refresh_from_db()
        return shortlist, memo

    @property
    def approved_memo(self):
        return self.approved[1]

    @property
    def approved_procedure(self):
        return self.approved[0].procedure

    @cached_property
    def debrief(self):
        from awards.models import Debrief

        return Debrief.objects.filter(memo=self.approved_memo).order_by("pk").first()

    # --- the contract opened from procedure B's memo --------------------------------------------------------
    @cached_property
    def contract(self):
        from tests.factories.contracts import open_contract

        return open_contract(lead=self.lead, manager=self.manager, memo=self.approved_memo)

    @cached_property
    def clause(self):
        return self.contract.clauses.order_by("pk").first()

    @cached_property
    def feedback(self):
        from contracts import services

        return services.feedback_add(actor=self.manager, position=self.clause, topic="reporting",
                                     body="Monthly model change reports, please.")

    @cached_property
    def contract_scenario(self):
        from contracts import services

        return services.scenario_create(actor=self.lead, contract=self.contract, kind="insolvency", likelihood=2,
                                        impact=5)

    @cached_property
    def issue(self):
        from contracts import services

        return services.issue_create(actor=self.lead, contract=self.contract, title="Service credits",
                                     priority="high")

    @cached_property
    def action(self):
        from contracts import services

        return services.kickoff_action_add(actor=self.lead, kickoff=self.contract.kickoff, description="Send draft",
                                           owner=self.lead, due_date=timezone.localdate() + timedelta(days=7))

    @cached_property
    def checklist_item(self):
        return self.contract.checklist.order_by("pk").first()

    @cached_property
    def pack(self):
        """The handoff pack's document row, rendered (READY)."""
        from contracts import services
        from procurement.documents.models import RenderedDocument
        from procurement.documents.services import document_render

        services.pack_request(actor=self.lead, contract=self.contract)  # PENDING: on_commit does not run here
        document = RenderedDocument.objects.filter(object_id=self.contract.pk, kind="contract_handoff_pack").latest(
            "pk")
        document_render(document_id=document.pk)
        document.refresh_from_db()
        return document

    # --- a live contract after signature (post-award records) and one being exited ---------------------------
    @cached_property
    def live(self):
        """An active contract managed by `manager`, owned by `owner` (the RACI's Accountable for change orders)."""
        from tests.factories.contracts import active_contract

        return active_contract(lead=self.lead, manager=self.manager, owner=self.owner)

    @cached_property
    def milestone(self):
        """A milestone of the live contract, delivered and accepted with an evidence file."""
        from django.core.files.base import ContentFile

        from contracts import services
        from tests.factories.contracts import milestone

        m = milestone(self.live, actor=self.lead, acceptance_criteria="95% of claims routed",
                      test_method="Replay of last month's claims", tester=self.manager)
        services.milestone_deliver(actor=self.manager, milestone=m, reason="Build handed over")
        return services.milestone_decide(actor=self.manager, milestone=m, accept=True, note="96% routed",
                                         upload=ContentFile(b"%PDF-1.4\n% acceptance\n", name="acceptance.pdf"))

    @cached_property
    def invoice(self):
        from contracts import services

        return services.invoice_record(actor=self.manager, contract=self.live, number="INV-1", amount=Decimal("1000"),
                                       received_on=timezone.localdate())

    @cached_property
    def change_order(self):
        from contracts import services

        return services.change_order_raise(actor=self.manager, contract=self.live, title="More seats",
                                           reason="scope", description="Add the claims team.",
                                           cost_impact=Decimal("5000"))

    @cached_property
    def kpi(self):
        from contracts import services

        return services.kpi_add(actor=self.manager, contract=self.live, name="Latency p95", unit="ms",
                                direction="at_most", threshold=Decimal("800"))

    @cached_property
    def incident(self):
        from contracts import services

        now = timezone.now()
        return services.incident_record(actor=self.manager, contract=self.live, kind="outage", title="EU region down",
                                        occurred_at=now - timedelta(hours=3), detected_at=now - timedelta(hours=3))

    @cached_property
    def exiting(self):
        from contracts import services
        from tests.factories.contracts import active_contract

        contract = active_contract(lead=self.lead, manager=self.manager, owner=self.owner)
        return services.exit_start(actor=self.manager, contract=contract, reason="Moving to an in-house model")

    @cached_property
    def exit_step(self):
        return self.exiting.exit_steps.order_by("pk").first()

    # --- vendor follow-ups, notifications, the calendar feed --------------------------------------------------
    @cached_property
    def vendor_task(self):
        from vendors.services.monitoring import _open_task

        return _open_task(vendor=self.vendor, kind="reassessment", title="Reassess the tier", reason="matrix test",
                          assignee=self.lead, actor=self.lead)

    @cached_property
    def notification(self):
        """A notification addressed to the manager."""
        from procurement.notifications.services import notify

        return notify(recipient=self.manager, kind="pack_ready", key="security-matrix",
                      subject="A handoff pack is ready", url="/")

    @cached_property
    def feed_token(self):
        """The manager's secret calendar address token."""
        from procurement.notifications.services import calendar_feed_issue

        return calendar_feed_issue(actor=self.manager)

    # --- the bidders' portal (issue 20) ----------------------------------------------------------------------
    @cached_property
    def portal(self):
        """Two portal procedures with their RFP out (questions open, proposals due ahead) and three bidder
        identities of three vendors: Aurora bids on both, Borealis on the first, Cumulus on the second.
        Built through the services; the bidders' accounts come from tests.factories.portal (accepted
        invitations as rows)."""
        from tests.security.portal_world import build_portal

        return build_portal(lead=self.lead, owner=self.owner)

    @property
    def portal_open(self):
        return self.portal.first

    @property
    def portal_second(self):
        return self.portal.second

    @property
    def bidder_aurora(self):
        return self.portal.bidders["bidder_aurora"]

    @property
    def bidder_borealis(self):
        return self.portal.bidders["bidder_borealis"]

    @property
    def bidder_cumulus(self):
        return self.portal.bidders["bidder_cumulus"]

    @cached_property
    def bidder_epsilon(self):
        """A contact of Epsilon Text, an unsuccessful bidder of procedure B (approved memo, debriefs)."""
        from tests.factories.portal import bidder_for

        return bidder_for(self.epsilon_debrief.bid, username="bidder-epsilon")

    @cached_property
    def epsilon_debrief(self):
        """Epsilon Text's debrief in procedure B, written and sent to the portal by the lead."""
        from awards.models import Debrief
        from awards.services.debrief import debrief_send, debrief_update

        debrief = Debrief.objects.get(memo=self.approved_memo, bid__vendor__trading_name="Epsilon Text")
        debrief = debrief_update(actor=self.lead, debrief=debrief, held_on=None, strengths="Clear pricing.",
                                 weaknesses="Accuracy below the winner's.", advice="Show EU hosting evidence.")
        debrief_send(actor=self.lead, debrief=debrief)
        return debrief

    def bidder_secrets(self, identity: str) -> list[str]:
        """Strings a bidder's portal pages must never contain: what belongs to the other bidders (for Epsilon, an
        unsuccessful bidder of procedure B, also the name of B's other unsuccessful bidder: the winner is named,
        as an award notice must name who is to be awarded the contract)."""
        found = self.portal.secrets_hidden_from(identity)
        if identity == "bidder_epsilon":
            found += ["Zeta Voice"]
        return found
