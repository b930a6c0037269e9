from django.urls import path

from collab_portal.signoffs import views

app_name = "signoffs"
urlpatterns = [
    path("", views.verify_form, name="verify"),
    path("<str:sha256>/", views.verify, name="verify_hash"),
]
