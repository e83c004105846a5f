"""Demo vendors for `manage.py seed_demo`: seven fictional AI vendors across every tier, with evidence (small
generated files), attestations (one expiring soon, one expired), risks and read grants. Safe to run twice: a
vendor that already exists (by legal name) is left as it is."""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from vendors import services
from vendors.models import Evidence, EvidenceKind, Vendor

BASE = {"data_sensitivity": "none", "business_criticality": "low", "people_impact": "none", "high_risk_use": "no",
        "autonomy": "standalone", "spend_band": "under_50k", "substitutability": "easy"}


def _pdf(text: str) -> bytes:
    """A minimal, valid one-page PDF that shows `text`."""
    safe = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 12 Tf 72 760 Td ({safe}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


# legal name: (profile, tiering answers, evidence [(kind, title, source, age days, valid days, outcome, ext)],
#              attestations [(standard, issuer, issued days ago, expires in days)], risks, override)
VENDORS = [
    {
        "legal_name": "Meridian Language Systems Ltd", "trading_name": "Meridian", "country": "IE",
        "website": "https://meridian-ls.example", "offering_type": "foundation_model_api",
        "ai_act_role": "gpai_provider", "data_categories": ["personal", "customer_content", "business_confidential"],
        "description": "Hosted large language models behind an API. Shortlisted to power the customer-support "
                       "assistant and internal search.",
        "status": "active",
        "answers": {"data_sensitivity": "personal", "business_criticality": "mission_critical",
                    "people_impact": "indirect", "autonomy": "integrated", "spend_band": "over_1m",
                    "substitutability": "hard"},
        "evidence": [
            ("security_questionnaire", "Security questionnaire (v3, completed)", "self_reported", 40, 365,
             "accepted", "pdf"),
            ("ai_model_documentation", "Model cards for the 2026 model family", "self_reported", 30, None,
             "accepted", "pdf"),
            ("ai_training_data", "Training-data provenance statement", "self_reported", 30, None, "gaps_noted", "txt"),
            ("ai_evaluation_results", "Benchmark results on our support tickets", "buyer_test", 12, None,
             "accepted", "csv"),
            ("security_certification", "ISO/IEC 27001 certificate", "third_party_attestation", 200, 900,
             "accepted", "pdf"),
            ("pentest_summary", "Penetration-test summary 2026", "independent", 90, 275, "accepted", "pdf"),
            ("dpa", "Data processing agreement (agreed form)", "self_reported", 20, None, "pending", "pdf"),
            ("reference", "Reference call: a European retailer", "independent", 15, None, "accepted", "txt"),
        ],
        "attestations": [("iso_27001", "Certa Assurance Ltd", 200, 900),
                         ("iso_42001", "Certa Assurance Ltd", 340, 25)],  # expiring soon
        "risks": [
            ("Model retired at short notice", "model_change", (4, 4), (2, 4), "manager",
             "Contract to require 12 months' notice and a pinned model version."),
            ("Prompts and outputs used for training", "privacy", (3, 5), (1, 5), "evaluator2",
             "No-train clause; zero-retention endpoint; verified in the POV."),
        ],
        "grants": ["owner", "approver"],
    },
    {
        "legal_name": "Talentscope AI GmbH", "trading_name": "Talentscope", "country": "DE",
        "website": "https://talentscope.example", "offering_type": "ai_saas", "ai_act_role": "provider",
        "data_categories": ["personal", "special_category"],
        "description": "CV screening and interview scheduling. Use in hiring makes it high-risk under the EU AI Act.",
        "status": "prospect",
        "answers": {"data_sensitivity": "special_category", "high_risk_use": "yes", "people_impact": "significant",
                    "business_criticality": "moderate", "autonomy": "integrated", "spend_band": "250k_1m",
                    "substitutability": "moderate"},
        "evidence": [
            ("security_questionnaire", "Security questionnaire", "self_reported", 10, 365, "accepted", "pdf"),
            ("independent_evaluation", "Bias audit by an external lab", "independent", 60, 305, "rejected", "pdf"),
            ("ai_model_documentation", "Technical documentation summary", "self_reported", 10, None, "pending", "pdf"),
        ],
        "attestations": [("soc2_type2", "Ledgerline Audit LLP", 420, -30)],  # expired
        "risks": [
            ("Discriminatory screening outcomes", "regulatory", (4, 5), (3, 4), "owner",
             "Human review of every rejection; quarterly bias testing; conformity assessment evidence."),
        ],
        "grants": ["approver", "owner"],
    },
    {
        "legal_name": "Brightdesk Assist Ltd", "trading_name": "Brightdesk", "country": "GB",
        "website": "https://brightdesk.example", "offering_type": "ai_saas", "ai_act_role": "provider",
        "data_categories": ["personal", "customer_content"],
        "description": "Agent-assist copilot that drafts replies inside the support desk.",
        "status": "prospect",
        "answers": {"data_sensitivity": "personal", "autonomy": "integrated", "business_criticality": "moderate",
                    "spend_band": "250k_1m", "substitutability": "moderate"},
        "evidence": [
            ("security_questionnaire", "Security questionnaire", "self_reported", 25, 365, "accepted", "pdf"),
            ("security_certification", "SOC 2 Type II report (bridge letter)", "third_party_attestation", 100,
             265, "accepted", "pdf"),
            ("financial_stability", "Credit report", "independent", 5, 180, "accepted", "pdf"),
        ],
        "attestations": [("soc2_type2", "Ledgerline Audit LLP", 100, 265)],
        "risks": [
            ("Vendor lock-in through proprietary macros", "concentration", (3, 3), (2, 3), "manager",
             "Export of macros and conversation history in an open format written into the exit plan."),
        ],
        "grants": ["owner"],
    },
    {
        "legal_name": "Parallax GPU Cloud BV", "trading_name": "Parallax", "country": "NL",
        "website": "https://parallax-gpu.example", "offering_type": "ai_infrastructure", "ai_act_role": "provider",
        "data_categories": ["business_confidential"],
        "description": "Reserved GPU capacity for fine-tuning and batch inference.",
        "status": "active",
        "answers": {"data_sensitivity": "confidential", "autonomy": "integrated", "spend_band": "50k_250k"},
        "evidence": [
            ("security_questionnaire", "Security questionnaire", "self_reported", 300, 30, "accepted", "pdf"),
            ("security_certification", "ISO/IEC 27001 certificate", "third_party_attestation", 120, 600,
             "accepted", "pdf"),
            ("ai_model_documentation", "Platform architecture overview", "self_reported", 60, None, "accepted",
             "txt"),
            ("financial_stability", "Audited accounts 2025", "independent", 150, 215, "accepted", "pdf"),
            ("dpa", "Data processing agreement", "self_reported", 140, None, "accepted", "pdf"),
            ("reference", "Reference: research lab customer", "self_reported", 50, None, "accepted", "txt"),
        ],
        "attestations": [("iso_27001", "Nordic Cert AB", 120, 600)],
        "risks": [
            ("Cost overrun from idle reserved capacity", "cost_overrun", (3, 2), (2, 2), "manager",
             "Monthly utilisation review; right to resize the reservation each quarter."),
        ],
        "grants": [],
        "accept_first_risk": True,
    },
    {
        "legal_name": "Copperleaf Analytics SAS", "trading_name": "Copperleaf", "country": "FR",
        "website": "https://copperleaf.example", "offering_type": "ai_saas", "ai_act_role": "provider",
        "data_categories": ["business_confidential"],
        "description": "Summarises public tender documents for the bid team.",
        "status": "prospect",
        "answers": {"data_sensitivity": "confidential"},
        "evidence": [
            ("security_questionnaire", "Light security questionnaire", "self_reported", 15, 365, "accepted", "pdf"),
        ],
        "attestations": [],
        "risks": [],
        "grants": [],
    },
    {
        "legal_name": "Northstar AI Advisory LLP", "trading_name": "Northstar Advisory", "country": "GB",
        "website": "https://northstar-advisory.example", "offering_type": "ai_consulting", "ai_act_role": "deployer",
        "data_categories": ["none"],
        "description": "Two-week workshop on an AI use-case portfolio. No access to our systems.",
        "status": "exited",
        "answers": {},
        "evidence": [
            ("security_questionnaire", "Security questionnaire", "self_reported", 200, 165, "accepted", "pdf"),
            ("dpa", "Data processing agreement", "self_reported", 200, None, "accepted", "pdf"),
        ],
        "attestations": [],
        "risks": [],
        "grants": [],
    },
    {
        "legal_name": "Sable Speech Oy", "trading_name": "Sable", "country": "FI",
        "website": "https://sable-speech.example", "offering_type": "ai_saas", "ai_act_role": "provider",
        "data_categories": ["personal", "customer_content"],
        "description": "Call transcription and summarisation for the contact centre.",
        "status": "prospect",
        "answers": {"data_sensitivity": "personal", "spend_band": "50k_250k"},
        "override": ("high", "Call recordings include health details callers volunteer; treat as high until "
                             "redaction is proven in the POV."),
        "evidence": [
            ("security_questionnaire", "Security questionnaire", "self_reported", 8, 365, "pending", "pdf"),
        ],
        "attestations": [("iso_27001", "Nordic Cert AB", 30, 1065)],
        "risks": [
            ("Transcripts stored outside the EU", "privacy", (3, 4), (2, 3), "evaluator2",
             "EU-only processing region in the order form; subprocessor list checked."),
        ],
        "grants": ["evaluator3"],
    },
    {
        "legal_name": "Lumenfold Vision Ltd", "trading_name": "Lumenfold", "country": "GB",
        "website": "https://lumenfold.example", "offering_type": "ai_saas", "ai_act_role": "provider",
        "data_categories": ["personal", "business_confidential"],
        "description": "Reads scanned forms and pulls out the fields we need. In use on supplier invoices today; "
                       "the claims team wants to try it on claim forms next.",
        "status": "active",
        "answers": {"data_sensitivity": "personal", "business_criticality": "moderate", "spend_band": "50k_250k"},
        "evidence": [
            ("security_questionnaire", "Security questionnaire", "self_reported", 120, 365, "accepted", "pdf"),
            ("ai_model_documentation", "Extraction model documentation", "self_reported", 100, None,
             "accepted", "pdf"),
            ("security_certification", "SOC 2 Type II report (last period)", "third_party_attestation", 390, 700,
             "accepted", "pdf"),
            ("financial_stability", "Credit report", "independent", 60, 300, "accepted", "pdf"),
            ("dpa", "Data processing agreement", "self_reported", 110, None, "accepted", "pdf"),
            ("reference", "Reference call: a logistics company", "independent", 90, None, "accepted", "txt"),
        ],
        "attestations": [("soc2_type2", "Harbour & Vale LLP", 380, -10)],  # lapsed ten days ago
        "risks": [],
        "grants": ["manager"],
        # After onboarding, something changed: recorded as a trigger, which re-runs the tier rules at once.
        "trigger": ("data_change", 3, "The claims pilot will send scanned claim forms, which carry health "
                                      "details about claimants.", {"data_sensitivity": "special_category"}),
    },
]


def _file(kind_ext: str, title: str, vendor_name: str) -> tuple[bytes, str]:
    text = f"{vendor_name} - {title}. Demo file generated by Baton."
    if kind_ext == "pdf":
        return _pdf(text), "document.pdf"
    if kind_ext == "csv":
        return b"task,our_score,baseline\nrouting,0.91,0.84\nsummaries,0.88,0.80\nrefusals,0.97,0.95\n", "results.csv"
    return (text + "\n").encode(), "notes.txt"


def seed(*, users, stdout) -> None:
    lead = users["lead"]
    today = timezone.localdate()
    created = 0
    for spec in VENDORS:
        if Vendor.objects.filter(legal_name=spec["legal_name"]).exists():
            continue
        vendor = services.vendor_create(
            actor=lead, legal_name=spec["legal_name"], trading_name=spec["trading_name"], website=spec["website"],
            country=spec["country"], offering_type=spec["offering_type"], ai_act_role=spec["ai_act_role"],
            data_categories=spec["data_categories"], description=spec["description"], reason="Demo data")
        services.tier_assess(actor=lead, vendor=vendor, answers=BASE | spec["answers"],
                             reason="Demo data: tiering questionnaire")
        if spec.get("override"):
            tier, why = spec["override"]
            services.tier_override(actor=lead, vendor=vendor, tier=tier, reason=why)
        if spec["status"] == "active":
            services.vendor_set_status(actor=lead, vendor=vendor, status="active", reason="Demo data: contracted")
        elif spec["status"] == "exited":
            services.vendor_set_status(actor=lead, vendor=vendor, status="exited",
                                       reason="Demo data: engagement finished")
        services.contact_add(actor=lead, vendor=vendor, name="Account team", role="Commercial contact",
                             email=f"sales@{spec['website'].split('//')[1]}")
        if spec["offering_type"] != "ai_consulting":
            services.subprocessor_add(actor=lead, vendor=vendor, name="Hyperscale Cloud EU",
                                      purpose="Hosting and storage", location="EU (Ireland, Germany)")
        stored: dict[str, Evidence] = {}
        for kind, title, source, age, valid_days, outcome, ext in spec["evidence"]:
            data, name = _file(ext, title, spec["trading_name"])
            effective = today - timedelta(days=age)
            evidence = services.evidence_upload(
                actor=lead, vendor=vendor, content=ContentFile(data), original_name=name, kind=kind, title=title,
                source=source, effective_date=effective,
                valid_until=(today + timedelta(days=valid_days)) if valid_days is not None else None)
            if outcome != "pending":
                services.evidence_review(actor=lead, evidence=evidence, outcome=outcome,
                                         notes="" if outcome == "accepted" else "Demo: see the reviewer's notes")
            stored[kind] = evidence
        for standard, issuer, issued_ago, expires_in in spec["attestations"]:
            linked = stored.get(EvidenceKind.SECURITY_CERTIFICATION) if standard != "iso_42001" else None
            services.attestation_record(
                actor=lead, vendor=vendor, standard=standard, issuer=issuer,
                scope=f"Design, development and operation of the {spec['trading_name']} service",
                issued_on=today - timedelta(days=issued_ago), expires_on=today + timedelta(days=expires_in),
                evidence=linked, reason="Demo data")
        for index, (title, category, inherent, residual, owner, mitigations) in enumerate(spec["risks"]):
            risk = services.risk_create(
                actor=lead, vendor=vendor, title=title, category=category, inherent_likelihood=inherent[0],
                inherent_impact=inherent[1], residual_likelihood=residual[0], residual_impact=residual[1],
                owner=users[owner], review_date=today + timedelta(days=90), mitigations=mitigations,
                reason="Demo data")
            if index == 0 and spec.get("accept_first_risk"):
                services.risk_accept(actor=lead, risk=risk, reason="Low residual risk, monitored monthly")
        for username in spec["grants"]:
            services.vendor_grant_view(actor=lead, vendor=vendor, user=users[username], reason="Demo data")
        created += 1
    stdout.write(f"Vendors ready ({created} created, {len(VENDORS) - created} already there).")
    _monitoring(lead=lead, today=today, stdout=stdout)


def _monitoring(*, lead, today, stdout) -> None:
    """Record each demo trigger once (a vendor with a trigger already recorded is left alone), then run the
    daily checks, which are idempotent: a second seed opens no task and tells nobody twice."""
    from vendors.services import monitoring
    triggers = 0
    for spec in VENDORS:
        if not spec.get("trigger"):
            continue
        vendor = Vendor.objects.get(legal_name=spec["legal_name"])
        if vendor.reassessment_triggers.exists():
            continue
        kind, days_ago, description, answers = spec["trigger"]
        services.trigger_record(actor=lead, vendor=vendor, kind=kind, occurred_on=today - timedelta(days=days_ago),
                                description=description, answers=answers)
        triggers += 1
    attestations = monitoring.attestations_check(today=today)
    reassessments = monitoring.reassessments_check(today=today)
    stdout.write(f"Vendor follow-ups: {triggers} trigger(s) recorded, "
                 f"{len(attestations.tasks_opened) + len(reassessments.tasks_opened)} task(s) opened.")
