"""Baton's project package and shared kernel."""

from procurement.celery import app as celery_app

__all__ = ["celery_app"]
