import logging
import os
from datetime import timedelta
from importlib import import_module

from django.apps import AppConfig
from django.conf import settings

from procurement.contributions import Contributions, PeriodicJob, UrlInclude

logger = logging.getLogger(__name__)


def kind_modules() -> list[str]:
    """The modules each app contributes (`Contributions.document_kinds`), plus BATON_DOCUMENT_KIND_MODULES (a
    setting, or a comma-separated environment variable of the same name — the integration tests use it to
    give the worker process their test-only kinds). The kinds must be known in every process: web, worker, beat."""
    from procurement.contributions import collect

    extra = getattr(settings, "BATON_DOCUMENT_KIND_MODULES", None)
    if extra is None:
        extra = [m.strip() for m in os.environ.get("BATON_DOCUMENT_KIND_MODULES", "").split(",") if m.strip()]
    return [*collect().all("document_kinds"), *extra]


class DocumentsConfig(AppConfig):
    name = "procurement.documents"
    label = "documents"
    verbose_name = "Rendered documents"
    contributions = Contributions(
        urls=(UrlInclude("documents/", "procurement.documents.urls"),),
        # Rendered documents stuck waiting (broker was down) or mid-render (worker died) are queued again.
        jobs=(PeriodicJob("documents-sweep", "documents.sweep", every=timedelta(seconds=60)),),
    )

    def ready(self) -> None:
        for module in kind_modules():
            try:
                import_module(module)
            except ModuleNotFoundError as exc:
                # A capability that has no documents yet is fine; a broken import inside one is not.
                if exc.name is None or not module.startswith(exc.name):
                    raise
                logger.debug("No document kinds in %s (not present)", module)
