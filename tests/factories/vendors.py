import factory

from procurement.accounts.roles import Role
from tests.factories.accounts import UserFactory
from vendors.models import AiActRole, OfferingType, Vendor


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor

    legal_name = factory.Sequence(lambda n: f"Vendor {n} Ltd")
    trading_name = factory.Sequence(lambda n: f"Vendor {n}")
    country = "GB"
    offering_type = OfferingType.AI_SAAS
    ai_act_role = AiActRole.PROVIDER
    data_categories = factory.LazyFunction(lambda: ["personal"])
    owner = factory.SubFactory(UserFactory, roles=[Role.PROCUREMENT_LEAD])
