"""`{% document_panel kind source as panel %}`: the state the document component shows."""

from django import template

from procurement.documents.registry import UnknownDocumentKind, get_kind
from procurement.documents.selectors import panel_state

register = template.Library()


@register.simple_tag
def document_panel(kind: str, source) -> dict | None:
    """None for an unknown kind or a missing source, so a page never breaks over its document panel."""
    if source is None or getattr(source, "pk", None) is None:
        return None
    try:
        return panel_state(get_kind(kind), source)
    except UnknownDocumentKind:
        return None
