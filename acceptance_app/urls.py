"""Stage 5–6 pages hang under the case (/requests/<code>/delivery/…, …/retrospective/);
the list across cases is /acceptance/."""

from django.urls import path

from acceptance_app import views

app_name = "acceptance_app"
CASE = "requests/<str:code>/"
urlpatterns = [
    path("acceptance/", views.acceptance_list, name="list"),
    path(CASE + "delivery/", views.delivery_overview, name="overview"),
    path(CASE + "delivery/new-version/", views.delivery_new_version, name="new_version"),
    path(CASE + "delivery/items/new/", views.item_add, name="item_add"),
    path(CASE + "delivery/items/<int:pk>/", views.item_edit, name="item_edit"),
    path(CASE + "delivery/items/<int:pk>/remove/", views.item_remove, name="item_remove"),
    path(CASE + "delivery/files/<int:pk>/", views.file_download, name="file"),
    path(CASE + "delivery/files/<int:pk>/remove/", views.file_remove, name="file_remove"),
    path(CASE + "delivery/v<int:version>/", views.delivery_version, name="delivery"),
    path(CASE + "delivery/v<int:version>/submit/", views.delivery_submit, name="submit"),
    path(CASE + "delivery/v<int:version>/withdraw/", views.delivery_withdraw, name="withdraw"),
    path(CASE + "delivery/v<int:version>/urge/", views.delivery_urge, name="urge"),
    path(CASE + "delivery/v<int:version>/accept/", views.delivery_accept, name="accept"),
    path(CASE + "delivery/v<int:version>/link/", views.delivery_link, name="link"),
    path(CASE + "delivery/v<int:version>/pdf/", views.delivery_pdf, name="delivery_pdf"),
    path(
        CASE + "delivery/v<int:version>/acceptance.pdf",
        views.acceptance_pdf,
        name="acceptance_pdf",
    ),
    path(CASE + "retrospective/", views.retrospective, name="retrospective"),
    path(CASE + "retrospective/save/", views.retrospective_save, name="retrospective_save"),
    path(
        CASE + "retrospective/rate/<int:receiver_pk>/",
        views.retrospective_rate,
        name="retrospective_rate",
    ),
    path(CASE + "retrospective/file/", views.retrospective_file, name="retrospective_file"),
    path(CASE + "retrospective/pdf/", views.retrospective_pdf, name="retrospective_pdf"),
    path(CASE + "archive.zip", views.archive_bundle, name="bundle"),
    path(CASE + "archive/status/", views.archive_bundle_status, name="bundle_status"),
]

external_urlpatterns = [
    path("accept/<str:token>/", views.external_acceptance, name="acceptance"),
    path(
        "accept/<str:token>/files/<int:pk>/",
        views.external_acceptance_file,
        name="acceptance_file",
    ),
]
