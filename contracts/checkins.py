"""Review templates for the periodic check-ins, one per team. Written for Baton; each question has a stable key
(answers are stored against it) and the topic it covers.

These are the shipped defaults, version 1 of the "check-in templates" policy table (issue 21): a policy
administrator changes the table on its page, and each contract answers the version it was opened under
(`questions_for`)."""

TOPICS = {
    "milestones": "Milestones", "payments": "Payments", "flexibility": "Flexibility for newer models",
    "training": "Training and support", "model_updates": "Model updates", "satisfaction": "User satisfaction",
    "payment_model": "Payment model", "experimentation": "Safe experimentation", "scaling": "Scaling",
    "decommissioning": "Decommissioning",
}

TEMPLATES: dict[str, list[tuple[str, str, str]]] = {
    "procurement": [
        ("milestones", "milestones", "Which milestones slipped since the last review, and did the vendor say why "
                                     "before the date or after it?"),
        ("payments", "payments", "Are invoices arriving in the agreed form, and are we paying them within terms?"),
        ("payment_model", "payment_model", "Does the way we pay (fixed, per seat, by usage) still match how the "
                                           "service is really used? What would be cheaper or more predictable?"),
        ("flexibility", "flexibility", "If a better or cheaper model appeared tomorrow, could we switch under this "
                                       "contract, and at what cost?"),
        ("decommissioning", "decommissioning", "Is the exit plan still realistic: data return, deletion proof and "
                                               "a successor we could move to?"),
    ],
    "buying": [
        ("satisfaction", "satisfaction", "How satisfied are the people using the service? Quote numbers or "
                                         "comments where you have them."),
        ("training", "training", "Has the vendor's training and support been enough for new and existing users? "
                                 "What is missing?"),
        ("milestones", "milestones", "Did the deliverables accepted since the last review do what the business "
                                     "needed?"),
        ("scaling", "scaling", "Do we expect more users, teams or volume in the next two quarters, and can the "
                               "contract absorb that?"),
        ("experimentation", "experimentation", "Are teams able to try new uses safely (a sandbox, test data, "
                                               "clear rules), or are they working around us?"),
    ],
    "it_data": [
        ("model_updates", "model_updates", "Which model versions changed since the last review, were we told in "
                                           "time, and did our own evaluation hold up afterwards?"),
        ("flexibility", "flexibility", "How much work would it take to point our integration at another model or "
                                       "vendor?"),
        ("experimentation", "experimentation", "Is there an isolated environment for trying prompts, models and "
                                               "features without touching production data?"),
        ("scaling", "scaling", "Are latency, rate limits and capacity keeping up with demand? Any throttling seen?"),
        ("decommissioning", "decommissioning", "Do we know every place our data lives at the vendor, and could we "
                                               "get it back and have it deleted with proof?"),
        ("training", "training", "Is the vendor's technical support answering our engineers within the agreed "
                                 "times?"),
    ],
}


def questions(team: str, template: dict | None = None) -> list[tuple[str, str, str]]:
    """[(key, topic label, question)] for a team: from `template` (a version of the check-in templates policy
    table, contracts.policy.tables.checkin_template_for(contract)) when given, else the shipped template."""
    if template is None:
        return [(key, TOPICS[topic], text) for key, topic, text in TEMPLATES[team]]
    entry = template.get(team) or {}
    topics = entry.get("topics") or {}
    return [(row["key"], topics.get(row["topic"], TOPICS.get(row["topic"], row["topic"])), row["text"])
            for row in entry.get("questions") or []]


def questions_for(contract, team: str) -> list[tuple[str, str, str]]:
    """The questions of the check-in template version pinned by `contract` (issue 21)."""
    from contracts.policy.tables import checkin_template_for

    return questions(team, checkin_template_for(contract))


def covered_topics() -> set[str]:
    return {topic for rows in TEMPLATES.values() for _, topic, _ in rows}
