"""REST API (issue 19)."""
