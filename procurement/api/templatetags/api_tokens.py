from django import template

from procurement.api.forms import ApiTokenForm
from procurement.api.policies import api_token_policy

register = template.Library()


@register.inclusion_tag("api/_tokens_panel.html", takes_context=True)
def api_tokens_panel(context):
    """The API tokens panel of the preferences page: the person's own tokens (never a secret) and a form."""
    user = context["request"].user
    tokens = list(api_token_policy.visible(user).filter(user=user).order_by("-created_at", "-pk"))
    return {"tokens": tokens, "form": ApiTokenForm(user=user), "request": context["request"],
            "csrf_token": context.get("csrf_token")}
