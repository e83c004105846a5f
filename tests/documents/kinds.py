"""Document kinds used only by the tests. Importing this module registers them (the integration tests make
the worker import it too, through BATON_DOCUMENT_KIND_MODULES)."""

import hashlib
import time

from django.db.models import Q

from procurement import authz
from procurement.documents.registry import DocumentKind, content_hash, register
from procurement.markdown import render_markdown
from vendors.models import Vendor


class OwnerSeesVendor(authz.ObjectPolicy):
    """A stand-in vendor policy: the owner (plus auditors and superusers) sees the vendor."""

    model = Vendor

    def related(self, user):
        return Q(owner=user)


owner_policy = OwnerSeesVendor()


def note_context(vendor: Vendor) -> dict:
    rows = int(vendor.trading_name.rsplit(" ", 1)[-1]) if vendor.trading_name.startswith("rows ") else 3
    return {
        "narrative": render_markdown(vendor.description),
        "rows": [{"n": n, "label": f"{vendor.legal_name} item {n}",
                  "sha256": hashlib.sha256(f"{vendor.pk}-{n}".encode()).hexdigest()} for n in range(1, rows + 1)],
    }


def slow_context(vendor: Vendor) -> dict:
    time.sleep(3)  # long enough for a test to kill the worker mid-render
    return note_context(vendor)


def broken_context(vendor: Vendor) -> dict:
    raise ValueError("the template data could not be assembled")


def _cheap_hash(key):
    return lambda vendor: content_hash(key, vendor.legal_name, vendor.trading_name, vendor.description)


NOTE = register(DocumentKind(
    key="test_note", label="Test note", source_model="vendors.Vendor", policy=owner_policy,
    template="documents/example.html", build_context=note_context, source_label="vendor",
    filename="{slug}-note-v{version}", title=lambda v: f"Note on {v.legal_name}",
    reference=lambda v: f"V-{v.pk:04d}",
), replace=True)

SLOW = register(DocumentKind(
    key="test_slow_note", label="Slow test note", source_model="vendors.Vendor", policy=owner_policy,
    template="documents/example.html", build_context=slow_context, source_hash=_cheap_hash("test_slow_note"),
    filename="{slug}-slow-v{version}", title=lambda v: f"Slow note on {v.legal_name}",
), replace=True)

BROKEN = register(DocumentKind(
    key="test_broken", label="Broken test note", source_model="vendors.Vendor", policy=owner_policy,
    template="documents/example.html", build_context=broken_context, source_hash=_cheap_hash("test_broken"),
    filename="{slug}-broken-v{version}", title=lambda v: f"Broken note on {v.legal_name}",
), replace=True)

PACK = register(DocumentKind(
    key="test_pack", label="Test pack", source_model="vendors.Vendor", policy=owner_policy,
    template="documents/example.html", build_context=note_context,
    filename="{slug}-pack-v{version}", title=lambda v: f"Pack for {v.legal_name}",
    attachments=lambda v, ctx: {
        "rows.csv": ("n,label\r\n" + "".join(f"{r['n']},{r['label']}\r\n" for r in ctx["rows"])).encode(),
        "dates.ics": b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n",
    },
), replace=True)
