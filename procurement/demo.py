"""Demo users, one per role (and more evaluators and approvers, so the relay can be played in full: one signature
counts for one committee, so a critical-tier award needs five different approvers)."""

from datetime import date

from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import timezone

from procurement.accounts.models import User
from procurement.accounts.roles import Role

DEMO_USERS: tuple[tuple[str, str, str, str | None], ...] = (
    # username, full name, job title, role
    ("lead", "Lena Okafor", "Head of Technology Procurement", Role.PROCUREMENT_LEAD),
    ("evaluator", "Evan Marsh", "ML Platform Engineer", Role.EVALUATOR),
    ("evaluator2", "Ines Duarte", "Information Security Architect", Role.EVALUATOR),
    ("evaluator3", "Tomas Berg", "Customer Support Operations Lead", Role.EVALUATOR),
    ("approver", "Amara Chen", "Chief Risk Officer", Role.COMMITTEE_APPROVER),
    ("approver2", "Rafael Moreno", "Finance Director", Role.COMMITTEE_APPROVER),
    ("approver3", "Kwame Mensah", "Procurement Manager", Role.COMMITTEE_APPROVER),
    ("approver4", "Nadia Haddad", "Chief Operating Officer", Role.COMMITTEE_APPROVER),
    ("approver5", "Jonas Weber", "Chief Executive Officer", Role.COMMITTEE_APPROVER),
    ("manager", "Priya Nair", "Post-award Contract Manager", Role.POST_AWARD_MANAGER),
    ("owner", "Owen Fletcher", "Director of Customer Support", Role.BUSINESS_OWNER),
    ("auditor", "Grace Adeyemi", "Internal Audit Manager", Role.AUDITOR),
    ("policy-admin", "Sofia Lindqvist", "Procurement Policy Manager", Role.POLICY_ADMINISTRATOR),
)


def seed(stdout) -> dict[str, User]:
    users: dict[str, User] = {}
    for username, full_name, title, role in DEMO_USERS:
        first, last = full_name.split(" ", 1)
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, first_name=first, last_name=last, job_title=title,
                        email=f"{username}@baton.example")
            user.set_password(settings.BATON_DEMO_PASSWORD)
            user._change_reason = "Demo data"
            user.save()
        if role:
            user.groups.add(Group.objects.get(name=role))
        users[username] = user
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        admin = User(username="admin", first_name="Site", last_name="Administrator", is_staff=True,
                     is_superuser=True, email="admin@baton.example")
        admin.set_password(settings.BATON_DEMO_PASSWORD)
        admin._change_reason = "Demo data"
        admin.save()
    users["admin"] = admin
    stdout.write(f"Demo users ready ({len(users)}); password for all: {settings.BATON_DEMO_PASSWORD}")
    return users


# Demo exchange rates (base-currency units per unit), oldest first: months before today -> rate. The demo
# procedures are priced in the base currency (EUR) and need none; these give the exchange-rates page a history.
DEMO_RATES: dict[str, tuple[tuple[int, str], ...]] = {
    "USD": ((14, "0.9350"), (5, "0.9180"), (1, "0.9240")),
    "GBP": ((14, "1.1610"), (5, "1.1790"), (1, "1.1725")),
}


def seed_rates(admin, stdout) -> None:
    """Record the demo rates through the service, as the administrator (a currency that has any rate is left)."""
    from procurement.exchange_rates import exchange_rate_record
    from procurement.models import ExchangeRate

    today = timezone.localdate()
    for currency, rates in DEMO_RATES.items():
        if ExchangeRate.objects.filter(currency=currency).exists():
            continue
        for months_ago, rate in rates:
            year, month = divmod(today.year * 12 + today.month - 1 - months_ago, 12)
            exchange_rate_record(actor=admin, currency=currency, rate=rate, valid_from=date(year, month + 1, 1),
                                 source="Demo: monthly reference rate", reason="Demo data")
    stdout.write(f"Exchange rates ready ({ExchangeRate.objects.count()}).")


def seed_step(*, users: dict, stdout) -> None:
    """The first step of `seed_demo` (ProcurementConfig.contributions): the people every later step uses, and
    the exchange rates."""
    users.update(seed(stdout))
    seed_rates(users["admin"], stdout)
