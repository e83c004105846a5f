"""Write Baton's published open contracting data as an OCDS 1.1.5 release package.

    manage.py ocds_export                                  # the bulk package (every published procedure), stdout
    manage.py ocds_export --procedure AP-2026-0002 --output ap2.json

The package is validated against the standard's schema and codelists before anything is written
(contracts.ocds.standard: BATON_OCDS_SCHEMA_DIR, or shared/standards/ocds-1.1.5 above the project); an invalid
package, a procedure that is not published, or a standard that cannot be found fails with the reasons and
writes nothing.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from contracts.ocds import builder, selectors, standard


class Command(BaseCommand):
    help = "Write the OCDS release package of every published procedure (or of one), validated first."

    def add_arguments(self, parser):
        parser.add_argument("--procedure", metavar="REF", help="Only this published procedure (its reference).")
        parser.add_argument("--output", metavar="FILE", help="Write to this file instead of standard output.")

    def handle(self, *args, procedure=None, output=None, **options):
        if procedure:
            loaded = selectors.published_procedure(procedure.strip())
            if loaded is None:
                raise CommandError(f"No published procedure has the reference {procedure!r}.")
            package = builder.procedure_package(loaded)
        else:
            procedures = selectors.procedures_for_ocds(selectors.published())
            if not procedures:
                raise CommandError("No procedure is published yet: an OCDS package needs at least one release.")
            package = builder.bulk_package(procedures)
        try:
            problems = standard.problems(package)
        except standard.StandardNotFound as exc:
            raise CommandError(str(exc)) from None
        if problems:
            listed = "\n".join(f"  {problem}" for problem in problems)
            raise CommandError(f"The package is not valid OCDS 1.1.5; nothing was written:\n{listed}")
        text = json.dumps(package, indent=2, ensure_ascii=False) + "\n"
        if output:
            try:
                Path(output).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"Could not write {output}: {exc.strerror or exc}.") from None
            self.stderr.write(self.style.SUCCESS(
                f"Wrote {len(package['releases'])} releases to {output} (valid OCDS 1.1.5)."))
        else:
            self.stdout.write(text, ending="")
