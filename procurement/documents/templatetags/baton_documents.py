"""`{% document_panel kind source as panel %}`: the state the document component shows."""

from django import template

from procurement.documents.registry import UnknownDocumentKind, get_kind
from procurement.documents.selectors import panel_state

register = template.Library()


@register.simple_tag(takes_context=True)
def document_panel(context, kind: str, source) -> dict | None:
    """None for an unknown kind or a missing source, so a page never breaks over its document panel."""
    if source is None or getattr(source, "pk", None) is None:
        return None
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    try:
        return panel_state(get_kind(kind), source, user=user)
    except UnknownDocumentKind:
        return None
