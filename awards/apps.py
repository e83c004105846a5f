from importlib import import_module

from django.apps import AppConfig


class AwardsConfig(AppConfig):
    name = "awards"
    verbose_name = "Award procedures"

    def ready(self):
        from awards.prerequisites import PREREQUISITE_MODULES

        for module in PREREQUISITE_MODULES:
            import_module(module)
