import logging
import os
from importlib import import_module

from django.apps import AppConfig
from django.conf import settings

logger = logging.getLogger(__name__)

# Modules that register document kinds when imported. A later capability adds its module here (one line),
# because the kinds must be known in every process: web, worker and beat.
KIND_MODULES = (
    "vendors.dossier",
    "awards.documents",
    "awards.memo_documents",
    "contracts.documents",
)


def kind_modules() -> list[str]:
    """KIND_MODULES, plus BATON_DOCUMENT_KIND_MODULES (a setting, or a comma-separated environment variable
    of the same name — the integration tests use it to give the worker process their test-only kinds)."""
    extra = getattr(settings, "BATON_DOCUMENT_KIND_MODULES", None)
    if extra is None:
        extra = [m.strip() for m in os.environ.get("BATON_DOCUMENT_KIND_MODULES", "").split(",") if m.strip()]
    return [*KIND_MODULES, *extra]


class DocumentsConfig(AppConfig):
    name = "procurement.documents"
    label = "documents"
    verbose_name = "Rendered documents"

    def ready(self) -> None:
        for module in kind_modules():
            try:
                import_module(module)
            except ModuleNotFoundError as exc:
                # A capability that has no documents yet is fine; a broken import inside one is not.
                if exc.name is None or not module.startswith(exc.name):
                    raise
                logger.debug("No document kinds in %s (not present)", module)
