"""Property (issue 21): a scorecard saved as a template and started again is the same scorecard — the same groups
and weights, criteria with their shares, guidance and effective weights, knockouts and scale."""

import itertools
import os

import pytest
from django.db import transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from awards import services
from awards import templates_defs as defs
from awards.models.scorecard import Knockout, Scorecard, ScorecardTemplate
from awards.services import templates as tpl
from procurement.accounts.roles import Role
from tests.factories.accounts import UserFactory
from tests.factories.awards import AwardProcedureFactory

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("BATON_PROPERTY_EXAMPLES", "8"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
_seq = itertools.count()
words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=1, max_size=24).map(str.strip).filter(bool)


@st.composite
def definitions(draw):
    """A valid scorecard definition: 1–4 groups whose weights (two decimals) sum to 100, 1–3 criteria each."""
    n = draw(st.integers(1, 4))
    cuts = sorted(draw(st.lists(st.integers(1, 9999), min_size=n - 1, max_size=n - 1, unique=True)))
    bounds = [0, *cuts, 10000]
    weights = [(bounds[i + 1] - bounds[i]) / 100 for i in range(n)]
    groups, key = [], itertools.count()
    for g, weight in enumerate(weights):
        criteria = [{"key": f"c{next(key)}", "name": draw(words), "description": draw(st.sampled_from(["", "d"])),
                     "guidance": draw(st.sampled_from(["", "0 none\n5 all"])),
                     "share": draw(st.sampled_from([1, 2, 3, 0.5, 12.25]))}
                    for _ in range(draw(st.integers(1, 3)))]
        groups.append({"key": f"g{g}", "name": draw(words), "weight": int(weight) if weight == int(weight) else weight,
                       "criteria": criteria})
    knockouts = [{"key": f"k{i}", "name": draw(words), "description": "", "kind": kind,
                  "standards": ["iso_42001"] if kind == Knockout.Kind.ATTESTATION else [],
                  "horizon_months": draw(st.integers(0, 120))}
                 for i, kind in enumerate(draw(st.lists(st.sampled_from(Knockout.Kind.values), max_size=3)))]
    return {"scale": draw(st.integers(1, 10)), "groups": groups, "knockouts": knockouts}


class Rollback(Exception):
    pass


@SETTINGS
@given(definition=definitions())
def test_a_scorecard_saved_as_a_template_and_started_again_is_the_same(definition):
    assert defs.scorecard_problems(definition) == []
    try:
        with transaction.atomic():
            n = next(_seq)
            lead = UserFactory(username=f"rt-lead-{n}", roles=[Role.PROCUREMENT_LEAD])
            procedure = AwardProcedureFactory(lead=lead)
            original = services.scorecard_create(actor=lead, procedure=procedure,
                                                 template=ScorecardTemplate(name="Generated", definition=definition))
            # when: saved as a template, then a new procedure started from that template
            saved = tpl.scorecard_template_save(actor=lead, scorecard=original, name=f"Round trip {n}", reason="")
            started = tpl.procedure_start(actor=lead, title="Again", business_owner=procedure.business_owner,
                                          estimated_value=1, source=saved, category="ai_saas", term_months=12,
                                          currency="EUR", need_statement="Again.")
            again = Scorecard.objects.get(procedure=started)
            # then: the same definition at every step, and the same effective weights
            assert saved.definition == defs.definition_of_scorecard(original)
            assert defs.definition_of_scorecard(again) == saved.definition
            assert defs.effective_weights(defs.definition_of_scorecard(again)) == defs.effective_weights(definition)
            assert _normalised(saved.definition) == _normalised(definition)
            assert (again.template_name, again.template_version) == (saved.name, 1)
            raise Rollback
    except Rollback:
        pass


def _normalised(definition):
    """Numbers compared by value (2 and 2.0 are the same weight)."""
    from decimal import Decimal

    def norm(value):
        if isinstance(value, dict):
            return {k: norm(v) for k, v in value.items()}
        if isinstance(value, list):
            return [norm(v) for v in value]
        if isinstance(value, int | float) and not isinstance(value, bool):
            return Decimal(str(value)).normalize()
        return value

    return norm(definition)
