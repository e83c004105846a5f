"""The procedure page's price panel (issue 20).

Owned with its template templates/awards/portal_side/_price.html."""

from django import template

register = template.Library()


@register.inclusion_tag("awards/portal_side/_price.html", takes_context=True)
def price_panel(context, procedure):
    return {"procedure": procedure, "user": context["user"], "request": context.get("request"), "show": False}
