"""What every vendors page shares: fetch-and-authorize the vendor, and the one form page."""

from procurement import authz
from procurement.posting import handle_form
from vendors.policies import vendor_policy


def vendor_for(request, pk, action="view", queryset=None):
    """The vendor `pk` if the user sees it (else 404) and may do `action` (else 403)."""
    return authz.get_for_user_or_404(request.user, vendor_policy, action=action, queryset=queryset, pk=pk)


def vendor_form(request, form_class, call, *, vendor=None, title, submit, success=None, done="", intro="",
                multipart=False, form_kwargs=None, extra=None):
    """A vendors form page answered by procurement.posting.handle_form (400 invalid, 409 refused)."""
    context = {"vendor": vendor, "title": title, "submit": submit, "intro": intro, "multipart": multipart,
               **(extra or {})}
    return handle_form(request, form_class, call, template="vendors/form.html", context=context,
                       success=success if success is not None else vendor, done=done, form_kwargs=form_kwargs)
