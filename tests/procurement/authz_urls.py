"""A tiny URLconf used only by the authorization-kernel tests."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path

from procurement import authz
from procurement.accounts.roles import Role
from procurement.models import WorkerHeartbeat


class HeartbeatPolicy(authz.ObjectPolicy):
    model = WorkerHeartbeat
    rules = {"edit": authz.role_required(Role.PROCUREMENT_LEAD)}

    def related(self, user):
        from django.db.models import Q

        return Q(hostname__startswith=f"{user.username}-")


policy = HeartbeatPolicy()


@login_required
def show(request, hostname):
    heartbeat = authz.get_for_user_or_404(request.user, policy, hostname=hostname)
    return HttpResponse(heartbeat.hostname)


@login_required
def edit(request, hostname):
    heartbeat = authz.get_for_user_or_404(request.user, policy, action="edit", hostname=hostname)
    return HttpResponse(f"may edit {heartbeat.hostname}")


urlpatterns = [
    path("hb/<str:hostname>/", show),
    path("hb/<str:hostname>/edit/", edit),
    path("accounts/login/", show, name="login"),
]
