"""The passkeys panel of the preferences page: `{% load passkeys_tags %}{% passkeys_panel %}`."""

from django import template

from procurement.passkeys.forms import AUTO_ID, PasskeyRegisterForm
from procurement.passkeys.selectors import passkeys_of, revoked_passkeys_of

register = template.Library()


@register.inclusion_tag("passkeys/_panel.html", takes_context=True)
def passkeys_panel(context):
    user = context["request"].user
    return {"request": context["request"], "csrf_token": context.get("csrf_token"),
            "passkeys": list(passkeys_of(user)), "revoked": list(revoked_passkeys_of(user)[:5]),
            "password_possible": user.has_usable_password(), "form": PasskeyRegisterForm(auto_id=AUTO_ID)}
