"""Seed the AI-vendor scorecard template (our own wording). Weights: groups sum to 100; shares split them."""

from django.db import migrations

G = ("0 — nothing offered or nothing shown\n1 — claimed only, no evidence\n2 — partly met, material gaps\n"
     "3 — met as asked, evidence on file\n4 — met with margin, shown on our own data\n"
     "5 — clearly better than asked, proven in the POV or by references")


def c(key, name, description, share=1, guidance=G):
    return {"key": key, "name": name, "description": description, "guidance": guidance, "share": share}


DEFINITION = {
    "scale": 5,
    "groups": [
        {"key": "capability", "name": "Capability and quality", "weight": 30, "criteria": [
            c("task-fit", "Fit to our use cases",
              "How well the product does the jobs in our requirements, judged on our scenarios.", 2),
            c("output-quality", "Output quality on our data",
              "Accuracy, relevance and consistency of outputs on our own test set; measured errors and "
              "hallucination rate.", 2),
            c("integration", "Integration and operability",
              "APIs, SSO, connectors, admin tooling and the effort to run it inside our estate.", 1),
            c("performance", "Latency, throughput and availability",
              "Measured response times under our load, rate limits, uptime commitment and its history.", 1),
        ]},
        {"key": "security", "name": "Security and privacy", "weight": 20, "criteria": [
            c("data-protection", "Protection of our data",
              "Encryption, tenant isolation, retention and deletion on request, where data is stored and processed.",
              2),
            c("access-control", "Access control and logging",
              "Role-based access, audit logs we can export, administrator controls.", 1),
            c("subprocessors", "Subprocessors and model providers",
              "Who else touches our data, on what terms, and how we are told about changes.", 1),
        ]},
        {"key": "responsible-ai", "name": "Responsible AI and compliance", "weight": 15, "criteria": [
            c("governance", "AI governance and risk management",
              "An AI management system in operation, model risk assessments, incident handling for AI failures.",
              1),
            c("transparency", "Transparency and documentation",
              "Model and system documentation, known limitations, how changes to the model are announced.", 1),
            c("regulation", "Regulatory readiness",
              "Support for our obligations under the EU AI Act and data-protection law: logs, human oversight, "
              "information we must give to people affected.", 1),
        ]},
        {"key": "commercial", "name": "Commercial", "weight": 15, "criteria": [
            c("total-cost", "Total cost over the term",
              "Licences, usage charges at our forecast volumes, implementation and internal effort.", 2),
            c("price-predictability", "Price predictability",
              "Caps, indexation, protection against usage spikes and unilateral price changes.", 1),
            c("terms", "Contract terms",
              "Liability, indemnities for model outputs and IP, service credits, acceptance of our clauses.", 1),
        ]},
        {"key": "viability", "name": "Vendor viability and support", "weight": 10, "criteria": [
            c("financial-health", "Financial health and continuity",
              "Funding, revenue, customer base; the risk that the product or company disappears.", 1),
            c("support", "Support and customer success",
              "Support hours, response times, named contacts, references' experience of support.", 1),
            c("roadmap", "Roadmap and product maturity",
              "How long the product has been in production and whether its roadmap matches our needs.", 1),
        ]},
        {"key": "exit", "name": "Exit and portability", "weight": 10, "criteria": [
            c("data-export", "Data and configuration export",
              "Getting our data, prompts, fine-tunes and configuration out in open formats, at no extra charge.",
              1),
            c("lock-in", "Switching cost and lock-in",
              "Proprietary dependencies, notice periods, transition assistance at the end of the contract.", 1),
        ]},
    ],
    "knockouts": [
        {"key": "certified", "name": "Certified AI or security management",
         "description": "A valid ISO/IEC 42001 certificate or SOC 2 Type II report covering the offered service, "
                        "in force on the target award date and for at least 12 months after it.",
         "kind": "attestation", "standards": ["iso_42001", "soc2_type2"], "horizon_months": 12},
        {"key": "no-training", "name": "No training on our data",
         "description": "The vendor commits in the contract that our inputs and outputs are not used to train "
                        "or improve its models or anyone else's.",
         "kind": "manual", "standards": [], "horizon_months": 12},
        {"key": "pov-met", "name": "POV thresholds met",
         "description": "Every success criterion of the locked demo/POV protocol is met (where the bid has one).",
         "kind": "pov", "standards": [], "horizon_months": 12},
    ],
}


def seed(apps, schema_editor):
    Template = apps.get_model("awards", "ScorecardTemplate")
    Template.objects.get_or_create(slug="ai-vendor", defaults={
        "name": "AI vendor selection",
        "description": "Six groups for choosing an AI product or service vendor, with three knockouts.",
        "definition": DEFINITION,
    })


def unseed(apps, schema_editor):
    apps.get_model("awards", "ScorecardTemplate").objects.filter(slug="ai-vendor").delete()


class Migration(migrations.Migration):
    dependencies = [("awards", "0002_scorecard")]
    operations = [migrations.RunPython(seed, unseed)]
