"""The procedure page's bid opening panel (issue 20).

Owned with its template templates/awards/portal_side/_opening.html."""

from django import template

register = template.Library()


@register.inclusion_tag("awards/portal_side/_opening.html", takes_context=True)
def opening_panel(context, procedure):
    return {"procedure": procedure, "user": context["user"], "request": context.get("request"), "show": False}
