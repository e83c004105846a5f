"""The published open contracting data in the REST API (/api/v1/ocds/), for any token with the read scope.

Published data is public: these operations answer the same to every valid token, whoever holds it. A procedure
that is not published (never, or withdrawn) answers 404 exactly like one that does not exist.
"""

from django.http import Http404
from ninja import Router

from contracts.ocds import builder, selectors
from contracts.ocds.config import publication_policy_uri

router = Router(tags=["Open contracting data (OCDS)"])

NOT_PUBLISHED = "No published procedure has this reference."
NOTHING_PUBLISHED = "No procedure is published yet, so there is no bulk package."


@router.get("/procedures/{reference}", response=dict, url_name="ocds_procedure",
            summary="The release package of one published procedure")
def procedure_package(request, reference: str):
    procedure = selectors.published_procedure(reference)
    if procedure is None:
        raise Http404(NOT_PUBLISHED)
    return builder.procedure_package(procedure, request=request)


@router.get("/packages/bulk", response=dict, url_name="ocds_bulk",
            summary="One release package with every published procedure")
def bulk_package(request):
    procedures = selectors.procedures_for_ocds(selectors.published())
    if not procedures:
        raise Http404(NOTHING_PUBLISHED)
    return builder.bulk_package(procedures, request=request)


@router.get("/policy", response=dict, url_name="ocds_policy",
            summary="The publication policy: what Baton publishes and never publishes")
def publication_policy(request):
    return {"uri": publication_policy_uri(request), "rule": builder.PUBLICATION_RULE}
