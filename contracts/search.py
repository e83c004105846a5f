"""Contracts in the global search (a source contributed through ContractsConfig.contributions)."""

from procurement.search import MAX_PER_SOURCE, Hit, terms_q


def find(user, terms):
    from contracts.policies import contract_policy

    qs = (contract_policy.visible(user).filter(terms_q(["reference", "title", "vendor__legal_name"], terms))
          .order_by("-reference")[:MAX_PER_SOURCE])
    return [Hit("Contract", c.reference, c.title, c.get_status_display(), c.get_absolute_url()) for c in qs]
