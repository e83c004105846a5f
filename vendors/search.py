"""Vendors in the global search (a source contributed through VendorsConfig.contributions)."""

from procurement.search import MAX_PER_SOURCE, Hit, terms_q


def find(user, terms):
    from vendors.policies import vendor_policy

    qs = (vendor_policy.visible(user).filter(terms_q(["legal_name", "trading_name"], terms))
          .order_by("legal_name")[:MAX_PER_SOURCE])
    return [Hit("Vendor", "", str(v), v.legal_name if v.trading_name else "", v.get_absolute_url()) for v in qs]
