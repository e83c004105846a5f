from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from procurement import calendar_feed, exchange_rate_views, health, metrics, search, time_zones, views
from procurement.contributions import collect
from procurement.sso import views as sso_views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/page/", views.floor, name="floor"),
    # Probes and metrics (procurement.health, procurement.metrics): open to probes, revealing nothing.
    path("health/live/", health.live, name="health_live"),
    path("health/ready/", health.ready, name="health_ready"),
    path("health/workers/", health.workers, name="health_workers"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("accounts/login/", sso_views.BatonLoginView.as_view(), name="login"),  # + single sign-on (procurement.sso)
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/time-zone/", time_zones.time_zone_view, name="time_zone"),  # issue 21: each person's zone
    # Each app's pages (and the kernel's documents, audit and notifications): `Contributions.urls`.
    *[path(entry.prefix, include(entry.module)) for entry in collect().urls],
    path("search/", search.search_view, name="search"),
    path("policy/", include("procurement.policy_views")),  # issue 21: the policy tables and their versions
    path("exchange-rates/", exchange_rate_views.rate_list, name="exchange_rates"),
    path("exchange-rates/record/", exchange_rate_views.rate_record, name="exchange_rate_record"),
    path("calendar/<str:token>.ics", calendar_feed.feed_view, name="calendar_feed"),
    path("admin/", admin.site.urls),
]

handler400 = "procurement.views.error_400"
handler403 = "procurement.views.error_403"
handler404 = "procurement.views.error_404"
handler500 = "procurement.views.error_500"
