from django.urls import path

from collab_portal.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
    path("inbox/counts/", views.tab_counts, name="tab_counts"),
]
