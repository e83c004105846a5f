from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "contracts"

    def ready(self):
        from django.db.models.signals import post_save

        from contracts.signals import pack_rendered
        from procurement.documents.models import RenderedDocument

        post_save.connect(pack_rendered, sender=RenderedDocument, dispatch_uid="contracts.pack_rendered")
