from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "procurement.notifications"
    label = "notifications"
    verbose_name = "Notifications"
