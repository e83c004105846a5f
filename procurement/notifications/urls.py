from django.urls import path

from procurement.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox_view, name="inbox"),
    path("<int:pk>/open/", views.open_view, name="open"),
    path("<int:pk>/read/", views.mark_read_view, name="mark_read"),
    path("read-all/", views.mark_all_read_view, name="mark_all_read"),
    path("preferences/", views.preferences_view, name="preferences"),
    path("calendar/", views.calendar_token_view, name="calendar_token"),
]
