"""STORAGES: private files on local disk (embedded default) or on S3-compatible storage when S3_BUCKET is set.

Evidence, proposals, acceptance files, rendered documents and audit checkpoints all go to STORAGES["default"].
With S3_BUCKET unset they stay under PRIVATE_STORAGE_ROOT, so web and worker must share that disk. With it set
they go to the bucket, and any number of web and worker hosts can share it:

    S3_BUCKET              the bucket (it must exist; Baton does not create it)
    S3_ENDPOINT_URL        for S3-compatible servers (MinIO, moto): e.g. http://127.0.0.1:9000; path-style
                           addressing is used then, since such servers rarely have a DNS name per bucket
    S3_REGION              default us-east-1
    S3_PREFIX              optional folder inside the bucket, e.g. "baton/production"
    AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
                           optional: without them boto3 looks for credentials the usual way (instance role, ...)

Nothing in the bucket is public. Objects carry no ACL of their own and inherit the bucket's, which is private
unless someone made it otherwise (a canned "private" ACL would be refused by buckets with ACLs disabled, the AWS
default). Baton never hands out storage URLs: every download goes through a permission-checked view that
re-checks the sha256 (procurement.uploads). Should something call `.url()` anyway, it gets a signed URL that
expires after five minutes, never a bare one.
"""

from boto3.s3.transfer import TransferConfig

MB = 1024 * 1024

# Reading a stored object downloads it into a temporary file that lives in memory up to this size, then on
# disk, so a 25 MB evidence file never sits whole in memory (django-storages' default, 0, never spills).
S3_SPOOL_MAX_MEMORY = 2 * MB


def s3_transfer_config() -> TransferConfig:
    """Transfers that keep memory flat: large uploads go in 8 MB parts, at most two of them in memory at once."""
    config = TransferConfig(multipart_threshold=8 * MB, multipart_chunksize=8 * MB, max_concurrency=2,
                            max_io_queue=16, io_chunksize=256 * 1024, preferred_transfer_client="classic")
    # Parts read ahead of the upload threads are held in memory; s3transfer's default allows ten (80 MB).
    config.max_in_memory_upload_chunks = 2
    config.max_in_memory_download_chunks = 2
    return config


def s3_options(env) -> dict:
    """The S3Storage options for the environment (S3_BUCKET set)."""
    endpoint = env.str("S3_ENDPOINT_URL", default="") or None
    options = {
        "bucket_name": env.str("S3_BUCKET"),
        "region_name": env.str("S3_REGION", default="us-east-1"),
        "endpoint_url": endpoint,
        "location": env.str("S3_PREFIX", default="").strip("/"),
        "signature_version": "s3v4",
        "addressing_style": "path" if endpoint else None,
        "default_acl": None,  # inherit the bucket's (private) ACL; see the module docstring
        "querystring_auth": True,  # any URL is signed ...
        "querystring_expire": 300,  # ... and short-lived
        "custom_domain": None,
        "file_overwrite": False,  # a name already taken gets a suffix; a stored file is never replaced
        "max_memory_size": S3_SPOOL_MAX_MEMORY,
        "transfer_config": s3_transfer_config(),
        "gzip": False,  # stored bytes are exactly the bytes whose sha256 was recorded
    }
    access_key = env.str("AWS_ACCESS_KEY_ID", default="")
    secret_key = env.str("AWS_SECRET_ACCESS_KEY", default="")
    if access_key and secret_key:
        options.update(access_key=access_key, secret_key=secret_key)
    return options


def storages(env, *, private_root: str, static_backend: str) -> dict:
    if env.str("S3_BUCKET", default=""):
        default = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": s3_options(env)}
    else:
        default = {"BACKEND": "django.core.files.storage.FileSystemStorage",
                   "OPTIONS": {"location": private_root, "base_url": None}}
    return {
        # Uploaded evidence and rendered documents: never under a public URL, served only by checked views.
        "default": default,
        "staticfiles": {"BACKEND": static_backend},
    }
