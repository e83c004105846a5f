"""The vendor registry: vendors, their status (and exit), access grants, contacts and subprocessors."""

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django_countries import countries

from procurement import authz
from procurement.accounts.roles import Role, has_role
from procurement.audit.history import attribute
from procurement.exceptions import InvalidTransition
from procurement.services import model_delete, model_save, model_update
from procurement.statemachine import ensure_transition
from vendors import engagements
from vendors.models import Subprocessor, Vendor, VendorContact, VendorUserObjectPermission
from vendors.policies import vendor_policy
from vendors.services._common import need_reason
from vendors.transitions import VENDOR_STATUS

VENDOR_EDITABLE = ("legal_name", "trading_name", "website", "country", "offering_type", "ai_act_role",
                   "data_categories", "description", "owner")


def _country(value) -> str:
    """A country as the vendor stores it (its ISO 3166 two-letter code), or a ValidationError at the field. Checked
    before the model is built: django-countries' field parses what it is given, and a code such as "3²" failed
    there with a server error (found by the API's schemathesis walk)."""
    code = str(value or "").strip().upper()
    if len(code) != 2 or code not in countries:
        raise ValidationError({"country": "Choose a country: its two-letter ISO 3166 code, such as IE or DE."})
    return code


def _check_owner(owner) -> None:
    if owner is None or not owner.is_active or not (owner.is_superuser or has_role(owner, Role.PROCUREMENT_LEAD)):
        raise ValidationError({"owner": "The owner must be an active Procurement lead."})


@transaction.atomic
def vendor_create(*, actor, legal_name: str, country: str, offering_type: str, ai_act_role: str,
                  trading_name: str = "", website: str = "", data_categories: list[str] | tuple = (),
                  description: str = "", owner=None, reason: str = "Vendor registered") -> Vendor:
    authz.require(actor, vendor_policy, "create")
    owner = owner or actor
    _check_owner(owner)
    vendor = Vendor(legal_name=legal_name.strip(), trading_name=trading_name.strip(), website=website,
                    country=_country(country), offering_type=offering_type, ai_act_role=ai_act_role,
                    data_categories=list(data_categories), description=description, owner=owner)
    model_save(vendor, actor=actor, reason=reason)
    return vendor


@transaction.atomic
def vendor_update(*, actor, vendor: Vendor, reason: str = "Vendor details edited", **changes) -> Vendor:
    vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
    authz.require(actor, vendor_policy, "edit", vendor)
    if "country" in changes:
        changes["country"] = _country(changes["country"])
    return model_update(instance=vendor, fields=changes, allowed=VENDOR_EDITABLE, actor=actor, reason=reason,
                        check=(lambda v: _check_owner(v.owner)) if "owner" in changes else None)


@transaction.atomic
def vendor_set_status(*, actor, vendor: Vendor, status: str, reason: str) -> Vendor:
    vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
    authz.require(actor, vendor_policy, "edit", vendor)
    reason = need_reason(reason)
    ensure_transition(VENDOR_STATUS, vendor.status, status, labels=dict(Vendor.Status.choices),
                      subject=f"Vendor {vendor}")
    vendor.status = status
    attribute(vendor, actor=actor, reason=reason)
    vendor.save(update_fields=["status", "updated_at"])
    return vendor


class VendorHasOpenContracts(InvalidTransition):
    """The vendor still has a contract that is not closed, so it cannot be marked exited."""


def _may_mark_exited(actor, vendor: Vendor) -> bool:
    """A Procurement lead, or someone on the team of one of the vendor's contracts (the person closing the last
    contract, who may not otherwise see the vendor)."""
    if not authz.is_active_user(actor) or (has_role(actor, Role.AUDITOR) and not actor.is_superuser):
        return False
    if actor.is_superuser or has_role(actor, Role.PROCUREMENT_LEAD):
        return True
    return engagements.on_contract_team(actor, vendor)


@transaction.atomic
def vendor_mark_exited(*, vendor: Vendor, actor, reason: str) -> Vendor:
    """Move the vendor to exited once none of its contracts is open (called when the last contract closes).

    An active vendor passes through exiting in the same transaction (two history rows, both with the reason),
    so the status machine keeps its single path out of active. Already exited: returned unchanged.
    """
    vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
    if not _may_mark_exited(actor, vendor):
        raise PermissionDenied("Only a Procurement lead or the contract's team may mark the vendor exited.")
    reason = need_reason(reason)
    if vendor.status == Vendor.Status.EXITED:
        return vendor
    open_refs = [c.reference for c in engagements.open_contracts(vendor)]
    if open_refs:
        raise VendorHasOpenContracts(
            f"Vendor {vendor} still has open contracts ({', '.join(open_refs)}); close them before marking "
            "the vendor exited.")
    labels = dict(Vendor.Status.choices)
    if vendor.status == Vendor.Status.ACTIVE:
        ensure_transition(VENDOR_STATUS, vendor.status, Vendor.Status.EXITING, labels=labels,
                          subject=f"Vendor {vendor}")
        vendor.status = Vendor.Status.EXITING
        attribute(vendor, actor=actor, reason=f"Exiting: {reason}")
        vendor.save(update_fields=["status", "updated_at"])
    ensure_transition(VENDOR_STATUS, vendor.status, Vendor.Status.EXITED, labels=labels, subject=f"Vendor {vendor}")
    vendor.status = Vendor.Status.EXITED
    attribute(vendor, actor=actor, reason=f"Exited: {reason}")
    vendor.save(update_fields=["status", "updated_at"])
    return vendor


@transaction.atomic
def vendor_grant_view(*, actor, vendor: Vendor, user, reason: str = "Access granted") -> VendorUserObjectPermission:
    authz.require(actor, vendor_policy, "grant", vendor)
    if not user.is_active:
        raise ValidationError({"user": "That account is inactive."})
    permission = Permission.objects.get(content_type__app_label="vendors", codename="view_vendor")
    existing = VendorUserObjectPermission.objects.filter(user=user, permission=permission,
                                                         content_object=vendor).first()
    if existing:
        return existing
    grant = VendorUserObjectPermission(user=user, permission=permission, content_object=vendor)
    model_save(grant, actor=actor, reason=reason)
    return grant


@transaction.atomic
def vendor_revoke_view(*, actor, grant: VendorUserObjectPermission, reason: str = "Access withdrawn") -> None:
    authz.require(actor, vendor_policy, "grant", grant.content_object)
    model_delete(grant, actor=actor, reason=need_reason(reason))


@transaction.atomic
def contact_add(*, actor, vendor: Vendor, name: str, role: str = "", email: str = "", phone: str = "") -> VendorContact:
    authz.require(actor, vendor_policy, "edit", vendor)
    contact = VendorContact(vendor=vendor, name=name.strip(), role=role.strip(), email=email, phone=phone.strip())
    model_save(contact, actor=actor, reason="Contact added")
    return contact


@transaction.atomic
def contact_remove(*, actor, contact: VendorContact, reason: str = "Contact removed") -> None:
    authz.require(actor, vendor_policy, "edit", contact.vendor)
    model_delete(contact, actor=actor, reason=reason)


@transaction.atomic
def subprocessor_add(*, actor, vendor: Vendor, name: str, purpose: str, location: str) -> Subprocessor:
    authz.require(actor, vendor_policy, "edit", vendor)
    sub = Subprocessor(vendor=vendor, name=name.strip(), purpose=purpose.strip(), location=location.strip())
    model_save(sub, actor=actor, reason="Subprocessor added")
    return sub


@transaction.atomic
def subprocessor_remove(*, actor, subprocessor: Subprocessor, reason: str = "Subprocessor removed") -> None:
    authz.require(actor, vendor_policy, "edit", subprocessor.vendor)
    model_delete(subprocessor, actor=actor, reason=reason)
