"""Passkeys (issue 19)."""
