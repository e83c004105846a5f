"""The procedure page's bidders' portal (invitations, RFP documents, notices) panel (issue 20).

Owned with its template templates/awards/portal_side/_invitations.html; what it shows is built in
awards.views.invitations.panel_context."""

from django import template

register = template.Library()


@register.inclusion_tag("awards/portal_side/_invitations.html", takes_context=True)
def invitations_panel(context, procedure):
    from awards.views.invitations import panel_context

    return {**panel_context(procedure, context["user"]), "user": context["user"], "request": context.get("request")}
