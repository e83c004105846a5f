from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from procurement.models import ReferenceSequence, WorkerHeartbeat


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(SimpleHistoryAdmin):
    list_display = ("hostname", "pid", "seen_at")


@admin.register(ReferenceSequence)
class ReferenceSequenceAdmin(SimpleHistoryAdmin):
    list_display = ("prefix", "year", "last_number")
