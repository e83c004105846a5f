from celery import shared_task

from procurement.services import worker_heartbeat_record


@shared_task(name="procurement.tasks.worker_heartbeat")
def worker_heartbeat() -> None:
    """Record that a worker is alive, with the pid of the process that ran the task."""
    worker_heartbeat_record()
