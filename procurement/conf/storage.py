"""STORAGES: private files on local disk (embedded default) or on S3-compatible storage when S3_BUCKET is set."""


def storages(env, *, private_root: str, static_backend: str) -> dict:
    return {
        # Uploaded evidence and rendered documents: never under a public URL, served only by checked views.
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": private_root, "base_url": None},
        },
        "staticfiles": {"BACKEND": static_backend},
    }
