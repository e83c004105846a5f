"""Evidence (upload, download, review) and attestations."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from procurement.uploads import attachment_response
from vendors import forms, selectors, services
from vendors.views._common import vendor_for, vendor_form


@login_required
def evidence_upload(request, pk):
    vendor = vendor_for(request, pk, "upload_evidence")
    replaces = None
    wanted = request.POST.get("replaces") or request.GET.get("replaces")
    if wanted:
        if not wanted.isdigit():
            raise Http404("No such evidence.")
        replaces = get_object_or_404(selectors.vendor_evidence(vendor), pk=int(wanted))

    def upload(form):
        data = form.cleaned_data
        return services.evidence_upload(
            actor=request.user, vendor=vendor, content=data["file"], original_name=data["file"].name,
            kind=replaces.kind if replaces else data["kind"], title=data["title"], source=data["source"],
            effective_date=data["effective_date"], valid_until=data["valid_until"], supersedes=replaces)

    return vendor_form(
        request, forms.EvidenceForm, upload, vendor=vendor, multipart=True, submit="Upload",
        title=f"New version of “{replaces.title}”" if replaces else f"Upload evidence for {vendor}",
        done=lambda evidence: f"Evidence “{evidence.title}” uploaded; it awaits review.",
        form_kwargs={"replaces": replaces}, extra={"replaces": replaces})


@login_required
def evidence_download(request, pk, evidence_id):
    vendor = vendor_for(request, pk)
    evidence = get_object_or_404(selectors.vendor_evidence(vendor), pk=evidence_id)
    try:
        handle = services.evidence_verified_file(actor=request.user, evidence=evidence)
    except services.EvidenceTampered as exc:
        return render(request, "vendors/evidence_refused.html", {"vendor": vendor, "message": str(exc)}, status=409)
    safe_name = "".join(ch for ch in evidence.original_name if ch.isalnum() or ch in "._- ") or "evidence"
    return attachment_response(handle, filename=safe_name, content_type=evidence.content_type, sha256=evidence.sha256)


@login_required
def evidence_review(request, pk, evidence_id):
    vendor = vendor_for(request, pk, "review_evidence")
    evidence = get_object_or_404(selectors.vendor_evidence(vendor), pk=evidence_id)
    return vendor_form(
        request, forms.EvidenceReviewForm,
        lambda form: services.evidence_review(actor=request.user, evidence=evidence,
                                              outcome=form.cleaned_data["review_outcome"],
                                              notes=form.cleaned_data["review_notes"]),
        vendor=vendor, title=f"Review “{evidence.title}”", submit="Record review",
        done=f"Review of “{evidence.title}” recorded.", extra={"evidence": evidence})


@login_required
def attestation_create(request, pk):
    vendor = vendor_for(request, pk, "edit")
    return vendor_form(
        request, forms.AttestationForm,
        lambda form: services.attestation_record(actor=request.user, vendor=vendor, **form.cleaned_data),
        vendor=vendor, title=f"Record an attestation for {vendor}", submit="Record attestation",
        done="Attestation recorded.", form_kwargs={"vendor": vendor})
