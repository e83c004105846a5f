"""Award procedures and decision memos in the global search (sources contributed through AwardsConfig)."""

from procurement.search import MAX_PER_SOURCE, Hit, terms_q


def procedures(user, terms):
    from awards.policies import procedure_policy

    qs = (procedure_policy.visible(user).filter(terms_q(["reference", "title"], terms))
          .order_by("-reference")[:MAX_PER_SOURCE])
    return [Hit("Award procedure", p.reference, p.title, p.get_stage_display(), p.get_absolute_url()) for p in qs]


def memos(user, terms):
    from awards.policies import memo_policy

    qs = (memo_policy.visible(user).filter(terms_q(["title", "procedure__reference", "procedure__title"], terms))
          .select_related("procedure").order_by("-procedure__reference")[:MAX_PER_SOURCE])
    return [Hit("Decision memo", m.procedure.reference, m.title, m.get_status_display(), m.get_absolute_url())
            for m in qs]
