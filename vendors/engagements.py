"""Award procedures and contracts involving a vendor, contributed by the downstream apps.

The vendors app does not import awards or contracts; each names a provider here,
`provider(user, vendor) -> list[Engagement]`, which returns only what that user may see.
"""

from dataclasses import dataclass
from importlib import import_module

PROVIDERS = ("awards.selectors.vendor_engagements", "contracts.selectors.vendor_engagements")


@dataclass(frozen=True)
class Engagement:
    kind: str  # "Award procedure", "Contract"
    reference: str
    title: str
    status: str
    url: str


def engagements_for(user, vendor) -> list[Engagement]:
    rows: list[Engagement] = []
    for dotted in PROVIDERS:
        module_name, _, name = dotted.rpartition(".")
        try:
            provider = getattr(import_module(module_name), name)
        except (ModuleNotFoundError, AttributeError):
            continue
        rows.extend(provider(user, vendor))
    return rows
