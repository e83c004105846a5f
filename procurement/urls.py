from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from procurement import calendar_feed, search, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/page/", views.floor, name="floor"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("vendors/", include("vendors.urls")),
    path("procedures/", include("awards.urls")),
    path("contracts/", include("contracts.urls")),
    path("documents/", include("procurement.documents.urls")),
    path("audit/", include("procurement.audit.urls")),
    path("notifications/", include("procurement.notifications.urls")),
    path("search/", search.search_view, name="search"),
    path("calendar/<str:token>.ics", calendar_feed.feed_view, name="calendar_feed"),
    path("admin/", admin.site.urls),
]

handler400 = "procurement.views.error_400"
handler403 = "procurement.views.error_403"
handler404 = "procurement.views.error_404"
handler500 = "procurement.views.error_500"
