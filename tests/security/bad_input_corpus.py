"""The bad-input corpus: every form Baton serves, and what is thrown at it.

A `Target` is one form page: who submits it, its URL, a valid submission (`base`) and how the page answers a
refusal (`expect`):
  "form"    the form comes back with an error at the field (or at the top, for "__all__");
  "cell"    the htmx scoring cell answers with its error line;
  "preview" an import answers with its preview listing what is wrong;
  "price"   a price schedule page (staff or portal) answers with the error at the line, the currency or the top.
A `Case` takes the target's valid submission and spoils one part of it. `Inert` cases are accepted on purpose
(hostile HTML in a narrative is text, not an error) and the page that shows the text must render it inert.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from tests.factories.accounts import TEST_PASSWORD
from tests.security.world import World

DROP = object()  # remove the key from the valid submission

# --- values ---------------------------------------------------------------------------------------------------

HUGE_LINE = "A" * 20_000
NUL = "Acme\x00 Ltd"
BELL = "Acme\x07 Ltd"
ESCAPE = "\x1b[31mAcme Ltd"
RLO = "Quarterly report\u202egpj.exe"
ISOLATE = "Acme \u2066Ltd\u2069"
SCRIPT = "<script>alert('baton')</script><img src=x onerror=\"alert('baton')\"><a href=\"javascript:alert(1)\">x</a>"
FORMULA = "=cmd|' /C calc'!A0"
UNESCAPED = ("<script>alert('baton')", "<img src=x onerror", 'href="javascript:')


def day(offset: int = 0) -> str:
    return (timezone.localdate() + timedelta(days=offset)).isoformat()


# --- files ----------------------------------------------------------------------------------------------------

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64 + b"This program cannot be run"
HTML = b"<!doctype html><html><script>alert(1)</script></html>"
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 64


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes | Callable[[], bytes]

    def make(self):
        from django.core.files.uploadedfile import SimpleUploadedFile

        data = self.content() if callable(self.content) else self.content
        return SimpleUploadedFile(self.name, data, content_type="application/pdf")


def _xlsx(rows: list[list]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv(text: str) -> bytes:
    return text.encode("utf-8")


VENDOR_HEADER = "legal_name,trading_name,website,country,offering_type,ai_act_role,data_categories,description,owner"

DISGUISED = {
    "exe renamed .pdf": Upload("report.pdf", EXE),
    "ELF binary as .pdf": Upload("report.pdf", ELF),
    "HTML page as .png": Upload("logo.png", HTML),
    "PDF named .exe": Upload("report.exe", PDF),
    "double extension .pdf.exe": Upload("report.pdf.exe", EXE),
    "path traversal name": Upload("../../etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n"),
    "windows path traversal": Upload("..\\..\\windows\\win.ini", b"[fonts]\n"),
    "right-to-left override in name": Upload("invoice\u202efdp.exe", EXE),
    "empty file": Upload("empty.pdf", b""),
    "no extension": Upload("report", PDF),
}


# --- targets --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    user: str
    url: Callable[[World], str]
    base: Callable[[World], dict]
    expect: str = "form"
    show: Callable[[World], str] | None = None
    htmx: bool = False
    two_step: bool = False  # a valid upload answers with a preview to confirm, not a redirect
    refused_status: int = 400  # Baton's forms answer a refusal with 400 (procurement.posting.handle_form)


def _ref(name, attr):
    return lambda w: reverse(name, args=[getattr(w, attr).reference])


def _vendor_url(name, *extra):
    return lambda w: reverse(name, args=[w.vendor.pk, *[f(w) for f in extra]])


def _bid_url(name):
    return lambda w: reverse(name, args=[w.rfp.reference, w.rfp_bid.pk])


def _contract_url(name, *extra):
    return lambda w: reverse(name, args=[w.contract.reference, *[f(w) for f in extra]])


def _tiering_answers(w):
    from vendors import tiering

    return {str(q.code): q.answers[0][0] for q in tiering.QUESTIONS}


def _memo_base(w):
    memo = type(w.memo).objects.get(pk=w.memo.pk)
    return {"title": memo.title, "decision_date": memo.decision_date.isoformat(),
            "contract_value": str(memo.contract_value), "recommended_bid": memo.recommended_bid_id,
            "recommendation": memo.recommendation, "walk_away": memo.walk_away, "revision": memo.revision}


def _contract_base(w):
    c = w.contract
    return {"title": c.title, "value": str(c.value), "currency": c.currency, "start_date": day(0),
            "end_date": day(700), "renewal": "Twelve months", "notice_period_days": "90",
            "negotiation_lead": c.negotiation_lead_id, "post_award_manager": w.manager.pk}


def _filled_sheet(w) -> bytes:
    """The evaluator's own sheet, as downloaded from the scoring page, with one score filled in."""
    import openpyxl
    from django.test import Client

    client = Client()
    client.force_login(w.evaluator)
    download = client.get(reverse("awards:scoring_sheet_export", args=[w.evaluation.reference]))
    book = openpyxl.load_workbook(io.BytesIO(download.content))
    sheet = book["Scores"] if "Scores" in book.sheetnames else book.worksheets[0]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=header.index("Score") + 1, value=3)
    sheet.cell(row=2, column=header.index("Rationale") + 1, value="Seen in the demo")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _portal(name):
    return lambda w: reverse(name, args=[w.portal.reference])


PORTAL_KIND = "dpa"  # an item of the low tier's due-diligence plan (vendors migration 0003)
# a valid price schedule as the portal's price page posts it: two rows, saved (sealed)
PRICE_ROWS = {"currency": "EUR", "rows": "2", "action": "save",
              "kind-0": "one_off", "label-0": "Onboarding", "amount-0": "12000", "period-0": "", "assumption-0": "",
              "kind-1": "usage", "label-1": "Tokens", "amount-1": "2.50", "period-1": "", "assumption-1": "tokens"}

vendor_detail = _vendor_url("vendors:detail")
contract_detail = _contract_url("contracts:detail")
contract_negotiation = _contract_url("contracts:section", lambda w: "negotiation")  # the page's sections
contract_delivery = _contract_url("contracts:section", lambda w: "delivery")

TARGETS: dict[str, Target] = {
    # vendors
    "vendor_create": Target("lead", lambda w: reverse("vendors:create"), lambda w: {
        "legal_name": "Corpus Newco Ltd", "trading_name": "Newco", "website": "https://newco.example",
        "country": "IE", "offering_type": "ai_saas", "ai_act_role": "provider", "data_categories": ["personal"],
        "description": "Summarises claims.", "owner": w.lead.pk}, show=lambda w: reverse("vendors:list")),
    "vendor_edit": Target("lead", _vendor_url("vendors:edit"), lambda w: {
        "legal_name": w.vendor.legal_name, "trading_name": "Corpus", "website": "https://corpus.example",
        "country": "GB", "offering_type": "ai_saas", "ai_act_role": "provider", "data_categories": ["personal"],
        "description": "Models.", "owner": w.lead.pk}, show=vendor_detail),
    "vendor_tiering": Target("lead", _vendor_url("vendors:tiering"), _tiering_answers),
    "tier_override": Target("lead", _vendor_url("vendors:tier_override"),
                            lambda w: {"tier": "high", "reason": "Board decision"}),
    "evidence_upload": Target("lead", _vendor_url("vendors:evidence_upload"), lambda w: {
        "title": "SOC 2 report", "kind": "security_certification", "source": "independent",
        "effective_date": day(-10), "valid_until": day(300), "file": Upload("soc2.pdf", PDF)}),
    "evidence_review": Target("lead", _vendor_url("vendors:evidence_review", lambda w: w.evidence.pk),
                              lambda w: {"review_outcome": "accepted", "review_notes": ""}),
    "attestation_create": Target("lead", _vendor_url("vendors:attestation_create"), lambda w: {
        "standard": "iso_27001", "other_standard": "", "issuer": "Cert Body", "scope": "Hosting",
        "issued_on": day(-100), "expires_on": day(600), "evidence": ""}, show=vendor_detail),
    "risk_create": Target("lead", _vendor_url("vendors:risk_create"), lambda w: {
        "title": "Model drift", "category": "model_change", "description": "Outputs change.", "context": "",
        "inherent_likelihood": "3", "inherent_impact": "4", "residual_likelihood": "2", "residual_impact": "2",
        "mitigations": "Pin versions.", "owner": w.lead.pk, "review_date": day(90)}, show=vendor_detail),
    "risk_edit": Target("lead", _vendor_url("vendors:risk_edit", lambda w: w.risk.pk), lambda w: {
        "title": w.risk.title, "category": "security", "description": "", "context": "",
        "inherent_likelihood": "3", "inherent_impact": "4", "residual_likelihood": "1", "residual_impact": "2",
        "mitigations": "", "owner": w.lead.pk, "review_date": day(90)}, show=vendor_detail),
    "contact_add": Target("lead", _vendor_url("vendors:contact_add"), lambda w: {
        "contact-name": "Ada Contact", "contact-role": "Account manager", "contact-email": "ada@corpus.example",
        "contact-phone": "+353 1 555 0100"}, show=vendor_detail),
    "subprocessor_add": Target("lead", _vendor_url("vendors:subprocessor_add"), lambda w: {
        "sub-name": "Cloud Host", "sub-purpose": "Hosting", "sub-location": "IE"}, show=vendor_detail),
    "access_grant": Target("lead", _vendor_url("vendors:access_grant"),
                           lambda w: {"grant-username": w.owner.username}),
    "vendor_status": Target("lead", _vendor_url("vendors:status", lambda w: "active"),
                            lambda w: {"reason": "Due diligence done"}),
    "vendor_import": Target("lead", lambda w: reverse("vendors:import"), lambda w: {
        "file": Upload("vendors.csv", _csv(f"{VENDOR_HEADER}\nImported Ltd,,https://imp.example,IE,ai_saas,"
                                           "provider,personal,Imported,\n"))}, expect="preview"),
    # award procedures
    "procedure_create": Target("lead", lambda w: reverse("awards:procedure_create"), lambda w: {
        "title": "Speech to text", "need_statement": "Transcribe calls.", "business_owner": w.owner.pk,
        "category": "ai_saas", "estimated_value": "120000", "currency": "EUR", "term_months": "24",
        "single_source_justification": "", "submission": "portal"}),
    "procedure_edit": Target("lead", _ref("awards:procedure_edit", "draft"), lambda w: {
        "title": w.draft.title, "need_statement": "A need.", "business_owner": w.owner.pk, "category": "ai_saas",
        "estimated_value": "300000", "currency": "EUR", "term_months": "24", "single_source_justification": "",
        "submission": "recorded"}, show=lambda w: w.draft.get_absolute_url()),
    "procedure_timeline": Target("lead", _ref("awards:procedure_timeline", "draft"), lambda w: {
        "rfp_issue_date": day(1), "question_deadline": day(10), "proposals_due": day(20), "demo_start": day(25),
        "demo_end": day(30), "target_award_date": day(45)}),
    "procedure_cancel": Target("lead", _ref("awards:procedure_cancel", "draft"), lambda w: {"reason": "No budget"}),
    "requirement_add": Target("lead", _ref("awards:requirement_add", "draft"), lambda w: {
        "title": "Works offline", "priority": "should", "description": "On the factory floor."},
        show=lambda w: w.draft.get_absolute_url()),
    "requirement_edit": Target("lead", lambda w: reverse("awards:requirement_edit",
                                                         args=[w.draft.reference, w.requirement.pk]),
                               lambda w: {"title": "Answers in Irish", "priority": "should", "description": ""},
                               show=lambda w: w.draft.get_absolute_url()),
    "bid_invite": Target("lead", _ref("awards:bid_invite", "draft"), lambda w: {"vendor": w.vendor.pk}),
    "document_add": Target("lead", _bid_url("awards:document_add"),
                           lambda w: {"title": "Proposal", "file": Upload("proposal.pdf", PDF)}),
    "reference_add": Target("lead", lambda w: reverse("awards:reference_add", args=[w.evaluation.reference,
                                                                                     w.eval_bid.pk]), lambda w: {
        "source": "independent", "organisation": "Other Bank", "contact_role": "CIO", "checked_on": day(-2),
        "rating": "4", "findings": "Reliable."}, show=lambda w: w.eval_bid.get_absolute_url()),
    "pov_criterion_add": Target("lead", _bid_url("awards:pov_criterion_add"), lambda w: {
        "metric": "Latency", "comparator": "lte", "threshold": "2.5", "unit": "s", "test_set": "50 calls"},
        show=lambda w: w.rfp_bid.get_absolute_url()),
    "question_add": Target("lead", _ref("awards:question_add", "rfp"), lambda w: {
        "bid": w.rfp_bid.pk, "text": "Do you train on our data?"}, show=lambda w: w.rfp.get_absolute_url()),
    "question_answer": Target("lead", lambda w: reverse("awards:question_answer", args=[w.rfp.reference,
                                                                                         w.question.pk]),
                              lambda w: {"public_text": "", "answer": "Yes, in the EU."},
                              show=lambda w: w.rfp.get_absolute_url()),
    "evaluator_assign": Target("lead", _ref("awards:evaluator_assign", "draft"), lambda w: {
        "evaluators": w.evaluator.pk}),
    "coi_declare": Target("evaluator", lambda w: reverse("awards:coi_declare", args=[w.evaluation.reference,
                                                                                      w.undeclared_bid.pk]),
                          lambda w: {"conflict": "no", "description": ""}),
    # scorecard and scoring
    "group_add": Target("lead", _ref("awards:scorecard_group_add", "draft"),
                        lambda w: {"name": "Security", "weight": "0", "reason": ""}),
    "scorecard_lock": Target("lead", _ref("awards:scorecard_lock", "draft"), lambda w: {}),
    "criterion_add": Target("lead", _ref("awards:scorecard_criterion_add", "draft"), lambda w: {
        "name": "Latency", "group": w.draft.scorecard.groups.order_by("pk").first().pk, "share": "1",
        "description": "", "guidance": "", "reason": ""}),
    "knockout_add": Target("lead", _ref("awards:scorecard_knockout_add", "draft"), lambda w: {
        "name": "EU hosting", "description": "", "kind": "manual", "horizon_months": "12", "reason": ""}),
    "score_cell": Target("evaluator", _ref("awards:scoring_cell", "evaluation"), lambda w: {
        "bid": w.eval_bid.pk, "criterion": w.eval_criterion.pk, "value": "3", "rationale": "Seen in the demo"},
        expect="cell", htmx=True),
    "sheet_import": Target("evaluator", _ref("awards:scoring_sheet_import", "evaluation"),
                           lambda w: {"file": Upload("scores.xlsx", _filled_sheet(w))}, two_step=True),
    "consensus": Target("lead", lambda w: reverse("awards:results_consensus", args=[
        w.evaluation.reference, w.eval_bid.pk, w.eval_criterion.pk]), lambda w: {"note": "Agreed", "score": "3"}),
    "shortlist": Target("lead", lambda w: reverse("awards:results_shortlist", args=[
        w.evaluation.reference, w.eval_bid.pk]), lambda w: {"decision": "shortlisted", "reason": "Strong"}),
    # decision memo
    "memo_edit": Target("lead", _ref("awards:memo_edit", "memo"), _memo_base,
                        show=lambda w: reverse("awards:memo_detail", args=[w.memo.reference])),
    "memo_sign": Target("approver", _ref("awards:memo_sign", "memo"), lambda w: {
        "decision": "approve", "comment": "", "password": TEST_PASSWORD, "confirm": "on"}),
    # contracts
    "contract_open": Target("lead", lambda w: reverse("contracts:open"), lambda w: {
        "memo": w.spare_memo.pk, "title": "", "post_award_manager": w.manager.pk}),
    "contract_edit": Target("lead", _contract_url("contracts:edit"), _contract_base),
    "kickoff_edit": Target("lead", _contract_url("contracts:kickoff_edit"), lambda w: {
        "meeting_date": day(7), "goals": "Pin the model version.", "known_risks": "", "operational_realities": "",
        "timeline": "", "walk_away_conditions": "", "minutes": ""}, show=contract_negotiation),
    "attendee_add": Target("lead", _contract_url("contracts:attendee_add"),
                           lambda w: {"user": w.manager.pk, "role": "post_award_manager"}),
    "action_add": Target("lead", _contract_url("contracts:action_add"), lambda w: {
        "description": "Send the DPA", "owner": w.lead.pk, "due_date": day(5)}, show=contract_negotiation),
    "clause_edit": Target("lead", _contract_url("contracts:clause_edit", lambda w: w.clause.pk), lambda w: {
        "target": "Cap at 12 months of fees", "fallback": "18 months", "walk_away": "Uncapped",
        "vendor_position": "", "owner": "", "agreed_summary": ""}, show=contract_negotiation),
    "feedback_add": Target("manager", _contract_url("contracts:feedback_add", lambda w: w.clause.pk),
                           lambda w: {"topic": "reporting", "body": "Monthly report please."},
                           show=contract_negotiation),
    "feedback_respond": Target("lead", _contract_url("contracts:feedback_respond", lambda w: w.feedback.pk),
                               lambda w: {"response": "Added.", "resolve": "on"}, show=contract_negotiation),
    "scenario_add": Target("lead", _contract_url("contracts:scenario_add"), lambda w: {
        "kind": "price_increase", "description": "List price rises", "likelihood": "3", "impact": "3",
        "contingency": "Price cap", "clauses": []}, show=contract_negotiation),
    "raci_activity_add": Target("lead", _contract_url("contracts:raci_activity_add"),
                                lambda w: {"name": "Run the QBR", "accountable": "post_award_manager"}),
    "issue_add": Target("lead", _contract_url("contracts:issue_add"), lambda w: {
        "title": "Data residency", "description": "EU only", "priority": "medium"}, show=contract_negotiation),
    "issue_resolve": Target("lead", _contract_url("contracts:issue_resolve", lambda w: w.issue.pk), lambda w: {
        "resolution": "Cap at 12 months", "conceded": "", "in_return": ""}, show=contract_negotiation),
    "milestone_add": Target("lead", _contract_url("contracts:milestone_add"), lambda w: {
        "title": "Go live", "due_date": day(60), "payment_amount": "10000"}, show=contract_delivery),
    "checklist_item": Target("lead", _contract_url("contracts:checklist_item", lambda w: w.checklist_item.pk),
                             lambda w: {"owner": w.manager.pk, "done_on": day(0)}),
    "contract_transition": Target("lead", _contract_url("contracts:transition", lambda w: "closed"),
                                  lambda w: {"reason": "Talks ended"}),
    # the bidders' portal (issue 20): the bidder's own forms, and the lead's portal forms
    "portal_question": Target("bidder", _portal("portal:qa"), lambda w: {"text": "Is EU hosting offered?"},
                              show=_portal("portal:qa")),
    "portal_file": Target("bidder", _portal("portal:submission_add"), lambda w: {
        "title": "Technical proposal", "file": Upload("proposal.pdf", PDF)}),
    "portal_price": Target("bidder", _portal("portal:price"), lambda w: dict(PRICE_ROWS), expect="price"),
    "portal_answers": Target("bidder", lambda w: reverse("portal:diligence_answers"),
                             lambda w: {f"tiering-{k}": v for k, v in _tiering_answers(w).items()}),
    "portal_evidence": Target("bidder", lambda w: reverse("portal:diligence_upload", args=[PORTAL_KIND]), lambda w: {
        f"{PORTAL_KIND}-title": "Data processing agreement", f"{PORTAL_KIND}-effective_date": day(-10),
        f"{PORTAL_KIND}-valid_until": "", f"{PORTAL_KIND}-file": Upload("dpa.pdf", PDF)}),
    "rfp_document_add": Target("lead", _portal("awards:rfp_document_add"), lambda w: {
        "title": "Annex B: service levels", "file": Upload("annex-b.pdf", PDF)}),
    "bidder_clarification": Target("lead", _portal("awards:bidder_clarification"), lambda w: {
        "subject": "Hosting region", "body": "Hosting must stay in the EU.", "key": "corpus-clarification"},
        show=_portal("awards:bidder_notices")),
    "price_assumption_add": Target("lead", _portal("awards:price_assumption_add"), lambda w: {
        "label": "Images analysed", "unit": "image", "monthly_volume": "2500", "key": ""}),
    # the kernel
    "password_change": Target("lead", lambda w: reverse("password_change"), lambda w: {
        "old_password": TEST_PASSWORD, "new_password1": "a-Much-longer-passphrase-2026",
        "new_password2": "a-Much-longer-passphrase-2026"},
        refused_status=200),  # Django's own PasswordChangeView re-renders an invalid form with 200
}


# --- cases ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    target: str
    note: str
    data: dict = field(default_factory=dict)
    fields: tuple[str, ...] = ("__all__",)  # where the message must appear (any of them)
    prepare: Callable[[World], None] | None = None  # state the case needs, set up before the snapshot

    @property
    def id(self) -> str:
        return f"{self.target}: {self.note}"


def _reweigh(w: World, weight: str) -> None:
    """Change the first group's weight so the draft scorecard no longer adds up to 100."""
    from awards import services

    group = w.draft.scorecard.groups.order_by("position", "pk").first()
    services.group_update(actor=w.lead, group=group, name=group.name, weight=weight)


def bad(target: str, name: str, value, note: str, *, at: str | tuple[str, ...] | None = None) -> Case:
    where = at if isinstance(at, tuple) else (at or name,)
    return Case(target, note, {name: value}, where)


def text_field_cases(target: str, name: str, *, max_length: int | None = None, required: bool = True,
                     at: str | None = None) -> list[Case]:
    """The usual suspects for one text field: missing, too long, control characters, direction overrides."""
    cases = []
    if required:
        cases.append(bad(target, name, "   ", f"{name} blank", at=at))
    if max_length:
        cases.append(bad(target, name, HUGE_LINE[: max_length * 10], f"{name} too long", at=at))
    cases += [bad(target, name, NUL, f"{name} with NUL", at=at),
              bad(target, name, BELL, f"{name} with BEL", at=at),
              bad(target, name, RLO, f"{name} with right-to-left override", at=at)]
    return cases


def date_cases(target: str, name: str, *, at: str | None = None) -> list[Case]:
    return [bad(target, name, "2026-02-30", f"{name} 30 February", at=at),
            bad(target, name, "tomorrow", f"{name} not a date", at=at),
            bad(target, name, "99999-01-01", f"{name} five-digit year", at=at)]


def file_cases(target: str, name: str = "file", *, extra: dict | None = None, at: str | None = None) -> list[Case]:
    """`at`: the form's own name for the field when the page prefixes it (a prefixed form's errors are keyed by
    the unprefixed name)."""
    return [Case(target, f"{name}: {note}", {name: upload, **(extra or {})}, (at or name, "__all__"))
            for note, upload in DISGUISED.items()]


CASES: list[Case] = [
    # --- vendors ---
    *text_field_cases("vendor_create", "legal_name", max_length=200),
    bad("vendor_create", "legal_name", ESCAPE, "legal_name with ESC"),
    bad("vendor_create", "legal_name", ISOLATE, "legal_name with bidi isolate"),
    bad("vendor_create", "legal_name", "Corpus Models Ltd", "duplicate legal name"),
    bad("vendor_create", "country", "Ireland", "country not a code"),
    bad("vendor_create", "country", "Z9", "country with a digit"),
    bad("vendor_create", "website", "javascript:alert(1)", "website javascript: URL"),
    bad("vendor_create", "website", "file:///etc/passwd", "website file: URL"),
    bad("vendor_create", "website", "not a url", "website not a URL"),
    bad("vendor_create", "offering_type", "spaceship", "offering type unknown"),
    bad("vendor_create", "ai_act_role", DROP, "AI Act role missing"),
    bad("vendor_create", "data_categories", ["personal", "plutonium"], "data category unknown"),
    bad("vendor_create", "owner", "999999", "owner does not exist"),
    bad("vendor_create", "owner", "abc", "owner not a number"),
    bad("vendor_edit", "legal_name", "", "legal_name emptied"),
    bad("vendor_edit", "country", "G", "country one letter"),
    bad("vendor_edit", "trading_name", RLO, "trading name with right-to-left override"),
    *[bad("vendor_tiering", "data_sensitivity", v, f"tiering answer {v!r}") for v in ("bogus", "", "<script>")],
    bad("vendor_tiering", "substitutability", DROP, "tiering question unanswered"),
    bad("tier_override", "tier", "platinum", "override to an unknown tier"),
    bad("tier_override", "reason", "", "override without a reason"),
    bad("tier_override", "reason", NUL, "override reason with NUL"),
    *file_cases("evidence_upload"),
    Case("evidence_upload", "file: oversized", {"file": Upload("big.pdf", lambda: PDF + b"0" * (25 * 1024 * 1024))},
         ("file", "__all__")),
    bad("evidence_upload", "file", DROP, "no file"),
    *date_cases("evidence_upload", "effective_date"),
    Case("evidence_upload", "valid until before effective date", {"effective_date": day(-10),
                                                                   "valid_until": day(-20)}, ("valid_until",)),
    bad("evidence_upload", "kind", "selfie", "evidence kind unknown"),
    bad("evidence_upload", "source", "rumour", "evidence source unknown"),
    *text_field_cases("evidence_upload", "title", max_length=200),
    bad("evidence_review", "review_outcome", "pending", "review back to pending"),
    bad("evidence_review", "review_outcome", "maybe", "review outcome unknown"),
    Case("evidence_review", "rejected without notes", {"review_outcome": "rejected", "review_notes": ""},
         ("review_notes",)),
    Case("attestation_create", "inverted dates", {"issued_on": day(10), "expires_on": day(-10)},
         ("expires_on", "__all__")),
    bad("attestation_create", "expires_on", "9999-12-31", "expires in year 9999"),
    bad("attestation_create", "issued_on", "0001-01-01", "issued in year 1"),
    bad("attestation_create", "expires_on", "not-a-date", "expiry not a date"),
    Case("attestation_create", "other standard unnamed", {"standard": "other", "other_standard": ""},
         ("other_standard", "__all__")),
    bad("attestation_create", "standard", "iso_9999", "standard unknown"),
    bad("attestation_create", "evidence", "999999", "evidence of nobody"),
    *[bad("risk_create", "inherent_likelihood", v, f"likelihood {v!r}") for v in ("0", "6", "-1", "abc", "3.5",
                                                                                 "1e3")],
    bad("risk_create", "residual_impact", "99999999999999999999", "impact absurdly large"),
    Case("risk_create", "residual above inherent", {"residual_likelihood": "5", "residual_impact": "5"},
         ("residual_likelihood", "residual_impact", "__all__")),
    *date_cases("risk_create", "review_date"),
    bad("risk_create", "owner", "999999", "risk owner unknown"),
    bad("risk_create", "category", "gossip", "risk category unknown"),
    *text_field_cases("risk_create", "title", max_length=200),
    bad("risk_edit", "inherent_impact", "7", "edited impact out of range"),
    bad("risk_edit", "title", "", "edited title emptied"),
    bad("contact_add", "contact-email", "not-an-email", "contact email invalid", at="email"),
    bad("contact_add", "contact-email", "a@b.c\u202e", "contact email with override", at="email"),
    bad("contact_add", "contact-name", "", "contact without a name", at="name"),
    bad("contact_add", "contact-name", NUL, "contact name with NUL", at="name"),
    bad("subprocessor_add", "sub-name", "", "subprocessor without a name", at="name"),
    bad("subprocessor_add", "sub-name", RLO, "subprocessor name with override", at="name"),
    bad("access_grant", "grant-username", "nobody-at-all", "grant to an unknown user", at="username"),
    bad("access_grant", "grant-username", "corpus-lead\x00", "grant username with NUL", at="username"),
    bad("vendor_status", "reason", "", "status change without a reason"),
    bad("vendor_status", "reason", BELL, "status reason with BEL"),
    # vendor import: wrong columns, formulas, disguised and damaged files
    *[Case("vendor_import", note, {"file": upload}, ("__all__",)) for note, upload in {
        "wrong columns": Upload("vendors.csv", _csv("name,colour\nAcme,blue\n")),
        "header only": Upload("vendors.csv", _csv(VENDOR_HEADER + "\n")),
        "formula in a cell": Upload("vendors.csv", _csv(f"{VENDOR_HEADER}\n{FORMULA},,,IE,ai_saas,provider,,,\n")),
        "formula with plus": Upload("vendors.csv", _csv(f"{VENDOR_HEADER}\n+SUM(A1:A9),,,IE,ai_saas,provider,,,\n")),
        "formula in xlsx": Upload("vendors.xlsx", _xlsx([VENDOR_HEADER.split(","),
                                                         [FORMULA, "", "", "IE", "ai_saas", "provider", "", "", ""]])),
        "unknown offering": Upload("vendors.csv", _csv(f"{VENDOR_HEADER}\nA Ltd,,,IE,rockets,provider,,,\n")),
        "duplicate rows": Upload("vendors.csv", _csv(f"{VENDOR_HEADER}\nTwin Ltd,,,IE,ai_saas,provider,,,\n"
                                                     "Twin Ltd,,,IE,ai_saas,provider,,,\n")),
        "existing vendor": Upload("vendors.csv", _csv(f"{VENDOR_HEADER}\nCorpus Models Ltd,,,IE,ai_saas,"
                                                      "provider,,,\n")),
        "not UTF-8": Upload("vendors.csv", "legal_name\nCaf\xe9 Ltd\n".encode("latin-1")),
        "binary as csv": Upload("vendors.csv", EXE),
        "exe as xlsx": Upload("vendors.xlsx", EXE),
        "damaged xlsx": Upload("vendors.xlsx", b"PK\x03\x04broken"),
        "oversized": Upload("vendors.csv", lambda: (VENDOR_HEADER + "\n").encode() + b"x" * (2 * 1024 * 1024 + 10)),
        "control characters in a cell": Upload("vendors.csv", _csv(f"{VENDOR_HEADER}\nBad\x07 Ltd,,,IE,ai_saas,"
                                                                   "provider,,,\n")),
        "override in a cell": Upload("vendors.csv", _csv(f"{VENDOR_HEADER}\n{RLO},,,IE,ai_saas,provider,,,\n")),
    }.items()],
    # --- award procedures ---
    *text_field_cases("procedure_create", "title", max_length=200),
    bad("procedure_create", "need_statement", "", "need statement missing"),
    *[bad("procedure_create", "estimated_value", v, f"estimated value {v!r}") for v in (
        "-1", "abc", "NaN", "Infinity", "1e400", "123456789012345678", "12.345")],
    *[bad("procedure_create", "term_months", v, f"term {v!r}") for v in ("0", "-3", "40000", "two")],
    bad("procedure_create", "currency", "EURO", "currency four letters"),
    bad("procedure_create", "currency", "€", "currency symbol"),
    bad("procedure_create", "business_owner", str(10**12), "business owner unknown"),
    bad("procedure_create", "category", "hardware", "category unknown"),
    bad("procedure_edit", "title", "", "edited title emptied"),
    bad("procedure_edit", "estimated_value", "-0.01", "edited value negative"),
    Case("procedure_timeline", "inverted timeline", {"rfp_issue_date": day(20), "question_deadline": day(10)},
         ("question_deadline", "rfp_issue_date", "__all__")),
    Case("procedure_timeline", "demo ends before it starts", {"demo_start": day(30), "demo_end": day(25)},
         ("demo_end", "demo_start", "__all__")),
    Case("procedure_timeline", "award before proposals", {"target_award_date": day(15)},
         ("target_award_date", "__all__")),
    *date_cases("procedure_timeline", "proposals_due"),
    bad("procedure_timeline", "target_award_date", "0001-01-01", "award in year 1",
        at=("target_award_date", "__all__")),
    bad("procedure_cancel", "reason", "", "cancel without a reason"),
    bad("procedure_cancel", "reason", "x" * 2001, "cancel reason too long"),
    *text_field_cases("requirement_add", "title", max_length=200),
    bad("requirement_add", "priority", "urgent", "priority unknown"),
    bad("requirement_edit", "title", "", "requirement title emptied"),
    bad("bid_invite", "vendor", "999999", "invite an unknown vendor"),
    bad("bid_invite", "vendor", "other", "invite a vendor by name"),
    *file_cases("document_add"),
    Case("document_add", "file: oversized", {"file": Upload("big.pdf", lambda: PDF + b"0" * (25 * 1024 * 1024))},
         ("file", "__all__")),
    *text_field_cases("document_add", "title", max_length=200),
    *[bad("reference_add", "rating", v, f"reference rating {v!r}") for v in ("0", "6", "x")],
    bad("reference_add", "checked_on", day(30), "reference checked in the future"),
    bad("reference_add", "checked_on", "2026-13-01", "reference month 13"),
    bad("reference_add", "source", "hearsay", "reference source unknown"),
    bad("reference_add", "organisation", "", "reference organisation missing"),
    bad("reference_add", "findings", "", "reference findings missing"),
    *[bad("pov_criterion_add", "threshold", v, f"POV threshold {v!r}") for v in (
        "abc", "NaN", "-Infinity", "1" * 20)],
    bad("pov_criterion_add", "comparator", "==", "POV comparator unknown"),
    bad("pov_criterion_add", "metric", RLO, "POV metric with override"),
    bad("pov_criterion_add", "unit", "x" * 41, "POV unit too long"),
    bad("question_add", "bid", "999999", "question from an unknown bidder"),
    bad("question_add", "text", "", "empty question"),
    bad("question_add", "text", NUL, "question with NUL"),
    bad("question_answer", "answer", "", "empty answer"),
    bad("evaluator_assign", "evaluators", "999999", "assign an unknown evaluator"),
    bad("evaluator_assign", "evaluators", "lead", "assign by username"),
    bad("evaluator_assign", "groups", "x" * 201, "criterion groups by name"),
    bad("evaluator_assign", "groups", "999999", "criterion group of no scorecard"),
    bad("coi_declare", "conflict", "perhaps", "conflict answer unknown"),
    Case("coi_declare", "conflict declared without a description", {"conflict": "yes", "description": ""},
         ("description", "__all__")),
    # --- scorecard and scoring ---
    *[bad("group_add", "weight", v, f"group weight {v!r}") for v in ("101", "-1", "abc", "NaN", "1e5")],
    Case("scorecard_lock", "weights no longer sum to 100", {}, prepare=lambda w: _reweigh(w, "45")),
    Case("scorecard_lock", "weights sum to 100.01", {}, prepare=lambda w: _reweigh(w, "60.01")),
    bad("group_add", "name", "", "group without a name"),
    bad("group_add", "name", RLO, "group name with override"),
    *[bad("criterion_add", "share", v, f"criterion share {v!r}") for v in ("-1", "abc", "NaN")],
    bad("criterion_add", "group", "999999", "criterion in an unknown group"),
    bad("criterion_add", "name", "", "criterion without a name"),
    *[bad("knockout_add", "horizon_months", v, f"knockout horizon {v!r}") for v in ("-1", "121", "soon")],
    bad("knockout_add", "kind", "magic", "knockout kind unknown"),
    *[bad("score_cell", "value", v, f"score {v!r}") for v in (
        "6", "-1", "5.01", "abc", "NaN", "Infinity", "-Infinity", "1e3", "\u22123", "3/5", "0x3", "1" * 40)],
    bad("score_cell", "bid", "999999", "score an unknown bid"),
    bad("score_cell", "criterion", "999999", "score an unknown criterion"),
    bad("score_cell", "rationale", NUL, "score rationale with NUL"),
    *[Case("sheet_import", f"scoring sheet: {note}", {"file": upload}, ("file", "__all__")) for note, upload in {
        "wrong columns": Upload("scores.xlsx", _xlsx([["colour", "size"], ["blue", "9"]])),
        "csv instead of xlsx": Upload("scores.csv", _csv("bid,criterion,score\n1,1,3\n")),
        "exe as xlsx": Upload("scores.xlsx", EXE),
        "damaged xlsx": Upload("scores.xlsx", b"PK\x03\x04broken"),
        "oversized": Upload("scores.xlsx", lambda: b"PK\x03\x04" + b"0" * (2 * 1024 * 1024 + 10)),
        "empty": Upload("scores.xlsx", b""),
    }.items()],
    *[bad("consensus", "score", v, f"consensus score {v!r}") for v in ("7", "-2", "abc", "NaN", "Infinity")],
    bad("consensus", "note", "", "consensus without a note"),
    bad("shortlist", "decision", "crowned", "shortlist decision unknown"),
    bad("shortlist", "reason", "", "shortlist without a reason"),
    # --- decision memo and sign-off ---
    *text_field_cases("memo_edit", "title", max_length=200),
    *[bad("memo_edit", "decision_date", v, f"decision date {v!r}") for v in ("2026-02-30", "soon", "99999-01-01")],
    *[bad("memo_edit", "contract_value", v, f"contract value {v!r}") for v in (
        "-5", "abc", "NaN", "Infinity", "1" * 20)],
    bad("memo_edit", "recommended_bid", "999999", "recommend an unknown bid"),
    bad("memo_edit", "revision", "-1", "revision negative"),
    bad("memo_edit", "revision", "abc", "revision not a number"),
    bad("memo_sign", "decision", "maybe", "sign-off decision unknown"),
    bad("memo_sign", "password", "wrong-password", "sign-off with a wrong password"),
    bad("memo_sign", "password", "", "sign-off without a password"),
    bad("memo_sign", "confirm", DROP, "sign-off not confirmed"),
    Case("memo_sign", "rejection without a comment", {"decision": "reject", "comment": ""}, ("comment", "__all__")),
    # --- contracts ---
    bad("contract_open", "memo", "999999", "open from an unknown memo"),
    Case("contract_edit", "ends before it starts", {"start_date": day(10), "end_date": day(-10)},
         ("end_date", "__all__")),
    *[bad("contract_edit", "value", v, f"contract value {v!r}") for v in ("-1", "abc", "NaN")],
    bad("contract_edit", "notice_period_days", "-30", "negative notice period"),
    bad("contract_edit", "currency", "EUROS", "contract currency too long"),
    bad("contract_edit", "negotiation_lead", "", "no negotiation lead"),
    *text_field_cases("contract_edit", "title", max_length=200),
    *date_cases("kickoff_edit", "meeting_date"),
    bad("kickoff_edit", "goals", NUL, "kickoff goals with NUL"),
    bad("attendee_add", "user", "999999", "attendee unknown"),
    bad("attendee_add", "role", "mascot", "attendee role unknown"),
    *text_field_cases("action_add", "description", max_length=300),
    bad("action_add", "due_date", "yesterday", "action due date not a date"),
    bad("action_add", "owner", "", "action without an owner"),
    bad("clause_edit", "target", "", "clause without a target"),
    bad("clause_edit", "walk_away", RLO, "clause walk-away with override"),
    bad("feedback_add", "topic", "gossip", "feedback topic unknown"),
    bad("feedback_add", "body", "", "empty feedback"),
    bad("feedback_respond", "response", "", "empty response"),
    *[bad("scenario_add", "likelihood", v, f"scenario likelihood {v!r}") for v in ("0", "9", "high")],
    bad("scenario_add", "kind", "meteor", "scenario kind unknown"),
    bad("scenario_add", "clauses", ["999999"], "scenario on an unknown clause"),
    bad("raci_activity_add", "name", "", "RACI activity without a name"),
    bad("raci_activity_add", "accountable", "everyone", "RACI accountable unknown"),
    *text_field_cases("issue_add", "title", max_length=200),
    bad("issue_add", "priority", "urgent", "issue priority unknown"),
    bad("issue_resolve", "resolution", "", "issue resolved without a resolution"),
    *[bad("milestone_add", "payment_amount", v, f"milestone payment {v!r}") for v in ("-5", "abc", "NaN",
                                                                                       "1" * 20)],
    *date_cases("milestone_add", "due_date"),
    bad("checklist_item", "done_on", "2026-02-30", "checklist done on 30 February"),
    bad("checklist_item", "done_on", day(400), "checklist done in the future"),
    bad("checklist_item", "owner", "999999", "checklist owner unknown"),
    bad("contract_transition", "reason", "", "transition without a reason"),
    # --- the bidders' portal ---
    *text_field_cases("portal_question", "text", max_length=4000),
    *file_cases("portal_file"),
    bad("portal_file", "file", DROP, "no file"),
    *text_field_cases("portal_file", "title", max_length=200),
    *[bad("portal_price", "amount-0", v, f"price amount {v!r}", at="row-0")
      for v in ("-5", "abc", "NaN", "Infinity", "1e400", "1" * 30, "0.123456")],
    bad("procedure_create", "submission", "fax", "proposals arriving by an unknown way"),
    bad("procedure_create", "submission", DROP, "no way for proposals to arrive"),
    bad("portal_price", "kind-0", "barter", "price line kind unknown", at="row-0"),
    Case("portal_price", "price line without a description", {"label-0": "", "amount-0": "100"}, ("row-0",)),
    bad("portal_price", "label-0", HUGE_LINE, "price line description too long", at="row-0"),
    Case("portal_price", "recurring line without a period", {"kind-0": "recurring", "period-0": ""}, ("row-0",)),
    bad("portal_price", "assumption-1", "no-such-volume", "usage line on an unknown assumption", at="row-1"),
    *[bad("portal_price", "currency", v, f"currency {v!r}") for v in ("EUROS", "", "E1R", NUL)],
    Case("portal_price", "no line at all", {"label-0": "", "amount-0": "", "label-1": "", "amount-1": ""},
         ("__all__",)),
    *[bad("portal_answers", "tiering-data_sensitivity", v, f"portal tiering answer {v!r}", at="data_sensitivity")
      for v in ("bogus", "", "<script>")],
    bad("portal_answers", "tiering-autonomy", DROP, "portal tiering question unanswered", at="autonomy"),
    bad("portal_answers", "tiering-comment", HUGE_LINE, "portal tiering comment too long", at="comment"),
    *file_cases("portal_evidence", f"{PORTAL_KIND}-file", at="file"),
    bad("portal_evidence", f"{PORTAL_KIND}-file", DROP, "portal evidence without a file", at="file"),
    *date_cases("portal_evidence", f"{PORTAL_KIND}-effective_date", at="effective_date"),
    *text_field_cases("portal_evidence", f"{PORTAL_KIND}-title", max_length=200, at="title"),
    Case("portal_evidence", "valid until before the document's date",
         {f"{PORTAL_KIND}-effective_date": day(-10), f"{PORTAL_KIND}-valid_until": day(-20)},
         ("valid_until", "__all__")),
    *file_cases("rfp_document_add"),
    *text_field_cases("rfp_document_add", "title", max_length=200),
    *text_field_cases("bidder_clarification", "subject", max_length=150),
    bad("bidder_clarification", "body", "", "clarification without text"),
    bad("bidder_clarification", "body", HUGE_LINE * 2, "clarification text too long"),
    *[bad("price_assumption_add", "monthly_volume", v, f"monthly volume {v!r}")
      for v in ("-1", "abc", "NaN", "1e400", "")],
    *text_field_cases("price_assumption_add", "label", max_length=200),
    bad("price_assumption_add", "key", "not a slug!", "assumption code not a slug"),
    bad("price_assumption_add", "key", "tokens", "assumption code already used"),
    # --- the kernel ---
    bad("password_change", "old_password", "nope", "password change with a wrong old password"),
    bad("password_change", "new_password2", "something-else-entirely", "password confirmation differs"),
    Case("password_change", "password too common", {"new_password1": "password", "new_password2": "password"},
         ("new_password2",)),
]


# --- hostile narratives: accepted, stored as text, rendered inert ---------------------------------------------


@dataclass(frozen=True)
class Inert:
    target: str
    name: str

    @property
    def id(self) -> str:
        return f"{self.target}: script in {self.name}"


INERT: list[Inert] = [Inert(target, name) for target, name in (
    ("vendor_create", "legal_name"), ("vendor_edit", "description"), ("vendor_edit", "trading_name"),
    ("attestation_create", "scope"), ("risk_create", "mitigations"),
    ("risk_create", "title"), ("risk_edit", "context"), ("contact_add", "contact-name"),
    ("subprocessor_add", "sub-purpose"), ("procedure_edit", "need_statement"), ("procedure_edit", "title"),
    ("requirement_add", "description"), ("requirement_edit", "title"), ("reference_add", "findings"),
    ("pov_criterion_add", "test_set"), ("question_add", "text"), ("question_answer", "answer"),
    ("memo_edit", "recommendation"), ("memo_edit", "walk_away"), ("memo_edit", "title"),
    ("kickoff_edit", "goals"), ("action_add", "description"),
    ("feedback_add", "body"), ("feedback_respond", "response"),
    ("issue_add", "title"), ("issue_resolve", "resolution"), ("milestone_add", "title"),
    ("portal_question", "text"), ("bidder_clarification", "subject"),
)]
