"""The contracts app's policy tables (issue 21): their snapshots (tables.py), services, forms, views and URLs."""
