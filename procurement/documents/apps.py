from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "procurement.documents"
    label = "documents"
    verbose_name = "Rendered documents"
