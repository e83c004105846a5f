import factory
from django.utils import timezone

from awards.models import AwardProcedure, Bid, EvaluatorAssignment, Requirement
from procurement.accounts.roles import Role
from tests.factories.accounts import UserFactory
from tests.factories.vendors import VendorFactory
from vendors.models import OfferingType, Tier


class AwardProcedureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AwardProcedure

    reference = factory.Sequence(lambda n: f"AP-2099-{n + 1:04d}")
    title = factory.Sequence(lambda n: f"AI procurement {n}")
    need_statement = "We need an AI assistant that answers customer questions from our knowledge base."
    business_owner = factory.SubFactory(UserFactory, roles=[Role.BUSINESS_OWNER])
    lead = factory.SubFactory(UserFactory, roles=[Role.PROCUREMENT_LEAD])
    category = OfferingType.AI_SAAS
    estimated_value = 250000
    currency = "EUR"
    term_months = 24
    submission = "recorded"  # the lead stores proposals; tests of sealed bids ask for "portal"


class RequirementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Requirement

    procedure = factory.SubFactory(AwardProcedureFactory)
    code = factory.Sequence(lambda n: f"R{n + 1}")
    title = factory.Sequence(lambda n: f"Requirement {n}")
    priority = Requirement.Priority.MUST


class BidFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bid

    procedure = factory.SubFactory(AwardProcedureFactory)
    vendor = factory.SubFactory(VendorFactory, tier=Tier.MEDIUM)
    invited_by = factory.SelfAttribute("procedure.lead")
    invited_at = factory.LazyFunction(timezone.now)
    vendor_tier = factory.SelfAttribute("vendor.tier")


class EvaluatorAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvaluatorAssignment

    procedure = factory.SubFactory(AwardProcedureFactory)
    evaluator = factory.SubFactory(UserFactory, roles=[Role.EVALUATOR])
    assigned_by = factory.SelfAttribute("procedure.lead")
