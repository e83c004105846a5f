"""In-app and email notifications: one row per (recipient, event key), email sent by Celery once."""
