"""The URL policy of the bidders' portal and of the internal pages of issue 20, merged into url_policy.POLICY.

Portal pages are asked by every bidder identity of the scenario (tests/security/portal_world.py: bidder_aurora on
both portal procedures, bidder_borealis on the first, bidder_cumulus on the second, bidder_epsilon an unsuccessful
bidder of procedure B), by every staff identity (each role, the procedures' own lead and a superuser), anonymously
and as the right bidder deactivated. A bidder reaches what belongs to their own vendor's bids and nothing else:
404 for a procedure they are not invited to, for another bidder's notice, for a document asked through another
procedure. Staff get 404 on every portal page (they have the internal pages), anonymous visitors the sign-in page.

A page keyed by a procedure shows each invited bidder their own bid, so two bidders of one procedure both get
through; the matrix then searches what each bidder was shown for the other bidders' names, sign-ins and
questions (Scenario.bidder_secrets): one found is a cross-bidder view.

Every internal URL (everything outside /portal/, /accounts/logout/ and /accounts/password/) answers a signed-in
bidder 404 (procurement.bidders.BidderConfinementMiddleware), and every API call with a bidder's bearer token
404 (procurement.api.auth); test_url_matrix asks them all as bidder_aurora.
"""

from tests.security.url_policy import AUD, GET, GET_POST, LEADS, POST, P, Rule, act, read

BIDDERS = frozenset({"bidder_aurora", "bidder_borealis", "bidder_cumulus"})
ALL_BIDDERS = BIDDERS | {"bidder_epsilon"}


def _kw(procedure_attr: str, more: dict):
    def build(s):
        return {"reference": getattr(s, procedure_attr).reference,
                **{k: (v(s) if callable(v) else v) for k, v in more.items()}}

    return build


def P1(**more):  # noqa: N802 - the first portal procedure (Aurora, Borealis)
    return _kw("portal_open", more)


def P2(**more):  # noqa: N802 - the second portal procedure (Aurora, Cumulus)
    return _kw("portal_second", more)


def PB(**more):  # noqa: N802 - procedure B (approved memo, debriefs): bidder_epsilon lost
    return _kw("approved_procedure", more)


def _document(key):
    return lambda s: s.portal.documents[key].pk


def _notice(key, vendor):
    return lambda s: s.portal.notices[(key, vendor)].pk


def _token(s):
    return {"token": s.portal.pending_token}


def _evidence_kind(s):
    """An item of the due-diligence plan of every bidder's vendor (all are tiered low)."""
    from vendors.models import Tier
    from vendors.selectors import tier_obligations

    return sorted(tier_obligations(Tier.LOW).required_evidence_kinds)[0]


def _item(key, vendor):
    return lambda s: s.portal.items[(key, vendor)].pk


def bidder(kwargs, right: str, *, also=(), methods=GET, **extra) -> Rule:
    """A portal page: `right` and the bidders in `also` get through; every other signed-in identity 404."""
    return Rule(kwargs=kwargs, right=right, methods=methods, acts=frozenset(also), others=404, **extra)


def nobody(kwargs, right: str = "bidder_aurora", *, methods=GET) -> Rule:
    """A portal URL that names something its procedure does not hold: 404 to everyone signed in, the right
    bidder included; anonymous visitors are still sent to sign in first."""
    return Rule(kwargs=kwargs, right=right, methods=methods, others=404,
                answers={identity: 404 for identity in ("right", *ALL_BIDDERS)})


PORTAL: dict = {
    # an invitation link, not yet used, for a new contact of Cumulus: whoever opens it signed out gets the sign-up
    # page; anyone signed in (staff, another vendor's bidder, another Cumulus contact) is refused with 403
    "portal:accept": Rule(kwargs=_token, right="bidder_cumulus", methods=GET_POST,
                          answers={"anonymous": "ok", "inactive": "ok", "*": 403}),
    "portal:home": bidder(None, "bidder_aurora", also=ALL_BIDDERS),
    "portal:procedure": [
        bidder(P1(), "bidder_aurora", also={"bidder_borealis"}),
        bidder(P2(), "bidder_cumulus", also={"bidder_aurora"}),
    ],
    "portal:rfp_document": [
        bidder(P1(document_id=_document("first")), "bidder_aurora", also={"bidder_borealis"}),
        nobody(P2(document_id=_document("first"))),  # the first procedure's document through the second
    ],
    "portal:qa": [
        bidder(P1(), "bidder_aurora", also={"bidder_borealis"}, methods=GET_POST),
        bidder(P2(), "bidder_cumulus", also={"bidder_aurora"}, methods=GET_POST),
    ],
    # the sealed bid: each bidder of a procedure their own; an item only through its own bid and procedure
    "portal:submission": [
        bidder(P1(), "bidder_borealis", also={"bidder_aurora"}),
        bidder(P2(), "bidder_cumulus", also={"bidder_aurora"}),
    ],
    "portal:submission_add": [
        bidder(P1(), "bidder_aurora", also={"bidder_borealis"}, methods=GET_POST),
        bidder(P2(), "bidder_cumulus", also={"bidder_aurora"}, methods=GET_POST),
    ],
    "portal:submission_replace": [
        bidder(P1(item_id=_item("first", "aurora")), "bidder_aurora", methods=GET_POST),
        nobody(P2(item_id=_item("first", "aurora")), methods=GET_POST),
    ],
    "portal:submission_remove": [
        bidder(P1(item_id=_item("first", "aurora")), "bidder_aurora", methods=GET_POST),
        bidder(P1(item_id=_item("first", "borealis")), "bidder_borealis", methods=GET_POST),
        nobody(P2(item_id=_item("first", "aurora")), methods=GET_POST),
    ],
    "portal:submission_submit": [
        bidder(P1(), "bidder_aurora", also={"bidder_borealis"}, methods=GET_POST),
        bidder(P2(), "bidder_cumulus", also={"bidder_aurora"}, methods=GET_POST),
    ],
    "portal:submission_withdraw": [
        bidder(P1(), "bidder_borealis", also={"bidder_aurora"}, methods=GET_POST),
        bidder(P2(), "bidder_cumulus", also={"bidder_aurora"}, methods=GET_POST),
    ],
    "portal:price": [
        bidder(P1(), "bidder_borealis", also={"bidder_aurora"}, methods=GET_POST),
        bidder(P2(), "bidder_cumulus", also={"bidder_aurora"}, methods=GET_POST),
    ],
    "portal:diligence": bidder(None, "bidder_cumulus", also=ALL_BIDDERS),
    "portal:diligence_answers": bidder(None, "bidder_cumulus", also=ALL_BIDDERS, methods=POST),
    "portal:diligence_upload": bidder(lambda s: {"kind": _evidence_kind(s)}, "bidder_cumulus", also=ALL_BIDDERS,
                                      methods=POST),
    "portal:notices": [
        bidder(P1(), "bidder_aurora", also={"bidder_borealis"}),
        bidder(P2(), "bidder_cumulus", also={"bidder_aurora"}),
    ],
    "portal:notice_detail": [
        bidder(P1(notice_id=_notice("first", "aurora")), "bidder_aurora"),
        bidder(P1(notice_id=_notice("first", "borealis")), "bidder_borealis"),
        bidder(P2(notice_id=_notice("second", "cumulus")), "bidder_cumulus"),
        nobody(P2(notice_id=_notice("first", "aurora"))),  # Aurora's notice, asked through the wrong procedure
    ],
    "portal:notice_acknowledge": [
        bidder(P1(notice_id=_notice("first", "aurora")), "bidder_aurora", methods=POST),
        bidder(P1(notice_id=_notice("first", "borealis")), "bidder_borealis", methods=POST),
        nobody(P2(notice_id=_notice("first", "aurora")), methods=POST),
    ],
    # Epsilon's debrief was sent (Scenario.epsilon_debrief); nobody else has a bid in procedure B
    "portal:debrief": bidder(PB(), "bidder_epsilon"),
    "portal:debrief_acknowledge": bidder(PB(), "bidder_epsilon", methods=POST),
}

# --- the internal pages of issue 20 (staff; bidders get 404 from the confinement middleware) ---------------------
# The portal procedures are led by the scenario's lead: other leads and auditors read them, and are refused actions.


def _bid(procedure, vendor):
    return lambda s: s.portal.bid(procedure, vendor).pk


def _vendor_aurora(s):
    return s.portal.self_report.vendor_id


def VA(**more):  # noqa: N802 - Aurora, the vendor whose contact sent tiering answers
    return lambda s: {"pk": _vendor_aurora(s), **{k: (v(s) if callable(v) else v) for k, v in more.items()}}


def _report(s):
    return s.portal.self_report.pk


VENDOR_LEAD = {"sees": AUD, "acts": LEADS}  # any procurement lead runs the vendor registry

INTERNAL: dict = {
    # invitations, RFP documents, clarifications, answers (awards.views.invitations)
    "awards:bidder_invite": act(P1(pk=_bid("first", "aurora"))),
    "awards:bidder_invitation_revoke": act(P2(pk=lambda s: s.portal.pending_invitation.pk)),
    "awards:rfp_document_add": act(P1()),
    "awards:rfp_document_download": read(P1(pk=_document("first"))),
    "awards:rfp_document_withdraw": act(P1(pk=_document("first"))),
    "awards:bidder_clarification": act(P1()),
    "awards:questions_publish": act(P1()),
    "awards:bidder_notices": read(P1()),
    # the bid opening: everyone who sees the procedure reads; the lead starts; only a named witness confirms
    # (the second procedure's opening waits for the lead and the business owner; other leads and auditors see it
    # and are refused, 403)
    "awards:opening": [read(P1()), read(P2())],
    "awards:opening_start": [act(P1()), act(P2())],
    "awards:opening_confirm": [act(P2()), act(P2(), "owner", sees=AUD | LEADS)],
    "awards:opening_record": [read(P1()), read(P2())],
    # price: volume assumptions on the first portal procedure; the price formula and a recorded bid's price
    # schedule on procedure A (recorded proposals, shortlisted)
    "awards:price_assumption_add": act(P1()),
    "awards:price_assumption_edit": act(P1(pk=lambda s: s.portal.assumption.pk)),
    "awards:price_assumption_remove": act(P1(pk=lambda s: s.portal.assumption.pk)),
    "awards:bid_price": act(P(pk=lambda s: s.bid.pk)),
    "awards:scorecard_price": act(P()),
    # tiering answers from the vendor (vendors.views.self_report): whoever sees the vendor reads; leads decide
    "vendors:self_reports": read(VA(), sees=AUD | LEADS),
    "vendors:self_report_detail": read(VA(report_id=_report), sees=AUD | LEADS),
    "vendors:self_report_adopt": act(VA(report_id=_report), methods=POST, **VENDOR_LEAD),
    "vendors:self_report_set_aside": act(VA(report_id=_report), methods=POST, **VENDOR_LEAD),
}

assert not set(INTERNAL) & set(PORTAL)
PORTAL.update(INTERNAL)
