from datetime import timedelta

from django.apps import AppConfig

from procurement.contributions import Contributions, NavEntry, PeriodicJob, UrlInclude


class NotificationsConfig(AppConfig):
    name = "procurement.notifications"
    label = "notifications"
    verbose_name = "Notifications"
    contributions = Contributions(
        urls=(UrlInclude("notifications/", "procurement.notifications.urls"),),
        navigation=(NavEntry("Notifications", "notifications:inbox",
                             counter="procurement.notifications.selectors.unread_count", order=90),),
        # Notification emails whose queueing failed (broker down at commit) are queued again.
        jobs=(PeriodicJob("notifications-sweep", "notifications.sweep", every=timedelta(minutes=5)),),
    )
