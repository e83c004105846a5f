"""The procedure page's bidders' portal (invitations, RFP documents, notices) panel (issue 20).

Owned with its template templates/awards/portal_side/_invitations.html."""

from django import template

register = template.Library()


@register.inclusion_tag("awards/portal_side/_invitations.html", takes_context=True)
def invitations_panel(context, procedure):
    return {"procedure": procedure, "user": context["user"], "request": context.get("request"), "show": False}
