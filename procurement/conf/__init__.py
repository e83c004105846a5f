"""Settings that change when Baton runs on more than one machine, one concern per module.

`procurement.settings` calls each module's functions with its `environ.Env`; every module reads only the
environment, so the embedded default (nothing set) and a production stack (DATABASE_URL, REDIS_URL, CACHE_URL,
S3_BUCKET, ...) come from the same code. None of these modules imports Django models.
"""
