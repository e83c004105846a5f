from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from procurement.dashboard import home_context


@login_required
def home(request):
    return render(request, "procurement/home.html", home_context(request.user))


def error_403(request, exception=None):
    return render(request, "errors/403.html", {"message": str(exception or "")}, status=403)


def error_404(request, exception=None):
    return render(request, "errors/404.html", status=404)


def error_500(request):
    return render(request, "errors/500.html", status=500)
