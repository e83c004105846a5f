"""Baton's embedded database engine: Django's SQLite backend, with a start-up that a busy file cannot derail.

Django learns whether SQLite has JSON support by running `SELECT JSON(...)` on the database inside a
transaction, and reads any failure as "no JSON support". With Baton's `transaction_mode = IMMEDIATE` that
transaction takes the file's write lock, so when another process holds it past the busy timeout (a worker, a
second `manage.py`, a loaded machine) the query fails with "database is locked" and `migrate` stops with the
misleading "SQLite does not support JSONFields" (issue 18). JSON support belongs to the SQLite library, not to
the file: here it is asked of a private in-memory database, which no other process can lock.
"""
