from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from acceptance_app import urls as acceptance_urls
from collab_portal.lib.forms import PortalPasswordChangeForm
from collab_portal.org import views as org_views
from requests_app import urls as requests_urls

urlpatterns = [
    path("", include("collab_portal.dashboard.urls")),
    path("notifications/", include("collab_portal.notifications.urls")),
    path("dashboard/", include("insights_app.urls")),
    path("me/", include("collab_portal.org.urls")),
    path("verify/", include("collab_portal.signoffs.urls")),
    path("requests/", include("requests_app.urls")),
    path("", include("tasks_app.urls")),
    path("", include("risks_app.urls")),
    path("", include("acceptance_app.urls")),
    path(
        "x/",
        include(
            (
                requests_urls.external_urlpatterns + acceptance_urls.external_urlpatterns,
                "external",
            ),
            namespace="external",
        ),
    ),
    path("accounts/login/", org_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", org_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(
            template_name="registration/password_change.html", form_class=PortalPasswordChangeForm
        ),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path("i18n/setlang/", org_views.set_language, name="set_language"),
    path("healthz", org_views.healthz, name="healthz"),
    path("favicon.ico", org_views.favicon, name="favicon"),
    path("admin/", admin.site.urls),
]
