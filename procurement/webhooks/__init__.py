"""Webhooks (issue 19)."""
