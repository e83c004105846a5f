"""Single sign-on (issue 19)."""
