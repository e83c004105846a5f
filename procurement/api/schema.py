"""The OpenAPI document as committed in docs/openapi.json (stable key order, two-space indent)."""

import json
from pathlib import Path

from django.conf import settings

COMMITTED = Path(settings.BASE_DIR) / "docs" / "openapi.json"


def schema_text() -> str:
    from procurement.api.build import build_api

    document = build_api().get_openapi_schema(path_prefix="/api/v1/")
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
