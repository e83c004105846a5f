"""Importing vendors from a file: upload, a preview of every row, then an all-or-nothing confirmation."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from procurement import authz
from vendors import forms, importing, services
from vendors.policies import vendor_policy

IMPORT_SESSION_KEY = "vendors_import_rows"


@login_required
def vendor_import(request):
    authz.require(request.user, vendor_policy, "import")
    preview = None
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and request.POST.get("confirm"):
        rows = request.session.pop(IMPORT_SESSION_KEY, None)
        if not rows:
            messages.error(request, "The preview has expired; upload the file again.")
            return redirect("vendors:import")
        try:
            created = services.vendors_import(actor=request.user, rows=rows)
        except ValidationError as exc:
            messages.error(request, "Nothing was imported: " + " ".join(exc.messages))
            return redirect("vendors:import")
        messages.success(request, f"Imported {len(created)} vendor{'s' if len(created) != 1 else ''}.")
        return redirect("vendors:list")
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read(importing.MAX_IMPORT_BYTES + 1)
        preview = importing.parse(data, upload.name, actor=request.user)
        if preview.clean:
            request.session[IMPORT_SESSION_KEY] = [row.values for row in preview.rows]
        else:
            request.session.pop(IMPORT_SESSION_KEY, None)
    status = 400 if (form.errors or (preview is not None and not preview.clean)) else 200
    return render(request, "vendors/import.html", {"form": form, "preview": preview,
                                                   "columns": importing.COLUMNS}, status=status)
