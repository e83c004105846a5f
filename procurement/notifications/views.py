"""The inbox, the preferences page and the calendar address controls. Every row is the signed-in person's own."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from procurement.notifications import selectors, services
from procurement.notifications.forms import InboxFilterForm, PreferencesForm
from procurement.notifications.models import CalendarFeed, Notification

PAGE_SIZE = 20


def _own_or_404(user, pk: int) -> Notification:
    notification = selectors.inbox(user).filter(pk=pk).first()
    if notification is None:
        raise Http404("No such notification.")
    return notification


@login_required
def inbox_view(request):
    filters = InboxFilterForm(request.GET or None)
    show, kind = "", ""
    if filters.is_valid():
        show, kind = filters.cleaned_data["show"], filters.cleaned_data["kind"]
    qs = selectors.inbox(request.user, unread_only=show == "unread", kind=kind)
    page_obj = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {"filters": filters, "page_obj": page_obj, "query": params.urlencode(),
               "unread": selectors.unread_count(request.user)}
    template = "notifications/inbox.html#items" if request.htmx else "notifications/inbox.html"
    return render(request, template, context)


def _safe_next(request, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                                require_https=request.is_secure()):
        return url
    return reverse("notifications:inbox")


@login_required
def open_view(request, pk: int):
    """Follow a notification's link, marking it read on the way."""
    notification = _own_or_404(request.user, pk)
    services.notification_mark_read(notification=notification, actor=request.user)
    return redirect(_safe_next(request, notification.url))


@login_required
@require_POST
def mark_read_view(request, pk: int):
    notification = _own_or_404(request.user, pk)
    services.notification_mark_read(notification=notification, actor=request.user)
    return redirect(_safe_next(request, request.POST.get("next", "")))


@login_required
@require_POST
def mark_all_read_view(request):
    count = services.notification_mark_all_read(actor=request.user)
    messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked read.")
    return redirect("notifications:inbox")


def _preferences_context(request, form, feed_url: str = "") -> dict:
    feed = CalendarFeed.objects.filter(user=request.user).first()
    return {"form": form, "rows": form.bound_rows(), "feed": feed, "feed_active": bool(feed and feed.is_active),
            "feed_url": feed_url}


@login_required
def preferences_view(request):
    rows = selectors.preference_table(request.user)
    if request.method == "POST":
        form = PreferencesForm(request.POST, rows=rows)
        if form.is_valid():
            services.preferences_set(actor=request.user, choices=form.choices())
            messages.success(request, "Your notification preferences are saved.")
            return redirect("notifications:preferences")
    else:
        form = PreferencesForm(rows=rows)
    return render(request, "notifications/preferences.html", _preferences_context(request, form))


@login_required
@require_POST
def calendar_token_view(request):
    """Create, regenerate or revoke the secret calendar address. A new address is shown once, here."""
    action = request.POST.get("action")
    feed_url = ""
    if action == "revoke":
        if services.calendar_feed_revoke(actor=request.user):
            messages.success(request, "Your calendar address is revoked; calendars using it stop updating.")
        return redirect("notifications:preferences")
    if action != "issue":
        messages.error(request, "Choose to create, regenerate or revoke your calendar address.")
        return redirect("notifications:preferences")
    token = services.calendar_feed_issue(actor=request.user)
    feed_url = request.build_absolute_uri(reverse("calendar_feed", kwargs={"token": token}))
    form = PreferencesForm(rows=selectors.preference_table(request.user))
    return render(request, "notifications/preferences.html", _preferences_context(request, form, feed_url))
