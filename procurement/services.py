"""Kernel writes."""

import os
import socket

from django.db import transaction
from django.utils import timezone

from procurement.audit.history import attribute
from procurement.models import WorkerHeartbeat


@transaction.atomic
def worker_heartbeat_record(*, hostname: str | None = None, pid: int | None = None) -> WorkerHeartbeat:
    hostname = hostname or socket.gethostname()
    heartbeat = WorkerHeartbeat.objects.select_for_update().filter(hostname=hostname).first()
    if heartbeat is None:
        heartbeat = WorkerHeartbeat(hostname=hostname)
    heartbeat.pid = pid if pid is not None else os.getpid()
    heartbeat.seen_at = timezone.now()
    attribute(heartbeat, actor=None, reason="Worker heartbeat")
    heartbeat.save()
    return heartbeat
