from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from procurement.dashboard import home_context


@login_required
def home(request):
    return render(request, "procurement/home.html", home_context(request.user))


@login_required
def floor(request):
    """The benchmark floor: the base template for a signed-in user with no domain queries (see docs/performance.md)."""
    return render(request, "procurement/floor.html")


def error_400(request, exception=None):
    """A request Baton will not read: too large a body, too many fields, or otherwise malformed."""
    return render(request, "errors/400.html", status=400)


def error_403(request, exception=None):
    return render(request, "errors/403.html", {"message": str(exception or "")}, status=403)


def error_404(request, exception=None):
    return render(request, "errors/404.html", status=404)


def error_500(request):
    return render(request, "errors/500.html", status=500)
