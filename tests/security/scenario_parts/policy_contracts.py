"""Scenario attributes for the contracts policy pages and contract corrections (issue 21)."""

from decimal import Decimal
from functools import cached_property  # noqa: F401


class PolicyContractsScenario:
    @cached_property
    def raci_activity(self):
        """An activity of the negotiated contract's RACI matrix that may be removed before the kickoff."""
        return self.contract.raci_activities.get(name="Train users")

    @cached_property
    def contract_attendee(self):
        """Someone on the negotiated contract's kickoff list (the kickoff not held)."""
        from contracts import services
        from tests.factories.accounts import UserFactory

        user = UserFactory(username="right-attendee")
        return services.kickoff_attendee_add(actor=self.lead, kickoff=self.contract.kickoff, user=user, role="other")

    @cached_property
    def disputed_invoice(self):
        """An invoice of the live contract disputed by its business owner (Accountable for approving payments)."""
        from django.utils import timezone

        from contracts import services
        from contracts.services.payments import invoice_dispute

        invoice = services.invoice_record(actor=self.manager, contract=self.live, number="INV-DISPUTED",
                                          amount=Decimal("250"), received_on=timezone.localdate())
        return invoice_dispute(actor=self.owner, invoice=invoice, reason="Billed for seats we never had")
