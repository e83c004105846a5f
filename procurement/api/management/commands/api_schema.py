"""Write the REST API's OpenAPI document to docs/openapi.json, or with --check fail when it is out of date."""

from django.core.management.base import BaseCommand, CommandError

from procurement.api.schema import COMMITTED, schema_text


class Command(BaseCommand):
    help = "Write docs/openapi.json from the API (or --check that the committed one is current)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Fail when docs/openapi.json differs.")

    def handle(self, *args, check=False, **options):
        text = schema_text()
        if check:
            current = COMMITTED.read_text() if COMMITTED.exists() else ""
            if current != text:
                raise CommandError(f"{COMMITTED} is out of date: run `manage.py api_schema` and commit it.")
            self.stdout.write("docs/openapi.json is up to date.")
            return
        COMMITTED.write_text(text)
        self.stdout.write(f"Wrote {COMMITTED}.")
