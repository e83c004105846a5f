"""Seed the due-diligence plan per tier. Admins edit these rows afterwards; this runs once."""

from django.db import migrations

ALL_KINDS = {
    "security_questionnaire": "Our standard security questionnaire, completed and signed by the vendor.",
    "ai_model_documentation": "Model cards or equivalent: intended use, limits, versions and change policy.",
    "ai_training_data": "Where the training data came from, its licensing and how our data is kept out of it.",
    "ai_evaluation_results": "Accuracy, robustness and fairness results on tasks close to our use.",
    "security_certification": "A current ISO/IEC 27001 certificate with scope, or a SOC 2 Type II report.",
    "iso_42001": "A current ISO/IEC 42001 certificate covering the AI management system behind the product.",
    "pentest_summary": "Summary of a recent third-party penetration test and the fixes made.",
    "independent_evaluation": "A red-team, bias or safety evaluation by someone other than the vendor.",
    "live_assessment": "Notes from a live demo on our data or an on-site visit by our team.",
    "financial_stability": "Latest accounts or a credit report showing the vendor can last the contract.",
    "insurance": "Certificates for professional indemnity and cyber cover at the required amounts.",
    "dpa": "A signed or agreed-form data processing agreement including the subprocessor list.",
}

PLANS = {
    # tier: (references, independent references, POV mandatory, refresh months, kinds)
    "critical": (3, 2, True, 12, list(ALL_KINDS)),
    "high": (2, 1, True, 12, ["security_questionnaire", "ai_model_documentation", "ai_training_data",
                              "ai_evaluation_results", "security_certification", "pentest_summary",
                              "independent_evaluation", "financial_stability", "insurance", "dpa"]),
    "medium": (1, 0, False, 24, ["security_questionnaire", "ai_model_documentation", "security_certification",
                                 "financial_stability", "dpa"]),
    "low": (0, 0, False, 36, ["security_questionnaire", "dpa"]),
}


def seed(apps, schema_editor):
    Plan = apps.get_model("vendors", "DueDiligencePlan")
    Requirement = apps.get_model("vendors", "DueDiligenceRequirement")
    for tier, (refs, independent, pov, refresh, kinds) in PLANS.items():
        plan, _ = Plan.objects.get_or_create(tier=tier, defaults={
            "references_required": refs, "independent_references_required": independent,
            "pov_required": pov, "attestation_refresh_months": refresh})
        for kind in kinds:
            Requirement.objects.get_or_create(plan=plan, evidence_kind=kind, defaults={"guidance": ALL_KINDS[kind]})


def unseed(apps, schema_editor):
    apps.get_model("vendors", "DueDiligenceRequirement").objects.all().delete()
    apps.get_model("vendors", "DueDiligencePlan").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("vendors", "0002_registry_dd_evidence_risks")]
    operations = [migrations.RunPython(seed, unseed)]
