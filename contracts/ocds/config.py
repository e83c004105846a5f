"""The OCDS settings, each read with getattr and a default (none of them needs to be set):

- BATON_OCDS_OCID_PREFIX        the publisher's ocid prefix, registered with the Open Contracting Partnership
                                 ("ocds-" and six characters); default "ocds-baton0" (fine for a demo only);
- BATON_OCDS_PUBLISHER_NAME     who publishes (the package's publisher and the buyer party); default "Baton";
- BATON_OCDS_PUBLISHER_URI      the publisher's web address (optional);
- BATON_OCDS_PUBLISHER_SCHEME / BATON_OCDS_PUBLISHER_UID   the publisher's organisation identifier (optional);
- BATON_OCDS_BUYER_ID           the buyer party's id in every release; default "buyer";
- BATON_OCDS_BASE_URI           where the packages are served, ending in "/" (default: the API's /api/v1/ocds/
                                 on the host of the request, or http://localhost:8000 outside a request);
- BATON_OCDS_LICENSE            the data licence; default the Open Data Commons Public Domain Dedication;
- BATON_OCDS_PUBLICATION_POLICY where the publication policy is read; default the API's /api/v1/ocds/policy.
"""

from __future__ import annotations

from django.conf import settings

API_PATH = "/api/v1/ocds/"
DEFAULT_LICENSE = "https://opendatacommons.org/licenses/pddl/1-0/"


def _setting(name: str, default):
    value = getattr(settings, name, None)
    return value if value not in (None, "") else default


def ocid_prefix() -> str:
    return str(_setting("BATON_OCDS_OCID_PREFIX", "ocds-baton0")).strip().rstrip("-")


def ocid_for(reference: str) -> str:
    return f"{ocid_prefix()}-{reference}"


def buyer_id() -> str:
    return str(_setting("BATON_OCDS_BUYER_ID", "buyer"))


def publisher_name() -> str:
    return str(_setting("BATON_OCDS_PUBLISHER_NAME", "Baton"))


def publisher() -> dict:
    entry = {"name": publisher_name()}
    for key, name in (("scheme", "BATON_OCDS_PUBLISHER_SCHEME"), ("uid", "BATON_OCDS_PUBLISHER_UID"),
                      ("uri", "BATON_OCDS_PUBLISHER_URI")):
        value = _setting(name, None)
        if value:
            entry[key] = str(value)
    return entry


def base_uri(request=None) -> str:
    configured = _setting("BATON_OCDS_BASE_URI", None)
    if configured:
        return str(configured).rstrip("/") + "/"
    if request is not None:
        return request.build_absolute_uri(API_PATH)
    return f"http://localhost:8000{API_PATH}"


def license_uri() -> str:
    return str(_setting("BATON_OCDS_LICENSE", DEFAULT_LICENSE))


def publication_policy_uri(request=None) -> str:
    return str(_setting("BATON_OCDS_PUBLICATION_POLICY", base_uri(request) + "policy"))
