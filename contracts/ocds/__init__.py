"""Open Contracting Data Standard 1.1.5 publication (issue 19)."""
