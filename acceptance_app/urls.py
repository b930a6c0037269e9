"""Stage 5–6 pages hang under the case (/requests/<code>/delivery/…, …/retrospective/);
the list across cases is /acceptance/."""

from django.urls import path

from acceptance_app.views import cases, delivery, external, retrospective

app_name = "acceptance_app"
CASE = "requests/<str:code>/"
urlpatterns = [
    path("acceptance/", cases.acceptance_list, name="list"),
    path(CASE + "delivery/", delivery.delivery_overview, name="overview"),
    path(CASE + "delivery/new-version/", delivery.delivery_new_version, name="new_version"),
    path(CASE + "delivery/items/new/", delivery.item_add, name="item_add"),
    path(CASE + "delivery/items/<int:pk>/", delivery.item_edit, name="item_edit"),
    path(CASE + "delivery/items/<int:pk>/remove/", delivery.item_remove, name="item_remove"),
    path(CASE + "delivery/files/<int:pk>/", delivery.file_download, name="file"),
    path(CASE + "delivery/files/<int:pk>/remove/", delivery.file_remove, name="file_remove"),
    path(CASE + "delivery/v<int:version>/", delivery.delivery_version, name="delivery"),
    path(CASE + "delivery/v<int:version>/submit/", delivery.delivery_submit, name="submit"),
    path(CASE + "delivery/v<int:version>/withdraw/", delivery.delivery_withdraw, name="withdraw"),
    path(CASE + "delivery/v<int:version>/urge/", delivery.delivery_urge, name="urge"),
    path(CASE + "delivery/v<int:version>/accept/", delivery.delivery_accept, name="accept"),
    path(CASE + "delivery/v<int:version>/link/", delivery.delivery_link, name="link"),
    path(CASE + "delivery/v<int:version>/pdf/", delivery.delivery_pdf, name="delivery_pdf"),
    path(
        CASE + "delivery/v<int:version>/acceptance.pdf",
        delivery.acceptance_pdf,
        name="acceptance_pdf",
    ),
    path(CASE + "retrospective/", retrospective.retrospective, name="retrospective"),
    path(CASE + "retrospective/save/", retrospective.retrospective_save, name="retrospective_save"),
    path(
        CASE + "retrospective/rate/<int:receiver_pk>/",
        retrospective.retrospective_rate,
        name="retrospective_rate",
    ),
    path(CASE + "retrospective/file/", retrospective.retrospective_file, name="retrospective_file"),
    path(CASE + "retrospective/pdf/", retrospective.retrospective_pdf, name="retrospective_pdf"),
    path(CASE + "archive.zip", retrospective.archive_bundle, name="bundle"),
    path(CASE + "archive/status/", retrospective.archive_bundle_status, name="bundle_status"),
]

external_urlpatterns = [
    path("accept/<str:token>/", external.external_acceptance, name="acceptance"),
    path(
        "accept/<str:token>/files/<int:pk>/",
        external.external_acceptance_file,
        name="acceptance_file",
    ),
]
