"""The AI clause playbook as data: seeded into PlaybookClause by a data migration, then edited in the admin.

Each entry: key, title, purpose, the vendor tiers that must carry it, and our default target, fallback and
walk-away positions. Written for Baton; adjust wording in the admin, not here (the migration seeds once).
"""

ALL = ["critical", "high", "medium", "low"]
UPPER = ["critical", "high", "medium"]
TOP = ["critical", "high"]

PLAYBOOK: list[dict] = [
    {
        "key": "data-rights",
        "title": "Data rights: our inputs and the outputs",
        "purpose": "Prompts, files and anything the system generates for us stay ours to use without limits.",
        "required_tiers": ALL,
        "target": "We own every input we send and every output produced for us; the vendor gets only the licence "
                  "it needs to run the service for us.",
        "fallback": "We own inputs; outputs are assigned to us on creation, with a narrow vendor right to keep "
                    "anonymous usage statistics.",
        "walk_away": "Any vendor claim to own, or reuse commercially, our inputs or the outputs made for us.",
    },
    {
        "key": "no-training",
        "title": "No training on our data",
        "purpose": "Our data must not end up improving a model that other customers use.",
        "required_tiers": ALL,
        "target": "No use of our inputs, outputs or usage data to train, fine-tune or evaluate any model, "
                  "including by subprocessors, without our written opt-in per use.",
        "fallback": "Abuse-monitoring use only, kept at most 30 days and isolated from training pipelines.",
        "walk_away": "Training on our data by default, or an opt-out we would have to keep re-asserting.",
    },
    {
        "key": "confidentiality",
        "title": "Confidentiality",
        "purpose": "Everything we share, including prompts and retrieved documents, is confidential information.",
        "required_tiers": ALL,
        "target": "Inputs, outputs, prompts, embeddings and logs count as our confidential information, "
                  "protected for the term and five years after.",
        "fallback": "Same scope, protected for three years after the term; trade secrets for as long as they "
                    "stay secret.",
        "walk_away": "Prompts or outputs carved out of the confidentiality obligation.",
    },
    {
        "key": "ip-indemnity",
        "title": "IP indemnity, including training-data claims",
        "purpose": "If someone says the model or its training data infringes their rights, the vendor defends us.",
        "required_tiers": UPPER,
        "target": "Uncapped defence and indemnity for claims that the service, the model, its training data or "
                  "unmodified outputs infringe third-party rights.",
        "fallback": "Indemnity capped at a multiple (at least three times) of annual fees, outputs covered when "
                    "we used the vendor's filters as documented.",
        "walk_away": "No indemnity for claims about the model's training data.",
    },
    {
        "key": "service-levels",
        "title": "Service levels and service credits",
        "purpose": "Measured availability, latency and support response, with money back when they slip.",
        "required_tiers": UPPER,
        "target": "99.9% monthly availability, a stated latency percentile per model, a one-hour response to "
                  "severity-one tickets, and credits that grow with the shortfall.",
        "fallback": "99.5% availability and latency reported monthly, credits capped at 25% of the monthly fee.",
        "walk_away": "Service levels stated as goals only, with no credits and no right to leave after repeated "
                     "misses.",
    },
    {
        "key": "model-change",
        "title": "Model changes, version pinning and deprecation notice",
        "purpose": "A silent model swap can change results overnight; we need to pin, test and plan migrations.",
        "required_tiers": UPPER,
        "target": "We can pin a model version; at least 180 days' notice before a pinned version is retired; "
                  "material changes announced in advance with release notes.",
        "fallback": "90 days' notice of retirement and a test window on the successor before the switch.",
        "walk_away": "The vendor may change or retire the model we rely on without notice.",
    },
    {
        "key": "performance",
        "title": "Performance and accuracy commitments, with our right to evaluate",
        "purpose": "What the vendor promised in the selection must stay true, and we must be able to check it.",
        "required_tiers": TOP,
        "target": "The accuracy and quality levels shown in the proof of value become commitments; we may run "
                  "our own evaluations at any time and a sustained drop is a material breach.",
        "fallback": "Commitments on an agreed test set re-run each quarter, with a remediation plan on failure.",
        "walk_away": "No measurable performance commitment at all and no right to test.",
    },
    {
        "key": "incident-notification",
        "title": "Security incident notification",
        "purpose": "We must hear about incidents quickly enough to meet our own legal deadlines.",
        "required_tiers": ALL,
        "target": "Notice within 24 hours of becoming aware of an incident affecting our data or service, with "
                  "updates and a root-cause report.",
        "fallback": "Notice within 48 hours, root-cause report within 30 days.",
        "walk_away": "Notice only \"without undue delay\" with no outer time limit.",
    },
    {
        "key": "subprocessors",
        "title": "Subprocessors and data location",
        "purpose": "Know who else touches our data and where it is processed and stored.",
        "required_tiers": UPPER,
        "target": "A current list of subprocessors, 30 days' notice of changes with a right to object, and "
                  "processing kept in the agreed regions.",
        "fallback": "Notice of changes with a right to terminate the affected service without penalty.",
        "walk_away": "Unlisted subprocessors, or data moved outside agreed regions without our consent.",
    },
    {
        "key": "audit-attestations",
        "title": "Audit and attestation rights",
        "purpose": "Assurance must stay current for the whole term, not only at selection.",
        "required_tiers": TOP,
        "target": "Yearly refreshed ISO/IEC 42001 and SOC 2 Type II reports delivered to us, plus a right to "
                  "audit after an incident or on regulator request.",
        "fallback": "Refreshed reports on request and a questionnaire each year in lieu of on-site audit.",
        "walk_away": "No obligation to keep certifications or to share reports.",
    },
    {
        "key": "ai-act-flow-down",
        "title": "EU AI Act flow-down",
        "purpose": "The vendor must support the duties we carry as deployer of the system.",
        "required_tiers": TOP,
        "target": "The vendor provides technical documentation and instructions for use, transparency support, "
                  "features for human oversight, event logs kept for our retention period, and cooperation "
                  "with us and authorities.",
        "fallback": "Documentation and logs on request within ten working days, cooperation at agreed rates.",
        "walk_away": "No cooperation with our regulatory obligations.",
    },
    {
        "key": "exit-assistance",
        "title": "Exit and transition assistance",
        "purpose": "Leaving must be possible without losing data or continuity of service.",
        "required_tiers": UPPER,
        "target": "Return of all our data in open formats, certified deletion afterwards, help to move to a new "
                  "provider and up to six months of parallel running at current prices.",
        "fallback": "Data return and certified deletion, three months of parallel running at list price.",
        "walk_away": "No data return, or deletion we cannot verify.",
    },
    {
        "key": "pricing-caps",
        "title": "Pricing, usage caps and cost-overrun protection",
        "purpose": "Usage-based pricing can run away; we need predictability.",
        "required_tiers": ALL,
        "target": "Prices fixed for the term, hard usage caps we control, alerts at 75% and 90% of budget and "
                  "no charges above the cap without our approval.",
        "fallback": "Yearly increases limited to an index, alerts at budget thresholds, overage at contract rates.",
        "walk_away": "Unilateral price changes at short notice or uncapped overage charges.",
    },
    {
        "key": "liability",
        "title": "Liability caps and a super-cap for data breaches",
        "purpose": "Losses from a data breach can dwarf the fees; the cap must reflect that.",
        "required_tiers": UPPER,
        "target": "General cap of twice annual fees; a separate super-cap of at least five times annual fees "
                  "for data protection and confidentiality breaches.",
        "fallback": "General cap of annual fees; super-cap of three times annual fees.",
        "walk_away": "Data breaches inside a general cap of less than one year's fees.",
    },
    {
        "key": "termination",
        "title": "Termination rights",
        "purpose": "We need a way out for convenience, breach, regulatory change or a changed model.",
        "required_tiers": ALL,
        "target": "Termination for convenience on 90 days' notice, and immediately for material breach, "
                  "insolvency, a change of control or a law that makes use unlawful.",
        "fallback": "Convenience termination after the first year with a capped fee.",
        "walk_away": "No right to end the contract early except for uncured breach.",
    },
]

# The RACI activity whose Accountable seat decides change orders (seeded below; keep the name in step).
CHANGE_ORDER_ACTIVITY = "Approve change orders"
# The RACI activity whose Accountable seat approves invoices for payment (seeded below; keep the name in step).
PAYMENT_APPROVAL_ACTIVITY = "Approve payments"

RACI_ACTIVITIES = [
    ("Approve change orders", {"negotiation_lead": "C", "post_award_manager": "R", "business_owner": "A",
                               "legal_counsel": "C", "vendor": "I"}),
    ("Monitor service levels and KPIs", {"post_award_manager": "A", "business_owner": "I", "vendor": "R"}),
    ("Refresh attestations", {"post_award_manager": "A", "security_reviewer": "R", "vendor": "R"}),
    ("Respond to security incidents", {"security_reviewer": "A", "post_award_manager": "R", "vendor": "R",
                                       "legal_counsel": "C"}),
    ("Approve payments", {"business_owner": "A", "post_award_manager": "R"}),
    ("Manage model version changes", {"post_award_manager": "A", "security_reviewer": "C", "business_owner": "C",
                                      "vendor": "R"}),
    ("Train users", {"business_owner": "A", "vendor": "R", "post_award_manager": "I"}),
    ("Run the exit", {"post_award_manager": "A", "legal_counsel": "C", "business_owner": "R", "vendor": "R"}),
]

CHECKLIST = [
    ("summary-walkthrough", "Contract summary walked through with the post-award manager"),
    ("risk-register", "Risk register handed over, owners confirmed"),
    ("access-instrumentation", "Access and usage instrumentation set up"),
    ("kpi-reporting", "KPI reporting live"),
    ("attestation-calendar", "Attestation refresh calendar set"),
    ("exit-runbook", "Exit runbook drafted"),
]
