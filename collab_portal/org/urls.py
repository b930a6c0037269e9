from django.urls import path

from collab_portal.org import views

app_name = "org"
urlpatterns = [
    path("delegations/", views.my_delegations, name="my_delegations"),
    path("delegations/<int:pk>/cancel/", views.delegation_cancel_view, name="delegation_cancel"),
    path("reminders/", views.my_reminder_channels, name="my_reminder_channels"),
]
