"""The webhooks pages (administrators; auditors read): thin — fetch-and-authorize, one service, answer."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from procurement import authz
from procurement.posting import handle_form
from procurement.webhooks import forms, selectors, services
from procurement.webhooks.models import Delivery
from procurement.webhooks.policies import MANAGERS_ONLY, delivery_policy, subscription_policy

PAGE_SIZE = 25


def _secret_page(request, subscription, secret: str, *, rotated: bool):
    response = render(request, "webhooks/secret.html",
                      {"subscription": subscription, "secret": secret, "rotated": rotated})
    add_never_cache_headers(response)  # shown once: never kept by a browser or a proxy
    return response


@login_required
@require_GET
def subscription_list(request):
    if not subscription_policy.sees_everything(request.user):
        raise PermissionDenied(MANAGERS_ONLY)
    page_obj = Paginator(selectors.subscriptions_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "webhooks/list.html", {
        "page_obj": page_obj, "query": "", "may_manage": subscription_policy.can(request.user, "manage"),
        "events": services.event_choices()})


@login_required
def subscription_create(request):
    refusal = subscription_policy.refusal(request.user, "manage")
    if refusal is not None:
        raise PermissionDenied(refusal)

    def create(form):
        return services.subscription_create(actor=request.user, **form.cleaned_data)

    return handle_form(request, forms.SubscriptionForm, create, template="webhooks/form.html",
                       context={"title": "New webhook subscription"},
                       success=lambda result: _secret_page(request, result[0], result[1], rotated=False))


@login_required
@require_GET
def subscription_detail(request, pk):
    subscription = authz.get_for_user_or_404(request.user, subscription_policy, pk=pk)
    status = request.GET.get("status", "")
    status = status if status in Delivery.Status.values else ""
    event = request.GET.get("event", "")[:64]
    log = selectors.delivery_log(request.user, subscription, status=status, event=event)
    page_obj = Paginator(log, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "webhooks/detail.html", {
        "subscription": subscription, "page_obj": page_obj, "status": status, "event": event,
        "query": urlencode({k: v for k, v in (("status", status), ("event", event)) if v}),
        "statuses": Delivery.Status.choices, "log_events": selectors.log_events(subscription),
        "event_labels": dict(services.event_choices()),
        "may_edit": subscription_policy.can(request.user, "edit", subscription),
    })


@login_required
def subscription_edit(request, pk):
    subscription = authz.get_for_user_or_404(request.user, subscription_policy, action="edit", pk=pk)
    return handle_form(
        request, forms.SubscriptionEditForm,
        lambda form: services.subscription_update(actor=request.user, subscription=subscription,
                                                  **form.cleaned_data),
        template="webhooks/form.html", success=subscription, done="Subscription saved.",
        context={"title": f"Edit webhook subscription {subscription}", "subscription": subscription},
        form_kwargs={"initial": {"url": subscription.url, "events": subscription.events,
                                 "description": subscription.description}})


@login_required
def subscription_deactivate(request, pk):
    subscription = authz.get_for_user_or_404(request.user, subscription_policy, action="edit", pk=pk)
    return handle_form(
        request, forms.ReasonForm,
        lambda form: services.subscription_deactivate(actor=request.user, subscription=subscription,
                                                      **form.cleaned_data),
        template="webhooks/reason.html", success=subscription, done="Subscription deactivated.",
        context={"subscription": subscription, "title": "Deactivate the subscription",
                 "button": "Deactivate",
                 "lead": "No event is sent to it any more; deliveries still waiting fail with this reason."})


@login_required
def subscription_rotate(request, pk):
    subscription = authz.get_for_user_or_404(request.user, subscription_policy, action="edit", pk=pk)
    return handle_form(
        request, forms.ReasonForm,
        lambda form: services.subscription_rotate_secret(actor=request.user, subscription=subscription,
                                                         **form.cleaned_data),
        template="webhooks/reason.html",
        success=lambda secret: _secret_page(request, subscription, secret, rotated=True),
        context={"subscription": subscription, "title": "Rotate the signing secret", "button": "Rotate the secret",
                 "lead": "The old secret stops working at once: every later delivery, retries included, is signed "
                         "with the new one. Give it to the receiver straight away."})


@login_required
@require_POST
def subscription_ping(request, pk):
    subscription = authz.get_for_user_or_404(request.user, subscription_policy, action="edit", pk=pk)
    delivery = services.subscription_ping(actor=request.user, subscription=subscription)
    messages.success(request, f"Test event queued (delivery {delivery.uid}).")
    return redirect(subscription)


def _delivery(request, pk, delivery_pk, action="view"):
    subscription = authz.get_for_user_or_404(request.user, subscription_policy, pk=pk)
    queryset = Delivery.objects.filter(subscription=subscription).select_related("subscription")
    return subscription, authz.get_for_user_or_404(request.user, delivery_policy, action=action, queryset=queryset,
                                                   pk=delivery_pk)


@login_required
@require_GET
def delivery_detail(request, pk, delivery_pk):
    subscription, delivery = _delivery(request, pk, delivery_pk)
    return render(request, "webhooks/delivery.html", {
        "subscription": subscription, "delivery": delivery, "attempts": delivery.attempts.order_by("number"),
        "may_resend": delivery_policy.can(request.user, "resend", delivery)})


@login_required
@require_POST
def delivery_resend(request, pk, delivery_pk):
    subscription, delivery = _delivery(request, pk, delivery_pk, action="resend")
    services.delivery_resend(actor=request.user, delivery=delivery)
    messages.success(request, f"Delivery {delivery.uid} queued again.")
    return redirect(reverse("webhooks:delivery", kwargs={"pk": subscription.pk, "delivery_pk": delivery.pk}))
