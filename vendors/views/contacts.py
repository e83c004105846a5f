"""Contacts, subprocessors and read access to one vendor (posted from the vendor's page)."""

from django import forms as django_forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from vendors import forms, selectors, services
from vendors.views._common import vendor_for, vendor_form


@login_required
@require_POST
def contact_add(request, pk):
    vendor = vendor_for(request, pk, "edit")
    return vendor_form(
        request, forms.ContactForm,
        lambda form: services.contact_add(actor=request.user, vendor=vendor, **form.cleaned_data),
        vendor=vendor, title="Add a contact", submit="Add contact", done="Contact added.",
        form_kwargs={"prefix": "contact"})


@login_required
@require_POST
def contact_remove(request, pk, contact_id):
    vendor = vendor_for(request, pk, "edit")
    contact = get_object_or_404(selectors.vendor_contacts(vendor), pk=contact_id)
    return vendor_form(
        request, django_forms.Form, lambda form: services.contact_remove(actor=request.user, contact=contact),
        vendor=vendor, title=f"Remove the contact {contact}", submit="Remove", done="Contact removed.")


@login_required
@require_POST
def subprocessor_add(request, pk):
    vendor = vendor_for(request, pk, "edit")
    return vendor_form(
        request, forms.SubprocessorForm,
        lambda form: services.subprocessor_add(actor=request.user, vendor=vendor, **form.cleaned_data),
        vendor=vendor, title="Add a subprocessor", submit="Add subprocessor", done="Subprocessor added.",
        form_kwargs={"prefix": "sub"})


@login_required
@require_POST
def subprocessor_remove(request, pk, subprocessor_id):
    vendor = vendor_for(request, pk, "edit")
    subprocessor = get_object_or_404(selectors.vendor_subprocessors(vendor), pk=subprocessor_id)
    return vendor_form(
        request, django_forms.Form,
        lambda form: services.subprocessor_remove(actor=request.user, subprocessor=subprocessor),
        vendor=vendor, title=f"Remove the subprocessor {subprocessor}", submit="Remove",
        done="Subprocessor removed.")


@login_required
@require_POST
def access_grant(request, pk):
    vendor = vendor_for(request, pk, "grant")
    return vendor_form(
        request, forms.GrantForm,
        lambda form: services.vendor_grant_view(actor=request.user, vendor=vendor, user=form.cleaned_data["username"]),
        vendor=vendor, title="Give read access", submit="Give access", form_kwargs={"prefix": "grant"},
        done=lambda grant: f"{grant.user} can now see this vendor.")


@login_required
@require_POST
def access_revoke(request, pk, grant_id):
    vendor = vendor_for(request, pk, "grant")
    grant = get_object_or_404(selectors.vendor_grants(vendor), pk=grant_id)
    return vendor_form(
        request, django_forms.Form, lambda form: services.vendor_revoke_view(actor=request.user, grant=grant),
        vendor=vendor, title="Withdraw read access", submit="Withdraw", done="Access withdrawn.")
