"""The exchange-rates page: every recorded rate with its history, and the form that records a new one.

Thin, like every view: fetch-and-authorize, one service call through procurement.posting.handle_form.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from procurement.exchange_rates import currencies, current_rates, exchange_rate_policy, exchange_rate_record, rate_rows
from procurement.money import base_currency, plain
from procurement.posting import handle_form

PAGE_SIZE = 50


class ExchangeRateForm(forms.Form):
    currency = forms.CharField(max_length=3, help_text="Three-letter code, e.g. USD.")
    rate = forms.DecimalField(max_digits=20, decimal_places=10,
                              help_text="How many base-currency units one unit of this currency is worth.")
    valid_from = forms.DateField(label="Applies from", widget=forms.DateInput(attrs={"type": "date"}),
                                 help_text="The first day this rate applies; it applies until a later rate.")
    source = forms.CharField(max_length=200, help_text="Where the rate comes from, e.g. a central bank's daily fixing.")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    reason = forms.CharField(max_length=100, help_text="Kept in the rate's history, e.g. “November fixing”.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rate"].help_text = f"How many {base_currency()} one unit of this currency is worth."


@login_required
def rate_list(request):
    chosen = (request.GET.get("currency") or "").strip().upper()[:3]
    page_obj = Paginator(rate_rows(chosen), PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    current = [{**c, "text": plain(c["rate"].rate) if c["rate"] else ""} for c in current_rates(today)]
    return render(request, "procurement/exchange_rates.html", {
        "base": base_currency(), "today": today, "current": current, "currencies": currencies(),
        "chosen": chosen, "page_obj": page_obj, "query": f"currency={chosen}" if chosen else "",
        "rows": [{"row": r, "rate": plain(r.rate)} for r in page_obj.object_list],
        "may_record": exchange_rate_policy.can(request.user, "record"),
    })


@login_required
def rate_record(request):
    refusal = exchange_rate_policy.refusal(request.user, "record")
    if refusal is not None:
        raise PermissionDenied(refusal)
    return handle_form(
        request, ExchangeRateForm,
        lambda form: exchange_rate_record(actor=request.user, **form.cleaned_data),
        template="procurement/exchange_rate_form.html", context={"base": base_currency()},
        success=reverse("exchange_rates"), done=lambda row: f"Rate recorded: {row}.")
