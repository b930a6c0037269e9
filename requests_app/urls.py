from django.urls import path

from requests_app import pdf_views
from requests_app.views import case, links, plan, registration, sync

app_name = "requests_app"
urlpatterns = [
    path("", case.request_list, name="list"),
    path("all/", case.request_list, {"tab": "all"}, name="all"),
    path("waiting/", case.waiting_list, name="waiting"),
    path("new/", registration.request_create, name="create"),
    path("<str:code>/", case.request_detail, name="detail"),
    path("<str:code>/edit/", registration.request_edit, name="edit"),
    path("<str:code>/submit/", registration.request_submit, name="submit"),
    path("<str:code>/withdraw/", registration.request_withdraw, name="withdraw"),
    path("<str:code>/urge/", registration.request_urge, name="urge"),
    path("<str:code>/review/", registration.request_review, name="review"),
    path("<str:code>/hand-over/", registration.request_hand_over, name="hand_over"),
    path("<str:code>/copy-in/", case.request_copy_in, name="copy_in"),
    path("<str:code>/cancel/", case.request_cancel, name="cancel"),
    path("<str:code>/files/<int:pk>/", registration.attachment_download, name="attachment"),
    path(
        "<str:code>/files/<int:pk>/delete/",
        registration.attachment_delete,
        name="attachment_delete",
    ),
    path("<str:code>/sync/new/", sync.sync_record_add, name="sync_add"),
    path("<str:code>/sync/<int:pk>/acknowledge/", sync.sync_acknowledge, name="sync_ack"),
    path("<str:code>/sync/kickoff/", sync.kickoff_record, name="kickoff"),
    path("<str:code>/sync/finish/", sync.sync_finish, name="sync_finish"),
    path("<str:code>/plan/edit/", plan.plan_edit, name="plan_edit"),
    path("<str:code>/plan/propose/", plan.plan_propose, name="plan_propose"),
    path("<str:code>/plan/sign/", plan.plan_sign, name="plan_sign"),
    path("<str:code>/plan/urge/", plan.plan_urge, name="plan_urge"),
    path("<str:code>/plan/new-version/", plan.plan_new_version, name="plan_new_version"),
    path("<str:code>/plan/link/<int:receiver_pk>/", links.plan_link_create, name="plan_link"),
    path("<str:code>/links/email/", links.link_email, name="link_email"),
    path("<str:code>/links/<int:pk>/revoke/", links.link_revoke, name="link_revoke"),
    path("<str:code>/plan/v<int:version>/", plan.plan_detail, name="plan"),
    path("<str:code>/pdf/registration/", pdf_views.registration_pdf, name="pdf_registration"),
    path("<str:code>/pdf/sync/", pdf_views.sync_pdf, name="pdf_sync"),
    path("<str:code>/pdf/plan/v<int:version>/", pdf_views.plan_pdf, name="pdf_plan"),
]

external_urlpatterns = [
    path("plan/<str:token>/", links.external_plan, name="plan"),
    path("plan/<str:token>/files/<int:pk>/", links.external_plan_file, name="plan_file"),
]
