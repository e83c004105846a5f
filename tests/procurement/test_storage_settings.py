"""STORAGES from the environment (procurement.conf.storage): local disk unless S3_BUCKET is set. No network."""

import environ
import pytest
from django.core.files.storage import FileSystemStorage
from django.utils.module_loading import import_string
from storages.backends.s3 import S3Storage

from procurement.conf.storage import S3_SPOOL_MAX_MEMORY, storages

STATIC = "django.contrib.staticfiles.storage.StaticFilesStorage"


def _storages(values: dict[str, str]) -> dict:
    env = environ.Env()
    env.ENVIRON = dict(values)  # read only these values, not this process's environment
    return storages(env, private_root="/srv/baton/private", static_backend=STATIC)


def _build(config: dict):
    return import_string(config["BACKEND"])(**config["OPTIONS"])


def test_without_a_bucket_files_stay_on_local_disk_under_the_private_root():
    config = _storages({"S3_ENDPOINT_URL": "http://127.0.0.1:9000", "AWS_ACCESS_KEY_ID": "ignored"})

    default = _build(config["default"])
    assert type(default) is FileSystemStorage
    assert default.location == "/srv/baton/private"
    assert config["default"]["OPTIONS"]["base_url"] is None  # no URL of its own for a private file
    assert config["staticfiles"] == {"BACKEND": STATIC}


def test_an_empty_bucket_name_counts_as_unset():
    assert _storages({"S3_BUCKET": ""})["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"


def test_a_bucket_with_an_endpoint_selects_private_signed_path_style_s3():
    config = _storages({"S3_BUCKET": "baton-files", "S3_ENDPOINT_URL": "http://127.0.0.1:9000",
                        "S3_REGION": "eu-west-2", "S3_PREFIX": "/baton/prod/", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
                        "AWS_SECRET_ACCESS_KEY": "secret-example"})

    storage = _build(config["default"])
    assert type(storage) is S3Storage
    assert (storage.bucket_name, storage.endpoint_url, storage.region_name, storage.location) == (
        "baton-files", "http://127.0.0.1:9000", "eu-west-2", "baton/prod")
    assert (storage.access_key, storage.secret_key) == ("AKIDEXAMPLE", "secret-example")
    assert storage.querystring_auth is True and storage.querystring_expire == 300
    assert storage.default_acl is None and storage.custom_domain is None
    assert storage.file_overwrite is False
    assert storage.gzip is False
    assert storage.client_config.signature_version == "s3v4"
    assert storage.client_config.s3 == {"addressing_style": "path"}
    assert storage.max_memory_size == S3_SPOOL_MAX_MEMORY > 0  # a read spills to disk past 2 MB
    transfer = storage.transfer_config
    assert (transfer.multipart_chunksize, transfer.max_request_concurrency, transfer.max_in_memory_upload_chunks) == (
        8 * 1024 * 1024, 2, 2)


def test_on_aws_itself_the_default_region_and_addressing_apply_and_credentials_come_from_boto3():
    config = _storages({"S3_BUCKET": "baton-files"})

    storage = _build(config["default"])
    assert storage.endpoint_url is None and storage.region_name == "us-east-1" and storage.location == ""
    assert storage.client_config.s3 == {"addressing_style": None}
    assert "access_key" not in config["default"]["OPTIONS"]  # boto3's own chain (instance role, ...)


@pytest.mark.parametrize("missing", ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"])
def test_half_a_key_pair_is_not_passed_on(missing):
    values = {"S3_BUCKET": "b", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret-example"}
    del values[missing]

    options = _storages(values)["default"]["OPTIONS"]
    assert "access_key" not in options and "secret_key" not in options
